/*
 * cli/cli.h: the pieces of the logmail front end.
 *
 * cli/main.c parses the options, picks the mode (one command, `configure`,
 * `-f FILE`, the interactive shell) and dispatches command words to the
 * cmd_* functions below.  Each returns a sysexits.h code (EX_OK on success)
 * and writes its output to cli->out and its errors, one line each, to
 * cli->err.
 */
#ifndef LOGMAIL_CLI_H
#define LOGMAIL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <time.h>

struct conf;
struct spool;
struct engine_msg;

struct cli {
	const char *config_path; /* --config, $LOGMAIL_CONFIG, or the default */
	const char *spool_dir;   /* --spool, $LOGMAIL_SPOOL, or the default */
	struct conf *conf;       /* loaded once at start; saved after each change */
	struct spool *spool;     /* opened on first use by cli_spool() */
	FILE *in;                /* where `mail` reads prompts and bodies */
	FILE *out;
	FILE *err;
	bool interactive;        /* a terminal: prompts are shown */
};

/* The spool, opened on first use; NULL (with a message on cli->err) when it
 * cannot be opened. */
struct spool *cli_spool(struct cli *cli);

/* Exec-mode commands: argv holds the command's words, argv[0] the first
 * (e.g. {"show", "mail"}), quotes already removed. */
int cmd_mail(struct cli *cli, int argc, char **argv);         /* mail [to X] [subject S] [file F] */
int cmd_show_mail(struct cli *cli, int argc, char **argv);    /* show mail */
int cmd_show_counter_mail(struct cli *cli, int argc, char **argv);
int cmd_delete_mail(struct cli *cli, int argc, char **argv);  /* delete mail {mail-id ID|all|ID} */
int cmd_debug_mail(struct cli *cli, int argc, char **argv);   /* debug mail, no debug mail, undebug mail */
int cmd_flush(struct cli *cli, int argc, char **argv);        /* flush: deliver what is queued */
int cmd_show_log_config(struct cli *cli, int argc, char **argv);
int cmd_test_filters(struct cli *cli, int argc, char **argv); /* test filters FILE (cli/test_filters.c) */

/* One line of a syslog file ("[<PRI>]Nov 30 12:00:01 web1 sshd[123]: text"
 * or with an RFC 3339 time, Debian 12's default) into m, changing line in
 * place: m's strings point into it, but the program name, which is copied
 * to program (size octets).  Without <PRI>, *has_pri is false and severity
 * and facility are -1.  A traditional time is local, in the year that puts
 * it at most a day after ref.  false when line is not a syslog line. */
bool cli_parse_log_line(char *line, time_t ref, struct engine_msg *m, bool *has_pri, char *program,
			size_t size);

/* Split a command line into words: blanks separate, "double quotes" group
 * (a backslash escapes a quote inside them).  Returns the word count, or -1
 * with a message in errbuf for an unterminated quote.  *words is one
 * malloc'd block the caller frees. */
int cli_split(const char *line, char ***words, char *errbuf, size_t errsize);

/* ---- Modes (cli/shell.c) ------------------------------------------------
 * Each returns a sysexits.h code and leaves cli->conf saved when it changed
 * (cli->config_path, conf_save: atomic, 0600), except that the first error
 * of a batch (cli_configure, cli_script) stops it with the pending changes
 * discarded, so the file on disk is left as it was. */

/* One exec-mode command from the command line, words as in argv.  Accepts
 * configuration commands too (`logmail mail smtpserver x`): run through
 * conf_exec and saved at once. */
int cli_run_words(struct cli *cli, int argc, char **argv);

/* `logmail configure`: configuration commands from in, one per line, until
 * EOF, `exit` or `end`.  All or nothing: the first bad line prints one line
 * "logmail: NAME:LINE:COL: message" and nothing is saved. */
int cli_configure(struct cli *cli, FILE *in, const char *name);

/* `logmail -f FILE` (and no arguments with standard input not a terminal):
 * exec-mode lines as in an AlliedWare Plus trigger script (`enable`,
 * `configure terminal`, `exit`, `end`); stops at the first error, which
 * names NAME:LINE. */
int cli_script(struct cli *cli, FILE *in, const char *name);

/* The interactive shell on cli->in/cli->out with the `logmail#` and
 * `logmail(config)#` prompts; config_mode starts in configuration mode.
 * Each configuration change is saved at once; an error prints one line and
 * the shell goes on.  Returns at `exit` from exec mode or end of input. */
int cli_shell(struct cli *cli, bool config_mode);

/* sysexits.h code for a conf_* status (EX_USAGE for a bad command...). */
int cli_conf_exit(int conf_status);

/* cli_split without the message: on an unterminated quote, -1 with *col
 * its 1-based column; -1 with *col 0 when out of memory. */
int cli_split_at(const char *line, char ***words, size_t *col);

/* Join words back into one command line that cli_split splits into the same
 * words (quoting where needed).  Returns a malloc'd string or NULL. */
char *cli_join(int argc, char **argv);

#endif
