/*
 * cli/internal.h: what the files that run lines share (shell.c, report.c,
 * transact.c, handlers.c, signals.c) and nobody else sees: one run of a
 * mode, how its errors are printed, its changes to the file, and the
 * interrupt.
 */
#ifndef LOGMAIL_CLI_INTERNAL_H
#define LOGMAIL_CLI_INTERNAL_H

#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>

#define CONFIG_BANNER "Enter configuration commands, one per line. End with CNTL/Z."

enum style {
	STYLE_FILE,   /* configure, argv: "logmail: FILE:LINE:COL: message" */
	STYLE_SCRIPT, /* -f: the line, the caret, the AWP message, each "logmail: FILE:LINE: " */
	STYLE_SHELL,  /* the caret under the prompt's line and the AWP message */
};

/* A line of a batch, kept until the batch saves. */
struct pending {
	char *text;
	unsigned line;
};

/* One run of a mode. */
struct run {
	struct cli *cli;
	const char *file; /* label of errors: the script, "<stdin>", "<command>" */
	unsigned line;
	enum style style;
	bool batch;       /* changes wait for cli_save(): configure and scripts */
	bool config_only; /* `logmail configure`: leaving configuration mode ends it */
	struct pending *pending;
	size_t npending;
	int worst;     /* a script: the worst delivery status that did not stop it */
	bool delivers; /* the last exec command was CLI_CMD_DELIVERY (mail, flush) */
};

/* The run a command handler belongs to (commands that change modes); set
 * by the modes (shell.c), NULL outside them. */
extern struct run *cli_current;

/* Run one line of r (shell.c): offset is the column the line starts at on
 * the screen (after the prompt), for the caret.  A sysexits.h code. */
int cli_run_line(struct run *r, const char *text, unsigned offset);

/* ---- Errors (report.c) ----
 * cli_place prints "logmail: FILE:LINE: " (the place without a file: just
 * "logmail: "); cli_say one error line, bare in the shell, after the place
 * otherwise; cli_report_conf a configuration line's error (the grammar's
 * in the AWP form in the shell and scripts, else "FILE:LINE:COL: message");
 * cli_report_match a failed match of text. */
void cli_place(struct run *r, FILE *out);
void cli_say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_report_conf(struct run *r, enum conf_status st, struct conf_err *err, const char *text,
		     unsigned offset);
void cli_report_match(struct run *r, const struct conf_match *m, const char *text, unsigned offset);

/* ---- The file (transact.c) ----
 * cli_refresh reads the file again when it changed (not in a batch with
 * pending lines); cli_config_line applies a configuration line to the view
 * and keeps it, saving at once unless r is a batch; cli_save saves the
 * pending lines under the lock (nothing to do without any);
 * cli_drop_pending forgets them.  sysexits.h codes; errors are printed. */
int cli_refresh(struct run *r);
int cli_config_line(struct run *r, const char *text, unsigned offset);
int cli_save(struct run *r);
void cli_drop_pending(struct run *r);

/* ---- The interrupt (signals.c) ----
 * cli_catch_signals(true) makes Ctrl-C set the interrupt (cli_interrupted)
 * and Ctrl-Z do nothing, keeping the old actions; false restores them.
 * cli_interrupt_clear before each command. */
void cli_catch_signals(bool on, struct sigaction *old_int, struct sigaction *old_tstp);
void cli_interrupt_clear(void);

#endif
