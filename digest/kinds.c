/*
 * digest/kinds.c: a digest's lines as event kinds.  Each recipient has a
 * miner (digest/miner.h) that gives every line it receives a kind; a
 * digest keeps one line per kind (and host, program, severity and logcheck
 * section), its first message as it came, and counts what the others
 * changed: a word of the tag or text that was not the same in all of them
 * is *varied*, and the values it took in this digest are counted in a
 * small Space-Saving sketch (a *position*, for the first DIGEST_KIND_POS
 * varied words of a line), so that what a mail says adds up to what it
 * covers, whatever the miner has seen before.
 *
 * A position is made when its word first differs from the line's first
 * message: every message before had the first one's word, so its sketch
 * starts exact (that value, count times).  When the miner merges kinds,
 * the lines of the merged kinds fold into one (digest_batch_rekind), the
 * positions of both combined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/internal.h"
#include "util/syslog_line.h"
#include "util/util.h"

/* ---- words ------------------------------------------------------------- */

unsigned digest_words(const char *line, size_t from, size_t len, struct digest_words *w)
{
	unsigned n = 0;
	size_t i = from;

	for (;;) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		if (n == DIGEST_WORDS - 1) {
			i = len;
			while (i > start && line[i - 1] == ' ')
				i--;
		} else {
			while (i < len && line[i] != ' ')
				i++;
		}
		w->off[n] = (uint16_t)start;
		w->end[n++] = (uint16_t)i;
		if (n == DIGEST_WORDS)
			break;
	}
	if (n == 0) {
		w->off[0] = w->end[0] = (uint16_t)len;
		n = 1;
	}
	return n;
}

void digest_line_split(struct digest_line *l)
{
	if (l->split)
		return;
	l->n_words = (uint8_t)digest_words(l->text, l->at.program, l->len, &l->w);
	l->split = true;
}

const char *digest_word_cut(const char *s, size_t n, bool tag, size_t *pre, size_t *suf)
{
	struct syslog_tag t;

	if (tag && (t = syslog_tag_split(s, n)).procid != NULL) { /* "sshd[4242]:" */
		*pre = (size_t)(t.procid - s);
		*suf = n - *pre - t.procid_len;
		return "<n>";
	}
	return miner_word(s, n, pre, suf);
}

/* ---- the key ------------------------------------------------------------ */

uint32_t digest_kind_hash(const char *line, const struct digest_line_parts *at, uint32_t kind,
			  int section, unsigned n_words)
{
	uint64_t h = util_hash(line + at->rest, (size_t)(at->program_end - at->rest));

	h ^= ((uint64_t)kind << 16) ^ ((uint64_t)n_words << 8) ^ (uint64_t)section;
	h *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(h >> 32);
}

/* ---- the miner ---------------------------------------------------------- */

size_t digest_kinds_share(size_t n)
{
	size_t k = n ? DIGEST_KINDS_BUDGET / n : MINER_DEFAULT_KINDS;

	if (k > MINER_DEFAULT_KINDS)
		k = MINER_DEFAULT_KINDS;
	return k < DIGEST_KINDS_MIN ? DIGEST_KINDS_MIN : k;
}

void digest_kind_line(struct digest_recipient *r, struct digest_line *l)
{
	struct miner_hit hit;

	l->kind = 0;
	l->new_kind = false;
	digest_line_split(l);
	if (!r->miner && !(r->miner = miner_new(r->max_kinds)))
		return;
	/* the program as the miner counts it: the name, without the pid */
	{
		char prog[MINER_PROGRAM_MAX];
		size_t n = (size_t)(l->at.program_end - l->at.program);

		if (n >= sizeof(prog))
			n = sizeof(prog) - 1;
		memcpy(prog, l->text + l->at.program, n);
		prog[n] = '\0';
		if (miner_add(r->miner, prog, l->text + l->at.text, l->len - l->at.text, &hit) != 0)
			return;
	}
	l->kind = hit.id;
	l->new_kind = hit.new_kind;
	if (miner_merges(r->miner) != r->merges) {
		r->merges = miner_merges(r->miner);
		digest_batch_rekind(&r->pending, r->miner);
	}
}

/* ---- positions ---------------------------------------------------------- */

static uint32_t plus(uint32_t a, uint32_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : a + b;
}

void digest_pos_count(struct digest_pos *p, const char *v, size_t n, uint32_t c, uint32_t err)
{
	struct digest_value *low = NULL;

	if (n > DIGEST_VALUE_MAX) {
		n = DIGEST_VALUE_MAX;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 character */
	}
	for (unsigned i = 0; i < p->n; i++) {
		struct digest_value *x = &p->v[i];

		if (x->len == n && memcmp(x->s, v, n) == 0) {
			x->count = plus(x->count, c);
			x->error = plus(x->error, err);
			return;
		}
		if (!low || x->count < low->count)
			low = x;
	}
	if (p->n < DIGEST_KIND_TOP) {
		low = &p->v[p->n++];
		*low = (struct digest_value){.count = c, .error = err};
	} else { /* the least counted gives its place, its count the new one's error */
		low->error = plus(low->count, err);
		low->count = plus(low->count, c);
	}
	low->len = (uint8_t)n;
	memcpy(low->s, v, n);
}

