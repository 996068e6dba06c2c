/*
 * config/parse.c: the configuration commands, each declared once in
 * conf_commands below (the AlliedWare Plus notation of conf.h, one help
 * line per word) with the handler that changes the configuration.  The
 * command tree (cmdtree.c) matches a line against the declarations; the
 * handler gets the words it bound (conf_arg) and does what the grammar
 * cannot: check a regular expression, find a recipient, refuse a change
 * in the wrong state.
 *
 * To add a configuration command: one line in conf_commands, a handler
 * here, a line in write_* of write.c so that `show running-config` prints
 * it, and the command in logmail.conf(5) and logmail(1) (a test compares
 * that list with this table).  E.g. `mail smtpserver helo NAME` is
 *
 *   {{"mail smtpserver helo WORD$name", H_MAIL H_SERVER "The name ... EHLO\n"
 *     "A domain, or an address literal ...\n", 0}, cmd_helo},
 *
 * with cmd_helo reading W(x, "name"); a choice of keywords such as
 * `digest fold {on|off}` gives each of its words a help line.
 *
 * Words are separated by blanks; "double quotes" make one word of text
 * with blanks, \" and \\ inside them a quote and a backslash.  A quoted
 * word is never a keyword.  `!` as the first non-blank character makes a
 * comment line.  Keywords may be abbreviated as on the switch.
 *
 * All-or-nothing: conf_exec works on a copy and swaps it in on success;
 * conf_load runs the whole file against one copy.
 */
#include "config/internal.h"
#include "util/trust.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct ctx {
	struct conf *c;
	const struct conf_line *l;
	const struct conf_args *a;
	struct conf_err *err;
};

typedef enum conf_status (*cmd_fn)(struct ctx *x);

struct conf_command {
	struct conf_cmd cmd;
	cmd_fn fn;
};

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

/* The word bound to name (the grammar guarantees those it requires). */
static const struct conf_word *W(const struct ctx *x, const char *name)
{
	return conf_arg(x->a, name);
}

/* The column just after the last word: where a missing word was expected. */
static unsigned end_col(const struct ctx *x)
{
	return x->l->n ? x->l->w[x->l->n - 1].end : 1;
}

/* The column after the word bound to name (or the end of the line). */
static unsigned col_after(const struct ctx *x, const char *name)
{
	const struct conf_word *w = W(x, name);
	size_t i = w ? (size_t)(w - x->l->w) + 1 : x->l->n;

	return i < x->l->n ? x->l->w[i].col : end_col(x);
}

static enum conf_status nonempty(struct ctx *x, const struct conf_word *w, const char *what)
{
	if (w && w->text[0] == '\0')
		return fail(x, CONF_ESYNTAX, w->col, "expected %s, got an empty string", what);
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

static unsigned number(const struct ctx *x, const char *name)
{
	return (unsigned)strtoul(W(x, name)->text, NULL, 10);
}

/* ---- mail smtpserver ---------------------------------------------------------- */

static const char auth_exists[] = "% Error: authentication configuration still exists";

static enum conf_status cmd_server(struct ctx *x)
{
	const struct conf_word *s = W(x, "server");

	if (x->c->auth != CONF_AUTH_NONE && x->c->server && strcmp(x->c->server, s->text))
		return fail(x, CONF_ESTATE, s->col, "%s", auth_exists);
	return set_str(x, &x->c->server, s->text);
}

static enum conf_status cmd_no_server(struct ctx *x)
{
	if (x->c->auth != CONF_AUTH_NONE && x->c->server)
		return fail(x, CONF_ESTATE, x->l->w[0].col, "%s", auth_exists);
	return set_str(x, &x->c->server, NULL);
}

static enum conf_status cmd_port(struct ctx *x)
{
	x->c->port = number(x, "port");
	return CONF_OK;
}

static enum conf_status cmd_no_port(struct ctx *x)
{
	x->c->port = 0;
	return CONF_OK;
}

static enum conf_status cmd_tls(struct ctx *x)
{
	x->c->tls = W(x, "smtps") ? CONF_TLS_SMTPS : CONF_TLS_STARTTLS;
	return CONF_OK;
}

static enum conf_status cmd_no_tls(struct ctx *x)
{
	x->c->tls = CONF_TLS_NONE;
	return CONF_OK;
}

static enum conf_status cmd_ca_file(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "file"), "a file name");

	return st != CONF_OK ? st : set_str(x, &x->c->tls_ca_file, W(x, "file")->text);
}

static enum conf_status cmd_no_ca_file(struct ctx *x)
{
	return set_str(x, &x->c->tls_ca_file, NULL);
}

static enum conf_status cmd_verify(struct ctx *x)
{
	x->c->tls_verify = true;
	return CONF_OK;
}

static enum conf_status cmd_no_verify(struct ctx *x)
{
	x->c->tls_verify = false;
	return CONF_OK;
}

static enum conf_status cmd_cleartext(struct ctx *x)
{
	x->c->auth_cleartext = true;
	return CONF_OK;
}

static enum conf_status cmd_no_cleartext(struct ctx *x)
{
	x->c->auth_cleartext = false;
	return CONF_OK;
}

static enum conf_status cmd_timeout(struct ctx *x)
{
	x->c->timeout_sec = number(x, "sec");
	return CONF_OK;
}

static enum conf_status cmd_no_timeout(struct ctx *x)
{
	x->c->timeout_sec = 0;
	return CONF_OK;
}

/* `mail smtpserver helo NAME`: a domain (RFC 5321 4.1.2: letters, digits,
 * hyphens, dots between non-empty labels) or an address literal such as
 * [192.0.2.1] or [IPv6:2001:db8::1]; it goes into EHLO and Message-IDs. */
