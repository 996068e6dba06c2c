# digest/: per-recipient digests (windows, caps, urgent, rate limit,
# rendering).  Pure: no I/O.  Users link smtp/libsmtp.la too (for
# smtp_subject_expand); it is not in LIBADD so the objects are not doubled.
noinst_LTLIBRARIES += digest/libdigest.la
digest_libdigest_la_SOURCES = \
	digest/digest.h \
	digest/internal.h \
	digest/digest.c \
	digest/pace.c \
	digest/batch.c \
	digest/fold.c \
	digest/kinds.c \
	digest/importance.c \
	digest/summary.c \
	digest/state.c \
	digest/render.c \
	digest/miner.h \
	digest/miner_impl.h \
	digest/miner.c \
	digest/miner_state.c \
	digest/timeline.c

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_digest
TESTS += tests/unit/test_digest
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_digest_LDADD = digest/libdigest.la smtp/libsmtp.la $(CRITERION_LIBS) \
	$(PTHREAD_LIBS)
check_PROGRAMS += tests/unit/test_miner
TESTS += tests/unit/test_miner
tests_unit_test_miner_SOURCES = tests/unit/test_miner.c
tests_unit_test_miner_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_miner_LDADD = digest/libdigest.la $(CRITERION_LIBS)
endif

# The digest states a journal keeps, fuzzed (tests/fuzz/README.md).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_digest_state
tests_fuzz_fuzz_digest_state_SOURCES = tests/fuzz/fuzz_digest_state.c
tests_fuzz_fuzz_digest_state_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_digest_state_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_digest_state_LDADD = digest/libdigest.la smtp/libsmtp.la $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS)
endif
