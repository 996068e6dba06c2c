# cli: logmail, the command front end (see cli/cli.h).
bin_PROGRAMS += logmail
logmail_SOURCES = cli/cli.h cli/main.c cli/shell.c cli/split.c cli/mail.c cli/show_log.c \
	cli/test_filters.c cli/log_line.c
logmail_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(PCRE2_CFLAGS)
logmail_LDADD = $(ENGINE_LIBS)

dist_man1_MANS = doc/logmail.1

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c cli/split.c
tests_unit_test_cli_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_cli_LDADD = $(CRITERION_LIBS)
# The dispatch of shell.c, with recorders standing in for cmd_* of mail.c.
check_PROGRAMS += tests/unit/test_cli_shell
TESTS += tests/unit/test_cli_shell
tests_unit_test_cli_shell_SOURCES = tests/unit/test_cli_shell.c cli/shell.c cli/split.c
tests_unit_test_cli_shell_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_cli_shell_LDADD = config/libconf.la $(CRITERION_LIBS) $(OPENSSL_LIBS) \
	$(PCRE2_LIBS)
endif

CLI_TESTS = \
	tests/integration/cli-configure.sh \
	tests/integration/cli-errors.sh \
	tests/integration/cli-script.sh \
	tests/integration/cli-shell.sh \
	tests/integration/cli-test-filters.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS)