static bool helo_ok(const char *s)
{
	size_t n = strlen(s), skip;

	if (n == 0 || n > 253)
		return false;
	if (s[0] == '[') {
		skip = strncmp(s, "[IPv6:", 6) == 0 ? 6 : 1;
		return n > skip + 1 && s[n - 1] == ']' &&
		       strspn(s + skip, "0123456789abcdefABCDEF.:") == n - skip - 1;
	}
	if (s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static enum conf_status cmd_helo(struct ctx *x)
{
	const struct conf_word *w = W(x, "name");

	if (!helo_ok(w->text))
		return fail(x, CONF_ESYNTAX, w->col,
			    "invalid HELO name \"%.100s\" (expected a domain such as "
			    "host.example.com or an address literal such as [192.0.2.1])",
			    w->text);
	return set_str(x, &x->c->helo, w->text);
}

static enum conf_status cmd_no_helo(struct ctx *x)
{
	return set_str(x, &x->c->helo, NULL);
}

/* The secret word `name`: after the word `eight` (`password 8 B`) already
 * encrypted, else plain, to encrypt (`password P`); *b64 gets the stored
 * form, or stays NULL when the word is absent.  Never echoes the value. */
static enum conf_status stored_secret(struct ctx *x, const char *name, const char *eight,
				      const char *noun, char **b64)
{
	const struct conf_word *w = W(x, name);
	enum conf_status st;

	*b64 = NULL;
	if (!w)
		return CONF_OK;
	if (W(x, eight)) {
		if (!conf_secret_valid(w->text))
			return fail(x, CONF_ESYNTAX, w->col,
				    "expected an encrypted %s (base64) after \"8\"", noun);
		*b64 = strdup(w->text);
		return *b64 ? CONF_OK : nomem(x);
	}
	st = conf_secret_encrypt(x->c->key_path, w->text, b64, x->err);
	if (st != CONF_OK)
		x->err->column = w->col;
	return st;
}

static enum conf_status cmd_auth(struct ctx *x)
{
	enum conf_auth method = W(x, "crammd5") ? CONF_AUTH_CRAMMD5
				: W(x, "login") ? CONF_AUTH_LOGIN
						: CONF_AUTH_PLAIN;
	enum conf_status st;
	char *b64 = NULL;

	if ((st = nonempty(x, W(x, "user"), "a user name")) != CONF_OK ||
	    (st = stored_secret(x, "password", "8", "password", &b64)) != CONF_OK)
		return st;
	if ((st = set_str(x, &x->c->username, W(x, "user")->text)) != CONF_OK) {
		free(b64);
		return st;
	}
	free(x->c->password8);
	x->c->password8 = b64;
	x->c->auth = method;
	return set_str(x, &x->c->token_command, NULL);
}

/* `... {xoauth2|oauthbearer} username U token-command "CMD"`: the token is
 * not configuration, so there is nothing to encrypt; the command runs at
 * delivery (smtp/oauth.c). */
static enum conf_status cmd_auth_oauth(struct ctx *x)
{
	const struct conf_word *cmd = W(x, "command");
	enum conf_status st;

	if ((st = nonempty(x, W(x, "user"), "a user name")) != CONF_OK ||
	    (st = nonempty(x, cmd, "a command")) != CONF_OK ||
	    (st = set_str(x, &x->c->token_command, cmd ? cmd->text : NULL)) != CONF_OK ||
	    (st = set_str(x, &x->c->username, W(x, "user")->text)) != CONF_OK)
		return st;
	x->c->auth = W(x, "xoauth2") ? CONF_AUTH_XOAUTH2 : CONF_AUTH_OAUTHBEARER;
	return set_str(x, &x->c->password8, NULL);
}

/* `mail smtpserver oauth ...`: the whole block is replaced.  The token URL
 * is HTTPS: the client secret and refresh token go there. */
static enum conf_status cmd_oauth(struct ctx *x)
{
	const struct conf_word *url = W(x, "url"), *scope = W(x, "scope"), *ca = W(x, "cafile");
	struct conf_oauth o = {0};
	enum conf_status st;

	if (strncasecmp(url->text, "https://", 8) != 0 || !url->text[8])
		return fail(x, CONF_ESYNTAX, url->col,
			    "expected an https:// URL for the token endpoint, got \"%.100s\"",
			    url->text);
	if ((st = nonempty(x, W(x, "client"), "a client ID")) != CONF_OK ||
	    (st = nonempty(x, ca, "a file name")) != CONF_OK)
		return st;
	if ((st = stored_secret(x, "secret", "secret8", "secret", &o.secret8)) != CONF_OK ||
	    (st = stored_secret(x, "refresh", "refresh8", "secret", &o.refresh8)) != CONF_OK ||
	    (st = set_str(x, &o.token_url, url->text)) != CONF_OK ||
	    (st = set_str(x, &o.client_id, W(x, "client")->text)) != CONF_OK ||
	    (st = set_str(x, &o.scope, scope && *scope->text ? scope->text : NULL)) != CONF_OK ||
	    (st = set_str(x, &o.ca_file, ca ? ca->text : NULL)) != CONF_OK) {
		conf_oauth_clear(&o);
		return st;
	}
	conf_oauth_clear(&x->c->oauth);
	x->c->oauth = o;
	return CONF_OK;
}

static enum conf_status cmd_no_oauth(struct ctx *x)
{
	conf_oauth_clear(&x->c->oauth);
	return CONF_OK;
}

static enum conf_status cmd_no_auth(struct ctx *x)
{
	x->c->auth = CONF_AUTH_NONE;
	set_str(x, &x->c->username, NULL);
	set_str(x, &x->c->token_command, NULL);
	return set_str(x, &x->c->password8, NULL);
}

/* ---- mail from, mail serial-number ------------------------------------------- */

static enum conf_status cmd_from(struct ctx *x)
{
	return set_str(x, &x->c->from, W(x, "from")->text);
}

static enum conf_status cmd_no_from(struct ctx *x)
{
	return set_str(x, &x->c->from, NULL);
}

static enum conf_status cmd_serial(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "serial"), "a serial number");

	return st != CONF_OK ? st : set_str(x, &x->c->serial, W(x, "serial")->text);
}

