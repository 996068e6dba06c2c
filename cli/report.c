/*
 * cli/report.c: how the modes print errors.
 *
 * Errors come in three forms: the interactive shell and -f scripts print
 * the AlliedWare Plus `% Invalid input detected at '^' marker.` with the
 * caret under the word (a script first echoes the line); `configure` and a
 * command given as arguments print one line `logmail: FILE:LINE:COL:
 * message`.  A refusal of a valid command (`% Error: authentication
 * configuration still exists`) is its own message in every mode.
 */
#include "cli/internal.h"

#include <stdarg.h>
#include <string.h>
#include <sysexits.h>

void cli_place(struct run *r, FILE *out)
{
	fputs("logmail: ", out);
	if (r->file)
		fprintf(out, "%s:%u: ", r->file, r->line);
}

/* One error line: bare in the shell (as the device prints it), with the
 * program name and the place otherwise. */
void cli_say(struct run *r, const char *fmt, ...)
{
	FILE *err = r->cli->err;
	va_list ap;

	if (r->style != STYLE_SHELL)
		cli_place(r, err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	fflush(err);
}

int cli_conf_exit(int conf_status)
{
	switch (conf_status) {
	case CONF_OK:
		return EX_OK;
	case CONF_ESYNTAX:
	case CONF_ENOTFOUND:
		return EX_USAGE;
	case CONF_ESTATE:
		return EX_DATAERR;
	case CONF_EIO:
		return EX_IOERR;
	case CONF_ESECRET:
		return EX_CONFIG;
	case CONF_ECHANGED:
		return EX_TEMPFAIL;
	case CONF_ENOMEM:
	default:
		return EX_OSERR;
	}
}

const char *cli_awp_message(int kind)
{
	switch (kind) {
	case CONF_MATCH_INCOMPLETE:
		return "% Incomplete command.";
	case CONF_MATCH_AMBIGUOUS:
		return "% Ambiguous command.";
	default:
		return "% Invalid input detected at '^' marker.";
	}
}

/* The AlliedWare Plus form: in the shell the line is on the screen after
 * the prompt (offset columns); a script echoes it first. */
static void report_awp(struct run *r, const char *text, unsigned offset, int kind, unsigned col)
{
	FILE *out = r->cli->err;
	bool caret = kind == CONF_MATCH_INVALID && col > 0;

	if (r->style == STYLE_SCRIPT) {
		cli_place(r, out);
		fprintf(out, "%.*s\n", (int)strcspn(text, "\r\n"), text);
	}
	if (caret) {
		if (r->style == STYLE_SCRIPT)
			cli_place(r, out);
		fprintf(out, "%*s^\n", (int)(offset + col - 1), "");
	}
	if (r->style == STYLE_SCRIPT)
		cli_place(r, out);
	fprintf(out, "%s\n", cli_awp_message(kind));
	fflush(out);
}

/* "% Error: ..." is the device's wording for a refused command. */
static void refusal(enum conf_status st, const struct conf_err *err, char *buf, size_t size)
{
	if (st == CONF_ESTATE && strncmp(err->msg, "% ", 2) != 0)
		snprintf(buf, size, "%% Error: %s", err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
}

/* A configuration line's error: the grammar's in the AWP form (shell and
 * scripts), everything else as "FILE:LINE:COL: message" (or "% message" in
 * the shell). */
void cli_report_conf(struct run *r, enum conf_status st, struct conf_err *err, const char *text,
		     unsigned offset)
{
	char msg[sizeof(err->msg) + 16], line[1024];
	FILE *out = r->cli->err;

	if (err->kind && r->style != STYLE_FILE && text) {
		report_awp(r, text, offset, err->kind, err->column);
		return;
	}
	refusal(st, err, msg, sizeof(msg));
	if (r->style == STYLE_SHELL) {
		fprintf(out, "%s%s\n", msg[0] == '%' ? "" : "% ", msg);
	} else {
		snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, msg);
		conf_err_format(err, line, sizeof(line));
		fprintf(out, "logmail: %s\n", line);
	}
	fflush(out);
}

void cli_report_match(struct run *r, const struct conf_match *m, const char *text, unsigned offset)
{
	struct conf_err err = {.line = r->line, .column = m->col, .kind = (int)m->kind};

	snprintf(err.file, sizeof(err.file), "%s", r->file ? r->file : "<command>");
	snprintf(err.msg, sizeof(err.msg), "%s", m->msg);
	cli_report_conf(r, CONF_ESYNTAX, &err, text, offset);
}
