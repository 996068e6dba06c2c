/*
 * config/parse.c: the grammar.  One line is split into words by a small
 * tokenizer, the leading keywords pick a handler from a table, and the
 * handler reads its arguments and changes the configuration.
 *
 * Words are separated by blanks.  A word that starts with a double quote
 * runs to the next unescaped quote; inside, \" is a quote and \\ a
 * backslash, and any other backslash stays as it is (so `\d` in a regex
 * needs no doubling).  A quoted word is never a keyword.  `!` as the first
 * non-blank character makes a comment line.
 *
 * All-or-nothing: conf_exec works on a copy and swaps it in on success;
 * conf_load runs the whole file against one copy.
 */
#include "config/internal.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define MAX_WORDS 32

struct tok {
	const char *text; /* unescaped, NUL-terminated, inside ctx.buf */
	unsigned col;     /* 1-based column of its first character */
	unsigned end;     /* column just after it */
	bool quoted;
};

struct ctx {
	struct conf *c;
	const char *line; /* as given, for columns inside quoted words */
	char *buf;        /* the words, unescaped in place */
	struct tok t[MAX_WORDS];
	size_t n;
	struct conf_err *err;
	bool saw_password; /* the line held a password (plain or 8) */
};

typedef enum conf_status (*cmd_fn)(struct ctx *x, size_t a);