static enum conf_status cmd_no_serial(struct ctx *x)
{
	return set_str(x, &x->c->serial, NULL);
}

/* ---- log email: filters ---------------------------------------------------------- */

/* The column of byte `offset` of the (unescaped) word w in the line. */
static unsigned raw_column(const struct ctx *x, const struct conf_word *w, size_t offset)
{
	const char *raw = x->l->text + w->col - 1;
	size_t i = w->quoted ? 1 : 0;

	for (size_t k = 0; k < offset && raw[i]; k++)
		i += (w->quoted && raw[i] == '\\' && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ? 2
												: 1;
	return w->col + (unsigned)i;
}

static enum conf_status check_regex(struct ctx *x, const struct conf_word *w)
{
	int code;
	PCRE2_SIZE offset;
	PCRE2_UCHAR msg[256];
	/* the options of filters/multire.c: bytes, never UTF-8, as the engine runs it */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)w->text, PCRE2_ZERO_TERMINATED,
				       PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code, &offset, NULL);

	if (re) {
		pcre2_code_free(re);
		return CONF_OK;
	}
	if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", code);
	return fail(x, CONF_ESYNTAX, raw_column(x, w, offset), "bad regular expression: %s", msg);
}

/* `host H`: a host name or an fnmatch(3) glob (`web*`, `db[12]`), kept in
 * lower case because host names are case-insensitive (RFC 4343). */
static enum conf_status criterion_host(struct ctx *x, const struct conf_word *w,
				       struct conf_filter *f)
{
	enum conf_status st = nonempty(x, w, "a host name or glob");

	if (st != CONF_OK)
		return st;
	for (const unsigned char *p = (const unsigned char *)w->text; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
			return fail(x, CONF_ESYNTAX, w->col,
				    "invalid host \"%.100s\" (no blanks or control characters)",
				    w->text);
	if (strlen(w->text) > 255)
		return fail(x, CONF_ESYNTAX, w->col, "host longer than 255 characters");
	if (!(f->host = strdup(w->text)))
		return nomem(x);
	for (char *p = f->host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return CONF_OK;
}

static bool has_criteria(const struct ctx *x)
{
	return W(x, "level") || W(x, "program") || W(x, "facility") || W(x, "host") ||
	       W(x, "msgtext");
}

/* The criteria of the line into *f (cleared first; the caller clears it
 * after). */
static enum conf_status criteria(struct ctx *x, struct conf_filter *f)
{
	const struct conf_word *text = W(x, "text"), *program = W(x, "program");
	enum conf_status st;

	*f = (struct conf_filter){.level = CONF_LEVEL_ANY, .facility = CONF_FACILITY_ANY};
	if (W(x, "level"))
		f->level = conf_level_parse(W(x, "level")->text);
	if (W(x, "facility"))
		f->facility = conf_facility_parse(W(x, "facility")->text);
	if (program) {
		if ((st = nonempty(x, program, "a program name")) != CONF_OK)
			return st;
		if (!(f->program = strdup(program->text)))
			return nomem(x);
	}
	if (W(x, "host") && (st = criterion_host(x, W(x, "host"), f)) != CONF_OK)
		return st;
	if (!text)
		return CONF_OK;
	f->msgtext_regex = W(x, "regex") != NULL;
	if ((st = nonempty(x, text, "a message text")) != CONF_OK ||
	    (f->msgtext_regex && (st = check_regex(x, text)) != CONF_OK))
		return st;
	f->msgtext = strdup(text->text);
	return f->msgtext ? CONF_OK : nomem(x);
}

static long filter_find(const struct conf_filter *v, size_t n, const struct conf_filter *f)
{
	for (size_t i = 0; i < n; i++)
		if (conf_filter_equal(&v[i], f))
			return (long)i;
	return -1;
}

/* The recipient the line names, created when create is set. */
static enum conf_status recipient(struct ctx *x, bool create, struct conf_recipient **r)
{
	const struct conf_word *a = W(x, "addr");
	long i = conf_recipient_index(x->c, a->text);

	if (i < 0 && !create)
		return fail(x, CONF_ENOTFOUND, a->col, "no email log target \"%.100s\"", a->text);
	if (i < 0 && (i = conf_recipient_add(x->c, a->text)) < 0)
		return nomem(x);
	*r = &x->c->recipients[i];
	return CONF_OK;
}

/* `log email A [criteria]` and `log email A exclude criteria`. */
static enum conf_status add_filter(struct ctx *x, bool excl)
{
	struct conf_recipient *r;
	struct conf_filter f;
	enum conf_status st;

	if (excl && !has_criteria(x))
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected a filter: level, program, facility, host or msgtext");
	if ((st = criteria(x, &f)) == CONF_OK && (st = recipient(x, true, &r)) == CONF_OK &&
	    has_criteria(x)) {
		struct conf_filter **v = excl ? &r->excludes : &r->filters;
		size_t *n = excl ? &r->n_excludes : &r->n_filters;

		if (filter_find(*v, *n, &f) < 0 && conf_filters_append(v, n, &f) < 0)
			st = nomem(x);
	}
	conf_filter_clear(&f);
	return st;
}

static enum conf_status cmd_log_email(struct ctx *x)
{
	return add_filter(x, false);
}

static enum conf_status cmd_log_exclude(struct ctx *x)
{
	return add_filter(x, true);
}

/* `no log email A [criteria]`: the recipient, or one of its filters;
 * `no log email A exclude criteria`: one of its excludes. */
static enum conf_status remove_filter(struct ctx *x, bool excl)
{
	struct conf_recipient *r;
	struct conf_filter f, *v;
	size_t *n;
	enum conf_status st;
	long i;

	if (excl && !has_criteria(x))
		return fail(x, CONF_ESYNTAX, end_col(x),
			    "expected a filter: level, program, facility, host or msgtext");
	if ((st = recipient(x, false, &r)) != CONF_OK)
		return st;
	if (!has_criteria(x)) {
		conf_recipient_remove(x->c, (size_t)(r - x->c->recipients));
		return CONF_OK;
	}
	v = excl ? r->excludes : r->filters;
	n = excl ? &r->n_excludes : &r->n_filters;
	st = criteria(x, &f);
	i = st == CONF_OK ? filter_find(v, *n, &f) : -1;
	conf_filter_clear(&f);
	if (st != CONF_OK)
		return st;
	if (i < 0)
		return fail(x, CONF_ENOTFOUND, col_after(x, excl ? "exclude" : "addr"),
			    "no such %sfilter for %.100s", excl ? "exclude " : "", r->address);
	conf_filters_remove(v, n, (size_t)i);
	return CONF_OK;
}

static enum conf_status cmd_no_log_email(struct ctx *x)
{
	return remove_filter(x, false);
}

static enum conf_status cmd_no_log_exclude(struct ctx *x)
{
	return remove_filter(x, true);
}

/* ---- log email: time and digest settings ------------------------------------- */

/* The recipient of the line (created) for a setting. */
static struct conf_recipient *setting_of(struct ctx *x, enum conf_status *st)
{
	struct conf_recipient *r = NULL;

	*st = recipient(x, true, &r);
	return r;
}

static enum conf_status cmd_time(struct ctx *x)
{
	const struct conf_word *off = W(x, "offset");
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);
	int min = 0;

	if (!r)
		return st;
	if (off)
		conf_offset_parse(off->text, &min);
	r->time_type = W(x, "utc") ? CONF_TIME_UTC : CONF_TIME_LOCAL;
	r->offset_min = min;
	return CONF_OK;
}

/* `log email A digest {window|max-messages|max-bytes} N`, `... rate-limit N`. */
static enum conf_status cmd_number(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);
	struct conf_digest *d;

