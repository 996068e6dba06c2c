/*
 * tests/unit/test_cli_shell.c: the dispatch of cli/shell.c, in process:
 * abbreviations, the words handed to cmd_*, errors in each mode, batches
 * that stop at the first error and save nothing, scripts that go on after
 * a queued mail, output modifiers, and a file changed by someone else
 * between two commands.  The cmd_* of cli/mail.c and cli/show_log.c are
 * recorders (tests/unit/cli_stubs.c).
 */
#include "cli/cli.h"
#include "config/conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

extern char cli_stub_called[512];
extern int cli_stub_rc, cli_stub_mail_rc;

static char dir[] = "/tmp/test_cli_shell.XXXXXX";
static char path[64];
static struct cli cli;
static char *out_buf, *err_buf;
static size_t out_len, err_len;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/logmail.conf", dir);
	memset(&cli, 0, sizeof(cli));
	cli.config_path = path;
	cli.out = open_memstream(&out_buf, &out_len);
	cli.err = open_memstream(&err_buf, &err_len);
	cli.in = stdin;
	cli.monitor = CLI_MONITOR_STDERR;
	cr_assert_eq(cli_load(&cli), EX_OK);
	cli_stub_called[0] = '\0';
	cli_stub_rc = EX_OK;
	cli_stub_mail_rc = EX_OK;
}

