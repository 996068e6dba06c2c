# util/: the system helpers several libraries share (header only): util.h,
# replace.h (atomic file replacement), trust.h (ownership and mode checks),
# address.h (the one check of an email address, tested by
# tests/unit/test_address in tests/local.mk), syslog_line.h (the syslog
# line: tag, times, the traditional line).
noinst_HEADERS += util/util.h util/replace.h util/trust.h util/address.h util/syslog_line.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_util_LDADD = $(CRITERION_LIBS)

# The syslog line, read the same by the module's split, `test filters` and
# the benchmark (tests/unit/test_syslog_line.c).
check_PROGRAMS += tests/unit/test_syslog_line
TESTS += tests/unit/test_syslog_line
tests_unit_test_syslog_line_SOURCES = tests/unit/test_syslog_line.c util/syslog_line.h \
	bench/line.h bench/line.c plugin/fields.h plugin/fields.c cli/log_line.c
tests_unit_test_syslog_line_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_syslog_line_LDADD = $(CRITERION_LIBS)
endif
