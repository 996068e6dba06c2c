/*
 * digest/miner.c: event kinds, an online template miner (contract in
 * digest/miner.h): mining and rendering; saving and restoring are in
 * digest/miner_state.c, the data structures both use in miner_impl.h.
 *
 * Why this shape.  Drain (He et al., ICWS 2017) finds a line's group in a
 * small tree keyed by length and first words, and merges a line into the
 * most similar group above one similarity threshold; the loghub benchmark
 * (Zhu et al., ICSE-SEIP 2019) shows where that loses: a rare event that
 * differs from a large one in one word is swallowed by it, and every line
 * of the large kind is then wrong.  So here a word is a constant until
 * the lines show that its position varies (miner.h: MINER_DISTINCT
 * values, or no majority value), and what obviously varies (numbers,
 * addresses, paths, host names, dates: class words) is variable from the
 * first line, which is what makes most lines match an existing kind
 * exactly, with no similarity computed at all.
 *
 * Data: each kind has its words (struct pos: a constant word, a class word
 * with the brackets and key around it, or a variable), in one allocation
 * with their text; its sketches of values; a bucket chain by group (hash
 * of the number of words); a slot in m->slots (for iteration); a place in
 * the list of kinds by the time last seen (eviction takes the oldest).
 * Merged ids go to a small open-addressing table of aliases.
 */
#include "digest/miner_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char *const placeholder[C_COUNT] = {
    [C_NONE] = "<*>", [C_NUM] = "<n>",   [C_IP] = "<ip>",     [C_HEX] = "<hex>", [C_TIME] = "<time>",
    [C_HOST] = "<host>", [C_PATH] = "<path>", [C_DATE] = "<date>", [C_ANY] = "<*>"};

/* ---- words ------------------------------------------------------------------ */

/* A word of a line: s[0..len), of which the core s[pre..len-suf) is of
 * class cls (C_NONE: a constant word, pre and suf unused). */
struct word {
	const char *s;
	uint16_t len, pre, suf;
	uint8_t cls;
};

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}


static bool is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}


/* "Jun", "Fri": a date's words vary as its numbers do. */
static bool is_date_name(const char *s, size_t n)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDecMonTueWedThuFriSatSun";

	if (n != 3)
		return false;
	for (size_t i = 0; i < sizeof(names) - 1; i += 3)
		if (memcmp(s, names + i, 3) == 0)
			return true;
	return false;
}

/* Numbers joined by dots: how many, or 0 when s is not that. */
static int dotted_numbers(const char *s, size_t n)
{
	int groups = 0;
	size_t i = 0;

	while (i < n) {
		size_t start = i;

		while (i < n && miner_is_digit((unsigned char)s[i]))
			i++;
		if (i == start || i - start > 3)
			return 0;
		groups++;
		if (i < n && s[i++] != '.')
			return 0;
		if (i == n && s[n - 1] == '.')
			return 0;
	}
	return groups;
}

static enum word_class classify(const char *s, size_t n)
{
	size_t digits = 0, hex = 0, dots = 0, colons = 0, alpha = 0, other = 0;

	if (n == 0)
		return C_NONE;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		digits += miner_is_digit(c);
		hex += miner_is_hex(c);
		alpha += is_alpha(c);
		dots += c == '.';
		colons += c == ':';
		other += !is_alpha(c) && !miner_is_digit(c) && c != '.' && c != ':' && c != '-' && c != '_';
	}
	if (s[0] == '/' && n > 1)
		return C_PATH;
	if (is_date_name(s, n))
		return C_DATE;
	if (n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x' && hex == n - 1)
		return C_HEX;
	if (digits == 0) {
		/* a.b.c: a host name; a long hex run without a digit is rare */
		if (dots >= 2 && other == 0 && s[0] != '.' && s[n - 1] != '.')
			return C_HOST;
		return C_NONE;
	}
	if (n >= 8 && hex == n && alpha > 0)
		return C_HEX;
	if (is_alpha((unsigned char)s[0]) && alpha + digits == n)
		return C_NONE; /* a name: ssh2, eth0, user17 (varies by evidence) */
	if (digits + dots + (s[0] == '-' || s[0] == '+') == n && dots <= 1)
		return C_NUM;
	if (dots == 3 && colons <= 1) {
		size_t end = colons ? (size_t)((const char *)memchr(s, ':', n) - s) : n;

		if (dotted_numbers(s, end) == 4)
			return C_IP;
	}
	if (colons >= 1 && digits + colons + dots == n && colons <= 2)
		return C_TIME;
	if (digits + dots == n)
		return C_NUM; /* a version: 1.2.3 */
	if (dots >= 2 && other == 0 && alpha > 0)
		return C_HOST;
	return C_ANY;
}

