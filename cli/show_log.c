/*
 * cli/show_log.c: `show log config`.
 *
 * The recipients of the loaded configuration in the AlliedWare Plus layout
 * (filter_show_config in filters/show.c), with the statistics the module
 * publishes in <spool>/stats.  Without that file every count is zero; an
 * unreadable one is reported on cli->err and treated the same way.
 */
#include "cli/cli.h"
#include "filters/filter.h"
#include "smtp/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

int cmd_show_log_config(struct cli *cli, const struct conf_args *a)
{
	struct filter_stats_table t = {0};
	struct conf_err err = {0};
	enum filter_status st;
	char *path = NULL;
	int rc;

	(void)a;
	if (!cli->conf) {
		fprintf(cli->err, "%% Error: no configuration loaded\n");
		return EX_SOFTWARE;
	}
	if (cli->spool_dir && asprintf(&path, "%s/%s", cli->spool_dir, SPOOL_NAME_STATS) < 0)
		path = NULL;
	st = path ? filter_stats_load(path, &t, &err) : FILTER_ENOENT;
	if (st != FILTER_OK && st != FILTER_ENOENT) {
		char msg[1024];

		conf_err_format(&err, msg, sizeof(msg));
		fprintf(cli->err, "%% Warning: statistics unavailable: %s\n", msg);
	}
	rc = filter_show_config(cli->conf, &t, cli->out);
	filter_stats_table_free(&t);
	free(path);
	return rc == 0 ? EX_OK : EX_IOERR;
}
