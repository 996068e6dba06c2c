/*
 * config/conf.c: the configuration as data: making, copying, comparing and
 * freeing it, the recipients and their filters, names of levels and
 * facilities, error formatting.  The grammar is in parse.c and
 * parse_log.c, the loader in load.c, the writer in write.c, password 8 in
 * secret.c.
 */
#include "config/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const level_names[] = {
    "emergencies", "alerts",  "critical",      "errors",
    "warnings",    "notices", "informational", "debugging",
};

/* Syslog facility numbers; NULL where the grammar has no name. */
static const char *const facility_names[] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",    NULL,     NULL,     NULL,     NULL,
    "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7",
};

#define N_LEVELS     (sizeof(level_names) / sizeof(level_names[0]))
#define N_FACILITIES (sizeof(facility_names) / sizeof(facility_names[0]))

const char *conf_level_name(int level)
{
	if (level == CONF_LEVEL_ANY)
		return "any";
	if (level < 0 || (size_t)level >= N_LEVELS)
		return NULL;
	return level_names[level];
}

/* Other names of the levels: the singular words the AlliedWare Plus
 * displays use (`error`, `warning`, ...), `notifications`, and syslog's. */
static const struct {
	const char *name;
	int level;
} level_aliases[] = {
    {"emerg", 0},  {"panic", 0},         {"emergency", 0}, {"alert", 1},   {"crit", 2},
    {"err", 3},    {"error", 3},         {"warn", 4},      {"warning", 4}, {"notice", 5},
    {"notify", 5}, {"notifications", 5}, {"info", 6},      {"debug", 7},
};

/* word and the first len octets of name are the same; facility names in
 * any case (`facility DAEMON`, as program names match), level names as
 * written (`level Errors` stays an error, as it always was). */
static bool same_word(const char *word, const char *name, size_t len, bool levels)
{
	return levels ? strncmp(word, name, len) == 0 : strncasecmp(word, name, len) == 0;
}

/* A unique word among names[] (n of them) and, for levels, the aliases:
 * the index it stands for, given in full or by a prefix that stands for
 * only one index. */
static int by_prefix(const char *word, const char *const *names, size_t n, bool levels)
{
	size_t len = strlen(word);
	int found = -1;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len && same_word(word, names[i], len, levels))
			return (int)i;
	for (size_t i = 0; levels && i < sizeof(level_aliases) / sizeof(level_aliases[0]); i++)
		if (strcmp(word, level_aliases[i].name) == 0)
			return level_aliases[i].level;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !same_word(word, names[i], len, levels))
			continue;
		if (found >= 0 && found != (int)i)
			return -1;
		found = (int)i;
	}
	for (size_t i = 0; levels && i < sizeof(level_aliases) / sizeof(level_aliases[0]); i++) {
		if (strncmp(word, level_aliases[i].name, len) != 0)
			continue;
		if (found >= 0 && found != level_aliases[i].level)
			return -1;
		found = level_aliases[i].level;
	}
	return found;
}

/* Names (or a unique prefix), their aliases and the digits 0-7. */
int conf_level_parse(const char *name)
{
	int i;

	if (!name)
		return CONF_LEVEL_ANY;
	if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
		return name[0] - '0';
	i = by_prefix(name, level_names, N_LEVELS, true);
	return i < 0 ? CONF_LEVEL_ANY : i;
}

const char *conf_facility_name(int facility)
{
	if (facility == CONF_FACILITY_ANY)
		return "any";
	if (facility < 0 || (size_t)facility >= N_FACILITIES)
		return NULL;
	return facility_names[facility];
}

int conf_facility_parse(const char *name)
{
	int i = name ? by_prefix(name, facility_names, N_FACILITIES, false) : -1;

	return i < 0 ? CONF_FACILITY_ANY : i;
}

int conf_offset_parse(const char *s, int *out)
{
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
		return -1;
	if (out)
		*out = sign * (h * 60 + m);
	return 0;
}

static const char *const logcheck_names[] = {NULL, "paranoid", "server", "workstation"};

const char *conf_logcheck_name(int level)
{
	return level > CONF_LOGCHECK_NONE && level <= CONF_LOGCHECK_WORKSTATION
		   ? logcheck_names[level]
		   : NULL;
}

int conf_logcheck_parse(const char *name)
{
	for (int i = CONF_LOGCHECK_PARANOID; name && i <= CONF_LOGCHECK_WORKSTATION; i++)
		if (strcmp(name, logcheck_names[i]) == 0)
			return i;
	return CONF_LOGCHECK_NONE;
}

