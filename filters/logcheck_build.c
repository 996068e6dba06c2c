/*
 * filters/logcheck_build.c: from a loader's rules to patterns (a rule whole,
 * or from after its header and filed under its tokens), and from patterns
 * to the compiled databases of struct logcheck_rules (logcheck-internal.h
 * says how they are grouped and what their ids mean).
 */
#include "filters/logcheck-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* ---- from rules to patterns --------------------------------------------------- */

static struct pat *add_pat(struct loader *L, char *re, unsigned id, uint32_t rule, bool rest)
{
	struct pat *p = PUSH(L, pats, n_pats);

	if (!p) {
		free(re);
		return NULL;
	}
	*p = (struct pat){
	    re,
	    id,
	    rule,
	    rest,
	    false,
	    L->files[L->rules[rule].file].dir >= LOGCHECK_IGNORE_PARANOID ? GROUP_IGNORE : GROUP_REPORT};
	return p;
}

static void add_tokens(struct loader *L, const struct strs *t, uint32_t pat)
{
	for (int k = 0; k < t->n; k++) {
		struct tok_entry *e = PUSH(L, toks, n_toks);

		if (!e)
			return;
		memcpy(e->token, t->s[k], t->len[k]);
		e->len = t->len[k];
		e->pat = pat;
		e->group = L->pats[pat].group;
	}
}

static bool starts_with_quantifier(const char *s)
{
	long lo, hi;

	return *s == '*' || *s == '+' || *s == '?' || (*s == '{' && lc_interval(s, &lo, &hi) != 0);
}

/* Rule k, which starts with header h (see logcheck_head.c): matched
 * from after the header when that is an exact rewriting, and filed under
 * the tokens its rest can start with when there is a short list of them.
 * 0 when it was added, 1 when it is to be taken as a plain whole-line rule. */
static int header_rule(struct loader *L, uint32_t k, const struct header *h)
{
	const struct rule *r = &L->rules[k];
	const char *rest = r->ere + strlen(h->ere);
	unsigned flags;
	char why[200], *re, *pattern = NULL;
	struct strs *t;
	struct pat *p;
	bool split;

	if (starts_with_quantifier(rest) || !(re = lc_translate(rest, &flags, why, sizeof(why))))
		return 1;
	if (flags & XL_TOP_ALT) { /* the alternation takes the header with it */
		free(re);
		return 1;
	}
	split = !(flags & (XL_ANCHOR | XL_BACKREF));
	if (split ? asprintf(&pattern, "^%s", re) < 0
		  : !(pattern = lc_translate(r->ere, &flags, why, sizeof(why)))) {
		free(re);
		return 1;
	}
	free(re);
	t = calloc(1, sizeof(*t));
	p = add_pat(L, pattern, 5 * r->file + (split ? variant_of(h) : 0), k, split);
	if (!t || !p) {
		L->nomem = true;
		free(t);
		return 0;
	}
	if (lc_rest_tokens(rest, t) == 0) {
		p->tokens = true;
		add_tokens(L, t, (uint32_t)(L->n_pats - 1));
	}
	free(t);
	return 0;
}

static void rule_fail(struct rule *r, enum rule_state st, const char *msg)
{
	r->state = st;
	free(r->msg);
	r->msg = strdup(msg);
}

void lc_rule_patterns(struct loader *L, uint32_t k)
{
	struct rule *r = &L->rules[k];
	unsigned flags;
	char why[200], *re;

	if (!(L->flags & LOGCHECK_ONE_DB)) {
		for (size_t h = 0; h < LC_N_HEADERS; h++)
			if (strncmp(r->ere, lc_headers[h].ere, strlen(lc_headers[h].ere)) == 0)
				if (header_rule(L, k, &lc_headers[h]) == 0)
					return;
	}
	if (!(re = lc_translate(r->ere, &flags, why, sizeof(why)))) {
		rule_fail(r, RULE_FAILED, why);
		return;
	}
	add_pat(L, re, 5 * r->file, k, false);
}

/* Record what the engines made of pattern i of m (a rule may be in several). */
static void rule_engine(struct rule *r, enum multire_engine e, const char *why)
{
	if (r->state != RULE_OK || e == MULTIRE_BATCHED)
		return;
	if (e == MULTIRE_BROKEN)
		rule_fail(r, RULE_FAILED, why ? why : "does not compile");
	else if (why) /* ALONE because Vectorscan said no, not because it is not used */
		rule_fail(r, RULE_FALLBACK, why);
}

void lc_check_patterns(struct loader *L)
{
	char why[300];

	for (size_t i = 0; i < L->n_pats; i++) {
		unsigned f = L->flags & LOGCHECK_PCRE2_ONLY ? MULTIRE_PCRE2_ONLY : 0;
		enum multire_engine e = multire_check(L->pats[i].re, f, why, sizeof(why));

		rule_engine(&L->rules[L->pats[i].rule], e, why[0] ? why : NULL);
	}
}

