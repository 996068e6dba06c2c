/*
 * config/parse_log.c: the handlers of the `log email` commands: a
 * recipient's filters (include and exclude, with their criteria), its time
 * and digest settings, and its logcheck filter.  parse.c declares them in
 * conf_commands.
 */
#include "config/parse.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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

enum conf_status conf_cmd_log_email(struct ctx *x)
{
	return add_filter(x, false);
}

enum conf_status conf_cmd_log_exclude(struct ctx *x)
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

enum conf_status conf_cmd_no_log_email(struct ctx *x)
{
	return remove_filter(x, false);
}

enum conf_status conf_cmd_no_log_exclude(struct ctx *x)
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

enum conf_status conf_cmd_time(struct ctx *x)
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

/* `log email A digest {window|max-messages|max-bytes|max-interval} N`,
 * `... rate-limit N`. */
enum conf_status conf_cmd_number(struct ctx *x)
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
	  : W(x, "max-interval") ? &d->max_interval_sec
				 : &d->rate_per_hour) = number(x, "n");
	return CONF_OK;
}

/* `log email A digest fold {on|off}`. */
enum conf_status conf_cmd_fold(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);

	if (r)
		r->digest.fold = W(x, "on") != NULL;
	return st;
}

enum conf_status conf_cmd_urgent(struct ctx *x)
{
	enum conf_status st;
	struct conf_recipient *r = setting_of(x, &st);

	if (r)
		r->digest.urgent_level = conf_level_parse(W(x, "level")->text);
	return st;
}

enum conf_status conf_cmd_subject(struct ctx *x)
{
	enum conf_status st = nonempty(x, W(x, "subject"), "a subject");
	struct conf_recipient *r = st == CONF_OK ? setting_of(x, &st) : NULL;

	return r ? set_str(x, &r->digest.subject, W(x, "subject")->text) : st;
}

enum conf_status conf_cmd_default_log_email(struct ctx *x)
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
enum conf_status conf_cmd_no_setting(struct ctx *x)
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
	} else if (W(x, "max-interval")) {
		d->max_interval_sec = CONF_DIGEST_MAX_INTERVAL;
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
enum conf_status conf_cmd_logcheck(struct ctx *x)
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
enum conf_status conf_cmd_no_logcheck(struct ctx *x)
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
enum conf_status conf_cmd_default_logcheck(struct ctx *x)
{
	struct conf_recipient *r;
	enum conf_status st = recipient(x, true, &r);

	if (st != CONF_OK)
		return st;
	r->logcheck = CONF_LOGCHECK_NONE;
	return set_str(x, &r->logcheck_rules, NULL);
}
