# reliability: crash, disk-full, valgrind and security tests (see the files)

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_journal
TESTS += tests/unit/test_journal
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_journal_LDADD = engine/libengine.la digest/libdigest.la smtp/libsmtp.la $(CRITERION_LIBS) \
	$(PTHREAD_LIBS)
endif

RELIABILITY_TESTS = \
	tests/integration/rsyslog-crash.sh \
	tests/integration/rsyslog-crash-sync.sh \
	tests/integration/rsyslog-crash-held.sh \
	tests/integration/rsyslog-crash-kinds.sh \
	tests/integration/rsyslog-journal-bound.sh \
	tests/integration/crash-delivery.sh \
	tests/integration/disk-full.sh \
	tests/integration/rsyslog-disk-full.sh \
	tests/integration/disk-corrupt.sh \
	tests/integration/valgrind-send.sh \
	tests/integration/security-tls.sh \
	tests/integration/security-injection.sh \
	tests/integration/cli-trust.sh \
	tests/integration/rsyslog-trust.sh \
	tests/integration/rsyslog-accounting.sh
TESTS += $(RELIABILITY_TESTS)
EXTRA_DIST += $(RELIABILITY_TESTS)
