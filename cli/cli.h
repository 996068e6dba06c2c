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

struct conf;
struct spool;

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

/* Split a command line into words: blanks separate, "double quotes" group
 * (a backslash escapes a quote inside them).  Returns the word count, or -1
 * with a message in errbuf for an unterminated quote.  *words is one
 * malloc'd block the caller frees. */
int cli_split(const char *line, char ***words, char *errbuf, size_t errsize);

#endif