static enum conf_status fail(struct ctx *x, enum conf_status st, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum conf_status fail(struct ctx *x, enum conf_status st, unsigned col, const char *fmt, ...)
{
	va_list ap;

	x->err->column = col;
	va_start(ap, fmt);
	vsnprintf(x->err->msg, sizeof(x->err->msg), fmt, ap);
	va_end(ap);
	return st;
}

static enum conf_status nomem(struct ctx *x)
{
	return fail(x, CONF_ENOMEM, 0, "out of memory");
}

/* Column just after the last word: where a missing word was expected. */
static unsigned end_col(const struct ctx *x)
{
	return x->n ? x->t[x->n - 1].end : 1;
}

/* ---- tokenizer ------------------------------------------------------------ */

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Unescape the quoted word at buf[i] (the opening quote) in place. */
static enum conf_status quoted_word(struct ctx *x, size_t *i, struct tok *t)
{
	char *b = x->buf, *w = &b[*i];
	size_t j = *i + 1;

	for (;;) {
		if (b[j] == '\0')
			return fail(x, CONF_ESYNTAX, t->col, "unterminated quote");
		if (b[j] == '\\' && (b[j + 1] == '"' || b[j + 1] == '\\')) {
			*w++ = b[j + 1];
			j += 2;
		} else if (b[j] == '"') {
			j++;
			break;
		} else {
			*w++ = b[j++];
		}
	}
	if (b[j] != '\0' && !blank(b[j]))
		return fail(x, CONF_ESYNTAX, (unsigned)j + 1,
			    "expected a blank after the closing quote");
	*w = '\0';
	t->quoted = true;
	t->end = (unsigned)j + 1;
	*i = j;
	return CONF_OK;
}

static enum conf_status plain_word(struct ctx *x, size_t *i, struct tok *t)
{
	char *b = x->buf;
	size_t j = *i;

	while (b[j] != '\0' && !blank(b[j])) {
		if (b[j] == '"')
			return fail(x, CONF_ESYNTAX, (unsigned)j + 1,
				    "unexpected quote inside a word");
		j++;
	}
	t->end = (unsigned)j + 1;
	if (b[j] != '\0')
		b[j++] = '\0';
	*i = j;
	return CONF_OK;
}

static enum conf_status tokenize(struct ctx *x)
{
	size_t i = 0;

	for (const char *p = x->buf; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return fail(x, CONF_ESYNTAX, (unsigned)(p - x->buf) + 1,
				    "control character in line");
	for (;;) {
		struct tok *t;
		enum conf_status st;

		while (blank(x->buf[i]))
			i++;
		if (x->buf[i] == '\0')
			return CONF_OK;
		if (x->n == MAX_WORDS)
			return fail(x, CONF_ESYNTAX, (unsigned)i + 1, "too many words (at most %d)",
				    MAX_WORDS);
		t = &x->t[x->n++];
		*t = (struct tok){.text = &x->buf[i], .col = (unsigned)i + 1};
		st = x->buf[i] == '"' ? quoted_word(x, &i, t) : plain_word(x, &i, t);
		if (st != CONF_OK)
			return st;
	}
}

/* The column of byte `offset` of the unescaped quoted word t. */
static unsigned raw_column(const struct ctx *x, const struct tok *t, size_t offset)
{
	const char *raw = x->line + t->col - 1;
	size_t i = t->quoted ? 1 : 0;

	for (size_t k = 0; k < offset && raw[i]; k++)
		i += (t->quoted && raw[i] == '\\' && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ? 2
												: 1;
	return t->col + (unsigned)i;
}

static bool is_kw(const struct tok *t, const char *kw)
{
	return !t->quoted && strcmp(t->text, kw) == 0;
}

/* ---- values ---------------------------------------------------------------- */

/* Exactly n words after a; else "expected a value" or "unexpected word". */
static enum conf_status arity(struct ctx *x, size_t a, size_t n)
{
	if (x->n - a < n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected a value after \"%.100s\"",
			    x->t[x->n - 1].text);
	if (x->n - a > n)
		return fail(x, CONF_ESYNTAX, x->t[a + n].col, "unexpected word \"%.100s\"",
			    x->t[a + n].text);
	return CONF_OK;
}

static enum conf_status number(struct ctx *x, const struct tok *t, unsigned lo, unsigned hi,
			       const char *what, unsigned *out)
{
	const char *s = t->text;
	unsigned long v = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 10 || strspn(s, "0123456789") != len ||
	    (v = strtoul(s, NULL, 10)) < lo || v > hi)
		return fail(x, CONF_ESYNTAX, t->col, "expected %s %u-%u, got \"%.100s\"", what, lo,
			    hi, s);
	*out = (unsigned)v;
	return CONF_OK;
}

static enum conf_status level(struct ctx *x, const struct tok *t, int *out)
{
	*out = conf_level_parse(t->text);
	if (*out == CONF_LEVEL_ANY)
		return fail(x, CONF_ESYNTAX, t->col,
			    "unknown level \"%.100s\" (expected emergencies, alerts, critical, "
			    "errors, warnings, notices, informational, debugging or 0-7)",
			    t->text);
	return CONF_OK;
}

static enum conf_status facility(struct ctx *x, const struct tok *t, int *out)
{
	*out = conf_facility_parse(t->text);
	if (*out == CONF_FACILITY_ANY)
		return fail(x, CONF_ESYNTAX, t->col,
			    "unknown facility \"%.100s\" (expected kern, user, mail, daemon, auth, "
			    "syslog, lpr, news, uucp, cron, authpriv, ftp or local0-local7)",
			    t->text);
	return CONF_OK;
}

/* Server names and mail addresses end up in SMTP commands and headers. */
static enum conf_status address(struct ctx *x, const struct tok *t, bool email)
{
	const char *s = t->text, *at = strchr(s, '@');

	if (s[0] == '\0' || strpbrk(s, " \t\r\n<>\""))
		return fail(x, CONF_ESYNTAX, t->col,
			    "invalid %s \"%.100s\" (no blanks, quotes or <>)",
			    email ? "email address" : "server name", s);
	if (email && (!at || at == s || at[1] == '\0' || strchr(at + 1, '@')))
		return fail(x, CONF_ESYNTAX, t->col,
			    "invalid email address \"%.100s\" (expected name@domain)", s);
	return CONF_OK;
}

static enum conf_status text(struct ctx *x, const struct tok *t, const char *what)
{
	if (t->text[0] == '\0')
		return fail(x, CONF_ESYNTAX, t->col, "expected %s, got an empty string", what);
	return CONF_OK;
}

/* Replace *slot with a copy of s. */
static enum conf_status set_str(struct ctx *x, char **slot, const char *s)
{
	char *copy = NULL;

	if (s && !(copy = strdup(s)))
		return nomem(x);
	free(*slot);
	*slot = copy;
	return CONF_OK;
}

/* ---- mail smtpserver ---------------------------------------------------------- */

static const char auth_exists[] = "% Error: authentication configuration still exists";

static enum conf_status cmd_server(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st == CONF_OK)
		st = address(x, &x->t[a], false);
	if (st != CONF_OK)
		return st;
	if (x->c->auth != CONF_AUTH_NONE && x->c->server && strcmp(x->c->server, x->t[a].text))
		return fail(x, CONF_ESTATE, x->t[a].col, "%s", auth_exists);
	return set_str(x, &x->c->server, x->t[a].text);
}

static enum conf_status cmd_no_server(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 0);

	if (st != CONF_OK)
		return st;
	if (x->c->auth != CONF_AUTH_NONE && x->c->server)
		return fail(x, CONF_ESTATE, x->t[0].col, "%s", auth_exists);
	return set_str(x, &x->c->server, NULL);
}

static enum conf_status cmd_port(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st != CONF_OK)
		return st;
	return number(x, &x->t[a], 1, 65535, "a port number", &x->c->port);
}

static enum conf_status cmd_no_port(struct ctx *x, size_t a)
{
	x->c->port = 0;
	return arity(x, a, 0);
}

static enum conf_status cmd_tls(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);
	const struct tok *t = &x->t[a];

	if (st != CONF_OK)
		return st;
	if (is_kw(t, "starttls"))
		x->c->tls = CONF_TLS_STARTTLS;
	else if (is_kw(t, "smtps"))
		x->c->tls = CONF_TLS_SMTPS;
	else
		return fail(x, CONF_ESYNTAX, t->col,
			    "unknown TLS method \"%.100s\" (expected starttls or smtps)", t->text);
	return CONF_OK;
}

static enum conf_status cmd_no_tls(struct ctx *x, size_t a)
{
	x->c->tls = CONF_TLS_NONE;
	return arity(x, a, 0);
}

