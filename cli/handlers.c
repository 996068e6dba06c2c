/*
 * cli/handlers.c: the exec commands of the shell itself: `show
 * running-config`, `write`, the commands that move between modes
 * (`configure`, `exit`, `end`, `do`), `help` and `terminal monitor`.  Those
 * that change modes act on the run they belong to (cli_current).
 */
#include "cli/internal.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>

int cmd_show_running(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	if (conf_write(cli->conf, cli->out) != 0 || fflush(cli->out) != 0) {
		fprintf(cli->err, "logmail: cannot write the configuration: %s\n", strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}

/* The configuration is saved after every change already; `write` (and its
 * AlliedWare Plus spellings) saves what a batch holds, so that habit does
 * no harm, and says so as the switch does. */
int cmd_write(struct cli *cli, const struct conf_args *a)
{
	int rc;

	(void)a;
	fputs("Building configuration...\n", cli->out);
	fflush(cli->out);
	rc = cli_current ? cli_save(cli_current) : EX_OK;
	if (rc == EX_OK)
		fputs("[OK]\n", cli->out);
	return rc;
}

int cmd_configure(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->mode = CLI_CONFIG;
	if (cli_current && cli_current->style == STYLE_SHELL)
		fprintf(cli->out, "%s\n", CONFIG_BANNER);
	return EX_OK;
}

int cmd_exit(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->quit = true;
	return EX_OK;
}

/* `exit` and `end` in configuration mode. */
int cmd_end(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	cli->mode = CLI_EXEC;
	if (cli_current && cli_current->config_only)
		cli->quit = true;
	return cli_current ? cli_save(cli_current) : EX_OK;
}

int cmd_nothing(struct cli *cli, const struct conf_args *a)
{
	(void)cli, (void)a;
	return EX_OK;
}

int cmd_help(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	fputs("Help may be requested at any point in a command by entering a question mark\n"
	      "'?'.  If nothing matches, the help list will be empty and you must backup\n"
	      "until entering a '?' shows the available options.\n"
	      "Two styles of help are provided:\n"
	      "1. Full help is available when you are ready to enter a command argument\n"
	      "   (e.g. 'show ?') and describes each possible argument.\n"
	      "2. Partial help is provided when an abbreviated argument is entered and you\n"
	      "   want to know what arguments match the input (e.g. 'show ru?').\n",
	      cli->out);
	return EX_OK;
}

/* `terminal monitor` and `terminal no monitor`. */
int cmd_terminal_monitor(struct cli *cli, const struct conf_args *a)
{
	if (conf_arg(a, "no"))
		cli->monitor = CLI_MONITOR_OFF;
	else if (cli_current && cli_current->style == STYLE_SHELL)
		cli->monitor = CLI_MONITOR_TERM;
	else if (cli->monitor == CLI_MONITOR_OFF)
		cli->monitor = CLI_MONITOR_STDERR;
	return EX_OK;
}

/* `do COMMAND` in configuration mode: COMMAND as in exec mode. */
int cmd_do(struct cli *cli, const struct conf_args *a)
{
	const struct conf_word *w = conf_arg(a, "command");
	const char *rest = a->line->text + w->col - 1;
	unsigned offset = cli->prompt ? (unsigned)strlen(cli->prompt) : 0;
	int rc;

	if (!cli_current)
		return EX_SOFTWARE;
	cli->mode = CLI_EXEC;
	rc = cli_run_line(cli_current, rest, offset + w->col - 1);
	if (cli->mode == CLI_EXEC && !cli->quit)
		cli->mode = CLI_CONFIG;
	return rc;
}