/* Brackets and quotes before a word's core, and what may follow it
 * (a switch, not strchr: every word of every line is cut). */
static bool opens(char c)
{
	switch (c) {
	case '(': case '[': case '{': case '<': case '\'': case '"':
		return true;
	default:
		return false;
	}
}

static bool closes(char c)
{
	switch (c) {
	case ')': case ']': case '}': case '>': case '\'': case '"': case ',': case ';': case ':':
	case '.':
		return true;
	default:
		return false;
	}
}

/* The word s[0..n): its core without the brackets and quotes before,
 * a "key=" (a letter, then letters, digits, '_', '-', '.'), and the
 * brackets, quotes and punctuation after. */
static void cut_word(struct word *w, const char *s, size_t n)
{
	size_t pre = 0, suf = 0;

	w->s = s;
	w->len = (uint16_t)n;
	while (pre < n && opens(s[pre]))
		pre++;
	if (pre < n && is_alpha((unsigned char)s[pre])) {
		size_t k = pre + 1;

		while (k < n && (is_alpha((unsigned char)s[k]) || miner_is_digit((unsigned char)s[k]) ||
				 s[k] == '_' || s[k] == '-' || s[k] == '.'))
			k++;
		if (k < n && s[k] == '=')
			pre = k + 1;
	}
	while (suf < n - pre && closes(s[n - 1 - suf]))
		suf++;
	w->pre = (uint16_t)pre;
	w->suf = (uint16_t)suf;
	w->cls = (uint8_t)classify(s + pre, n - pre - suf);
}

/* The words of text (at most MINER_MAX_WORDS: the last one takes the rest
 * of the line).  Returns how many. */
static size_t split_words(const char *text, size_t len, struct word *w)
{
	size_t n = 0, i = 0;

	if (len > MINER_TEXT_MAX)
		len = MINER_TEXT_MAX;
	for (;;) {
		size_t start, end;

		while (i < len && is_blank((unsigned char)text[i]))
			i++;
		if (i == len)
			break;
		start = i;
		if (n == MINER_MAX_WORDS - 1) {
			end = len;
			while (end > start && is_blank((unsigned char)text[end - 1]))
				end--;
		} else {
			while (i < len && !is_blank((unsigned char)text[i]))
				i++;
			end = i;
		}
		cut_word(&w[n++], text + start, end - start);
		if (n == MINER_MAX_WORDS)
			break;
	}
	return n;
}

/* What a sketch of a position of that type keeps of the word. */
static void word_value(const struct word *w, enum pos_type type, const char **v, size_t *n)
{
	if (type == P_CLASS) {
		*v = w->s + w->pre;
		*n = (size_t)(w->len - w->pre - w->suf);
	} else {
		*v = w->s;
		*n = w->len;
	}
}

/* ---- sketches --------------------------------------------------------------- */

/* Space-Saving: count c more of the value v (cut to MINER_VALUE_MAX),
 * known within err.  A new value takes the place of the least counted one
 * when the sketch is full, and its count and error start from that one's. */
static uint32_t plus(uint32_t a, uint64_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : (uint32_t)(a + b);
}

