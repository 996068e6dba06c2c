# filters: the `log email` filter engine (libfilters.la), its tests and fuzz target.
# Users link filters/libfilters.la and config/libconf.la.
noinst_LTLIBRARIES += filters/libfilters.la
filters_libfilters_la_SOURCES = filters/filter.h filters/internal.h filters/filter.c \
	filters/multire.c filters/logcheck-internal.h \
	filters/logcheck_ere.c filters/logcheck_head.c filters/logcheck_prefix.c \
	filters/logcheck_sig.c filters/logcheck_build.c filters/logcheck_load.c \
	filters/logcheck.c
if HAVE_VECTORSCAN
filters_libfilters_la_SOURCES += filters/hscache.c
endif
filters_libfilters_la_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS) $(VECTORSCAN_CFLAGS) $(OPENSSL_CFLAGS)
filters_libfilters_la_LIBADD = $(PCRE2_LIBS) $(VECTORSCAN_LIBS) $(OPENSSL_LIBS)

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_filters tests/unit/test_multire tests/unit/test_logcheck
TESTS += tests/unit/test_filters tests/unit/test_multire tests/unit/test_logcheck
tests_unit_test_logcheck_SOURCES = tests/unit/test_logcheck.c
tests_unit_test_logcheck_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_logcheck_LDADD = filters/libfilters.la config/libconf.la $(CRITERION_LIBS) \
	$(PCRE2_LIBS) $(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
tests_unit_test_multire_SOURCES = tests/unit/test_multire.c
tests_unit_test_multire_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(VECTORSCAN_CFLAGS)
tests_unit_test_multire_LDADD = filters/libfilters.la config/libconf.la $(CRITERION_LIBS) \
	$(PCRE2_LIBS) $(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
tests_unit_test_filters_SOURCES = tests/unit/test_filters.c cli/show_log.c
tests_unit_test_filters_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_filters_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS) $(VECTORSCAN_LIBS)
endif

if FUZZING
# coverage feedback from the library itself, not only from the target
filters_libfilters_la_CFLAGS += -fsanitize=fuzzer-no-link
noinst_PROGRAMS += tests/fuzz/fuzz_filters
tests_fuzz_fuzz_filters_SOURCES = tests/fuzz/fuzz_filters.c
tests_fuzz_fuzz_filters_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_filters_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_filters_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) $(OPENSSL_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/filters

TESTS += tests/integration/filters-show-log-config.sh
EXTRA_DIST += tests/integration/filters-show-log-config.sh

# logcheck's rule database (filters/filter.h): the driver that classifies a
# file of lines, and the comparison with logcheck itself at each level.
check_PROGRAMS += tests/integration/logcheck_driver
tests_integration_logcheck_driver_SOURCES = tests/integration/logcheck_driver.c
tests_integration_logcheck_driver_LDADD = filters/libfilters.la config/libconf.la \
	$(PCRE2_LIBS) $(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
TESTS += tests/integration/logcheck-ere.sh tests/integration/logcheck-equivalence.sh
EXTRA_DIST += tests/integration/logcheck-ere.sh tests/integration/logcheck-equivalence.sh \
	tests/integration/logcheck-lib.sh