void conf_err_set(struct conf_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void conf_err_format(const struct conf_err *err, char *buf, size_t size)
{
	const char *file = err->file[0] ? err->file : "<command>";

	if (!buf || size == 0)
		return;
	if (err->line == 0 && err->column == 0)
		snprintf(buf, size, "%s: %s", file, err->msg);
	else if (err->column == 0)
		snprintf(buf, size, "%s:%u: %s", file, err->line, err->msg);
	else
		snprintf(buf, size, "%s:%u:%u: %s", file, err->line, err->column, err->msg);
}

unsigned conf_effective_port(const struct conf *c)
{
	if (c->port)
		return c->port;
	switch (c->tls) {
	case CONF_TLS_STARTTLS:
		return 587;
	case CONF_TLS_SMTPS:
		return 465;
	default:
		return 25;
	}
}

struct conf *conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c)
		c->tls_verify = true;
	return c;
}

void conf_filter_clear(struct conf_filter *f)
{
	free(f->program);
	free(f->host);
	free(f->msgtext);
	*f = (struct conf_filter){.level = CONF_LEVEL_ANY, .facility = CONF_FACILITY_ANY};
}

static void filters_free(struct conf_filter *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		conf_filter_clear(&v[i]);
	free(v);
}

static void recipient_clear(struct conf_recipient *r)
{
	filters_free(r->filters, r->n_filters);
	filters_free(r->excludes, r->n_excludes);
	free(r->digest.subject);
	free(r->address);
	free(r->logcheck_rules);
	memset(r, 0, sizeof(*r));
}

static void wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void conf_oauth_clear(struct conf_oauth *o)
{
	free(o->token_url);
	free(o->client_id);
	wipe_free(o->secret8);
	free(o->scope);
	wipe_free(o->refresh8);
	free(o->ca_file);
	memset(o, 0, sizeof(*o));
}

void conf_notes_clear(struct conf *c)
{
	for (size_t i = 0; i < c->n_notes; i++) {
		free(c->notes[i].text);
		free(c->notes[i].anchor);
	}
	free(c->notes);
	c->notes = NULL;
	c->n_notes = 0;
}

int conf_note_add(struct conf *c, const char *text, const char *anchor)
{
	struct conf_note *v = realloc(c->notes, (c->n_notes + 1) * sizeof(*v));
	struct conf_note n = {strdup(text), anchor ? strdup(anchor) : NULL};

	if (v)
		c->notes = v;
	if (!v || !n.text || (anchor && !n.anchor)) {
		free(n.text);
		free(n.anchor);
		return -1;
	}
	c->notes[c->n_notes++] = n;
	return 0;
}

static void conf_clear(struct conf *c)
{
	free(c->server);
	free(c->tls_ca_file);
	free(c->username);
	if (c->password8)
		explicit_bzero(c->password8, strlen(c->password8));
	free(c->password8);
	free(c->token_command);
	conf_oauth_clear(&c->oauth);
	free(c->from);
	free(c->serial);
	free(c->helo);
	for (size_t i = 0; i < c->n_recipients; i++)
		recipient_clear(&c->recipients[i]);
	free(c->recipients);
	free(c->key_path);
	conf_notes_clear(c);
	memset(c, 0, sizeof(*c));
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	conf_clear(c);
	free(c);
}

void conf_replace(struct conf *dst, struct conf *src)
{
	conf_clear(dst);
	*dst = *src;
	free(src);
}

int conf_set_key_path(struct conf *c, const char *path)
{
	char *copy = NULL;

	if (path && !(copy = strdup(path)))
		return -1;
	free(c->key_path);
	c->key_path = copy;
	return 0;
}

/* ---- recipients and filters ---------------------------------------------- */

static void digest_defaults(struct conf_digest *d)
{
	free(d->subject);
	*d = (struct conf_digest){
	    .window_sec = CONF_DIGEST_WINDOW,
	    .max_messages = CONF_DIGEST_MSGS,
	    .max_bytes = CONF_DIGEST_BYTES,
	    .urgent_level = CONF_DIGEST_URGENT,
	    .rate_per_hour = CONF_DIGEST_RATE,
	    .fold = CONF_DIGEST_FOLD,
	    .max_interval_sec = CONF_DIGEST_MAX_INTERVAL,
	};
}

/* Everything but the address back to the defaults. */
void conf_recipient_reset(struct conf_recipient *r)
{
	filters_free(r->filters, r->n_filters);
	filters_free(r->excludes, r->n_excludes);
	r->filters = r->excludes = NULL;
	r->n_filters = r->n_excludes = 0;
	r->time_type = CONF_TIME_LOCAL;
	r->offset_min = 0;
	digest_defaults(&r->digest);
	free(r->logcheck_rules);
	r->logcheck_rules = NULL;
	r->logcheck = CONF_LOGCHECK_NONE;
}

