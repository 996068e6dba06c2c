/*
 * cli/commands.c: the exec commands of logmail, each declared once in the
 * AlliedWare Plus notation (config/conf.h) with a help line per word and
 * its handler.  The configuration commands are config/'s conf_commands.
 *
 * To add an exec command: one line in a table below (with its CLI_CMD_*
 * flags) and its cmd_* handler (cli.h); logmail(1) lists it
 * (tests/unit/test_cmdtree.c fails until it does).
 */
#include "cli/cli.h"

#include <string.h>

#define H_SHOW    "Show running system information\n"
#define H_MAIL    "Mail (SMTP) client\n"
#define H_NO      "Negate a command or set its defaults\n"
#define H_DEBUG   "Debugging functions\n"
#define H_COUNTER "Counters\n"

static const struct cli_command show[] = {
    {{"show running-config", H_SHOW "Current operating configuration\n",
      CONF_CMD_SHOW | CLI_CMD_CONF},
     cmd_show_running},
    {{"show mail", H_SHOW "Mail settings and the mails in the queue\n",
      CONF_CMD_SHOW | CLI_CMD_CONF},
     cmd_show_mail},
    {{"show counter mail", H_SHOW H_COUNTER "Mails sent and failed\n", CONF_CMD_SHOW},
     cmd_show_counter_mail},
    {{"show startup-config", H_SHOW "Contents of the configuration file, as saved\n",
      CONF_CMD_SHOW | CLI_CMD_CONF},
     cmd_show_startup_config},
    {{"show debugging [mail]", H_SHOW "Debugging functions that are on (debug mail)\n" H_MAIL,
      CONF_CMD_SHOW},
     cmd_show_debugging},
    {{"show version", H_SHOW "The version of logmail and of what it was built with\n",
      CONF_CMD_SHOW},
     cmd_show_version},
    {{"show clock", H_SHOW "The time and time zone of this host\n", CONF_CMD_SHOW}, cmd_show_clock},
    {{"show log config",
      H_SHOW "Logging\n"
	     "Email log targets, their filters and statistics\n",
      CONF_CMD_SHOW | CLI_CMD_CONF},
     cmd_show_log_config},
};

static const struct cli_command exec[] = {
    {{"mail [to WORD$to] [subject LINE$subject] [file FILE$file]",
      "Send a mail (what is not given is asked for)\n"
      "The recipient\n"
      "Email address\n"
      "The subject\n"
      "Subject; %N %S %T %D %L %U are replaced (quote it when it has blanks)\n"
      "The message body from a file\n"
      "File name\n",
      CLI_CMD_DELIVERY},
     cmd_mail},
    {{"delete mail {mail-id WORD$id|all|WORD$id}",
      "Delete\n"
      "Mails from the queue\n"
      "One mail\n"
      "Its mail-id, as show mail lists it\n"
      "Every mail in the queue and every failed mail\n"
      "Mail-id\n",
      0},
     cmd_delete_mail},
    {{"debug mail [detail]", H_DEBUG H_MAIL "Also the SMTP dialogue (C: and S: lines)\n", 0},
     cmd_debug_mail},
    {{"no debug mail", H_NO H_DEBUG H_MAIL, 0}, cmd_undebug_mail},
    {{"undebug {mail|all}", "Disable debugging functions\n" H_MAIL "All debugging\n", 0},
     cmd_undebug_mail},
    {{"terminal monitor",
      "Set terminal line parameters\n"
      "Show debug output on this terminal\n",
      0},
     cmd_terminal_monitor},
    {{"terminal no monitor",
      "Set terminal line parameters\n" H_NO "Show debug output on this terminal\n", 0},
     cmd_terminal_monitor},
    {{"clear counter mail", "Reset functions\n" H_COUNTER "Mails sent and failed\n", 0},
     cmd_clear_counter_mail},
    {{"flush [due]",
      "Deliver the mails in the queue now\n"
      "Only those whose retry time has come, quietly (the systemd timer)\n",
      CLI_CMD_DELIVERY},
     cmd_flush},
    {{"test filters FILE$file",
      "Try the configuration on something\n"
      "The mails the log email targets would make of a log file; nothing is sent\n"
      "A syslog file (traditional or RFC 3339 times), - for standard input\n",
      0},
     cmd_test_filters},
    {{"test patterns FILE$file [--by-line]",
      "Try the configuration on something\n"
      "The kinds of event in a log file, most frequent first, as digests find them\n"
      "A syslog file (traditional or RFC 3339 times), - for standard input\n"
      "Instead, one line per input line: its number and its kind's id\n",
      0},
     cmd_test_patterns},
    {{"write [memory]",
      "Save the configuration (it is saved after every change already)\n"
      "The configuration file\n",
      CLI_CMD_KEEPS_BATCH},
     cmd_write},
    {{"copy running-config startup-config",
      "Copy\n"
      "Current operating configuration\n"
      "The configuration file\n",
      CLI_CMD_KEEPS_BATCH},
     cmd_write},
    {{"configure [terminal]",
      "Enter configuration mode\n"
      "Configure from the terminal\n",
      CLI_CMD_KEEPS_BATCH},
     cmd_configure},
    {{"exit", "Leave the shell\n", 0}, cmd_exit},
    {{"help", "How to get help: ? after a word or a blank\n", CLI_CMD_KEEPS_BATCH}, cmd_help},
    {{"enable", "Privileged mode (logmail has only that one)\n",
      CONF_CMD_HIDDEN | CLI_CMD_KEEPS_BATCH},
     cmd_nothing},
    {{"disable", "User mode (logmail has none)\n", CONF_CMD_HIDDEN | CLI_CMD_KEEPS_BATCH},
     cmd_nothing},
    {{"quit", "Leave the shell\n", CONF_CMD_HIDDEN}, cmd_exit},
    {{"logout", "Leave the shell\n", CONF_CMD_HIDDEN}, cmd_exit},
};