const struct digest_pos *digest_kind_pos(const struct digest_batch *b, const struct digest_entry *e,
					 unsigned k)
{
	for (uint32_t i = e->pos; i != 0; i = b->st.pos[i - 1].next)
		if (b->st.pos[i - 1].word == k)
			return &b->st.pos[i - 1];
	return NULL;
}

static struct digest_pos *pos_mut(struct digest_batch *b, const struct digest_entry *e, unsigned k)
{
	return (struct digest_pos *)digest_kind_pos(b, e, k);
}

/* The words of entry i's first message. */
static unsigned entry_words(const struct digest_batch *b, unsigned i, struct digest_words *w)
{
	const struct digest_entry *e = &b->st.entry[i];
	size_t start = digest_entry_start(b, i);

	return digest_words(b->st.buf + start, e->at.program, e->end - 1 - start, w);
}

/* The value of a word (s, n octets) in position p, whose first message's
 * word is first (fn octets): its core when the text around the core is
 * the same as there, else the whole word. */
static void pos_value(const struct digest_pos *p, const char *first, size_t fn, const char *s,
		      size_t n, const char **v, size_t *vn)
{
	size_t fl = (size_t)p->pre + p->suf;

	*v = s;
	*vn = n;
	if (fl == 0 || n < fl || fn < fl || memcmp(s, first, p->pre) != 0 ||
	    memcmp(s + n - p->suf, first + fn - p->suf, p->suf) != 0)
		return;
	*v = s + p->pre;
	*vn = n - fl;
}

struct digest_pos *digest_kind_pos_new(struct digest_batch *b, unsigned i, unsigned k)
{
	struct digest_store *st = &b->st;
	struct digest_entry *e = &st->entry[i];
	struct digest_words w;
	const char *line = st->buf + digest_entry_start(b, i);
	struct digest_pos *p;
	unsigned tracked = 0;
	size_t pre, suf, n;

	for (uint32_t x = e->pos; x != 0; x = st->pos[x - 1].next)
		tracked++;
	if (tracked >= DIGEST_KIND_POS ||
	    !util_reserve((void **)&st->pos, &st->pos_cap, b->n_pos + 1, sizeof(*st->pos), 4))
		return NULL;
	entry_words(b, i, &w);
	n = (size_t)(w.end[k] - w.off[k]);
	(void)digest_word_cut(line + w.off[k], n, w.off[k] == e->at.program, &pre, &suf);
	if (pre > 255 || suf > 255 || pre + suf > n)
		pre = suf = 0;
	p = &st->pos[b->n_pos++];
	*p = (struct digest_pos){.word = (uint8_t)k, .pre = (uint8_t)pre, .suf = (uint8_t)suf};
	digest_pos_count(p, line + w.off[k] + pre, n - pre - suf, e->count, 0);
	/* append, so positions stay in word order as they were made */
	if (e->pos == 0) {
		e->pos = b->n_pos;
	} else {
		uint32_t x = e->pos;

		while (st->pos[x - 1].next != 0)
			x = st->pos[x - 1].next;
		st->pos[x - 1].next = b->n_pos;
	}
	return p;
}

/* Count word k (s, n octets) of one more message into entry i, whose
 * first message's word k is first (fn octets): a new position when this
 * is the first that differs. */
static void count_word(struct digest_batch *b, unsigned i, unsigned k, const char *first, size_t fn,
		       const char *s, size_t n)
{
	struct digest_entry *e = &b->st.entry[i];
	bool same = n == fn && memcmp(s, first, n) == 0;
	struct digest_pos *p;
	const char *v;
	size_t vn;

	if (k >= 64 || (same && !(e->varied >> k & 1)))
		return;
	if (!(e->varied >> k & 1)) {
		e->varied |= (uint64_t)1 << k;
		p = digest_kind_pos_new(b, i, k); /* the messages so far; this one below */
	} else {
		p = pos_mut(b, e, k);
	}
	if (!p)
		return; /* not tracked: shown as a placeholder */
	pos_value(p, first, fn, s, n, &v, &vn);
	digest_pos_count(p, v, vn, 1, 0);
}

void digest_kind_fold(struct digest_batch *b, unsigned i, const struct digest_line *l)
{
	struct digest_words w;
	size_t start = digest_entry_start(b, i);
	unsigned n = entry_words(b, i, &w);

	for (unsigned k = 0; k < n && k < l->n_words; k++)
		count_word(b, i, k, b->st.buf + start + w.off[k], (size_t)(w.end[k] - w.off[k]),
			   l->text + l->w.off[k], (size_t)(l->w.end[k] - l->w.off[k]));
}

/* Merge the values of src's position sp (or, when NULL, its first
 * message's word s of n octets, count times) into b's entry i's word k. */
