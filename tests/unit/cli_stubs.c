/*
 * tests/unit/cli_stubs.c: recorders standing in for the command handlers
 * of cli/mail.c, cli/show_log.c, cli/test_filters.c and
 * cli/test_patterns.c (which need the spool, the filters and the engine),
 * so that the dispatch of cli/shell.c and the tables of cli/commands.c are
 * tested in process.  Nothing else of the CLI is faked.  The last call is
 * in cli_stub_called: "name word word...".
 */
#include "cli/cli.h"

#include <string.h>
#include <sysexits.h>

char cli_stub_called[512];
int cli_stub_rc;      /* what the recorders return */
int cli_stub_mail_rc; /* what cmd_mail returns */

static int record(const char *name, const struct conf_args *a)
{
	size_t used = (size_t)snprintf(cli_stub_called, sizeof(cli_stub_called), "%s", name);

	for (size_t i = 0; a && i < a->n && used < sizeof(cli_stub_called); i++)
		used += (size_t)snprintf(cli_stub_called + used, sizeof(cli_stub_called) - used,
					 " %s", a->line->w[i].text);
	return cli_stub_rc;
}

#define RECORDER(fn)                                                                               \
	int fn(struct cli *cli, const struct conf_args *a)                                         \
	{                                                                                          \
		(void)cli;                                                                         \
		return record(#fn, a);                                                             \
	}

int cmd_mail(struct cli *cli, const struct conf_args *a)
{
	(void)cli;
	record("cmd_mail", a);
	return cli_stub_mail_rc;
}

RECORDER(cmd_show_mail)
RECORDER(cmd_show_counter_mail)
RECORDER(cmd_clear_counter_mail)
RECORDER(cmd_delete_mail)
RECORDER(cmd_debug_mail)
RECORDER(cmd_undebug_mail)
RECORDER(cmd_show_debugging)
RECORDER(cmd_show_log_config)
RECORDER(cmd_test_filters)
RECORDER(cmd_test_patterns)

int cmd_flush(struct cli *cli, const struct conf_args *a)
{
	record("cmd_flush", a);
	fprintf(cli->err, "%% Warning: flush deferred\nsecond line\n");
	return EX_TEMPFAIL;
}
