/*
 * cli/cli.h: the pieces of the logmail front end.
 *
 * cli/main.c parses the options and picks the mode (one command,
 * `configure`, `-f FILE`, standard input, the interactive shell);
 * cli/shell.c runs lines in those modes against the command tree: the exec
 * commands of cli/commands.c and the configuration commands of config/
 * (conf_commands), with cli/report.c printing the errors, cli/transact.c
 * reading and saving the file, cli/signals.c the interrupt (what they share
 * is cli/internal.h), and cli/handlers.c the shell's own commands.
 * cli/help.c is what `?` and Tab show, cli/term.c the terminal (libedit:
 * the keys, history), cli/filter.c the output modifiers (`| include ...`),
 * cli/show.c the show commands that are not mail, cli/mail.c the mail
 * commands and cli/monitor.c where their `debug mail` lines go.
 *
 * Exec commands are functions cmd_*(cli, args) that return a sysexits.h
 * code (EX_OK on success) and write their output to cli->out and their
 * errors, one line each, to cli->err.
 */
#ifndef LOGMAIL_CLI_H
#define LOGMAIL_CLI_H

#include "config/conf.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct spool;
struct engine_msg;

enum cli_mode { CLI_EXEC, CLI_CONFIG };

/* Where `debug mail` lines go besides syslog. */
enum cli_monitor {
	CLI_MONITOR_OFF,    /* syslog only */
	CLI_MONITOR_STDERR, /* one-shot commands and scripts: the bare line on cli->err */
	CLI_MONITOR_TERM,   /* the shell after `terminal monitor`: as syslog shows it */
};

struct cli {
	const char *config_path; /* --config, $LOGMAIL_CONFIG, or the default */
	const char *spool_dir;   /* --spool, $LOGMAIL_SPOOL, or the default */
	struct conf *conf;       /* the file as last read (plus a batch's pending changes) */
	struct conf_stamp stamp; /* what the file was when conf was read */
	bool warned_missing;     /* "does not exist" was said once */
	struct spool *spool;     /* opened on first use (cli/mail.c) */
	FILE *in;                /* where `mail` reads prompts and bodies */
	FILE *out;
	FILE *err;
	bool interactive;         /* a terminal: prompts are shown */
	enum cli_mode mode;       /* set by configure, exit, end */
	bool quit;                /* set by exit in exec mode */
	enum cli_monitor monitor; /* `terminal monitor` */
	FILE *monitored;          /* CLI_MONITOR_TERM: lines held until the command ends */
	char *monitored_buf;
	size_t monitored_len;
	const char *prompt; /* the shell's prompt when the line was typed, else NULL */
};

/* ---- The exec commands (cli/commands.c) ----------------------------------- */

typedef int (*cli_fn)(struct cli *cli, const struct conf_args *a);

struct cli_command {
	struct conf_cmd cmd;
	cli_fn fn;
};

/* Flags of the CLI's own (above conf.h's).  CONF: the command shows the
 * configuration, so a missing file deserves a warning.  KEEPS_BATCH: it
 * only moves between modes or prints, so a batch's pending changes need
 * not be saved before it.  DELIVERY: its status is a delivery's (`mail`,
 * `flush`): in a script, a mail queued or failed for good does not stop
 * it. */
#define CLI_CMD_CONF        0x100u
#define CLI_CMD_KEEPS_BATCH 0x200u
#define CLI_CMD_DELIVERY    0x400u

/* The tables the modes match against: exec mode uses show, exec and
 * conf_commands; configuration mode uses config_mode, show and
 * conf_commands; filters are the output modifiers after `|`. */
extern const struct conf_table cli_show_commands;
extern const struct conf_table cli_exec_commands;
extern const struct conf_table cli_config_mode_commands;
extern const struct conf_table cli_filter_commands;

/* The handler of command i of table t (a table of struct cli_command). */
cli_fn cli_handler(const struct conf_table *t, size_t i);