bool conf_recipient_is_default(const struct conf_recipient *r)
{
	const struct conf_digest *d = &r->digest;

	return r->n_filters == 0 && r->n_excludes == 0 && r->time_type == CONF_TIME_LOCAL &&
	       r->offset_min == 0 && d->window_sec == CONF_DIGEST_WINDOW &&
	       d->max_messages == CONF_DIGEST_MSGS && d->max_bytes == CONF_DIGEST_BYTES &&
	       d->urgent_level == CONF_DIGEST_URGENT && d->rate_per_hour == CONF_DIGEST_RATE &&
	       d->fold == CONF_DIGEST_FOLD &&
	       d->max_interval_sec == CONF_DIGEST_MAX_INTERVAL && !d->subject && r->logcheck == CONF_LOGCHECK_NONE;
}

long conf_recipient_index(const struct conf *c, const char *address)
{
	for (size_t i = 0; i < c->n_recipients; i++)
		if (strcmp(c->recipients[i].address, address) == 0)
			return (long)i;
	return -1;
}

const struct conf_recipient *conf_recipient_find(const struct conf *c, const char *address)
{
	long i = conf_recipient_index(c, address);

	return i < 0 ? NULL : &c->recipients[i];
}

/* Appends a recipient with the defaults; its index, or -1 on ENOMEM. */
long conf_recipient_add(struct conf *c, const char *address)
{
	struct conf_recipient *v, *r;
	char *copy = strdup(address);

	if (!copy)
		return -1;
	v = realloc(c->recipients, (c->n_recipients + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return -1;
	}
	c->recipients = v;
	r = &v[c->n_recipients];
	memset(r, 0, sizeof(*r));
	r->address = copy;
	conf_recipient_reset(r);
	return (long)c->n_recipients++;
}

void conf_recipient_remove(struct conf *c, size_t i)
{
	recipient_clear(&c->recipients[i]);
	memmove(&c->recipients[i], &c->recipients[i + 1],
		(c->n_recipients - i - 1) * sizeof(c->recipients[0]));
	c->n_recipients--;
}

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool conf_filter_equal(const struct conf_filter *a, const struct conf_filter *b)
{
	return a->level == b->level && a->facility == b->facility &&
	       str_equal(a->program, b->program) && str_equal(a->host, b->host) &&
	       str_equal(a->msgtext, b->msgtext) &&
	       (!a->msgtext || a->msgtext_regex == b->msgtext_regex);
}

int conf_filters_append(struct conf_filter **v, size_t *n, struct conf_filter *f)
{
	struct conf_filter *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	nv[*n] = *f;
	*v = nv;
	(*n)++;
	*f = (struct conf_filter){.level = CONF_LEVEL_ANY, .facility = CONF_FACILITY_ANY};
	return 0;
}

void conf_filters_remove(struct conf_filter *v, size_t *n, size_t i)
{
	conf_filter_clear(&v[i]);
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(v[0]));
	(*n)--;
}

/* ---- copying and comparing ------------------------------------------------ */

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -1;
	return 0;
}

static int filters_dup(struct conf_filter **dst, const struct conf_filter *src, size_t n)
{
	struct conf_filter *v;

	*dst = NULL;
	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i] = src[i];
		v[i].program = v[i].host = v[i].msgtext = NULL;
		if (dup_str(&v[i].program, src[i].program) || dup_str(&v[i].host, src[i].host) ||
		    dup_str(&v[i].msgtext, src[i].msgtext)) {
			filters_free(v, i + 1);
			return -1;
		}
	}
	*dst = v;
	return 0;
}

static int recipient_dup(struct conf_recipient *dst, const struct conf_recipient *src)
{
	*dst = *src;
	dst->filters = dst->excludes = NULL;
	dst->n_filters = dst->n_excludes = 0;
	dst->address = dst->digest.subject = dst->logcheck_rules = NULL;
	if (dup_str(&dst->address, src->address) ||
	    dup_str(&dst->digest.subject, src->digest.subject) ||
	    dup_str(&dst->logcheck_rules, src->logcheck_rules))
		return -1;
	if (filters_dup(&dst->filters, src->filters, src->n_filters))
		return -1;
	dst->n_filters = src->n_filters;
	if (filters_dup(&dst->excludes, src->excludes, src->n_excludes))
		return -1;
	dst->n_excludes = src->n_excludes;
	return 0;
}