	if (!r)
		return st;
	d = &r->digest;
	*(W(x, "window")         ? &d->window_sec
	  : W(x, "max-messages") ? &d->max_messages
	  : W(x, "max-bytes")    ? &d->max_bytes
				 : &d->rate_per_hour) = number(x, "n");
	return CONF_OK;
}

/* `log email A digest fold {on|off}`. */
static enum conf_status cmd_fold(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);

	if (r)
		r->digest.fold = W(x, "on") != NULL;
	return st;
}

static enum conf_status cmd_urgent(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);

	if (r)
		r->digest.urgent_level = conf_level_parse(W(x, "level")->text);
	return st;
}

static enum conf_status cmd_subject(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "subject"), "a subject");
	struct conf_recipient *r = st == CONF_OK ? setting_of(x, &st) : NULL;

	return r ? set_str(x, &r->digest.subject, W(x, "subject")->text) : st;
}

static enum conf_status cmd_default_log_email(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);

	if (r)
		conf_recipient_reset(r);
	return st;
}

/* `no log email A {time|digest W|urgent|rate-limit|subject}`: back to the
 * default ("no urgent" is none: everything waits for its digest; "no digest
 * fold" is the default too, folding on, as for every other digest word). */
static enum conf_status cmd_no_setting(struct ctx *x)
{
	struct conf_recipient *r;
	struct conf_digest *d;
	enum conf_status st = recipient(x, false, &r);

	if (st != CONF_OK)
		return st;
	d = &r->digest;
	if (W(x, "time")) {
		r->time_type = CONF_TIME_LOCAL;
		r->offset_min = 0;
	} else if (W(x, "window")) {
		d->window_sec = CONF_DIGEST_WINDOW;
	} else if (W(x, "max-messages")) {
		d->max_messages = CONF_DIGEST_MSGS;
	} else if (W(x, "max-bytes")) {
		d->max_bytes = CONF_DIGEST_BYTES;
	} else if (W(x, "fold")) {
		d->fold = CONF_DIGEST_FOLD;
	} else if (W(x, "urgent")) {
		d->urgent_level = CONF_LEVEL_ANY;
	} else if (W(x, "rate-limit")) {
		d->rate_per_hour = CONF_DIGEST_RATE;
	} else {
		return set_str(x, &d->subject, NULL);
	}
	return CONF_OK;
}

/* ---- log email: logcheck ------------------------------------------------------------ */

/* The level and the rules directory the line names (dir NULL: the default). */
static const struct conf_word *logcheck_level_word(const struct ctx *x)
{
	const struct conf_word *w = W(x, "workstation");

	return w ? w : W(x, "server") ? W(x, "server") : W(x, "paranoid");
}