static enum conf_status cmd_ca_file(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st == CONF_OK)
		st = text(x, &x->t[a], "a file name");
	if (st != CONF_OK)
		return st;
	return set_str(x, &x->c->tls_ca_file, x->t[a].text);
}

static enum conf_status cmd_no_ca_file(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 0);

	return st != CONF_OK ? st : set_str(x, &x->c->tls_ca_file, NULL);
}

static enum conf_status cmd_verify(struct ctx *x, size_t a)
{
	x->c->tls_verify = true;
	return arity(x, a, 0);
}

static enum conf_status cmd_no_verify(struct ctx *x, size_t a)
{
	x->c->tls_verify = false;
	return arity(x, a, 0);
}

static enum conf_status cmd_cleartext(struct ctx *x, size_t a)
{
	x->c->auth_cleartext = true;
	return arity(x, a, 0);
}

static enum conf_status cmd_no_cleartext(struct ctx *x, size_t a)
{
	x->c->auth_cleartext = false;
	return arity(x, a, 0);
}

static enum conf_status cmd_timeout(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st != CONF_OK)
		return st;
	return number(x, &x->t[a], 1, 3600, "a timeout in seconds", &x->c->timeout_sec);
}

static enum conf_status cmd_no_timeout(struct ctx *x, size_t a)
{
	x->c->timeout_sec = 0;
	return arity(x, a, 0);
}

/* `KW VALUE` at t[i]: the value's token, or an error naming what is missing.
 * Never echoes the value (it may be a password). */
static enum conf_status keyword_value(struct ctx *x, size_t i, const char *kw)
{
	if (i >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected \"%s\"", kw);
	if (!is_kw(&x->t[i], kw))
		return fail(x, CONF_ESYNTAX, x->t[i].col, "expected \"%s\", got \"%.100s\"", kw,
			    x->t[i].text);
	if (i + 1 >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected a value after \"%s\"", kw);
	return CONF_OK;
}

static enum conf_status auth_method(struct ctx *x, const struct tok *t, enum conf_auth *out)
{
	if (is_kw(t, "crammd5"))
		*out = CONF_AUTH_CRAMMD5;
	else if (is_kw(t, "login"))
		*out = CONF_AUTH_LOGIN;
	else if (is_kw(t, "plain"))
		*out = CONF_AUTH_PLAIN;
	else
		return fail(x, CONF_ESYNTAX, t->col,
			    "unknown authentication method \"%.100s\" (expected crammd5, login or "
			    "plain)",
			    t->text);
	return CONF_OK;
}

/* The password words at t[p]: `8 B` (already encrypted) or `P` (plain, to
 * encrypt).  *b64 gets the stored form. */
static enum conf_status auth_password(struct ctx *x, size_t p, char **b64)
{
	size_t left = x->n - p;
	const struct tok *t = &x->t[p];
	enum conf_status st;

	*b64 = NULL;
	if (left == 2 && is_kw(t, "8")) {
		if (!conf_secret_valid(t[1].text))
			return fail(x, CONF_ESYNTAX, t[1].col,
				    "expected an encrypted password (base64) after \"8\"");
		*b64 = strdup(t[1].text);
		return *b64 ? CONF_OK : nomem(x);
	}
	if (left != 1)
		return fail(x, CONF_ESYNTAX, t[1].col,
			    "unexpected word after the password (quote a password that "
			    "contains blanks)");
	if (t->text[0] == '\0' || strlen(t->text) > CONF_PASSWORD_MAX)
		return fail(x, CONF_ESYNTAX, t->col, "expected a password of 1-%d characters",
			    CONF_PASSWORD_MAX);
	st = conf_secret_encrypt(x->c->key_path, t->text, b64, x->err);
	if (st != CONF_OK)
		x->err->column = t->col;
	return st;
}

static enum conf_status cmd_auth(struct ctx *x, size_t a)
{
	enum conf_auth method;
	enum conf_status st;
	char *b64 = NULL;

	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected crammd5, login or plain after \"authentication\"");
	x->saw_password = true;
	if ((st = auth_method(x, &x->t[a], &method)) != CONF_OK ||
	    (st = keyword_value(x, a + 1, "username")) != CONF_OK ||
	    (st = text(x, &x->t[a + 2], "a user name")) != CONF_OK ||
	    (st = keyword_value(x, a + 3, "password")) != CONF_OK ||
	    (st = auth_password(x, a + 4, &b64)) != CONF_OK)
		return st;
	if ((st = set_str(x, &x->c->username, x->t[a + 2].text)) != CONF_OK) {
		free(b64);
		return st;
	}
	free(x->c->password8);
	x->c->password8 = b64;
	x->c->auth = method;
	return CONF_OK;
}

static enum conf_status cmd_no_auth(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 0);

	if (st != CONF_OK)
		return st;
	x->c->auth = CONF_AUTH_NONE;
	set_str(x, &x->c->username, NULL);
	return set_str(x, &x->c->password8, NULL);
}

/* ---- mail from, mail serial-number ------------------------------------------- */

static enum conf_status cmd_from(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st == CONF_OK)
		st = address(x, &x->t[a], true);
	return st != CONF_OK ? st : set_str(x, &x->c->from, x->t[a].text);
}