/* d is a shallow copy of s: give it strings of its own.  Non-zero on ENOMEM
 * (d then holds what was copied, for conf_free). */
static int oauth_dup(struct conf_oauth *d, const struct conf_oauth *s)
{
	*d = (struct conf_oauth){0};
	return dup_str(&d->token_url, s->token_url) || dup_str(&d->client_id, s->client_id) ||
	       dup_str(&d->secret8, s->secret8) || dup_str(&d->scope, s->scope) ||
	       dup_str(&d->refresh8, s->refresh8) || dup_str(&d->ca_file, s->ca_file);
}

static bool oauth_equal(const struct conf_oauth *a, const struct conf_oauth *b)
{
	return str_equal(a->token_url, b->token_url) && str_equal(a->client_id, b->client_id) &&
	       str_equal(a->secret8, b->secret8) && str_equal(a->scope, b->scope) &&
	       str_equal(a->refresh8, b->refresh8) && str_equal(a->ca_file, b->ca_file);
}

struct conf *conf_dup(const struct conf *c)
{
	struct conf *d = conf_new();

	if (!d)
		return NULL;
	*d = *c;
	d->server = d->tls_ca_file = d->username = d->password8 = NULL;
	d->from = d->serial = d->key_path = d->helo = d->token_command = NULL;
	d->oauth = (struct conf_oauth){0};
	d->recipients = NULL;
	d->n_recipients = 0;
	d->notes = NULL;
	d->n_notes = 0;
	for (size_t i = 0; i < c->n_notes; i++)
		if (conf_note_add(d, c->notes[i].text, c->notes[i].anchor))
			goto fail;
	if (dup_str(&d->server, c->server) || dup_str(&d->tls_ca_file, c->tls_ca_file) ||
	    dup_str(&d->username, c->username) || dup_str(&d->password8, c->password8) ||
	    dup_str(&d->from, c->from) || dup_str(&d->serial, c->serial) ||
	    dup_str(&d->key_path, c->key_path) || dup_str(&d->helo, c->helo) ||
	    dup_str(&d->token_command, c->token_command) || oauth_dup(&d->oauth, &c->oauth))
		goto fail;
	if (c->n_recipients) {
		d->recipients = calloc(c->n_recipients, sizeof(*d->recipients));
		if (!d->recipients)
			goto fail;
	}
	for (size_t i = 0; i < c->n_recipients; i++) {
		d->n_recipients++;
		if (recipient_dup(&d->recipients[i], &c->recipients[i]))
			goto fail;
	}
	return d;
fail:
	conf_free(d);
	return NULL;
}

static bool filters_equal(const struct conf_filter *a, size_t na, const struct conf_filter *b,
			  size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!conf_filter_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool recipient_equal(const struct conf_recipient *a, const struct conf_recipient *b)
{
	const struct conf_digest *x = &a->digest, *y = &b->digest;

	return str_equal(a->address, b->address) &&
	       filters_equal(a->filters, a->n_filters, b->filters, b->n_filters) &&
	       filters_equal(a->excludes, a->n_excludes, b->excludes, b->n_excludes) &&
	       a->time_type == b->time_type && a->offset_min == b->offset_min &&
	       x->window_sec == y->window_sec && x->max_messages == y->max_messages &&
	       x->max_bytes == y->max_bytes && x->urgent_level == y->urgent_level &&
	       x->rate_per_hour == y->rate_per_hour && x->fold == y->fold &&
	       x->max_interval_sec == y->max_interval_sec &&
	       str_equal(x->subject, y->subject) && a->logcheck == b->logcheck &&
	       str_equal(a->logcheck_rules, b->logcheck_rules);
}

bool conf_equal(const struct conf *a, const struct conf *b)
{
	if (!str_equal(a->server, b->server) || a->port != b->port || a->tls != b->tls ||
	    a->tls_verify != b->tls_verify || !str_equal(a->tls_ca_file, b->tls_ca_file) ||
	    a->auth != b->auth || !str_equal(a->username, b->username) ||
	    !str_equal(a->password8, b->password8) ||
	    !str_equal(a->token_command, b->token_command) || !oauth_equal(&a->oauth, &b->oauth) ||
	    a->auth_cleartext != b->auth_cleartext ||
	    a->timeout_sec != b->timeout_sec || !str_equal(a->from, b->from) ||
	    !str_equal(a->serial, b->serial) || !str_equal(a->helo, b->helo) ||
	    a->n_recipients != b->n_recipients)
		return false;
	for (size_t i = 0; i < a->n_recipients; i++)
		if (!recipient_equal(&a->recipients[i], &b->recipients[i]))
			return false;
	return true;
}