/* ---- the compiled rules --------------------------------------------------------- */

/* Compile the patterns which[0..n) into *out (NULL when n is 0).  The
 * report group's ids name files (their hits are collected); the ignore
 * group's name patterns, 5 * k + the header spelling, so that a hint can
 * point at the pattern that matched (see multire_any). */
static int compile_pats(struct loader *L, struct logcheck_rules *r, const uint32_t *which, size_t n,
			bool whole, struct multire **out, struct conf_err *err)
{
	const char **re = calloc(n ? n : 1, sizeof(*re));
	unsigned *ids = calloc(n ? n : 1, sizeof(*ids));
	bool ignore = !whole && n && L->pats[which[0]].group == GROUP_IGNORE;
	unsigned flags = (L->flags & LOGCHECK_PCRE2_ONLY ? MULTIRE_PCRE2_ONLY : 0) |
			 (ignore ? MULTIRE_JIT_ALL : 0);
	int rc = -1;

	*out = NULL;
	if (re && ids && n == 0)
		rc = 0;
	if (re && ids && n > 0) {
		for (size_t k = 0; k < n; k++) {
			const struct pat *p = &L->pats[which[k]];

			re[k] = p->re;
			if (whole && p->group == GROUP_IGNORE)
				ids[k] = (unsigned)(N_VARIANTS * (L->n_files + k));
			else
				ids[k] = ignore ? (unsigned)(N_VARIANTS * k) + p->id % N_VARIANTS
						: p->id;
		}
		rc = multire_compile_cached(re, ids, n, flags, L->cache, out, err);
	}
	for (size_t k = 0; rc == 0 && *out && k < n; k++)
		rule_engine(&L->rules[L->pats[which[k]].rule], multire_engine_of(*out, k),
			    multire_why(*out, k));
	if (rc == 0 && *out && !ignore && multire_id_bits(*out) > r->id_bits)
		r->id_bits = multire_id_bits(*out);
	free(re);
	free(ids);
	return rc;
}

/* The patterns not filed under tokens that match rest, of group g; or that
 * match whole lines, of both groups (g < 0). */
static int compile_shared(struct loader *L, struct logcheck_rules *r, int g, bool rest,
			  struct multire **out, struct conf_err *err)
{
	uint32_t *which = calloc(L->n_pats ? L->n_pats : 1, sizeof(*which));
	size_t n = 0;
	int rc;

	if (!which)
		return -1;
	for (size_t i = 0; i < L->n_pats; i++)
		if (!L->pats[i].tokens && L->pats[i].rest == rest &&
		    (g < 0 || L->pats[i].group == g))
			which[n++] = (uint32_t)i;
	rc = compile_pats(L, r, which, n, g < 0, out, err);
	free(which);
	return rc;
}

static int tok_cmp(const void *a, const void *b)
{
	const struct tok_entry *x = a, *y = b;
	int c;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	c = memcmp(x->token, y->token, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pat < y->pat ? -1 : x->pat > y->pat;
}

/* The patterns of toks[from, to), by what they are matched against. */
static int bucket_compile(struct loader *L, struct logcheck_rules *r, size_t from, size_t to,
			  struct bucket *b, struct conf_err *err)
{
	uint32_t *which = calloc(to - from, sizeof(*which));
	size_t n = 0;
	int rc = -1;

	if (!which)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (size_t i = from; i < to; i++)
			if (L->pats[L->toks[i].pat].rest == (pass == 0))
				which[n++] = L->toks[i].pat;
		if ((rc = compile_pats(L, r, which, n, false, pass == 0 ? &b->rest : &b->line,
				       err)) < 0)
			break;
	}
	free(which);
	return rc;
}

/* One bucket per distinct token of group g's entries toks[from, to), and the
 * hash table to find them. */
static int build_buckets(struct loader *L, struct logcheck_rules *r, struct group *g, size_t from,
			 size_t end, struct conf_err *err)
{
	size_t size = 16, n = end - from;

	g->buckets = calloc(n ? n : 1, sizeof(*g->buckets));
	while (size < 2 * n)
		size *= 2;
	g->table = calloc(size, sizeof(*g->table));
	if (!g->buckets || !g->table)
		return -1;
	g->mask = size - 1;
	for (size_t to; from < end; from = to) {
		struct bucket *b = &g->buckets[g->n_buckets];
		size_t j;

		for (to = from + 1;
		     to < end && L->toks[to].len == L->toks[from].len &&
		     memcmp(L->toks[to].token, L->toks[from].token, L->toks[from].len) == 0;
		     to++)
			;
		b->len = L->toks[from].len;
		b->hash = util_hash(L->toks[from].token, b->len);
		if (!(b->token = strndup(L->toks[from].token, b->len)))
			return -1;
		g->n_buckets++;
		if (bucket_compile(L, r, from, to, b, err) < 0)
			return -1;
		for (j = b->hash & g->mask; g->table[j]; j = (j + 1) & g->mask)
			;
		g->table[j] = (uint32_t)g->n_buckets;
	}
	return 0;
}