static enum conf_status cmd_no_from(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 0);

	return st != CONF_OK ? st : set_str(x, &x->c->from, NULL);
}

static enum conf_status cmd_serial(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 1);

	if (st == CONF_OK)
		st = text(x, &x->t[a], "a serial number");
	return st != CONF_OK ? st : set_str(x, &x->c->serial, x->t[a].text);
}

static enum conf_status cmd_no_serial(struct ctx *x, size_t a)
{
	enum conf_status st = arity(x, a, 0);

	return st != CONF_OK ? st : set_str(x, &x->c->serial, NULL);
}

/* ---- log email: filters ---------------------------------------------------------- */

static enum conf_status check_regex(struct ctx *x, const struct tok *t)
{
	int code;
	PCRE2_SIZE offset;
	PCRE2_UCHAR msg[256];
	/* the options of filters/multire.c: bytes, never UTF-8, as the engine runs it */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)t->text, PCRE2_ZERO_TERMINATED,
				       PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code, &offset, NULL);

	if (re) {
		pcre2_code_free(re);
		return CONF_OK;
	}
	if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", code);
	return fail(x, CONF_ESYNTAX, raw_column(x, t, offset), "bad regular expression: %s", msg);
}

static enum conf_status crit_msgtext(struct ctx *x, size_t *i, struct conf_filter *f)
{
	const struct tok *t = &x->t[*i + 1];
	enum conf_status st;

	if (is_kw(t, "regex") && *i + 2 < x->n) {
		f->msgtext_regex = true;
		t++;
		(*i)++;
		if ((st = check_regex(x, t)) != CONF_OK)
			return st;
	}
	if ((st = text(x, t, "a message text")) != CONF_OK)
		return st;
	f->msgtext = strdup(t->text);
	return f->msgtext ? CONF_OK : nomem(x);
}

/* One criterion at t[*i] (its keyword) into f; *i moves past its value. */
static enum conf_status criterion(struct ctx *x, size_t *i, struct conf_filter *f, unsigned *seen)
{
	static const char *const kws[] = {"level", "program", "facility", "msgtext"};
	const struct tok *t = &x->t[*i];
	enum conf_status st;
	size_t k;

	for (k = 0; k < 4 && !is_kw(t, kws[k]); k++)
		;
	if (k == 4)
		return fail(
		    x, CONF_ESYNTAX, t->col,
		    "unknown word \"%.100s\" (expected level, program, facility or msgtext)",
		    t->text);
	if (*seen & (1u << k))
		return fail(x, CONF_ESYNTAX, t->col, "\"%s\" given twice", kws[k]);
	*seen |= 1u << k;
	if (*i + 1 >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected a value after \"%s\"", kws[k]);
	if (k == 0)
		st = level(x, &x->t[*i + 1], &f->level);
	else if (k == 2)
		st = facility(x, &x->t[*i + 1], &f->facility);
	else if (k == 3)
		st = crit_msgtext(x, i, f);
	else if ((st = text(x, &x->t[*i + 1], "a program name")) == CONF_OK)
		st = (f->program = strdup(x->t[*i + 1].text)) ? CONF_OK : nomem(x);
	*i += 2;
	return st;
}

/* The criteria t[a..n) into *f (cleared first; the caller clears it after). */
static enum conf_status criteria(struct ctx *x, size_t a, struct conf_filter *f)
{
	unsigned seen = 0;
	enum conf_status st;

	*f = (struct conf_filter){.level = CONF_LEVEL_ANY, .facility = CONF_FACILITY_ANY};
	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected a filter: level, program, facility or msgtext");
	for (size_t i = a; i < x->n;)
		if ((st = criterion(x, &i, f, &seen)) != CONF_OK)
			return st;
	return CONF_OK;
}

static long filter_find(const struct conf_filter *v, size_t n, const struct conf_filter *f)
{
	for (size_t i = 0; i < n; i++)
		if (conf_filter_equal(&v[i], f))
			return (long)i;
	return -1;
}

/* The recipient named by t[2] (after `log email` / `no log email`), created
 * when create is set. */
static enum conf_status recipient(struct ctx *x, size_t at, bool create, struct conf_recipient **r)
{
	const struct tok *t = &x->t[at];
	enum conf_status st;
	long i;

	if (at >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected an email address after \"email\"");
	if ((st = address(x, t, true)) != CONF_OK)
		return st;
	i = conf_recipient_index(x->c, t->text);
	if (i < 0 && !create)
		return fail(x, CONF_ENOTFOUND, t->col, "no email log target \"%.100s\"", t->text);
	if (i < 0 && (i = conf_recipient_add(x->c, t->text)) < 0)
		return nomem(x);
	*r = &x->c->recipients[i];
	return CONF_OK;
}

static enum conf_status add_filter(struct ctx *x, size_t a, struct conf_recipient *r, bool excl)
{
	struct conf_filter f;
	struct conf_filter **v = excl ? &r->excludes : &r->filters;
	size_t *n = excl ? &r->n_excludes : &r->n_filters;
	enum conf_status st = criteria(x, a, &f);

