# config: the shared configuration library (grammar, parser, writer, password 8).
noinst_LTLIBRARIES += config/libconf.la
config_libconf_la_SOURCES = config/conf.h config/internal.h config/conf.c \
	config/cmdtree.h config/words.c config/vtypes.c config/declare.c config/cmdtree.c \
	config/parse.h config/parse.c config/parse_log.c config/load.c \
	config/write.c config/secret.c config/file.c
config_libconf_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(PCRE2_CFLAGS)
config_libconf_la_LIBADD = $(OPENSSL_LIBS) $(PCRE2_LIBS)

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_conf
TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_conf_LDADD = config/libconf.la $(CRITERION_LIBS)
endif

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDADD = config/libconf.la
endif
EXTRA_DIST += tests/fuzz/corpus/conf