static enum conf_status logcheck_spec(struct ctx *x, int *level, const char **dir)
{
	const struct conf_word *d = W(x, "dir"), *l = logcheck_level_word(x);

	/* by the keyword, not its text: "serv" stands for server */
	*level = !l                         ? CONF_LOGCHECK_NONE
		 : l == W(x, "workstation") ? CONF_LOGCHECK_WORKSTATION
		 : l == W(x, "server")      ? CONF_LOGCHECK_SERVER
					    : CONF_LOGCHECK_PARANOID;
	*dir = d ? d->text : NULL;
	if (d && d->text[0] != '/')
		return fail(x, CONF_ESYNTAX, d->col,
			    "expected an absolute directory after \"rules\", got \"%.100s\"",
			    d->text);
	return CONF_OK;
}

/* `log email A logcheck LEVEL [rules DIR]`: one logcheck filter per
 * recipient; a new line replaces it. */
static enum conf_status cmd_logcheck(struct ctx *x)
{
	struct conf_recipient *r;
	const char *dir;
	int level;
	enum conf_status st = logcheck_spec(x, &level, &dir);

	if (st == CONF_OK)
		st = recipient(x, true, &r);
	if (st != CONF_OK)
		return st;
	r->logcheck = level;
	return set_str(x, &r->logcheck_rules, dir);
}

/* `no log email A logcheck [LEVEL [rules DIR]]`: the level and directory,
 * when given, must be the configured ones. */
static enum conf_status cmd_no_logcheck(struct ctx *x)
{
	struct conf_recipient *r;
	const char *dir;
	int level;
	enum conf_status st = recipient(x, false, &r);

	if (st == CONF_OK)
		st = logcheck_spec(x, &level, &dir);
	if (st != CONF_OK)
		return st;
	if (r->logcheck == CONF_LOGCHECK_NONE ||
	    (level != CONF_LOGCHECK_NONE && level != r->logcheck) ||
	    (dir && (!r->logcheck_rules || strcmp(dir, r->logcheck_rules) != 0)))
		return fail(x, CONF_ENOTFOUND,
			    logcheck_level_word(x) ? logcheck_level_word(x)->col : end_col(x),
			    "no such logcheck filter for %.100s", r->address);
	r->logcheck = CONF_LOGCHECK_NONE;
	return set_str(x, &r->logcheck_rules, NULL);
}

/* `default log email A logcheck`: its default, none. */
static enum conf_status cmd_default_logcheck(struct ctx *x)
{
	struct conf_recipient *r;
	enum conf_status st = recipient(x, true, &r);

	if (st != CONF_OK)
		return st;
	r->logcheck = CONF_LOGCHECK_NONE;
	return set_str(x, &r->logcheck_rules, NULL);
}

/* ---- the command table ------------------------------------------------------------- */

/* Help lines of words that many commands share. */
#define H_NO      "Negate a command or set its defaults\n"
#define H_MAIL    "Mail (SMTP) client\n"
#define H_SERVER  "The SMTP server mail is sent to\n"
#define H_TLS     "TLS for the connection to the SMTP server\n"
#define H_AUTH    "Authentication on the SMTP server (SMTP AUTH)\n"
#define H_LOG     "Logging\n"
#define H_EMAIL   "Send log messages by email\n"
#define H_ADDRESS "The email address of the recipient\n"
#define H_DIGEST  "How messages gather into digests\n"
#define H_DEFAULT "Set a command to its defaults\n"

/* A filter's criteria: `[level L] [program P] [facility F] [host H]
 * [msgtext [regex] T]`. */
#define CRITERIA                                                                                   \
	"[level LEVEL$level] [program WORD$program] [facility FACILITY$facility] "                 \
	"[host WORD$host] [msgtext [regex] LINE$text]"
#define H_CRITERIA                                                                                 \
	"This level or more severe\n"                                                              \
	"Severity level\n"                                                                         \
	"Messages of this program\n"                                                               \
	"Program name (rsyslog's programname)\n"                                                   \
	"Messages of this facility\n"                                                              \
	"Syslog facility\n"                                                                        \
	"Messages from this host (rsyslog's hostname)\n"                                           \
	"Host name, or a glob such as web* (case-insensitive)\n"                                   \
	"Messages that contain this text\n"                                                        \
	"The text is a regular expression (PCRE2)\n"                                               \
	"The text (quote it when it has blanks)\n"

#define LOGCHECK_LEVEL "{workstation|server|paranoid}"
#define H_LOGCHECK     "What logcheck would report, in its sections\n"
#define H_LOGCHECK_LEVEL                                                                           \
	"ignore.d.workstation, .server and .paranoid apply\n"                                      \
	"ignore.d.server and .paranoid apply\n"                                                    \
	"ignore.d.paranoid applies\n"
#define H_LOGCHECK_RULES                                                                           \
	"Another rules directory than /etc/logcheck\n"                                             \
	"The directory (an absolute path)\n"