	if (st == CONF_OK && filter_find(*v, *n, &f) < 0 && conf_filters_append(v, n, &f) < 0)
		st = nomem(x);
	conf_filter_clear(&f);
	return st;
}

static enum conf_status remove_filter(struct ctx *x, size_t a, struct conf_recipient *r, bool excl)
{
	struct conf_filter f;
	struct conf_filter *v = excl ? r->excludes : r->filters;
	size_t *n = excl ? &r->n_excludes : &r->n_filters;
	enum conf_status st = criteria(x, a, &f);
	long i = st == CONF_OK ? filter_find(v, *n, &f) : -1;

	conf_filter_clear(&f);
	if (st != CONF_OK)
		return st;
	if (i < 0)
		return fail(x, CONF_ENOTFOUND, x->t[a].col, "no such %sfilter for %.100s",
			    excl ? "exclude " : "", r->address);
	conf_filters_remove(v, n, (size_t)i);
	return CONF_OK;
}

/* ---- log email: time and digest settings ------------------------------------- */

/* [+|-]H[:MM], |offset| < 24 hours. */
static enum conf_status offset(struct ctx *x, const struct tok *t, int *out)
{
	const char *s = t->text;
	int sign = 1, h = 0, m = 0, nd = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9' && nd < 3)
		h = h * 10 + (*s++ - '0'), nd++;
	if (*s == ':' && s[1] >= '0' && s[1] <= '5' && s[2] >= '0' && s[2] <= '9') {
		m = (s[1] - '0') * 10 + (s[2] - '0');
		s += 3;
	}
	if (nd == 0 || nd > 2 || *s != '\0' || h * 60 + m >= 1440)
		return fail(x, CONF_ESYNTAX, t->col,
			    "expected a time offset [+|-]H[:MM] under 24 hours, got \"%.100s\"",
			    t->text);
	*out = sign * (h * 60 + m);
	return CONF_OK;
}

static enum conf_status set_time(struct ctx *x, size_t a, struct conf_recipient *r)
{
	enum conf_status st;
	int off = 0;

	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected local or utc after \"time\"");
	if (!is_kw(&x->t[a], "local") && !is_kw(&x->t[a], "utc"))
		return fail(x, CONF_ESYNTAX, x->t[a].col, "expected local or utc, got \"%.100s\"",
			    x->t[a].text);
	if (a + 2 < x->n)
		return fail(x, CONF_ESYNTAX, x->t[a + 2].col, "unexpected word \"%.100s\"",
			    x->t[a + 2].text);
	if (a + 1 < x->n && (st = offset(x, &x->t[a + 1], &off)) != CONF_OK)
		return st;
	r->time_type = is_kw(&x->t[a], "utc") ? CONF_TIME_UTC : CONF_TIME_LOCAL;
	r->offset_min = off;
	return CONF_OK;
}

static enum conf_status set_digest(struct ctx *x, size_t a, struct conf_recipient *r)
{
	const struct tok *t = &x->t[a];
	enum conf_status st;

	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected window, max-messages or max-bytes after \"digest\"");
	if ((st = arity(x, a + 1, 1)) != CONF_OK)
		return st;
	if (is_kw(t, "window"))
		return number(x, t + 1, 1, 86400, "a window in seconds", &r->digest.window_sec);
	if (is_kw(t, "max-messages"))
		return number(x, t + 1, 1, 100000, "a number of messages", &r->digest.max_messages);
	if (is_kw(t, "max-bytes"))
		return number(x, t + 1, 1024, 10485760, "a number of bytes", &r->digest.max_bytes);
	return fail(x, CONF_ESYNTAX, t->col,
		    "unknown word \"%.100s\" (expected window, max-messages or max-bytes)",
		    t->text);
}

static enum conf_status set_urgent(struct ctx *x, size_t a, struct conf_recipient *r)
{
	enum conf_status st = keyword_value(x, a, "level");

	if (st == CONF_OK)
		st = arity(x, a + 1, 1);
	return st != CONF_OK ? st : level(x, &x->t[a + 1], &r->digest.urgent_level);
}

static enum conf_status set_rate(struct ctx *x, size_t a, struct conf_recipient *r)
{
	enum conf_status st = arity(x, a, 1);

	return st != CONF_OK ? st
			     : number(x, &x->t[a], 0, 100000, "a number of mails per hour",
				      &r->digest.rate_per_hour);
}

static enum conf_status set_subject(struct ctx *x, size_t a, struct conf_recipient *r)
{
	enum conf_status st = arity(x, a, 1);

	if (st == CONF_OK)
		st = text(x, &x->t[a], "a subject");
	return st != CONF_OK ? st : set_str(x, &r->digest.subject, x->t[a].text);
}