/* The tables a line of mode is matched against, in that order. */
struct cli_tables {
	struct conf_table t[3];
	size_t n;
};
void cli_mode_tables(enum cli_mode mode, struct cli_tables *ts);
/* Is t conf_commands (a configuration command, not an exec one)? */
bool cli_is_config_table(const struct conf_table *t);
/* The first unquoted `|` (an output modifier follows) among the first n
 * words of l, else n. */
size_t cli_find_pipe(const struct conf_line *l, size_t n);

/* cli/mail.c */
int cmd_mail(struct cli *cli, const struct conf_args *a);
int cmd_show_mail(struct cli *cli, const struct conf_args *a);
int cmd_show_counter_mail(struct cli *cli, const struct conf_args *a);
int cmd_clear_counter_mail(struct cli *cli, const struct conf_args *a);
int cmd_delete_mail(struct cli *cli, const struct conf_args *a);
int cmd_debug_mail(struct cli *cli, const struct conf_args *a);
int cmd_undebug_mail(struct cli *cli, const struct conf_args *a);
int cmd_show_debugging(struct cli *cli, const struct conf_args *a);
int cmd_flush(struct cli *cli, const struct conf_args *a);
/* cli/show.c: show startup-config, show version, show clock */
int cmd_show_startup_config(struct cli *cli, const struct conf_args *a);
int cmd_show_version(struct cli *cli, const struct conf_args *a);
int cmd_show_clock(struct cli *cli, const struct conf_args *a);
/* cli/show_log.c */
int cmd_show_log_config(struct cli *cli, const struct conf_args *a);
/* Print the received count and every recipient of c in `show log config`
 * layout (see cli/show_log.c), with statistics from t when it has the
 * recipient (t may be NULL; struct filter_stats_table: engine/engine.h).
 * 0, or -1 when out could not be written. */
struct filter_stats_table;
int cli_show_log_config(const struct conf *c, const struct filter_stats_table *t, FILE *out);
/* cli/test_filters.c: test filters FILE */
int cmd_test_filters(struct cli *cli, const struct conf_args *a);
/* cli/test_patterns.c: test patterns FILE [--by-line] */
int cmd_test_patterns(struct cli *cli, const struct conf_args *a);

/* One line of a syslog file ("[<PRI>]Nov 30 12:00:01 web1 sshd[123]: text"
 * or with an RFC 3339 time, Debian 12's default) into m, changing line in
 * place: m's strings point into it, but the program name, which is copied
 * to program (size octets).  Without <PRI>, *has_pri is false and severity
 * and facility are -1.  A traditional time is local, in the year that puts
 * it at most a day after ref.  false when line is not a syslog line. */
bool cli_parse_log_line(char *line, time_t ref, struct engine_msg *m, bool *has_pri, char *program,
			size_t size);
/* The AlliedWare Plus message of a failed match (CONF_MATCH_*):
 * "% Invalid input detected at '^' marker." and the like (cli/report.c). */
const char *cli_awp_message(int kind);
/* cli/handlers.c */
int cmd_show_running(struct cli *cli, const struct conf_args *a);
int cmd_write(struct cli *cli, const struct conf_args *a);
int cmd_configure(struct cli *cli, const struct conf_args *a);
int cmd_exit(struct cli *cli, const struct conf_args *a);
int cmd_end(struct cli *cli, const struct conf_args *a);
int cmd_nothing(struct cli *cli, const struct conf_args *a);
int cmd_help(struct cli *cli, const struct conf_args *a);
int cmd_do(struct cli *cli, const struct conf_args *a);
int cmd_terminal_monitor(struct cli *cli, const struct conf_args *a);

/* `debug mail` (cli/monitor.c): one line to syslog (program logmail) and,
 * as cli->monitor says, to the terminal: at once on standard error, or
 * after the command's own output in the shell (cli_monitor_flush), as
 * syslog lines come. */
void cli_debug_line(struct cli *cli, int priority, const char *line);
void cli_monitor_flush(struct cli *cli);

