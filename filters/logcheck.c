/*
 * filters/logcheck.c: logcheck's rules, one line at a time: where logcheck
 * would report a line (filter.h says what logcheck does and what we do;
 * logcheck-internal.h how the files of the database fit together).
 *
 * A line's header is parsed once (lc_head_parse); the report group's
 * databases are all scanned, and the files that matched decide the
 * Security sections; the ignore group is asked last, likeliest database
 * first, and stops at its first match.
 */
#include "filters/logcheck-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

size_t logcheck_trim(const char *line, size_t len)
{
	while (len && is_space((unsigned char)line[len - 1]))
		len--;
	return len;
}

/* ---- classifying --------------------------------------------------------------- */

struct logcheck_worker {
	const struct logcheck_rules *r;
	struct multire_scratch *s;
	uint64_t *hits;  /* pattern ids */
	uint64_t *match; /* files */
	struct multire_hint
	    *hint; /* the ignore group's: generic, whole, rest and line per bucket */
};

static int fit(struct multire_scratch *s, const struct multire *m)
{
	return m ? multire_scratch_fit(s, m) : 0;
}

struct logcheck_worker *logcheck_worker_new(const struct logcheck_rules *r)
{
	struct logcheck_worker *w = calloc(1, sizeof(*w));
	bool ok;

	if (!w)
		return NULL;
	w->r = r;
	w->s = multire_scratch_new();
	w->hits = calloc(r->id_bits / 64 + 1, sizeof(uint64_t));
	w->match = calloc(r->words, sizeof(uint64_t));
	w->hint = malloc((2 + 2 * r->group[GROUP_IGNORE].n_buckets) * sizeof(*w->hint));
	ok = w->s && w->hits && w->match && w->hint && fit(w->s, r->whole) == 0 &&
	     fit(w->s, r->ignore_whole) == 0;
	for (size_t i = 0; ok && i < 2 + 2 * r->group[GROUP_IGNORE].n_buckets; i++)
		multire_hint_init(&w->hint[i]);
	for (int g = 0; ok && g < N_GROUPS; g++) {
		const struct group *gr = &r->group[g];

		ok = fit(w->s, gr->generic) == 0;
		for (size_t b = 0; ok && b < gr->n_buckets; b++)
			ok = fit(w->s, gr->buckets[b].rest) == 0 &&
			     fit(w->s, gr->buckets[b].line) == 0;
	}
	if (!ok) {
		logcheck_worker_free(w);
		return NULL;
	}
	return w;
}

void logcheck_worker_free(struct logcheck_worker *w)
{
	if (!w)
		return;
	multire_scratch_free(w->s);
	free(w->hits);
	free(w->match);
	free(w->hint);
	free(w);
}

static const struct bucket *bucket_find(const struct group *g, const char *t, size_t len,
					uint32_t h)
{
	if (!g->table)
		return NULL;
	for (size_t i = h & g->mask; g->table[i]; i = (i + 1) & g->mask) {
		const struct bucket *b = &g->buckets[g->table[i] - 1];

		if (b->hash == h && b->len == len && memcmp(b->token, t, len) == 0)
			return b;
	}
	return NULL;
}

/* Which files have a rule that matches: from the pattern ids that hit, those
 * written with a header spelling the line's header satisfies. */
static void files_matched(struct logcheck_worker *w, unsigned accept)
{
	const struct logcheck_rules *r = w->r;

	memset(w->match, 0, r->words * sizeof(uint64_t));
	for (size_t k = 0; k <= r->id_bits / 64; k++) {
		for (uint64_t bits = w->hits[k]; bits; bits &= bits - 1) {
			unsigned id = (unsigned)(k * 64) + (unsigned)__builtin_ctzll(bits);
			unsigned v = id % N_VARIANTS;

			if (v == 0 || accept >> v & 1)
				set_bit(w->match, id / N_VARIANTS < r->n_files ? id / N_VARIANTS
									       : r->n_files);
		}
	}
}

static void scan(const struct multire *m, struct logcheck_worker *w, const char *s, size_t n)
{
	if (m)
		multire_scan(m, w->s, s, n, w->hits);
}