int lc_build_groups(struct loader *L, struct logcheck_rules *r, struct conf_err *err)
{
	size_t i = 0;

	if (L->n_toks)
		qsort(L->toks, L->n_toks, sizeof(*L->toks), tok_cmp);
	for (size_t k = 0; k < L->n_toks; k++) /* the same pattern twice under one token */
		if (k == 0 || tok_cmp(&L->toks[k - 1], &L->toks[k]) != 0)
			L->toks[i++] = L->toks[k];
	L->n_toks = i;
	i = 0;
	for (int g = 0; g < N_GROUPS; g++) {
		size_t from = i;

		while (i < L->n_toks && L->toks[i].group == g)
			i++;
		if (compile_shared(L, r, g, true, &r->group[g].generic, err) < 0 ||
		    build_buckets(L, r, &r->group[g], from, i, err) < 0)
			return -1;
	}
	if (!(L->flags & LOGCHECK_PCRE2_ONLY) && multire_vectorscan_available())
		return compile_shared(L, r, -1, false, &r->whole, err);
	if (compile_shared(L, r, GROUP_REPORT, false, &r->whole, err) < 0)
		return -1;
	return compile_shared(L, r, GROUP_IGNORE, false, &r->ignore_whole, err);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Does ignore file g keep raise file x (of a raise directory) quiet?  See
 * greplogoutput() in /usr/sbin/logcheck. */
static bool quiets(const char *x, const char *g)
{
	if (strcmp(x, "logcheck") == 0) /* every ignore file applies to it */
		return true;
	return strcmp(g, x) == 0 || (has_prefix(g, "logcheck-") && strcmp(g + 9, x) == 0) ||
	       strcmp(g, "local") == 0 || has_prefix(g, "local-");
}

int lc_build_masks(struct logcheck_rules *r)
{
	static const enum logcheck_dir raise_dir[2] = {LOGCHECK_CRACKING, LOGCHECK_VIOLATIONS};
	static const enum logcheck_dir quiet_dir[2] = {LOGCHECK_CRACKING_IGNORE,
						       LOGCHECK_VIOLATIONS_IGNORE};

	r->words = (r->n_files + 1 + 63) / 64; /* and bit n_files: the shared ignore one */
	r->cracking = calloc(r->words, sizeof(uint64_t));
	r->violations = calloc(r->words, sizeof(uint64_t));
	if (!r->cracking || !r->violations)
		return -1;
	for (size_t f = 0; f < r->n_files; f++) {
		enum logcheck_dir d = r->files[f].dir;

		if (d == LOGCHECK_CRACKING)
			set_bit(r->cracking, f);
		else if (d == LOGCHECK_VIOLATIONS)
			set_bit(r->violations, f);
	}
	for (int k = 0; k < 2; k++) {
		r->raise[k] = calloc(r->n_files ? r->n_files : 1, sizeof(*r->raise[k]));
		if (!r->raise[k])
			return -1;
		for (size_t f = 0; f < r->n_files; f++) {
			const char *x = r->files[f].name;
			struct raise *rs;

			if (r->files[f].dir != raise_dir[k])
				continue;
			rs = &r->raise[k][r->n_raise[k]++];
			rs->file = (uint32_t)f;
			if (!(rs->quiet = calloc(r->words, sizeof(uint64_t))))
				return -1;
			for (size_t g = 0; g < r->n_files; g++) {
				const char *y = r->files[g].name;

				if ((r->files[g].dir == quiet_dir[k] && quiets(x, y)) ||
				    (strcmp(x, "logcheck") == 0 &&
				     r->files[g].dir == raise_dir[k] && !has_prefix(y, "logchec")))
					set_bit(rs->quiet, g);
			}
		}
	}
	return 0;
}

void logcheck_rules_free(struct logcheck_rules *r)
{
	if (!r)
		return;
	for (size_t f = 0; f < r->n_files; f++)
		free(r->files[f].name);
	free(r->files);
	free(r->cracking);
	free(r->violations);
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; r->raise[k] && i < r->n_raise[k]; i++)
			free(r->raise[k][i].quiet);
		free(r->raise[k]);
	}
	for (int g = 0; g < N_GROUPS; g++) {
		struct group *gr = &r->group[g];

		multire_free(gr->generic);
		for (size_t b = 0; b < gr->n_buckets; b++) {
			free(gr->buckets[b].token);
			multire_free(gr->buckets[b].rest);
			multire_free(gr->buckets[b].line);
		}
		free(gr->buckets);
		free(gr->table);
	}
	multire_free(r->whole);
	multire_free(r->ignore_whole);
	free(r);
}