void miner_sketch_count(struct sketch *s, const char *v, size_t n, uint64_t c, uint64_t err)
{
	size_t low = 0;

	if (n > MINER_VALUE_MAX)
		n = MINER_VALUE_MAX;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].len == n && memcmp(s->v[i].s, v, n) == 0) {
			s->v[i].count = plus(s->v[i].count, c);
			s->v[i].err = plus(s->v[i].err, err);
			return;
		}
		if (s->v[i].count < s->v[low].count)
			low = i;
	}
	if (s->n < MINER_TOP) {
		low = s->n++;
		s->v[low].count = s->v[low].err = 0;
	}
	s->v[low].err = plus(s->v[low].count, err);
	s->v[low].count = plus(s->v[low].count, c);
	s->v[low].len = (uint8_t)n;
	memcpy(s->v[low].s, v, n);
}

static void sketch_add(struct sketch *s, const char *v, size_t n, uint64_t c)
{
	miner_sketch_count(s, v, n, c, 0);
}

/* Add all of from to to. */
static void sketch_merge(struct sketch *to, const struct sketch *from)
{
	for (size_t i = 0; i < from->n; i++)
		miner_sketch_count(to, from->v[i].s, from->v[i].len, from->v[i].count, from->v[i].err);
}

/* Add the values of from's position p (one word, or its sketch) to to,
 * with the brackets of a class word around them when wrap. */
static void sketch_take(struct sketch *to, const struct miner_kind *from, size_t p, bool wrap)
{
	const struct pos *q = &from->pos[p];
	char buf[MINER_VALUE_MAX];

	if (q->type == P_WORD) {
		sketch_add(to, from->text + q->off, q->len, from->count);
		return;
	}
	if (q->sk == NO_SKETCH)
		return;
	for (size_t i = 0; i < from->sk[q->sk].n; i++) {
		const struct value *v = &from->sk[q->sk].v[i];
		size_t n = 0;

		if (!wrap || q->type != P_CLASS) {
			miner_sketch_count(to, v->s, v->len, v->count, v->err);
			continue;
		}
		n = (size_t)snprintf(buf, sizeof(buf), "%.*s%.*s%.*s", (int)q->pre, from->text + q->off,
				     (int)v->len, v->s, (int)(q->len - q->pre),
				     from->text + q->off + q->pre);
		miner_sketch_count(to, buf, n < sizeof(buf) ? n : sizeof(buf) - 1, v->count, v->err);
	}
}

/* A sketch for position p of k (nothing when k tracks MINER_TRACKED
 * already): its index, or NO_SKETCH (also when out of memory). */
uint8_t miner_sketch_new(struct miner_kind *k)
{
	struct sketch *s;

	if (k->nsk >= MINER_TRACKED)
		return NO_SKETCH;
	s = realloc(k->sk, (k->nsk + 1u) * sizeof(*s));
	if (s == NULL)
		return NO_SKETCH;
	k->sk = s;
	s[k->nsk].n = 0;
	return k->nsk++;
}

/* ---- kinds ------------------------------------------------------------------ */

uint32_t miner_group_of(size_t nwords)
{
	return (uint32_t)(nwords * 0x9E3779B1u);
}

static bool same_group(const struct miner_kind *k, size_t nwords)
{
	return k->nwords == nwords;
}

const char *miner_pos_text(const struct miner_kind *k, const struct pos *p)
{
	return k->text + p->off;
}

/* Does position p of k take the word w? */
static bool pos_takes(const struct miner_kind *k, const struct pos *p, const struct word *w)
{
	const char *t = miner_pos_text(k, p);

	switch (p->type) {
	case P_WORD:
		return w->cls == C_NONE && w->len == p->len && memcmp(w->s, t, p->len) == 0;
	case P_CLASS:
		return w->cls != C_NONE && w->pre == p->pre && w->suf == p->len - p->pre &&
		       memcmp(w->s, t, p->pre) == 0 &&
		       memcmp(w->s + w->len - w->suf, t + p->pre, w->suf) == 0;
	default:
		return true;
	}
}