/* The line's header, when it has one of the known forms. */
struct head {
	bool ok;
	unsigned accept; /* the header spellings (variants) it satisfies */
	const char *rest;
	size_t rest_len;
	const char *token;
	size_t token_len;
	uint32_t token_hash;
};

/* Every pattern of group g that matches the text after the host name or is
 * filed under a token, into w->hits. */
static void scan_all(const struct group *g, struct logcheck_worker *w, const char *line, size_t len,
		     const struct head *h)
{
	if (h->ok) {
		const struct bucket *b = bucket_find(g, h->token, h->token_len, h->token_hash);

		if (b) {
			scan(b->rest, w, h->rest, h->rest_len);
			scan(b->line, w, line, len);
		}
		scan(g->generic, w, h->rest, h->rest_len);
	}
}

static bool accepted(unsigned id, void *arg)
{
	const unsigned *accept = arg;

	return id % N_VARIANTS == 0 || *accept >> (id % N_VARIANTS) & 1;
}

static bool any(const struct multire *m, struct logcheck_worker *w, size_t hint, const char *s,
		size_t n, unsigned accept)
{
	return m && multire_any(m, w->s, s, n, accepted, &accept, &w->hint[hint]);
}

/* Does some rule of the ignore group match (those of the shared whole-line
 * database already asked)?  The likeliest databases first. */
static bool match_any(const struct group *g, struct logcheck_worker *w, const char *line,
		      size_t len, const struct head *h)
{
	if (h->ok) {
		const struct bucket *b = bucket_find(g, h->token, h->token_len, h->token_hash);
		size_t k = b ? 2 + 2 * (size_t)(b - g->buckets) : 0;

		if (b && (any(b->rest, w, k, h->rest, h->rest_len, h->accept) ||
			  any(b->line, w, k + 1, line, len, h->accept)))
			return true;
		if (any(g->generic, w, 0, h->rest, h->rest_len, h->accept))
			return true;
	}
	return any(w->r->ignore_whole, w, 1, line, len, h->accept);
}

/* The first file of raise set k that reports the matched line, or -1. */
static long reporter(const struct logcheck_rules *r, const uint64_t *match, int k)
{
	for (size_t i = 0; i < r->n_raise[k]; i++) {
		const struct raise *rs = &r->raise[k][i];

		if (get_bit(match, rs->file) && !sets_meet(match, rs->quiet, r->words))
			return (long)rs->file;
	}
	return -1;
}

enum logcheck_section logcheck_classify(const struct logcheck_rules *r, struct logcheck_worker *w,
					const char *line, size_t len, const char **file)
{
	struct head h = {0};
	size_t rest;
	long f;

	if (file)
		*file = NULL;
	len = logcheck_trim(line, len);
	if (lc_head_parse(line, len, &rest, &h.accept)) {
		h.ok = true;
		h.rest = h.token = line + rest;
		h.rest_len = len - rest;
		h.token_len = lc_token_len(h.token, h.rest_len);
		h.token_hash = util_hash(h.token, h.token_len);
	}
	memset(w->hits, 0, (r->id_bits / 64 + 1) * sizeof(uint64_t));
	scan(r->whole, w, line, len);
	scan_all(&r->group[GROUP_REPORT], w, line, len, &h);
	files_matched(w, h.accept);
	if (sets_meet(w->match, r->cracking, r->words)) {
		if ((f = reporter(r, w->match, 0)) < 0)
			return LOGCHECK_IGNORED;
	} else if (sets_meet(w->match, r->violations, r->words)) {
		if ((f = reporter(r, w->match, 1)) < 0)
			return LOGCHECK_IGNORED;
	} else {
		return get_bit(w->match, r->n_files) ||
			       match_any(&r->group[GROUP_IGNORE], w, line, len, &h)
			   ? LOGCHECK_IGNORED
			   : LOGCHECK_SYSTEM_EVENTS;
	}
	if (file && strcmp(r->files[f].name, "logcheck") != 0)
		*file = r->files[f].name;
	return r->files[f].dir == LOGCHECK_CRACKING ? LOGCHECK_SECURITY_ALERTS
						    : LOGCHECK_SECURITY_EVENTS;
}