static void teardown(void)
{
	char cmd[128];

	conf_free(cli.conf);
	fclose(cli.out);
	fclose(cli.err);
	free(out_buf);
	free(err_buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static int run(const char *line)
{
	struct conf_line l;
	char *argv[CONF_MAX_WORDS];
	int rc;

	cr_assert_eq(conf_line_split(&l, line, false, NULL), CONF_OK);
	for (size_t i = 0; i < l.n; i++)
		argv[i] = (char *)l.w[i].text;
	rc = cli_run_words(&cli, (int)l.n, argv);
	conf_line_free(&l);
	fflush(cli.out);
	fflush(cli.err);
	return rc;
}

static int batch(int (*fn)(struct cli *, FILE *, const char *), const char *text)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc;

	cr_assert_not_null(in);
	rc = fn(&cli, in, "t.scp");
	fclose(in);
	fflush(cli.out);
	fflush(cli.err);
	return rc;
}

static char *file_text(void)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TestSuite(cli_shell, .init = setup, .fini = teardown);

Test(cli_shell, abbreviations_reach_the_command)
{
	cr_assert_eq(run("sh c m"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_show_counter_mail sh c m");
	cr_assert_eq(run("show log config"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_show_log_config show log config");
	cr_assert_eq(run("del mail mail-id 20180711150931.12139"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_delete_mail del mail mail-id 20180711150931.12139");
	cr_assert_eq(run("no debug mail"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_undebug_mail no debug mail");
	cr_assert_eq(run("undebug all"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_undebug_mail undebug all");
	cr_assert_eq(run("clear counter mail"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_clear_counter_mail clear counter mail");
}

Test(cli_shell, mail_sends_only_with_to_subject_file_or_alone)
{
	cr_assert_eq(run("mail"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_mail mail");
	cr_assert_eq(run("mail to a@example.com subject \"a b\""), EX_OK);
	cr_assert_str_eq(cli_stub_called, "cmd_mail mail to a@example.com subject a b");
	cli_stub_called[0] = '\0';
	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cr_assert_str_eq(cli_stub_called, "", "mail from is configuration");
	cr_assert_str_eq(cli.conf->from, "a@example.com");
}

/* Unknown, incomplete, ambiguous, trailing words: one line naming the
 * place and what was expected. */
Test(cli_shell, errors_of_a_command_from_argv)
{
	cr_assert_eq(run("d mail"), EX_USAGE);
	cr_assert_eq(run("show bogus"), EX_USAGE);
	cr_assert_eq(run("show counter"), EX_USAGE);
	cr_assert_eq(run("debug mail extra"), EX_USAGE);
	cr_assert_eq(run("delete mail mail-id"), EX_USAGE);
	cr_assert_eq(run("show running-config | bogus"), EX_USAGE);
	cr_assert_eq(run("flush | count"), EX_USAGE);
	cr_assert_str_eq(
	    err_buf,
	    "logmail: <command>:1:1: ambiguous word \"d\"\n"
	    "logmail: <command>:1:6: unknown word \"bogus\" (expected running-config, mail, "
	    "counter, startup-config, debugging, version, clock or log)\n"
	    "logmail: <command>:1:13: expected mail after \"counter\"\n"
	    "logmail: <command>:1:12: unknown word \"extra\" (expected detail)\n"
	    "logmail: <command>:1:20: expected a value after \"mail-id\"\n"
	    "logmail: <command>:1:23: unknown command \"bogus\"\n"
	    "logmail: <command>:1:7: unexpected word \"|\"\n");
	cr_assert_str_eq(cli_stub_called, "");
}

Test(cli_shell, argv_config_command_is_saved_0600)
{
	struct stat st;

	cr_assert_eq(run("mail smtpserver smtp.example.com"), EX_OK);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
}

Test(cli_shell, configure_is_all_or_nothing)
{
	cr_assert_eq(batch(cli_configure, "mail from a@example.com\nmail smtpserver port 0\n"),
		     EX_USAGE);
	cr_assert_str_eq(err_buf,
			 "logmail: t.scp:2:22: expected a port number 1-65535, got \"0\"\n");
	cr_assert_neq(access(path, F_OK), 0, "nothing saved");
}

Test(cli_shell, configure_stops_at_end)
{
	cr_assert_eq(batch(cli_configure, "mail from a@example.com\nend\nbogus line\n"), EX_OK);
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_str_eq(cli.conf->from, "a@example.com");
}

/* The AWP form in scripts: the line, the caret under the word, the
 * message, each naming the place; the script stops there. */
Test(cli_shell, script_error_shows_the_caret)
{
	cr_assert_eq(batch(cli_script, "enable\nshow bogus\nshow mail\n"), EX_USAGE);
	cr_assert_str_eq(err_buf, "logmail: t.scp:2: show bogus\n"
				  "logmail: t.scp:2:      ^\n"
				  "logmail: t.scp:2: % Invalid input detected at '^' marker.\n");
	cr_assert_str_eq(cli_stub_called, "", "the script stopped at the error");
}

/* A mail only queued (flush deferred) is no error of the script: it goes
 * on, and exits with the worst status it saw. */
Test(cli_shell, script_goes_on_after_a_queued_mail)
{
	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cr_assert_eq(batch(cli_script, "enable\n! comment\nflush\nshow mail\n"), EX_TEMPFAIL);
	cr_assert_str_eq(err_buf, "logmail: t.scp:3: % Warning: flush deferred\n"
				  "logmail: t.scp:3: second line\n");
	cr_assert_str_eq(cli_stub_called, "cmd_show_mail show mail", "the script went on");
}

/* A mail failed for good (69) is worse than one queued (75). */
Test(cli_shell, script_status_is_the_worst_delivery)
{
	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cli_stub_mail_rc = EX_UNAVAILABLE;
	cr_assert_eq(batch(cli_script, "mail to a@example.com subject s\nflush\nshow mail\n"),
		     EX_UNAVAILABLE);
	cr_assert_str_eq(cli_stub_called, "cmd_show_mail show mail", "the script went on");
}

Test(cli_shell, script_config_block_saved_at_end)
{
	cr_assert_eq(batch(cli_script, "configure terminal\nmail from a@example.com\nend\n"
				       "show running-config\n"),
		     EX_OK);
	cr_assert_str_eq(out_buf, "mail from a@example.com\n");
	cr_assert_eq(access(path, F_OK), 0);
}

Test(cli_shell, join_quotes_config_words_for_conf_exec)
{
	cr_assert_eq(run("log email admin@example.com msgtext \"Pool exhausted\""), EX_OK);
	cr_assert_eq(cli.conf->n_recipients, 1);
	cr_assert_str_eq(cli.conf->recipients[0].filters[0].msgtext, "Pool exhausted");
}

Test(cli_shell, output_modifiers)
{
	cr_assert_eq(run("mail smtpserver smtp.example.com"), EX_OK);
	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cr_assert_eq(run("log email admin@example.com level errors"), EX_OK);
	cr_assert_eq(run("show running-config | include mail "), EX_OK);
	cr_assert_eq(run("sh run | grep ^log"), EX_OK);
	cr_assert_eq(run("show run | exclude smtp"), EX_OK);
	cr_assert_eq(run("show run | begin from"), EX_OK);
	cr_assert_eq(run("show run | count"), EX_OK);
	cr_assert_str_eq(out_buf, "mail smtpserver smtp.example.com\n" /* include mail */
				  "mail from a@example.com\n"
				  "log email admin@example.com level errors\n"
				  "log email admin@example.com level errors\n" /* grep ^log */
				  "mail from a@example.com\n"                  /* exclude smtp */
				  "log email admin@example.com level errors\n"
				  "mail from a@example.com\n" /* begin from */
				  "log email admin@example.com level errors\n"
				  "Number of lines: 3\n");
	cr_assert_eq(run("show run | include ("), EX_USAGE);
	cr_assert_str_eq(err_buf, "% Invalid regular expression \"(\": missing closing "
				  "parenthesis\n");
}

/* A line ending in `?` shows the help for that place and runs nothing. */
Test(cli_shell, question_mark_is_help_not_a_value)
{
	cr_assert_eq(batch(cli_script, "mail smtpserver port ?\nshow run ?\n"), EX_OK);
	cr_assert_str_eq(out_buf, "<1-65535>   Port number\n"
				  "|      Output modifiers\n"
				  "<cr>\n");
	cr_assert_neq(access(path, F_OK), 0, "nothing was configured");
}

/* Lines with no words, as the terminal hands them over (with the line end)
 * and as `?` and Tab see them: nothing is secret but nothing crashes, and
 * the help and completions are those of an empty line.  (locate() used to
 * take the last of no words as the one being typed: SIGSEGV in find_pipe.) */
Test(cli_shell, lines_without_words)
{
	static const char *const lines[] = {"", "\n", "\r\n", "   \n", " \t \t\n", "\t"};
	char **words;
	size_t n;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cli.mode = i % 2 ? CLI_CONFIG : CLI_EXEC;
		cr_assert_not(cli_line_secret(&cli, lines[i]), "line %zu", i);
		cr_assert_eq(cli_completions(&cli, lines[i], &words, &n), 0, "line %zu", i);
		cr_assert_gt(n, 5, "line %zu: every command completes", i);
		for (size_t k = 0; k < n; k++)
			free(words[k]);
		free(words);
		cli_help(&cli, cli.out, lines[i]);
	}
	cr_assert_not_null(strstr(out_buf, "show "), "the help lists the commands");
}

/* Another logmail saved meanwhile: the next command acts on the file as it
 * is now, and saving keeps that change. */
Test(cli_shell, changes_saved_meanwhile_are_kept)
{
	struct conf *other = conf_new();
	struct conf_err err;

	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cr_assert_eq(conf_load(other, path, &err), CONF_OK);
	cr_assert_eq(conf_exec(other, "mail smtpserver other.example.com", NULL, 1, &err), CONF_OK);
	cr_assert_eq(conf_save(other, path, &err), CONF_OK);
	conf_free(other);
	cr_assert_eq(run("show running-config"), EX_OK);
	cr_assert_str_eq(out_buf, "mail smtpserver other.example.com\nmail from a@example.com\n");
	cr_assert_eq(run("log email b@example.com level errors"), EX_OK);
	cr_assert_str_eq(file_text(), "mail smtpserver other.example.com\n"
				      "mail from a@example.com\n"
				      "log email b@example.com level errors\n");
}

/* A password 8 from another host's key cannot be used here: refused, with
 * the way out. */
Test(cli_shell, foreign_password_8_is_refused)
{
	cr_assert_eq(run("mail smtpserver authentication login username u password 8 "
			 "xKnq11ClOgquJxt91cz04tCVBChLjkTPze+nk25MaxM="),
		     EX_CONFIG);
	cr_assert(strstr(err_buf, "cannot be decrypted with this host's key"), "%s", err_buf);
	cr_assert(strstr(err_buf, "enter the password in clear"), "%s", err_buf);
	cr_assert_eq(cli.conf->auth, CONF_AUTH_NONE);
	cr_assert_eq(run("mail smtpserver authentication login username u password s3cret"), EX_OK);
	cr_assert_eq(cli.conf->auth, CONF_AUTH_LOGIN);
}

/* `terminal monitor` outside the shell: `debug mail` lines on standard
 * error; `terminal no monitor` (abbreviated too): syslog only. */
Test(cli_shell, terminal_monitor_on_and_off)
{
	cli.monitor = CLI_MONITOR_OFF;
	cr_assert_eq(run("terminal monitor"), EX_OK);
	cr_assert_eq(cli.monitor, CLI_MONITOR_STDERR);
	cr_assert_eq(run("ter no mon"), EX_OK);
	cr_assert_eq(cli.monitor, CLI_MONITOR_OFF);
	cr_assert_eq(run("terminal monitor"), EX_OK);
	cr_assert_eq(cli.monitor, CLI_MONITOR_STDERR);
}