static enum conf_status unset_digest(struct ctx *x, size_t a, struct conf_recipient *r)
{
	const struct tok *t = &x->t[a];
	enum conf_status st;

	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected window, max-messages or max-bytes after \"digest\"");
	if ((st = arity(x, a + 1, 0)) != CONF_OK)
		return st;
	if (is_kw(t, "window"))
		r->digest.window_sec = CONF_DIGEST_WINDOW;
	else if (is_kw(t, "max-messages"))
		r->digest.max_messages = CONF_DIGEST_MSGS;
	else if (is_kw(t, "max-bytes"))
		r->digest.max_bytes = CONF_DIGEST_BYTES;
	else
		return fail(x, CONF_ESYNTAX, t->col,
			    "unknown word \"%.100s\" (expected window, max-messages or max-bytes)",
			    t->text);
	return CONF_OK;
}

/* `no log email A {time|urgent|rate-limit|subject}`: back to the default. */
static enum conf_status unset_simple(struct ctx *x, size_t a, struct conf_recipient *r)
{
	const struct tok *t = &x->t[a - 1];
	enum conf_status st = arity(x, a, 0);

	if (st != CONF_OK)
		return st;
	if (is_kw(t, "time")) {
		r->time_type = CONF_TIME_LOCAL;
		r->offset_min = 0;
	} else if (is_kw(t, "urgent")) {
		r->digest.urgent_level = CONF_LEVEL_ANY; /* none: everything waits */
	} else if (is_kw(t, "rate-limit")) {
		r->digest.rate_per_hour = CONF_DIGEST_RATE;
	} else {
		return set_str(x, &r->digest.subject, NULL);
	}
	return CONF_OK;
}

/* ---- log email: logcheck ------------------------------------------------------------ */

/* `{workstation|server|paranoid} [rules DIR]` at t[a]; dir NULL: the default. */
static enum conf_status logcheck_spec(struct ctx *x, size_t a, int *level, const char **dir)
{
	*dir = NULL;
	if (a >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected workstation, server or paranoid after \"logcheck\"");
	*level = x->t[a].quoted ? CONF_LOGCHECK_NONE : conf_logcheck_parse(x->t[a].text);
	if (*level == CONF_LOGCHECK_NONE)
		return fail(x, CONF_ESYNTAX, x->t[a].col,
			    "unknown logcheck level \"%.100s\" (expected workstation, server or "
			    "paranoid)",
			    x->t[a].text);
	if (a + 1 < x->n) {
		enum conf_status st = keyword_value(x, a + 1, "rules");

		if (st == CONF_OK)
			st = arity(x, a + 2, 1);
		if (st != CONF_OK)
			return st;
		*dir = x->t[a + 2].text;
		if ((*dir)[0] != '/')
			return fail(
			    x, CONF_ESYNTAX, x->t[a + 2].col,
			    "expected an absolute directory after \"rules\", got \"%.100s\"", *dir);
	}
	return CONF_OK;
}

/* `log email A logcheck LEVEL [rules DIR]`: one logcheck filter per
 * recipient; a new line replaces it. */
static enum conf_status set_logcheck(struct ctx *x, size_t a, struct conf_recipient *r)
{
	const char *dir;
	int level;
	enum conf_status st = logcheck_spec(x, a, &level, &dir);

	if (st != CONF_OK)
		return st;
	r->logcheck = level;
	return set_str(x, &r->logcheck_rules, dir);
}

/* `no log email A logcheck [LEVEL [rules DIR]]`: the level and directory,
 * when given, must be the configured ones. */
static enum conf_status unset_logcheck(struct ctx *x, size_t a, struct conf_recipient *r)
{
	const char *dir = NULL;
	int level = r->logcheck;
	enum conf_status st = a < x->n ? logcheck_spec(x, a, &level, &dir) : CONF_OK;

	if (st != CONF_OK)
		return st;
	if (r->logcheck == CONF_LOGCHECK_NONE || level != r->logcheck ||
	    (dir && (!r->logcheck_rules || strcmp(dir, r->logcheck_rules) != 0)))
		return fail(x, CONF_ENOTFOUND, a < x->n ? x->t[a].col : end_col(x),
			    "no such logcheck filter for %.100s", r->address);
	r->logcheck = CONF_LOGCHECK_NONE;
	return set_str(x, &r->logcheck_rules, NULL);
}

/* ---- log email dispatch ----------------------------------------------------------- */

typedef enum conf_status (*setting_fn)(struct ctx *x, size_t a, struct conf_recipient *r);

struct setting {
	const char *kw;
	setting_fn set;   /* `log email A KW ...` */
	setting_fn unset; /* `no log email A KW ...` */
};

static const struct setting settings[] = {
    {"time", set_time, unset_simple},       {"digest", set_digest, unset_digest},
    {"urgent", set_urgent, unset_simple},   {"rate-limit", set_rate, unset_simple},
    {"subject", set_subject, unset_simple}, {"logcheck", set_logcheck, unset_logcheck},
};

static const struct setting *setting_find(const struct tok *t)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (is_kw(t, settings[i].kw))
			return &settings[i];
	return NULL;
}

/* `log email A ...`: a = index of A. */
static enum conf_status cmd_log_email(struct ctx *x, size_t a)
{
	struct conf_recipient *r;
	const struct setting *s;
	enum conf_status st = recipient(x, a, true, &r);

