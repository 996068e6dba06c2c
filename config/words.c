/*
 * config/words.c: a line split into words (blanks between them, "double
 * quotes" around text with blanks, \" and \\ inside them), and the words
 * a matched command bound to its names (conf_arg).
 */
#include "config/cmdtree.h"

#include <stdlib.h>
#include <string.h>

/* ---- words ------------------------------------------------------------------ */

static enum conf_status split_fail(struct conf_err *err, unsigned col, const char *msg)
{
	err->column = col;
	conf_err_set(err, "%s", msg);
	return CONF_ESYNTAX;
}

/* Unescape the quoted word starting at buf[*i] (the quote) in place. */
static enum conf_status quoted_word(struct conf_line *l, size_t *i, struct conf_word *w,
				    bool partial, struct conf_err *err)
{
	char *b = l->buf, *o = &b[*i];
	size_t j = *i + 1;

	for (;;) {
		if (b[j] == '\0') {
			if (!partial)
				return split_fail(err, w->col, "unterminated quote");
			break;
		}
		if (b[j] == '\\' && (b[j + 1] == '"' || b[j + 1] == '\\')) {
			*o++ = b[j + 1];
			j += 2;
		} else if (b[j] == '"') {
			j++;
			break;
		} else {
			*o++ = b[j++];
		}
	}
	if (b[j] != '\0' && !blank(b[j]))
		return split_fail(err, (unsigned)j + 1, "expected a blank after the closing quote");
	*o = '\0';
	w->quoted = true;
	w->end = (unsigned)j + 1;
	*i = j;
	return CONF_OK;
}

static enum conf_status plain_word(struct conf_line *l, size_t *i, struct conf_word *w,
				   struct conf_err *err)
{
	char *b = l->buf;
	size_t j = *i;

	while (b[j] != '\0' && !blank(b[j])) {
		if (b[j] == '"')
			return split_fail(err, (unsigned)j + 1, "unexpected quote inside a word");
		j++;
	}
	w->end = (unsigned)j + 1;
	if (b[j] != '\0')
		b[j++] = '\0';
	*i = j;
	return CONF_OK;
}

enum conf_status conf_line_split(struct conf_line *l, const char *line, bool partial,
				 struct conf_err *err)
{
	struct conf_err dummy;
	size_t len = strlen(line), i = 0;

	err = err ? err : &dummy;
	memset(l, 0, sizeof(*l));
	l->text = line;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	l->buf = strndup(line, len);
	if (!l->buf) {
		err->column = 0;
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	l->len = len;
	for (const char *p = l->buf; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return split_fail(err, (unsigned)(p - l->buf) + 1,
					  "control character in line");
	for (;;) {
		struct conf_word *w;
		enum conf_status st;

		while (blank(l->buf[i]))
			i++;
		if (l->buf[i] == '\0')
			return CONF_OK;
		if (l->n == CONF_MAX_WORDS) {
			err->column = (unsigned)i + 1;
			conf_err_set(err, "too many words (at most %d)", CONF_MAX_WORDS);
			return CONF_ESYNTAX;
		}
		w = &l->w[l->n++];
		*w = (struct conf_word){.text = &l->buf[i], .col = (unsigned)i + 1};
		st = l->buf[i] == '"' ? quoted_word(l, &i, w, partial, err)
				      : plain_word(l, &i, w, err);
		if (st != CONF_OK)
			return st;
	}
}

void conf_line_free(struct conf_line *l)
{
	if (l->buf) {
		explicit_bzero(l->buf, l->len);
		free(l->buf);
	}
	l->buf = NULL;
	l->n = 0;
}

/* ---- the words a command bound ---- */

const struct conf_word *conf_arg(const struct conf_args *a, const char *name)
{
	size_t len = strlen(name);

	for (int value = 1; value >= 0; value--)
		for (size_t i = 0; i < a->n; i++)
			if (a->w[i].value == value && a->w[i].nlen == len &&
			    strncmp(a->w[i].name, name, len) == 0)
				return &a->line->w[i];
	return NULL;
}

char *conf_arg_rest(const struct conf_args *a, const char *name)
{
	const struct conf_word *w = conf_arg(a, name);
	size_t i, end;

	if (!w)
		return NULL;
	i = (size_t)(w - a->line->w);
	if (i + 1 == a->line->n && w->quoted)
		return strdup(w->text);
	end = a->line->len;
	while (end > w->col && blank(a->line->text[end - 1]))
		end--;
	return strndup(a->line->text + w->col - 1, end - (w->col - 1));
}