static void merge_word(struct digest_batch *b, unsigned i, unsigned k, const char *first, size_t fn,
		       const struct digest_pos *sp, const char *s, size_t n, uint32_t count,
		       bool src_varied)
{
	struct digest_entry *e = &b->st.entry[i];
	struct digest_pos *p;
	const char *v;
	size_t vn;

	if (!(e->varied >> k & 1)) {
		e->varied |= (uint64_t)1 << k;
		p = digest_kind_pos_new(b, i, k);
	} else {
		p = pos_mut(b, e, k);
	}
	if (!p)
		return;
	if (src_varied && !sp) {
		p->lost = 1;
		return;
	}
	if (!sp) {
		pos_value(p, first, fn, s, n, &v, &vn);
		digest_pos_count(p, v, vn, count, 0);
		return;
	}
	if (sp->pre != p->pre || sp->suf != p->suf || n < p->pre || memcmp(s, first, p->pre) != 0)
		p->lost = 1;
	p->lost |= sp->lost;
	for (unsigned x = 0; x < sp->n; x++)
		digest_pos_count(p, sp->v[x].s, sp->v[x].len, sp->v[x].count, sp->v[x].error);
}

void digest_kind_fold_entry(struct digest_batch *b, unsigned i, const struct digest_batch *src,
			    unsigned si)
{
	const struct digest_entry *se = &src->st.entry[si];
	const char *sline = src->st.buf + digest_entry_start(src, si);
	struct digest_words w, sw;
	unsigned n = entry_words(b, i, &w), sn = entry_words(src, si, &sw);

	for (unsigned k = 0; k < n && k < sn && k < 64; k++) {
		const char *line = b->st.buf + digest_entry_start(b, i);
		const char *f = line + w.off[k], *s = sline + sw.off[k];
		size_t fn = (size_t)(w.end[k] - w.off[k]), n2 = (size_t)(sw.end[k] - sw.off[k]);
		bool sv = se->varied >> k & 1;

		if (!sv && !(b->st.entry[i].varied >> k & 1) && fn == n2 && memcmp(f, s, fn) == 0)
			continue;
		const struct digest_pos *sp = sv ? digest_kind_pos(src, se, k) : NULL;
		struct digest_pos copy; /* src may be b, whose positions may move */

		if (sp)
			copy = *sp;
		merge_word(b, i, k, f, fn, sp ? &copy : NULL, s, n2, se->count, sv);
	}
}

bool digest_kind_pos_append(struct digest_batch *b, const struct digest_pos *p)
{
	struct digest_store *st = &b->st;
	struct digest_entry *e = &st->entry[b->n - 1];
	uint32_t x = e->pos;

	if (!util_reserve((void **)&st->pos, &st->pos_cap, b->n_pos + 1, sizeof(*st->pos), 4))
		return false;
	st->pos[b->n_pos] = *p;
	st->pos[b->n_pos++].next = 0;
	if (x == 0) {
		e->pos = b->n_pos;
		return true;
	}
	while (st->pos[x - 1].next != 0)
		x = st->pos[x - 1].next;
	st->pos[x - 1].next = b->n_pos;
	return true;
}

bool digest_kind_copy_pos(struct digest_batch *b, const struct digest_batch *src, unsigned si)
{
	const struct digest_entry *se = &src->st.entry[si];
	struct digest_entry *e = &b->st.entry[b->n - 1];
	uint32_t last = 0;

	e->pos = 0;
	for (uint32_t x = se->pos; x != 0; x = src->st.pos[x - 1].next) {
		struct digest_store *st = &b->st;

		if (!util_reserve((void **)&st->pos, &st->pos_cap, b->n_pos + 1, sizeof(*st->pos),
				  4))
			return false;
		st->pos[b->n_pos] = src->st.pos[x - 1];
		st->pos[b->n_pos].next = 0;
		b->n_pos++;
		if (last)
			st->pos[last - 1].next = b->n_pos;
		else
			e->pos = b->n_pos;
		last = b->n_pos;
	}
	return true;
}

/* ---- merged kinds ------------------------------------------------------- */

void digest_batch_rekind(struct digest_batch *b, const struct miner *m)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct digest_entry *e = &b->st.entry[i];
		uint32_t k = e->kind ? miner_resolve(m, e->kind) : 0;
		const char *line;

		if (k == e->kind)
			continue;
		e->kind = k;
		line = b->st.buf + digest_entry_start(b, i);
		e->hash = digest_kind_hash(line, &e->at, k, e->section, e->n_words);
	}
	digest_batch_reindex(b);
	/* then fold each line into the first line of the same key */
	for (unsigned i = 1; i < b->n; i++) {
		const struct digest_entry *e = &b->st.entry[i];
		long j;

		if (!e->folds || !e->kind)
			continue;
		j = digest_batch_find_entry(b, b, i, NULL);
		if (j < 0 || (unsigned)j >= i)
			continue;
		digest_batch_fold_entry(b, (unsigned)j, b, i);
		digest_batch_remove(b, i);
		i--;
	}
}