	if (st != CONF_OK || a + 1 == x->n)
		return st;
	if ((s = setting_find(&x->t[a + 1])))
		return s->set(x, a + 2, r);
	if (is_kw(&x->t[a + 1], "exclude"))
		return add_filter(x, a + 2, r, true);
	return add_filter(x, a + 1, r, false);
}

static enum conf_status cmd_no_log_email(struct ctx *x, size_t a)
{
	struct conf_recipient *r;
	const struct setting *s;
	enum conf_status st = recipient(x, a, false, &r);

	if (st != CONF_OK)
		return st;
	if (a + 1 == x->n) {
		conf_recipient_remove(x->c, (size_t)(r - x->c->recipients));
		return CONF_OK;
	}
	if ((s = setting_find(&x->t[a + 1])))
		return s->unset(x, a + 2, r);
	if (is_kw(&x->t[a + 1], "exclude"))
		return remove_filter(x, a + 2, r, true);
	return remove_filter(x, a + 1, r, false);
}

static enum conf_status cmd_default_log_email(struct ctx *x, size_t a)
{
	struct conf_recipient *r;
	enum conf_status st = recipient(x, a, true, &r);

	if (st == CONF_OK && a + 1 < x->n && is_kw(&x->t[a + 1], "logcheck")) {
		st = arity(x, a + 2, 0); /* its default: none */
		if (st == CONF_OK)
			r->logcheck = CONF_LOGCHECK_NONE;
		return st == CONF_OK ? set_str(x, &r->logcheck_rules, NULL) : st;
	}
	if (st == CONF_OK)
		st = arity(x, a + 1, 0);
	if (st == CONF_OK)
		conf_recipient_reset(r);
	return st;
}

/* ---- the command table ------------------------------------------------------------- */

struct cmd {
	const char *words; /* the keywords, blank-separated */
	cmd_fn fn;         /* gets the index of the first word after them */
};

static const struct cmd cmds[] = {
    {"mail smtpserver", cmd_server},
    {"mail smtpserver port", cmd_port},
    {"mail smtpserver tls", cmd_tls},
    {"mail smtpserver tls ca-file", cmd_ca_file},
    {"mail smtpserver tls verify", cmd_verify},
    {"mail smtpserver authentication", cmd_auth},
    {"mail smtpserver authentication allow-cleartext", cmd_cleartext},
    {"mail smtpserver timeout", cmd_timeout},
    {"mail from", cmd_from},
    {"mail serial-number", cmd_serial},
    {"log email", cmd_log_email},
    {"default log email", cmd_default_log_email},
    {"no mail smtpserver", cmd_no_server},
    {"no mail smtpserver port", cmd_no_port},
    {"no mail smtpserver tls", cmd_no_tls},
    {"no mail smtpserver tls ca-file", cmd_no_ca_file},
    {"no mail smtpserver tls verify", cmd_no_verify},
    {"no mail smtpserver authentication", cmd_no_auth},
    {"no mail smtpserver authentication allow-cleartext", cmd_no_cleartext},
    {"no mail smtpserver timeout", cmd_no_timeout},
    {"no mail from", cmd_no_from},
    {"no mail serial-number", cmd_no_serial},
    {"no log email", cmd_no_log_email},
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* How many leading words of cmd match the line; *all when all of them do. */
static size_t match(const struct ctx *x, const char *words, bool *all)
{
	size_t k = 0;
	const char *w = words;

	for (;;) {
		size_t len = strcspn(w, " ");

		if (k >= x->n || x->t[k].quoted || strlen(x->t[k].text) != len ||
		    strncmp(x->t[k].text, w, len) != 0) {
			*all = false;
			return k;
		}
		k++;
		if (w[len] == '\0') {
			*all = true;
			return k;
		}
		w += len + 1;
	}
}

/* The word at position k of words. */
static void nth_word(const char *words, size_t k, char *out, size_t size)
{
	while (k--)
		words += strcspn(words, " ") + 1;
	snprintf(out, size, "%.*s", (int)strcspn(words, " "), words);
}

/* No command matched: name the first word that did not fit. */
static enum conf_status unknown(struct ctx *x)
{
	char expected[256] = "", word[64];
	size_t depth = 0, len = 0;
	bool all;

	for (size_t i = 0; i < N_CMDS; i++) {
		size_t k = match(x, cmds[i].words, &all);
		depth = k > depth ? k : depth;
	}
	if (depth == 0)
		return fail(x, CONF_ESYNTAX, x->t[0].col, "unknown command \"%.100s\"",
			    x->t[0].text);
	for (size_t i = 0; i < N_CMDS; i++) {
		if (match(x, cmds[i].words, &all) != depth)
			continue;
		nth_word(cmds[i].words, depth, word, sizeof(word));
		if (!strstr(expected, word) && len + strlen(word) + 3 < sizeof(expected))
			len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%s",
						len ? ", " : "", word);
	}
	if (depth >= x->n)
		return fail(x, CONF_ESYNTAX, end_col(x), "expected %s after \"%.100s\"", expected,
			    x->t[depth - 1].text);
	return fail(x, CONF_ESYNTAX, x->t[depth].col, "unknown word \"%.100s\" (expected %s)",
		    x->t[depth].text, expected);
}

