# util/: the system helpers several libraries share (header only): util.h,
# replace.h (atomic file replacement), trust.h (ownership and mode checks),
# address.h (the one check of an email address, tested by
# tests/unit/test_address in tests/local.mk).
noinst_HEADERS += util/util.h util/replace.h util/trust.h util/address.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_util_LDADD = $(CRITERION_LIBS)
endif