static const struct conf_command commands[] = {
    {{"mail smtpserver HOST$server", H_MAIL H_SERVER "IP address or host name of the SMTP server\n",
      0},
     cmd_server},
    {{"mail smtpserver port <1-65535>$port",
      H_MAIL H_SERVER "The port of the SMTP server\n"
		      "Port number\n",
      0},
     cmd_port},
    {{"mail smtpserver tls {starttls|smtps}",
      H_MAIL H_SERVER H_TLS "STARTTLS: a plain connection upgraded to TLS (RFC 3207)\n"
			    "SMTPS: TLS from the start (RFC 8314)\n",
      0},
     cmd_tls},
    {{"mail smtpserver tls ca-file FILE$file",
      H_MAIL H_SERVER H_TLS "Trust this CA file instead of the system store\n"
			    "File of PEM certificates\n",
      0},
     cmd_ca_file},
    {{"mail smtpserver tls verify",
      H_MAIL H_SERVER H_TLS "Verify the server's certificate and name (the default)\n", 0},
     cmd_verify},
    {{"mail smtpserver authentication {crammd5|login|plain} username WORD$user password [8] "
      "PASSWORD$password",
      H_MAIL H_SERVER H_AUTH "CRAM-MD5: a challenge, the password is never sent\n"
			     "LOGIN: user name and password in base64\n"
			     "PLAIN: user name and password in base64\n"
			     "The user name registered on the SMTP server\n"
			     "User name\n"
			     "The password registered on the SMTP server\n"
			     "The password that follows is encrypted (as show running-config "
			     "prints it)\n"
			     "Password\n",
      0},
     cmd_auth},
    {{"mail smtpserver authentication {xoauth2|oauthbearer} username WORD$user [token-command "
      "LINE$command]",
      H_MAIL H_SERVER H_AUTH "XOAUTH2: an OAuth 2.0 access token (Microsoft 365, Gmail)\n"
			     "OAUTHBEARER: an OAuth 2.0 access token (RFC 7628)\n"
			     "The user name registered on the SMTP server\n"
			     "User name (the mailbox's address)\n"
			     "A command that prints the access token (run by /bin/sh); "
			     "without it, mail smtpserver oauth\n"
			     "The command (quote it when it has blanks)\n",
      0},
     cmd_auth_oauth},
    {{"mail smtpserver oauth token-url WORD$url client-id WORD$client [client-secret [8$secret8] "
      "SECRET$secret] [scope LINE$scope] [refresh-token [8$refresh8] SECRET$refresh] "
      "[ca-file FILE$cafile]",
      H_MAIL H_SERVER "OAuth 2.0 access tokens from a token endpoint\n"
		      "The token endpoint\n"
		      "URL (https://)\n"
		      "The application's client ID\n"
		      "Client ID\n"
		      "The application's client secret\n"
		      "The secret that follows is encrypted (as show running-config prints "
		      "it)\n"
		      "Client secret\n"
		      "The scope asked for\n"
		      "Scope, e.g. https://outlook.office365.com/.default\n"
		      "A refresh token: the refresh-token grant (else client credentials)\n"
		      "The token that follows is encrypted (as show running-config prints "
		      "it)\n"
		      "Refresh token\n"
		      "Trust this CA file for the endpoint instead of the system store\n"
		      "File of PEM certificates\n",
      0},
     cmd_oauth},
    {{"mail smtpserver authentication allow-cleartext",
      H_MAIL H_SERVER H_AUTH "Allow AUTH without TLS when the server offers no STARTTLS\n", 0},
     cmd_cleartext},
    {{"mail smtpserver timeout <1-3600>$sec",
      H_MAIL H_SERVER "Limit every wait for the server\n"
		      "Timeout in seconds\n",
      0},
     cmd_timeout},
    {{"mail smtpserver helo WORD$name",
      H_MAIL H_SERVER "The name this host gives in EHLO and Message-IDs\n"
		      "A domain, or an address literal such as [192.0.2.1]\n",
      0},
     cmd_helo},
    {{"mail from ADDRESS$from",
      H_MAIL "The sender's email address\n"
	     "Email address\n",
      0},
     cmd_from},
    {{"mail serial-number WORD$serial",
      H_MAIL "The serial number %S stands for\n"
	     "Serial number\n",
      0},
     cmd_serial},
    {{"log email ADDRESS$addr " CRITERIA, H_LOG H_EMAIL H_ADDRESS H_CRITERIA, 0}, cmd_log_email},
    {{"log email ADDRESS$addr exclude " CRITERIA,
      H_LOG H_EMAIL H_ADDRESS "Never send messages that match this filter\n" H_CRITERIA, 0},
     cmd_log_exclude},
    {{"log email ADDRESS$addr time {local|utc} [OFFSET$offset]",
      H_LOG H_EMAIL H_ADDRESS "The time shown in the recipient's mails\n"
			      "Local time\n"
			      "UTC\n"
			      "Offset [+|-]H[:MM]\n",
      0},
     cmd_time},
    {{"log email ADDRESS$addr digest window <1-86400>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Time after the first message\n"
				       "Window in seconds\n",
      0},
     cmd_number},
    {{"log email ADDRESS$addr digest max-messages <1-100000>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Messages in one digest at most\n"
				       "Number of messages\n",
      0},
     cmd_number},
    {{"log email ADDRESS$addr digest max-bytes <1024-10485760>$n",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Size of one digest at most\n"
				       "Number of bytes\n",
      0},
     cmd_number},
    {{"log email ADDRESS$addr digest fold {on|off}",
      H_LOG H_EMAIL H_ADDRESS H_DIGEST "Lines that differ only in numbers, addresses, ids and "
				       "quoted text\n"
				       "Fold them into one line with a count (the default)\n"
				       "One line per message\n",
      0},
     cmd_fold},
    {{"log email ADDRESS$addr urgent level LEVEL$level",
      H_LOG H_EMAIL H_ADDRESS "Send messages this severe at once\n"
			      "This level or more severe\n"
			      "Severity level\n",
      0},
     cmd_urgent},
    {{"log email ADDRESS$addr rate-limit <0-100000>$n",
      H_LOG H_EMAIL H_ADDRESS "Mails per hour at most; the rest is counted\n"
			      "Number of mails per hour\n",
      0},
     cmd_number},
    {{"log email ADDRESS$addr subject LINE$subject",
      H_LOG H_EMAIL H_ADDRESS "Subject of the digests (%N %S %T %D %L %U %C %E)\n"
			      "Subject\n",
      0},
     cmd_subject},
    {{"log email ADDRESS$addr logcheck " LOGCHECK_LEVEL " [rules FILE$dir]",
      H_LOG H_EMAIL H_ADDRESS H_LOGCHECK H_LOGCHECK_LEVEL H_LOGCHECK_RULES, 0},
     cmd_logcheck},
    {{"default log email ADDRESS$addr", H_DEFAULT H_LOG H_EMAIL H_ADDRESS, 0},
     cmd_default_log_email},
    {{"default log email ADDRESS$addr logcheck",
      H_DEFAULT H_LOG H_EMAIL H_ADDRESS "No logcheck filter (the default)\n", 0},
     cmd_default_logcheck},
    {{"no mail smtpserver", H_NO H_MAIL H_SERVER, 0}, cmd_no_server},
    {{"no mail smtpserver port", H_NO H_MAIL H_SERVER "Back to 25, 587 or 465 by TLS mode\n", 0},
     cmd_no_port},
    {{"no mail smtpserver tls", H_NO H_MAIL H_SERVER "No TLS\n", 0}, cmd_no_tls},
    {{"no mail smtpserver tls ca-file", H_NO H_MAIL H_SERVER H_TLS "Use the system store\n", 0},
     cmd_no_ca_file},
    {{"no mail smtpserver tls verify",
      H_NO H_MAIL H_SERVER H_TLS "Do not verify the server's certificate\n", 0},
     cmd_no_verify},
    {{"no mail smtpserver authentication", H_NO H_MAIL H_SERVER H_AUTH, 0}, cmd_no_auth},
    {{"no mail smtpserver oauth",
      H_NO H_MAIL H_SERVER "OAuth 2.0 access tokens from a token endpoint\n", 0},
     cmd_no_oauth},
    {{"no mail smtpserver authentication allow-cleartext",
      H_NO H_MAIL H_SERVER H_AUTH "Never send a password without TLS\n", 0},
     cmd_no_cleartext},
    {{"no mail smtpserver timeout", H_NO H_MAIL H_SERVER "Back to the RFC 5321 timeouts\n", 0},
     cmd_no_timeout},
    {{"no mail smtpserver helo", H_NO H_MAIL H_SERVER "Back to the host's own name\n", 0},
     cmd_no_helo},
    {{"no mail from", H_NO H_MAIL "The sender's email address\n", 0}, cmd_no_from},
    {{"no mail serial-number", H_NO H_MAIL "Back to the DMI serial or the machine-id\n", 0},
     cmd_no_serial},
    {{"no log email ADDRESS$addr " CRITERIA, H_NO H_LOG H_EMAIL H_ADDRESS H_CRITERIA, 0},
     cmd_no_log_email},
    {{"no log email ADDRESS$addr exclude " CRITERIA,
      H_NO H_LOG H_EMAIL H_ADDRESS "An exclude filter\n" H_CRITERIA, 0},
     cmd_no_log_exclude},
    {{"no log email ADDRESS$addr {time|digest {window|max-messages|max-bytes|fold}|urgent|"
      "rate-limit|subject}",
      H_NO H_LOG H_EMAIL H_ADDRESS "Local time, no offset\n" H_DIGEST "Back to 30 seconds\n"
				   "Back to 100 messages\n"
				   "Back to 65536 bytes\n"
				   "Back to folding repeated lines (on)\n"
				   "Nothing is urgent: every message waits for its digest\n"
				   "Back to 20 mails an hour\n"
				   "Back to the default subject\n",
      0},
     cmd_no_setting},
    {{"no log email ADDRESS$addr logcheck [" LOGCHECK_LEVEL " [rules FILE$dir]]",
      H_NO H_LOG H_EMAIL H_ADDRESS H_LOGCHECK H_LOGCHECK_LEVEL H_LOGCHECK_RULES, 0},
     cmd_no_logcheck},
};

