/*
 * tests/unit/test_cli_shell.c: the dispatch of cli/shell.c, in process:
 * unique prefixes, canonical words handed to cmd_*, ambiguity, batches that
 * stop at the first error and save nothing.  The cmd_* of cli/mail.c and
 * cli/show_log.c are replaced by recorders here.
 */
#include "cli/cli.h"
#include "config/conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static char called[256]; /* "name word word..." of the last cmd_* call */

static int record(const char *name, int argc, char **argv)
{
	size_t used = (size_t)snprintf(called, sizeof(called), "%s", name);
	int i;

	for (i = 0; i < argc && used < sizeof(called); i++)
		used += (size_t)snprintf(called + used, sizeof(called) - used, " %s", argv[i]);
	return EX_OK;
}

#define RECORDER(fn)                                                                               \
	int fn(struct cli *cli, int argc, char **argv)                                             \
	{                                                                                          \
		(void)cli;                                                                         \
		return record(#fn, argc, argv);                                                    \
	}
RECORDER(cmd_mail)
RECORDER(cmd_show_mail)
RECORDER(cmd_show_counter_mail)
RECORDER(cmd_delete_mail)
RECORDER(cmd_debug_mail)
RECORDER(cmd_show_log_config)
RECORDER(cmd_test_filters)

int cmd_flush(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(cli->err, "%% Error: flush failed\nsecond line\n");
	return EX_TEMPFAIL;
}

struct spool *cli_spool(struct cli *cli)
{
	return cli->spool;
}

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
	cli.conf = conf_new();
	cr_assert_not_null(cli.conf);
	cli.out = open_memstream(&out_buf, &out_len);
	cli.err = open_memstream(&err_buf, &err_len);
	cli.in = stdin;
	called[0] = '\0';
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
	char **w = NULL;
	int n = cli_split(line, &w, NULL, 0), rc;

	cr_assert_geq(n, 0);
	rc = cli_run_words(&cli, n, w);
	free(w);
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

TestSuite(cli_shell, .init = setup, .fini = teardown);

Test(cli_shell, prefixes_reach_the_command_with_full_words)
{
	cr_assert_eq(run("sh c m"), EX_OK);
	cr_assert_str_eq(called, "cmd_show_counter_mail show counter mail");
	cr_assert_eq(run("show log config"), EX_OK);
	cr_assert_str_eq(called, "cmd_show_log_config show log config");
	cr_assert_eq(run("del mail mail-id 20180711150931.12139"), EX_OK);
	cr_assert_str_eq(called, "cmd_delete_mail delete mail mail-id 20180711150931.12139");
	cr_assert_eq(run("no debug mail"), EX_OK);
	cr_assert_str_eq(called, "cmd_debug_mail no debug mail");
	cr_assert_eq(run("undebug mail"), EX_OK);
	cr_assert_str_eq(called, "cmd_debug_mail undebug mail");
}

Test(cli_shell, mail_sends_only_with_to_subject_file_or_alone)
{
	cr_assert_eq(run("mail"), EX_OK);
	cr_assert_str_eq(called, "cmd_mail mail");
	cr_assert_eq(run("mail to a@example.com subject \"a b\""), EX_OK);
	cr_assert_str_eq(called, "cmd_mail mail to a@example.com subject a b");
	called[0] = '\0';
	cr_assert_eq(run("mail from a@example.com"), EX_OK);
	cr_assert_str_eq(called, "", "mail from is configuration");
	cr_assert_str_eq(cli.conf->from, "a@example.com");
}

Test(cli_shell, ambiguous_and_unknown)
{
	cr_assert_eq(run("d mail"), EX_USAGE);
	cr_assert_str_eq(
	    err_buf,
	    "logmail: % Ambiguous command \"d mail\" (could be delete mail or debug mail)\n");
	cr_assert_str_eq(called, "");
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

Test(cli_shell, script_errors_of_commands_name_the_line)
{
	cr_assert_eq(batch(cli_script, "enable\n! comment\nflush\nshow mail\n"), EX_TEMPFAIL);
	cr_assert_str_eq(err_buf, "logmail: t.scp:3: % Error: flush failed\n"
				  "logmail: t.scp:3: second line\n");
	cr_assert_str_eq(called, "", "the script stopped at the error");
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