static enum conf_status dispatch(struct ctx *x)
{
	const struct cmd *best = NULL;
	size_t best_k = 0;
	bool all;

	for (size_t i = 0; i < N_CMDS; i++) {
		size_t k = match(x, cmds[i].words, &all);
		if (all && k > best_k) {
			best = &cmds[i];
			best_k = k;
		}
	}
	return best ? best->fn(x, best_k) : unknown(x);
}

/* ---- entry points --------------------------------------------------------------- */

static void err_start(struct conf_err *err, const char *file, unsigned lineno)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = lineno;
}

/* Run line against c in place; c may be half changed on error (callers
 * work on a copy). */
static enum conf_status exec_in_place(struct conf *c, const char *line, struct conf_err *err,
				      bool *saw_password)
{
	struct ctx x = {.c = c, .line = line, .err = err};
	size_t len = strlen(line);
	enum conf_status st;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	x.buf = strndup(line, len);
	if (!x.buf)
		return nomem(&x);
	st = tokenize(&x);
	if (st == CONF_OK && x.n)
		st = dispatch(&x);
	if (saw_password)
		*saw_password |= x.saw_password;
	explicit_bzero(x.buf, len);
	free(x.buf);
	return st;
}

/* Comments and blank lines need no copy of the configuration. */
static bool trivial(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '!' || *line == '\n' || *line == '\r';
}

enum conf_status conf_exec(struct conf *c, const char *line, const char *file, unsigned lineno,
			   struct conf_err *err)
{
	struct conf_err dummy;
	struct conf *copy;
	enum conf_status st;

	err = err ? err : &dummy;
	err_start(err, file, lineno);
	if (!line || trivial(line))
		return CONF_OK;
	copy = conf_dup(c);
	if (!copy) {
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	st = exec_in_place(copy, line, err, NULL);
	if (st == CONF_OK)
		conf_replace(c, copy);
	else
		conf_free(copy);
	return st;
}

/* logmail.key in the directory of path, made absolute when it can be (the
 * CLI or rsyslogd may change directory later). */
static int default_key_path(struct conf *c, const char *path)
{
	char dir[PATH_MAX], *d, *abs, key[PATH_MAX + sizeof(CONF_KEY_NAME) + 1];

	if (c->key_path)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	abs = realpath(d, NULL);
	snprintf(key, sizeof(key), "%s/%s", abs ? abs : d, CONF_KEY_NAME);
	free(abs);
	return conf_set_key_path(c, key);
}

static enum conf_status load_lines(struct conf *c, FILE *f, struct conf_err *err,
				   bool *saw_password)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	enum conf_status st = CONF_OK;

	while (st == CONF_OK && (len = getline(&line, &cap, f)) >= 0) {
		err->line++;
		if ((size_t)len != strlen(line)) {
			err->column = (unsigned)strlen(line) + 1;
			conf_err_set(err, "NUL byte in line");
			st = CONF_ESYNTAX;
		} else if (!trivial(line)) {
			st = exec_in_place(c, line, err, saw_password);
		}
		explicit_bzero(line, cap);
	}
	if (st == CONF_OK && ferror(f)) {
		err->column = 0;
		conf_err_set(err, "read error: %s", strerror(errno));
		st = CONF_EIO;
	}
	free(line);
	return st;
}

/* A file that holds a password must be private to its owner (as msmtp). */
static enum conf_status check_private(FILE *f, struct conf_err *err)
{
	struct stat st;

	if (fstat(fileno(f), &st) < 0) {
		conf_err_set(err, "%s", strerror(errno));
		return CONF_EIO;
	}
	if (st.st_mode & 077) {
		err->line = err->column = 0;
		conf_err_set(err,
			     "contains a password and therefore must not be accessible by group or "
			     "others (mode %04o); chmod 600 it",
			     (unsigned)(st.st_mode & 07777));
		return CONF_ESECRET;
	}
	return CONF_OK;
}

enum conf_status conf_load(struct conf *c, const char *path, struct conf_err *err)
{
	struct conf_err dummy;
	struct conf *copy = NULL;
	bool saw_password = false;
	enum conf_status st;
	FILE *f;

	err = err ? err : &dummy;
	err_start(err, path, 0);
	copy = conf_dup(c);
	if (!copy || default_key_path(copy, path) < 0) {
		conf_free(copy);
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	f = fopen(path, "re");
	if (!f && errno == ENOENT) {
		conf_replace(c, copy);
		return CONF_OK;
	}
	if (!f) {
		conf_free(copy);
		conf_err_set(err, "%s", strerror(errno));
		return CONF_EIO;
	}
	st = load_lines(copy, f, err, &saw_password);
	if (st == CONF_OK && saw_password)
		st = check_private(f, err);
	fclose(f);
	if (st == CONF_OK) {
		memset(err, 0, sizeof(*err));
		conf_replace(c, copy);
	} else {
		conf_free(copy);
	}
	return st;
}