static bool kind_takes(const struct miner_kind *k, const struct word *w)
{
	for (size_t i = 0; i < k->nwords; i++)
		if (!pos_takes(k, &k->pos[i], &w[i]))
			return false;
	return true;
}

/* Are positions p of a and b the same (same constant, same class word's
 * brackets, or both variable)? */
static bool pos_same(const struct miner_kind *a, const struct miner_kind *b, size_t p)
{
	const struct pos *x = &a->pos[p], *y = &b->pos[p];

	if (x->type != y->type)
		return false;
	if (x->type == P_VAR)
		return true;
	return x->len == y->len && (x->type == P_WORD || x->pre == y->pre) &&
	       memcmp(miner_pos_text(a, x), miner_pos_text(b, y), x->len) == 0;
}

/* The positions where a and b differ, as a mask; false when there are
 * more than limit of them. */
static bool differ(const struct miner_kind *a, const struct miner_kind *b, size_t limit,
		   uint64_t *mask)
{
	size_t n = 0;

	*mask = 0;
	for (size_t p = 0; p < a->nwords; p++) {
		if (pos_same(a, b, p))
			continue;
		if (++n > limit)
			return false;
		*mask |= (uint64_t)1 << p;
	}
	return true;
}

static void lru_detach(struct miner *m, struct miner_kind *k)
{
	*(k->older ? &k->older->newer : &m->oldest) = k->newer;
	*(k->newer ? &k->newer->older : &m->newest) = k->older;
	k->older = k->newer = NULL;
}

static void lru_append(struct miner *m, struct miner_kind *k)
{
	k->older = m->newest;
	k->newer = NULL;
	*(m->newest ? &m->newest->newer : &m->oldest) = k;
	m->newest = k;
}

/* k was seen just now. */
static void touch(struct miner *m, struct miner_kind *k)
{
	k->seen = m->clock;
	if (m->newest != k) {
		lru_detach(m, k);
		lru_append(m, k);
	}
}

static void count_line(struct miner *m, struct miner_kind *k, const struct word *w)
{
	k->count++;
	touch(m, k);
	for (size_t i = 0; i < k->nwords; i++) {
		const struct pos *p = &k->pos[i];
		const char *v;
		size_t n;

		if (p->sk == NO_SKETCH)
			continue;
		word_value(&w[i], p->type, &v, &n);
		sketch_add(&k->sk[p->sk], v, n, 1);
	}
}

static void kind_free(struct miner_kind *k)
{
	if (k == NULL)
		return;
	free(k->pos);
	free(k->sk);
	free(k);
}

/* A kind of nwords positions, text_len octets of text and the example
 * (up to a NUL, cut to MINER_EXAMPLE_MAX - 1), not linked. */
struct miner_kind *miner_kind_alloc(const char *program, size_t nwords, size_t text_len,
				     const char *example, size_t example_len)
{
	struct miner_kind *k = calloc(1, sizeof(*k));
	const char *nul = memchr(example, '\0', example_len);

	if (k == NULL)
		return NULL;
	if (nul != NULL)
		example_len = (size_t)(nul - example);
	if (example_len > MINER_EXAMPLE_MAX - 1)
		example_len = MINER_EXAMPLE_MAX - 1;
	k->pos = malloc(nwords * sizeof(*k->pos) + text_len + 1 + example_len + 1);
	if (k->pos == NULL) {
		free(k);
		return NULL;
	}
	k->text = (char *)(k->pos + nwords);
	k->example = k->text + text_len + 1;
	memcpy(k->example, example, example_len);
	k->example[example_len] = '\0';
	k->nwords = (uint8_t)nwords;
	snprintf(k->program, sizeof(k->program), "%s", program);
	return k;
}