/* ---- Modes (cli/shell.c) ---------------------------------------------------
 * Each returns a sysexits.h code.  Every change to the configuration is a
 * read-modify-save under the file's lock (conf_lock): applied to the file
 * as it is at that moment, so that nothing another logmail saved meanwhile
 * is lost.  A batch (cli_configure, a script's configuration lines) keeps
 * its lines and, when it saves, applies them again to the file as it is
 * then; its first error stops it with the pending changes discarded. */

/* One command from the command line, words as in argv.  Accepts
 * configuration commands too (`logmail mail smtpserver x`): saved at once. */
int cli_run_words(struct cli *cli, int argc, char **argv);

/* `logmail configure`: configuration commands from in, one per line, until
 * EOF, `exit` or `end`.  All or nothing: the first bad line prints one line
 * "logmail: NAME:LINE:COL: message" and nothing is saved. */
int cli_configure(struct cli *cli, FILE *in, const char *name);

/* `logmail -f FILE` (and no arguments with standard input not a terminal):
 * exec-mode lines as in an AlliedWare Plus trigger script (`enable`,
 * `configure terminal`, `exit`, `end`).  A mail that is only queued (or
 * failed for good) does not stop it: it returns the worst such status at
 * the end; any other error stops it, naming NAME:LINE. */
int cli_script(struct cli *cli, FILE *in, const char *name);

/* The interactive shell on the terminal cli->in/cli->out with the host
 * name as prompt (`vm#` and `vm(config)#` on host vm.example.com; `logmail#`
 * when the host has no name); config_mode starts in
 * configuration mode.  Returns at `exit` from exec mode or end of input. */
int cli_shell(struct cli *cli, bool config_mode);

/* Read the configuration file into cli->conf (and cli->stamp); on error a
 * line on cli->err (cli/transact.c). */
int cli_load(struct cli *cli);

/* sysexits.h code for a conf_* status (EX_USAGE for a bad command...)
 * (cli/report.c). */
int cli_conf_exit(int conf_status);

/* Join words back into one command line that conf_line_split splits into
 * the same words (quoting where needed).  Returns a malloc'd string or
 * NULL (cli/split.c). */
char *cli_join(int argc, char **argv);

/* ---- The terminal (cli/term.c) ---------------------------------------------- */

struct cli_term;

/* Line editing, history (~/.logmail_history, 0600) and key bindings on the
 * terminal in/out: `?` help, Tab completion, Ctrl-C abandons the line,
 * Ctrl-Z leaves configuration mode.  NULL when out of memory. */
struct cli_term *cli_term_new(struct cli *cli, FILE *in, FILE *out);
void cli_term_free(struct cli_term *t);

enum cli_read { CLI_READ_LINE, CLI_READ_EOF, CLI_READ_INTR, CLI_READ_SUSPEND };

/* Show the prompt and read one line into *line (the terminal's buffer,
 * valid until the next call). */
enum cli_read cli_term_read(struct cli_term *t, const char *prompt, const char **line);

/* Remember line in the history (not when it holds a password). */
void cli_term_remember(struct cli_term *t, const char *line);

/* ---- `?` and Tab (cli/help.c) ---------------------------------------------- */

/* What `?` prints after text (the line up to the cursor), and what Tab
 * completes, in cli->mode. */
void cli_help(struct cli *cli, FILE *out, const char *text);
/* The completions of the last (partial) word of text; *n of them, a
 * malloc'd array of malloc'd words.  0, or -1 when the words before are
 * wrong (then nothing completes). */
int cli_completions(struct cli *cli, const char *text, char ***words, size_t *n);
/* Does line hold a password (so that the history must not keep it)? */
bool cli_line_secret(struct cli *cli, const char *line);

/* ---- Output modifiers (cli/filter.c) ---------------------------------------- */

/* Run fn with cli->out captured, then print what the modifier (matched in
 * mod, from cli_filter_commands) lets through.  An invalid regular
 * expression is an error before fn runs. */
int cli_filtered(struct cli *cli, cli_fn fn, const struct conf_args *a,
		 const struct conf_match *mod);

/* The interrupt (Ctrl-C) arrived while a command ran: it gives up
 * (cli/signals.c). */
bool cli_interrupted(void);

#endif