static const struct cli_command config_mode[] = {
    {{"exit", "Back to exec mode\n", CLI_CMD_KEEPS_BATCH}, cmd_end},
    {{"end", "Back to exec mode\n", CLI_CMD_KEEPS_BATCH}, cmd_end},
    {{"do COMMAND$command",
      "Run an exec command\n"
      "The exec command\n",
      CLI_CMD_KEEPS_BATCH},
     cmd_do},
    {{"help", "How to get help: ? after a word or a blank\n", CLI_CMD_KEEPS_BATCH}, cmd_help},
};

/* Their handlers are cli/filter.c's: only the declarations matter. */
static const struct cli_command filters[] = {
    {{"include REGEX$re",
      "Lines that match\n"
      "Regular expression (the rest of the line)\n",
      0},
     NULL},
    {{"exclude REGEX$re",
      "Lines that do not match\n"
      "Regular expression (the rest of the line)\n",
      0},
     NULL},
    {{"begin REGEX$re",
      "From the first line that matches\n"
      "Regular expression (the rest of the line)\n",
      0},
     NULL},
    {{"grep REGEX$re",
      "Lines that match (as include)\n"
      "Regular expression (the rest of the line)\n",
      0},
     NULL},
    {{"count", "Count the lines\n", 0}, NULL},
};

const struct conf_table cli_show_commands = CONF_TABLE(show);
const struct conf_table cli_exec_commands = CONF_TABLE(exec);
const struct conf_table cli_config_mode_commands = CONF_TABLE(config_mode);
const struct conf_table cli_filter_commands = CONF_TABLE(filters);

cli_fn cli_handler(const struct conf_table *t, size_t i)
{
	return ((const struct cli_command *)conf_table_cmd(t, i))->fn;
}

void cli_mode_tables(enum cli_mode mode, struct cli_tables *ts)
{
	if (mode == CLI_CONFIG) {
		ts->t[0] = cli_config_mode_commands;
		ts->t[1] = cli_show_commands;
	} else {
		ts->t[0] = cli_show_commands;
		ts->t[1] = cli_exec_commands;
	}
	ts->t[2] = conf_commands;
	ts->n = 3;
}

bool cli_is_config_table(const struct conf_table *t)
{
	return t->cmds == conf_commands.cmds;
}

size_t cli_find_pipe(const struct conf_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!l->w[i].quoted && strcmp(l->w[i].text, "|") == 0)
			return i;
	return n;
}