/* A new kind from the words of a line (not linked, count 0). */
static struct miner_kind *kind_from_line(const char *program, const struct word *w, size_t n,
					 const char *text, size_t len)
{
	size_t text_len = 0, off = 0;
	struct miner_kind *k;

	for (size_t i = 0; i < n; i++)
		text_len += w[i].cls == C_NONE ? w[i].len : (size_t)(w[i].pre + w[i].suf);
	if ((k = miner_kind_alloc(program, n, text_len, text, len)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct pos *p = &k->pos[i];

		*p = (struct pos){.type = w[i].cls == C_NONE ? P_WORD : P_CLASS,
				  .cls = w[i].cls,
				  .sk = NO_SKETCH,
				  .off = (uint16_t)off};
		if (p->type == P_WORD) {
			p->len = w[i].len;
			memcpy(k->text + off, w[i].s, w[i].len);
		} else {
			p->pre = w[i].pre;
			p->len = (uint16_t)(w[i].pre + w[i].suf);
			memcpy(k->text + off, w[i].s, w[i].pre);
			memcpy(k->text + off + w[i].pre, w[i].s + w[i].len - w[i].suf, w[i].suf);
			p->sk = miner_sketch_new(k);
		}
		off += p->len;
	}
	k->text[off] = '\0';
	k->group = miner_group_of(n);
	return k;
}

/* ---- the miner's tables ----------------------------------------------------- */

static struct miner_kind **bucket_of(struct miner *m, uint32_t group)
{
	return &m->buckets[group & (m->nbuckets - 1)];
}

void miner_link_kind(struct miner *m, struct miner_kind *k)
{
	struct miner_kind **b = bucket_of(m, k->group);

	k->next = *b;
	*b = k;
	k->slot = m->n;
	m->slots[m->n++] = k;
	lru_append(m, k);
}

static void unlink_kind(struct miner *m, struct miner_kind *k)
{
	struct miner_kind **b = bucket_of(m, k->group);

	while (*b != k)
		b = &(*b)->next;
	*b = k->next;
	m->slots[k->slot] = m->slots[--m->n];
	m->slots[k->slot]->slot = k->slot;
	lru_detach(m, k);
}

void miner_evict_oldest(struct miner *m)
{
	struct miner_kind *old = m->oldest;

	unlink_kind(m, old);
	kind_free(old);
}

static void alias_put(struct miner *m, uint32_t from, uint32_t to)
{
	size_t mask = m->naliases - 1, i = util_hash(&from, sizeof(from)) & mask;

	if (m->used >= m->naliases / 2) { /* forget the older merges */
		memset(m->aliases, 0, m->naliases * sizeof(*m->aliases));
		m->used = 0;
	}
	while (m->aliases[i].from != 0 && m->aliases[i].from != from)
		i = (i + 1) & mask;
	m->used += m->aliases[i].from == 0;
	m->aliases[i] = (struct alias){from, to};
}

uint32_t miner_resolve(const struct miner *m, uint32_t id)
{
	size_t mask = m->naliases - 1;

	for (size_t hops = 0; hops < m->naliases; hops++) {
		size_t i = util_hash(&id, sizeof(id)) & mask;

		while (m->aliases[i].from != 0 && m->aliases[i].from != id)
			i = (i + 1) & mask;
		if (m->aliases[i].from == 0)
			break;
		id = m->aliases[i].to;
	}
	return id;
}

/* ---- merging ---------------------------------------------------------------- */

#define MAX_SIBLINGS 64

/* Do the siblings' values at position p show that it varies?  At least
 * MINER_DISTINCT distinct values, or none holding half of their lines. */
static bool varies(struct miner_kind *const *sib, size_t n, size_t p)
{
	struct sketch all = {0};
	uint64_t total = 0, top = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pos *q = &sib[i]->pos[p];

		if (q->type != P_WORD && (q->sk == NO_SKETCH || sib[i]->sk[q->sk].n == MINER_TOP))
			return true; /* already more values than counted */
		sketch_take(&all, sib[i], p, false);
		total += sib[i]->count;
		if (all.n == MINER_TOP)
			return true;
	}
	for (size_t i = 0; i < all.n; i++)
		if (all.v[i].count > top)
			top = all.v[i].count;
	return all.n >= MINER_DISTINCT || (all.n >= 2 && 2 * top < total);
}

