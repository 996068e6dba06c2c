/*
 * config/parse.h: what the files of the command handlers share (parse.c,
 * parse_log.c) and nobody else sees: the context a handler gets, the
 * helpers every handler uses, and the `log email` handlers that the
 * command table in parse.c names.
 */
#ifndef LOGMAIL_CONF_PARSE_H
#define LOGMAIL_CONF_PARSE_H

#include "config/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	struct conf *c;
	const struct conf_line *l;
	const struct conf_args *a;
	struct conf_err *err;
};

static inline enum conf_status fail(struct ctx *x, enum conf_status st, unsigned col,
				    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline enum conf_status fail(struct ctx *x, enum conf_status st, unsigned col,
				    const char *fmt, ...)
{
	va_list ap;

	x->err->column = col;
	va_start(ap, fmt);
	vsnprintf(x->err->msg, sizeof(x->err->msg), fmt, ap);
	va_end(ap);
	return st;
}

static inline enum conf_status nomem(struct ctx *x)
{
	return fail(x, CONF_ENOMEM, 0, "out of memory");
}

/* The word bound to name (the grammar guarantees those it requires). */
static inline const struct conf_word *W(const struct ctx *x, const char *name)
{
	return conf_arg(x->a, name);
}

/* The column just after the last word: where a missing word was expected. */
static inline unsigned end_col(const struct ctx *x)
{
	return x->l->n ? x->l->w[x->l->n - 1].end : 1;
}

/* The column after the word bound to name (or the end of the line). */
static inline unsigned col_after(const struct ctx *x, const char *name)
{
	const struct conf_word *w = W(x, name);
	size_t i = w ? (size_t)(w - x->l->w) + 1 : x->l->n;

	return i < x->l->n ? x->l->w[i].col : end_col(x);
}

static inline enum conf_status nonempty(struct ctx *x, const struct conf_word *w, const char *what)
{
	if (w && w->text[0] == '\0')
		return fail(x, CONF_ESYNTAX, w->col, "expected %s, got an empty string", what);
	return CONF_OK;
}

/* Replace *slot with a copy of s. */
static inline enum conf_status set_str(struct ctx *x, char **slot, const char *s)
{
	char *copy = NULL;

	if (s && !(copy = strdup(s)))
		return nomem(x);
	free(*slot);
	*slot = copy;
	return CONF_OK;
}

static inline unsigned number(const struct ctx *x, const char *name)
{
	return (unsigned)strtoul(W(x, name)->text, NULL, 10);
}

/* ---- the `log email` handlers (parse_log.c) ---- */

enum conf_status conf_cmd_log_email(struct ctx *x);
enum conf_status conf_cmd_log_exclude(struct ctx *x);
enum conf_status conf_cmd_no_log_email(struct ctx *x);
enum conf_status conf_cmd_no_log_exclude(struct ctx *x);
enum conf_status conf_cmd_time(struct ctx *x);
enum conf_status conf_cmd_number(struct ctx *x);
enum conf_status conf_cmd_fold(struct ctx *x);
enum conf_status conf_cmd_urgent(struct ctx *x);
enum conf_status conf_cmd_subject(struct ctx *x);
enum conf_status conf_cmd_default_log_email(struct ctx *x);
enum conf_status conf_cmd_no_setting(struct ctx *x);
enum conf_status conf_cmd_logcheck(struct ctx *x);
enum conf_status conf_cmd_no_logcheck(struct ctx *x);
enum conf_status conf_cmd_default_logcheck(struct ctx *x);

#endif
