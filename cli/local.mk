# cli: logmail, the command front end (see cli/cli.h).
bin_PROGRAMS += logmail
logmail_SOURCES = cli/main.c $(CLI_SOURCES)
# All of logmail but main(): the driver of tests/integration runs it too.
CLI_SOURCES = cli/cli.h cli/commands.c $(CLI_RUN_SOURCES) cli/help.c cli/term.c \
	cli/filter.c cli/split.c cli/mail.c cli/show.c cli/show_log.c cli/test_filters.c \
	cli/log_line.c cli/test_patterns.c
# How a line runs in the modes (cli/internal.h): the shell, its errors, the
# file, its own commands, the interrupt, where debug lines go.
CLI_RUN_SOURCES = cli/internal.h cli/shell.c cli/report.c cli/transact.c cli/handlers.c \
	cli/signals.c cli/monitor.c
logmail_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(PCRE2_CFLAGS) $(LIBEDIT_CFLAGS)
logmail_LDADD = $(ENGINE_LIBS) $(LIBEDIT_LIBS)

dist_man1_MANS = doc/logmail.1

if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c cli/split.c
tests_unit_test_cli_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_cli_LDADD = config/libconf.la $(CRITERION_LIBS) $(OPENSSL_LIBS) $(PCRE2_LIBS)
# The modes and dispatch of shell.c and the tables of commands.c, with
# recorders (cli_stubs.c) standing in for the handlers of mail.c,
# show_log.c, test_filters.c and test_patterns.c.
CLI_SHELL_SOURCES = $(CLI_RUN_SOURCES) cli/help.c cli/commands.c cli/term.c cli/filter.c \
	cli/split.c cli/show.c tests/unit/cli_stubs.c
CLI_SHELL_LDADD = config/libconf.la $(CRITERION_LIBS) $(OPENSSL_LIBS) $(PCRE2_LIBS) \
	$(LIBEDIT_LIBS)
check_PROGRAMS += tests/unit/test_cli_shell tests/unit/test_cmdtree
TESTS += tests/unit/test_cli_shell tests/unit/test_cmdtree
tests_unit_test_cli_shell_SOURCES = tests/unit/test_cli_shell.c $(CLI_SHELL_SOURCES)
tests_unit_test_cli_shell_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(LIBEDIT_CFLAGS)
tests_unit_test_cli_shell_LDADD = $(CLI_SHELL_LDADD)
tests_unit_test_cmdtree_SOURCES = tests/unit/test_cmdtree.c $(CLI_SHELL_SOURCES)
tests_unit_test_cmdtree_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(LIBEDIT_CFLAGS)
tests_unit_test_cmdtree_LDADD = $(CLI_SHELL_LDADD)
endif

CLI_TESTS = \
	tests/integration/cli-addresses.sh \
	tests/integration/cli-configure.sh \
	tests/integration/cli-fleet.sh \
	tests/integration/cli-debug-syslog.sh \
	tests/integration/cli-editors.sh \
	tests/integration/cli-trigger.sh \
	tests/integration/cli-errors.sh \
	tests/integration/cli-script.sh \
	tests/integration/cli-shell.sh \
	tests/integration/cli-shell-keys.sh \
	tests/integration/cli-show-system.sh \
	tests/integration/cli-mail-timeout.sh \
	tests/integration/package-postrm.sh \
	tests/integration/cli-test-filters.sh \
	tests/integration/cli-test-filters-logcheck.sh \
	tests/integration/cli-test-patterns.sh
TESTS += $(CLI_TESTS)
# logmail's runs, many in one process (cli-addresses.sh).
check_PROGRAMS += tests/integration/cli_driver
tests_integration_cli_driver_SOURCES = tests/integration/cli_driver.c $(CLI_SOURCES)
tests_integration_cli_driver_CFLAGS = $(logmail_CFLAGS)
tests_integration_cli_driver_LDADD = $(logmail_LDADD)
EXTRA_DIST += $(CLI_TESTS) tests/integration/ptyscreen.py

# The shell's line handling (`?`, Tab, history, pipes) under the fuzzer,
# with the recorders of cli_stubs.c for the mail and spool commands
# (tests/fuzz/README.md): the replay always, libFuzzer with --enable-fuzzing.
FUZZ_SHELL_SOURCES = tests/fuzz/fuzz_shell.c $(CLI_RUN_SOURCES) cli/help.c cli/commands.c \
	cli/term.c cli/filter.c cli/split.c cli/show.c tests/unit/cli_stubs.c
FUZZ_SHELL_LDADD = config/libconf.la $(OPENSSL_LIBS) $(PCRE2_LIBS) $(LIBEDIT_LIBS)
check_PROGRAMS += tests/fuzz/replay_shell
TESTS += tests/fuzz/replay_shell
tests_fuzz_replay_shell_SOURCES = tests/fuzz/replay.c $(FUZZ_SHELL_SOURCES)
tests_fuzz_replay_shell_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"shell"'
tests_fuzz_replay_shell_CFLAGS = $(AM_CFLAGS) $(LIBEDIT_CFLAGS)
tests_fuzz_replay_shell_LDADD = $(FUZZ_SHELL_LDADD)
EXTRA_DIST += tests/fuzz/corpus/shell
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_shell
tests_fuzz_fuzz_shell_SOURCES = $(FUZZ_SHELL_SOURCES)
tests_fuzz_fuzz_shell_CFLAGS = $(AM_CFLAGS) $(LIBEDIT_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_shell_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_shell_LDADD = $(FUZZ_SHELL_LDADD)
endif