/* Make position p of k variable, its values those of the siblings. */
static void make_variable(struct miner_kind *k, struct miner_kind *const *sib, size_t n, size_t p)
{
	struct pos *q = &k->pos[p];
	struct sketch s = {0};

	for (size_t i = 0; i < n; i++)
		sketch_take(&s, sib[i], p, true);
	if (q->sk == NO_SKETCH)
		q->sk = miner_sketch_new(k);
	if (q->sk != NO_SKETCH)
		k->sk[q->sk] = s;
	if (q->type == P_WORD)
		q->cls = C_ANY;
	q->type = P_VAR;
}

/* Merge the siblings into the one with most lines (the oldest of
 * those); returns it. */
static struct miner_kind *merge(struct miner *m, struct miner_kind **sib, size_t n, uint64_t mask)
{
	struct miner_kind *keep = sib[0];

	for (size_t i = 1; i < n; i++) /* the largest; among equals the oldest */
		if (sib[i]->count > keep->count ||
		    (sib[i]->count == keep->count && sib[i]->id < keep->id))
			keep = sib[i];
	for (size_t p = 0; p < keep->nwords; p++)
		if (mask & ((uint64_t)1 << p))
			make_variable(keep, sib, n, p);
	for (size_t i = 0; i < n; i++) {
		struct miner_kind *k = sib[i];

		if (k == keep)
			continue;
		for (size_t p = 0; p < keep->nwords; p++)
			if (!(mask & ((uint64_t)1 << p)) && keep->pos[p].sk != NO_SKETCH)
				sketch_take(&keep->sk[keep->pos[p].sk], k, p, false);
		sketch_merge(&keep->programs, &k->programs);
		keep->count += k->count;
		alias_put(m, k->id, keep->id);
		m->merges++;
		unlink_kind(m, k);
		kind_free(k);
	}
	touch(m, keep); /* a merge happens as a line of it comes */
	return keep;
}

/* Compare k with the closest kind of its group and merge the variants
 * that differ from that one where k does, when those positions vary.
 * Returns k, or the kind it was merged into. */
static struct miner_kind *consider(struct miner *m, struct miner_kind *k)
{
	size_t limit = k->nwords / 3 > 1 ? k->nwords / 3 : 1, n = 0;
	struct miner_kind *best = NULL, *sib[MAX_SIBLINGS] = {NULL};
	uint64_t mask = 0, bits = 0;
	int best_n = 65;

	for (struct miner_kind *o = *bucket_of(m, k->group); o != NULL; o = o->next) {
		if (o == k || !same_group(o, k->nwords) ||
		    !differ(k, o, limit, &bits))
			continue;
		if (__builtin_popcountll(bits) < best_n ||
		    (__builtin_popcountll(bits) == best_n && o->count > best->count)) {
			best = o;
			best_n = __builtin_popcountll(bits);
			mask = bits;
		}
	}
	if (best == NULL || mask == 0)
		return k;
	/* the variants: every kind that differs from best at most where k does */
	for (struct miner_kind *o = *bucket_of(m, k->group); o != NULL && n < MAX_SIBLINGS;
	     o = o->next)
		if (same_group(o, k->nwords) &&
		    differ(best, o, k->nwords, &bits) && (bits & ~mask) == 0)
			sib[n++] = o;
	for (size_t p = 0; p < k->nwords; p++)
		if ((mask & ((uint64_t)1 << p)) && !varies(sib, n, p))
			return k;
	return merge(m, sib, n, mask);
}

/* ---- the API ---------------------------------------------------------------- */

struct miner *miner_new(size_t max_kinds)
{
	struct miner *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->max = max_kinds == 0 ? MINER_DEFAULT_KINDS
		 : max_kinds > MINER_MAX_KINDS ? MINER_MAX_KINDS
					       : max_kinds;
	for (m->nbuckets = 16; m->nbuckets < 2 * m->max; m->nbuckets *= 2)
		;
	m->naliases = 2 * m->nbuckets * 2; /* 4 * max merges at half load */
	m->slots = calloc(m->max, sizeof(*m->slots));
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	m->aliases = calloc(m->naliases, sizeof(*m->aliases));
	m->next_id = 1;
	if (m->slots == NULL || m->buckets == NULL || m->aliases == NULL) {
		miner_free(m);
		return NULL;
	}
	return m;
}