const struct conf_table conf_commands = CONF_TABLE(commands);

/* ---- entry points --------------------------------------------------------------- */

static void err_start(struct conf_err *err, const char *file, unsigned lineno)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = lineno;
}

/* Run line against c in place; c may be half changed on error (callers
 * work on a copy).  *saw_password: the line gave a password. */
static enum conf_status exec_in_place(struct conf *c, const char *line, struct conf_err *err,
				      bool *saw_password)
{
	struct conf_line l;
	struct conf_match *m = NULL;
	struct ctx x = {.c = c, .l = &l, .err = err};
	enum conf_status st = conf_line_split(&l, line, false, err);

	if (st == CONF_OK && l.n > 0) {
		m = malloc(sizeof(*m));
		if (!m)
			st = nomem(&x);
	}
	if (m) {
		conf_match(&conf_commands, 1, &l, l.n, m);
		if (m->kind == CONF_MATCH_OK) {
			const struct conf_command *cmd = &commands[m->index];

			x.a = &m->args;
			*saw_password |= m->secret;
			st = cmd->fn(&x);
		} else {
			err->kind = (int)m->kind;
			st = fail(&x, CONF_ESYNTAX, m->col, "%s", m->msg);
		}
	}
	free(m);
	conf_line_free(&l);
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
	bool saw_password = false;

	err = err ? err : &dummy;
	err_start(err, file, lineno);
	if (!line || trivial(line))
		return CONF_OK;
	copy = conf_dup(c);
	if (!copy) {
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	st = exec_in_place(copy, line, err, &saw_password);
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

/* line (a command) alone, as `show running-config` would print it: its
 * last line there.  NULL when it does not stand alone (a password to
 * encrypt, a filter to remove) or out of memory. */
static char *canonical(const char *line)
{
	struct conf *one = conf_new();
	char *text = NULL, *last, *out = NULL;
	size_t len = 0;
	FILE *f;

	if (one && conf_exec(one, line, "", 0, NULL) == CONF_OK &&
	    (f = open_memstream(&text, &len)) != NULL) {
		int rc = conf_write(one, f);

		if (fclose(f) == 0 && rc == 0 && len > 0) {
			text[len - 1] = '\0';
			last = strrchr(text, '\n');
			out = strdup(last ? last + 1 : text);
		}
	}
	free(text);
	conf_free(one);
	return out;
}

/* The comment block being read: its lines, and whether one is a comment
 * (blank lines alone are not kept). */
struct block {
	char *text;
	size_t len;
	bool comment;
};

static int block_add(struct block *b, const char *line)
{
	size_t n = strlen(line);
	char *v = realloc(b->text, b->len + n + 2);

	if (!v)
		return -1;
	b->text = v;
	memcpy(b->text + b->len, line, n);
	b->len += n;
	if (n == 0 || line[n - 1] != '\n')
		b->text[b->len++] = '\n';
	b->text[b->len] = '\0';
	b->comment = b->comment || line[strspn(line, " \t")] == '!';
	return 0;
}

/* The block ends before line (NULL: at the end of the file): note it. */
static enum conf_status block_end(struct conf *c, struct block *b, const char *line,
				  struct conf_err *err)
{
	char *anchor = b->comment && line ? canonical(line) : NULL;
	int rc = b->comment ? conf_note_add(c, b->text, anchor) : 0;

	free(anchor);
	free(b->text);
	*b = (struct block){0};
	if (rc < 0)
		conf_err_set(err, "out of memory");
	return rc < 0 ? CONF_ENOMEM : CONF_OK;
}

static enum conf_status load_lines(struct conf *c, FILE *f, struct conf_err *err,
				   bool *saw_password)
{
	struct block b = {0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	enum conf_status st = CONF_OK;

	conf_notes_clear(c);
	while (st == CONF_OK && (len = getline(&line, &cap, f)) >= 0) {
		err->line++;
		if ((size_t)len != strlen(line)) {
			err->column = (unsigned)strlen(line) + 1;
			conf_err_set(err, "NUL byte in line");
			st = CONF_ESYNTAX;
		} else if (trivial(line)) {
			st = block_add(&b, line) < 0 ? CONF_ENOMEM : CONF_OK;
			if (st != CONF_OK)
				conf_err_set(err, "out of memory");
		} else {
			st = block_end(c, &b, line, err);
			if (st == CONF_OK)
				st = exec_in_place(c, line, err, saw_password);
		}
		explicit_bzero(line, cap);
	}
	if (st == CONF_OK && ferror(f)) {
		err->column = 0;
		conf_err_set(err, "read error: %s", strerror(errno));
		st = CONF_EIO;
	}
	if (st == CONF_OK)
		st = block_end(c, &b, NULL, err);
	free(b.text);
	free(line);
	return st;
}

/* A file that holds a password must be private to its owner (as msmtp). */
static enum conf_status check_private(const struct stat *st, struct conf_err *err)
{
	if (st->st_mode & 077) {
		err->line = err->column = 0;
		conf_err_set(err,
			     "contains a password and therefore must not be accessible by group or "
			     "others (mode %04o); chmod 600 it",
			     (unsigned)(st->st_mode & 07777));
		return CONF_ESECRET;
	}
	return CONF_OK;
}

/* Any configuration, with a password or not, must be one that only the
 * user reading it or root can change (util/trust.h), as Postfix and msmtp
 * require: it names the server, the sender and who gets which log lines. */
static enum conf_status check_trusted(const char *path, const struct stat *st,
				      struct conf_err *err)
{
	char why[sizeof(err->msg) - 16];

	if (util_trusted(st, path, why, sizeof(why)))
		return CONF_OK;
	err->line = err->column = 0;
	conf_err_set(err, "the file is %s", why);
	return CONF_ESECRET;
}

enum conf_status conf_load_stamped(struct conf *c, const char *path, struct conf_stamp *stamp,
				   struct conf_err *err)
{
	struct conf_err dummy;
	struct conf *copy = NULL;
	bool saw_password = false;
	enum conf_status st;
	struct stat sb;
	FILE *f;

	err = err ? err : &dummy;
	err_start(err, path, 0);
	if (stamp)
		memset(stamp, 0, sizeof(*stamp));
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
	if (!f || fstat(fileno(f), &sb) < 0) {
		conf_err_set(err, "%s", strerror(errno));
		if (f)
			fclose(f);
		conf_free(copy);
		return CONF_EIO;
	}
	st = check_trusted(path, &sb, err);
	if (st == CONF_OK)
		st = load_lines(copy, f, err, &saw_password);
	if (st == CONF_OK && saw_password)
		st = check_private(&sb, err);
	fclose(f);
	if (st != CONF_OK) {
		conf_free(copy);
		return st;
	}
	memset(err, 0, sizeof(*err));
	conf_replace(c, copy);
	if (stamp)
		conf_stamp_of(stamp, &sb);
	return CONF_OK;
}

enum conf_status conf_load(struct conf *c, const char *path, struct conf_err *err)
{
	return conf_load_stamped(c, path, NULL, err);
}
