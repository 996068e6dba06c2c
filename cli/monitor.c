/*
 * cli/monitor.c: where `debug mail` lines go: syslog always, and as
 * `terminal monitor` says, standard error at once or the shell's terminal
 * after the command's own output.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

void cli_debug_line(struct cli *cli, int priority, const char *line)
{
	char host[256] = "", when[16];
	time_t now = time(NULL);
	struct tm tm;

	syslog(LOG_MAIL | priority, "%s", line);
	switch (cli->monitor) {
	case CLI_MONITOR_STDERR:
		fprintf(cli->err, "%s\n", line);
		break;
	case CLI_MONITOR_TERM: /* as `terminal monitor` shows syslog on the switch */
		if (!cli->monitored)
			cli->monitored = open_memstream(&cli->monitored_buf, &cli->monitored_len);
		if (!cli->monitored)
			break;
		gethostname(host, sizeof(host) - 1);
		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(cli->monitored, "%s %s logmail[%ld]: %s\n", when, host, (long)getpid(),
			line);
		break;
	default:
		break;
	}
	fflush(cli->err);
}

void cli_monitor_flush(struct cli *cli)
{
	if (!cli->monitored)
		return;
	fclose(cli->monitored);
	fwrite(cli->monitored_buf, 1, cli->monitored_len, cli->err);
	fflush(cli->err);
	free(cli->monitored_buf);
	cli->monitored = NULL;
	cli->monitored_buf = NULL;
	cli->monitored_len = 0;
}