void miner_free(struct miner *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		kind_free(m->slots[i]);
	free(m->slots);
	free(m->buckets);
	free(m->aliases);
	free(m);
}

static struct miner_kind *find_exact(struct miner *m, uint32_t group, const struct word *w,
				     size_t n)
{
	for (struct miner_kind *k = *bucket_of(m, group); k != NULL; k = k->next)
		if (same_group(k, n) && kind_takes(k, w))
			return k;
	return NULL;
}

int miner_add(struct miner *m, const char *program, const char *text, size_t len,
	      struct miner_hit *hit)
{
	struct word w[MINER_MAX_WORDS];
	struct miner_kind *k;
	size_t n = split_words(text, len, w);
	char prog[MINER_PROGRAM_MAX];
	uint32_t group;
	size_t plen;
	bool made = false;

	if (program == NULL)
		program = "";
	if (n == 0) { /* an empty text is a kind too */
		w[0] = (struct word){.s = "", .len = 0};
		n = 1;
	}
	/* cut as the kind will hold it */
	plen = strnlen(program, MINER_PROGRAM_MAX - 1);
	memcpy(prog, program, plen);
	prog[plen] = '\0';
	group = miner_group_of(n);
	m->clock++;
	k = find_exact(m, group, w, n);
	if (k == NULL) {
		if ((k = kind_from_line(prog, w, n, text, len)) == NULL) {
			m->clock--;
			return -1;
		}
		if (m->n == m->max)
			miner_evict_oldest(m);
		k->id = m->next_id++;
		miner_link_kind(m, k);
		made = true;
	}
	count_line(m, k, w);
	sketch_add(&k->programs, prog, plen, 1);
	if (made || (k->count >= 4 && (k->count & (k->count - 1)) == 0))
		k = consider(m, k);
	hit->id = k->id;
	hit->kind = k;
	hit->new_kind = made && k->count == 1;
	return 0;
}

uint64_t miner_merges(const struct miner *m)
{
	return m->merges;
}

const char *miner_word(const char *s, size_t n, size_t *pre, size_t *suf)
{
	struct word w;

	cut_word(&w, s, n);
	*pre = w.pre;
	*suf = w.suf;
	return placeholder[w.cls < C_COUNT ? w.cls : C_ANY];
}

size_t miner_kinds(const struct miner *m)
{
	return m->n;
}

const struct miner_kind *miner_kind_at(const struct miner *m, size_t i)
{
	return i < m->n ? m->slots[i] : NULL;
}

const struct miner_kind *miner_find(const struct miner *m, uint32_t id)
{
	id = miner_resolve(m, id);
	for (size_t i = 0; i < m->n; i++)
		if (m->slots[i]->id == id)
			return m->slots[i];
	return NULL;
}

uint32_t miner_kind_id(const struct miner_kind *k)
{
	return k->id;
}

uint64_t miner_kind_count(const struct miner_kind *k)
{
	return k->count;
}

const char *miner_kind_program(const struct miner_kind *k)
{
	return k->program;
}

const char *miner_kind_example(const struct miner_kind *k)
{
	return k->example;
}

/* ---- rendering ------------------------------------------------------------- */


void miner_put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1;

		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

/* Text of a line: a control octet as rsyslog escapes it ("#011"), so
 * that a template is one printable line and never holds a NUL. */
static void put_text(struct out *o, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5];

		if (c >= 0x20 && c != 0x7F)
			continue;
		miner_put(o, s + from, i - from);
		snprintf(esc, sizeof(esc), "#%03o", c);
		miner_put(o, esc, 4);
		from = i + 1;
	}
	miner_put(o, s + from, n - from);
}

void miner_put_str(struct out *o, const char *s)
{
	miner_put(o, s, strlen(s));
}

/* The values of a position: the one value every line had, or the top
 * three that are surely in at least two lines and one in twenty, with
 * their counts (a range when the sketch knows one only within it), and
 * how many lines had another value.  false when none qualifies: a
 * position whose values are all different reads better as "<ip>". */
unsigned miner_top_values(const uint32_t *count, const uint32_t *err, unsigned n, uint64_t total,
			  bool all, unsigned top[3])
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned j;

		if (!all && (count[i] - err[i] < 2 || (uint64_t)(count[i] - err[i]) * 20 < total))
			continue;
		for (j = k < 3 ? k : 3; j > 0 && count[i] > count[top[j - 1]]; j--)
			if (j < 3)
				top[j] = top[j - 1];
		if (j < 3) {
			top[j] = i;
			k += k < 3;
		}
	}
	return k;
}

static bool put_values(struct out *o, const struct miner_kind *k, const struct sketch *s)
{
	uint32_t count[MINER_TOP], err[MINER_TOP];
	unsigned top[3], n, i;
	uint64_t shown = 0;
	char num[64];

	if (s->n == 1 && s->v[0].count == k->count) {
		put_text(o, s->v[0].s, s->v[0].len);
		return true;
	}
	for (i = 0; i < s->n; i++)
		count[i] = s->v[i].count, err[i] = s->v[i].err;
	n = miner_top_values(count, err, s->n, k->count, false, top);
	for (i = 0; i < n; i++) {
		const struct value *v = &s->v[top[i]];

		if (i > 0)
			miner_put_str(o, ", ");
		put_text(o, v->s, v->len);
		if (v->err == 0)
			snprintf(num, sizeof(num), " (x%llu)", (unsigned long long)v->count);
		else
			snprintf(num, sizeof(num), " (x%llu-%llu)",
				 (unsigned long long)(v->count - v->err), (unsigned long long)v->count);
		miner_put_str(o, num);
		shown += v->count - v->err;
	}
	if (n > 0 && shown < k->count) {
		snprintf(num, sizeof(num), ", %llu other%s", (unsigned long long)(k->count - shown),
			 k->count - shown == 1 ? "" : "s");
		miner_put_str(o, num);
	}
	return n > 0;
}

size_t miner_render(const struct miner_kind *k, unsigned flags, char *buf, size_t size)
{
	struct out o = {buf, size, 0};

	if (size > 0)
		buf[0] = '\0';
	if ((flags & MINER_PROGRAMS) && k->programs.n > 0 &&
	    (k->programs.n > 1 || k->programs.v[0].len > 0)) {
		if (!put_values(&o, k, &k->programs))
			miner_put_str(&o, "<*>");
		miner_put_str(&o, ": ");
	}
	for (size_t i = 0; i < k->nwords; i++) {
		const struct pos *p = &k->pos[i];
		const char *t = miner_pos_text(k, p);

		if (i > 0)
			miner_put(&o, " ", 1);
		if (p->type == P_WORD) {
			put_text(&o, t, p->len);
			continue;
		}
		if (p->type == P_CLASS)
			put_text(&o, t, p->pre);
		if (!(flags & MINER_VALUES) || p->sk == NO_SKETCH ||
		    !put_values(&o, k, &k->sk[p->sk]))
			miner_put_str(&o, placeholder[p->cls < C_COUNT ? p->cls : C_ANY]);
		if (p->type == P_CLASS)
			put_text(&o, t + p->pre, (size_t)(p->len - p->pre));
	}
	return o.len;
}

_Static_assert(sizeof(struct miner_kind) + MINER_MAX_WORDS * sizeof(struct pos) + MINER_TEXT_MAX +
			   1 + MINER_EXAMPLE_MAX + MINER_TRACKED * sizeof(struct sketch) <=
		       MINER_KIND_BYTES,
	       "MINER_KIND_BYTES bounds a kind");
