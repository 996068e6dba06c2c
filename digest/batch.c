/*
 * digest/batch.c: the storage of a digest: its lines (each the first
 * message of a kind, and how many of that kind it stands for), the lookup
 * by kind that folds a new message into its line, the counts of what it
 * holds, and the hosts behind %N.  Pure data structures; what a line looks
 * like is render.c's, what a line counts of its messages' words kinds.c's.
 *
 * Memory: the lines' octets (at most max_bytes and one line), one entry per
 * line (at most max_messages), the values of their varied words (at most
 * DIGEST_KIND_POS positions a line), and a hash table of the lines when
 * folding: a batch is bounded by its caps whatever the messages, and its
 * not-shown summary and timeline have a fixed size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/internal.h"
#include "util/util.h"

void digest_batch_init(struct digest_batch *b)
{
	*b = (struct digest_batch){.highest = DIGEST_SEV_NONE};
}

void digest_store_free(struct digest_store *st)
{
	free(st->buf);
	free(st->entry);
	free(st->pos);
	free(st->table);
	*st = (struct digest_store){0};
}

void digest_batch_free(struct digest_batch *b)
{
	digest_store_free(&b->st);
	free(b->summary);
	digest_hosts_free(&b->hosts);
	digest_batch_init(b);
}

bool digest_batch_empty(const struct digest_batch *b)
{
	return b->n == 0 && b->not_shown == 0;
}

/* Octets of storage st holds. */
static size_t store_size(const struct digest_store *st)
{
	return st->cap + (size_t)st->entry_cap * sizeof(*st->entry) +
	       (size_t)st->pos_cap * sizeof(*st->pos) +
	       (size_t)st->table_cap * sizeof(*st->table);
}

size_t digest_batch_storage(const struct digest_batch *b)
{
	return store_size(&b->st) + (b->summary ? sizeof(*b->summary) : 0);
}

void digest_batch_recycle(struct digest_batch *b, struct digest_store *spare,
			  struct digest_memory *mem)
{
	size_t size = store_size(&b->st);

	if (!spare->buf && !spare->entry && atomic_load(&mem->spare) + size <= DIGEST_SPARE_MAX) {
		*spare = b->st;
		atomic_fetch_add(&mem->spare, size);
		if (spare->table) /* a new batch starts with an empty table */
			memset(spare->table, 0, spare->table_cap * sizeof(*spare->table));
		b->st = (struct digest_store){0};
	}
	digest_batch_free(b);
}

void digest_batch_adopt(struct digest_batch *b, struct digest_store *spare,
			struct digest_memory *mem)
{
	atomic_fetch_sub(&mem->spare, store_size(spare));
	b->st = *spare;
	*spare = (struct digest_store){0};
}

/* ---- growing ------------------------------------------------------------- */

bool digest_batch_reserve(struct digest_batch *b, size_t extra)
{
	struct digest_store *st = &b->st;

	return util_reserve((void **)&st->buf, &st->cap, b->len + extra, 1, 1024);
}

/* ---- lines ---------------------------------------------------------------- */

size_t digest_entry_start(const struct digest_batch *b, unsigned i)
{
	return i ? b->st.entry[i - 1].end : 0;
}

void digest_line_scan(struct digest_line *l)
{
	if (l->scanned)
		return;
	digest_fold_scan(l->text + l->at.rest, l->len - l->at.rest, l->at.program - l->at.rest,
			 &l->fold);
	l->scanned = true;
}

/* The slot of the table where hash h's entries start probing. */
static unsigned table_home(const struct digest_store *st, uint32_t h)
{
	return h & (st->table_cap - 1);
}

static void table_put(struct digest_store *st, uint32_t h, unsigned i)
{
	unsigned k = table_home(st, h);

	while (st->table[k] != 0)
		k = (k + 1) & (st->table_cap - 1);
	st->table[k] = (uint64_t)h << 32 | (i + 1);
}

/* Keep the table at most half full for one more line; false on ENOMEM
 * (the line is then stored without folding ever into it). */
static bool table_room(struct digest_batch *b)
{
	struct digest_store *st = &b->st;
	unsigned cap = st->table_cap ? st->table_cap : 64;
	uint64_t *t;

	if (2 * (b->n + 1) <= st->table_cap)
		return true;
	while (cap < 2 * (b->n + 1))
		cap *= 2;
	t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	free(st->table);
	st->table = t;
	st->table_cap = cap;
	digest_batch_reindex(b);
	return true;
}

void digest_batch_reindex(struct digest_batch *b)
{
	struct digest_store *st = &b->st;

	if (!st->table_cap)
		return;
	memset(st->table, 0, st->table_cap * sizeof(*st->table));
	for (unsigned i = 0; i < b->n; i++)
		if (st->entry[i].folds)
			table_put(st, st->entry[i].hash, i);
}

/* Does entry i of b have the key of (line, at, kind, section, n_words)?
 * m: resolve the entry's kind (NULL: as it is). */
static bool same_key(const struct digest_batch *b, unsigned i, const char *line,
		     const struct digest_line_parts *at, uint32_t kind, int section,
		     unsigned n_words, const struct miner *m)
{
	const struct digest_entry *e = &b->st.entry[i];
	const char *have = b->st.buf + digest_entry_start(b, i);
	size_t n = (size_t)(e->at.program_end - e->at.rest);
	uint32_t k = m && e->kind ? miner_resolve(m, e->kind) : e->kind;

	return k == kind && e->section == digest_section_of(section) && e->n_words == n_words &&
	       n == (size_t)(at->program_end - at->rest) &&
	       memcmp(have + e->at.rest, line + at->rest, n) == 0;
}

/* The line of b with that key (hash h), or -1. */
static long find_key(const struct digest_batch *b, uint32_t h, const char *line,
		     const struct digest_line_parts *at, uint32_t kind, int section,
		     unsigned n_words, const struct miner *m)
{
	const struct digest_store *st = &b->st;

	if (!st->table_cap || kind == 0)
		return -1;
	for (unsigned k = table_home(st, h); st->table[k] != 0; k = (k + 1) & (st->table_cap - 1)) {
		unsigned i = (unsigned)(st->table[k] & 0xFFFFFFFFu) - 1;

		if ((uint32_t)(st->table[k] >> 32) == h &&
		    same_key(b, i, line, at, kind, section, n_words, m))
			return (long)i;
	}
	return -1;
}

long digest_batch_find(const struct digest_batch *b, const struct digest_line *l, int section,
		       const struct miner *m)
{
	uint32_t h = digest_kind_hash(l->text, &l->at, l->kind, digest_section_of(section),
				      l->n_words);

	return find_key(b, h, l->text, &l->at, l->kind, section, l->n_words, m);
}

static void span_ts(struct digest_entry *e, time_t min_ts, time_t max_ts)
{
	if (min_ts < e->min_ts)
		e->min_ts = min_ts;
	if (max_ts > e->max_ts)
		e->max_ts = max_ts;
}

void digest_batch_fold(struct digest_batch *b, unsigned i, const struct digest_line *l, time_t ts)
{
	struct digest_entry *e;

	digest_kind_fold(b, i, l); /* before the count: it counts the messages so far */
	e = &b->st.entry[i];
	e->count++;
	span_ts(e, ts, ts);
}

/* Append a line of len octets (no '\n') with entry e, and index it when
 * it folds.  false on ENOMEM, nothing added. */
static bool push(struct digest_batch *b, const char *line, size_t len, struct digest_entry e)
{
	struct digest_store *st = &b->st;

	if (!digest_batch_reserve(b, len + 1) ||
	    !util_reserve((void **)&st->entry, &st->entry_cap, b->n + 1, sizeof(*st->entry), 16))
		return false;
	if (e.folds && (e.kind == 0 || !table_room(b)))
		e.folds = 0;
	if (e.folds)
		table_put(st, e.hash, b->n);
	memcpy(st->buf + b->len, line, len);
	b->len += len;
	st->buf[b->len++] = '\n';
	e.end = b->len;
	st->entry[b->n++] = e;
	return true;
}

bool digest_batch_push(struct digest_batch *b, const struct digest_line *l, bool fold, int severity,
		       int section, time_t ts)
{
	struct digest_entry e = {
	    .count = 1,
	    .kind = l->kind,
	    .n_words = l->n_words,
	    .folds = fold,
	    .new_kind = l->new_kind,
	    .severity = (int8_t)(severity > 7    ? 7
				 : severity < -1 ? -1
						 : severity),
	    .section = digest_section_of(section),
	    .at = l->at,
	    .min_ts = ts,
	    .max_ts = ts,
	};

	e.hash = digest_kind_hash(l->text, &l->at, l->kind, e.section, l->n_words);
	return push(b, l->text, l->len, e);
}

long digest_batch_find_entry(const struct digest_batch *b, const struct digest_batch *src,
			     unsigned i, const struct miner *m)
{
	const struct digest_entry *e = &src->st.entry[i];
	const char *line = src->st.buf + digest_entry_start(src, i);
	uint32_t kind = m && e->kind ? miner_resolve(m, e->kind) : e->kind;

	if (!e->folds)
		return -1;
	return find_key(b, digest_kind_hash(line, &e->at, kind, e->section, e->n_words), line,
			&e->at, kind, e->section, e->n_words, m);
}

void digest_batch_fold_entry(struct digest_batch *b, unsigned i, const struct digest_batch *src,
			     unsigned si)
{
	const struct digest_entry *se = &src->st.entry[si];
	struct digest_entry *e;

	digest_kind_fold_entry(b, i, src, si);
	e = &b->st.entry[i];
	e->count += se->count;
	span_ts(e, se->min_ts, se->max_ts);
}

bool digest_batch_push_entry(struct digest_batch *b, const struct digest_batch *src, unsigned i)
{
	const struct digest_entry *e = &src->st.entry[i];
	size_t start = digest_entry_start(src, i);

	if (!push(b, src->st.buf + start, e->end - 1 - start, *e))
		return false;
	if (!digest_kind_copy_pos(b, src, i)) { /* its values are lost: shown as placeholders */
		struct digest_entry *last = &b->st.entry[b->n - 1];

		last->pos = 0;
	}
	return true;
}

void digest_batch_remove(struct digest_batch *b, unsigned i)
{
	struct digest_store *st = &b->st;
	size_t start = digest_entry_start(b, i), len = st->entry[i].end - start;

	memmove(st->buf + start, st->buf + start + len, b->len - start - len);
	b->len -= len;
	memmove(st->entry + i, st->entry + i + 1, (b->n - i - 1) * sizeof(*st->entry));
	b->n--;
	for (unsigned k = i; k < b->n; k++)
		st->entry[k].end -= len;
	digest_batch_reindex(b);
}

bool digest_batch_restore_line(struct digest_batch *b, const struct digest_recipient *r,
			       const char *rest, size_t len, const struct digest_restored *e)
{
	struct digest_line l;
	struct digest_entry *last;
	size_t n = digest_time_prefix(e->min_ts, r->time_type, r->offset_min, l.text);

	if (n + 1 + len > DIGEST_LINE_MAX)
		return false;
	l.text[n] = ' ';
	memcpy(l.text + n + 1, rest, len);
	l.len = n + 1 + len;
	l.host = 0; /* the hosts of a restored digest come with it */
	l.at = (struct digest_line_parts){(uint16_t)(n + 1), (uint16_t)(n + 1 + e->host),
					  (uint16_t)(n + 1 + e->program),
					  (uint16_t)(n + 1 + e->program_end),
					  (uint16_t)(n + 1 + e->text)};
	l.scanned = l.split = false;
	digest_line_split(&l);
	l.kind = e->kind;
	l.new_kind = e->new_kind;
	if (!digest_batch_push(b, &l, e->folds, e->severity, e->section, e->min_ts))
		return false;
	last = &b->st.entry[b->n - 1];
	last->count = e->count;
	last->varied = e->varied;
	last->max_ts = e->max_ts;
	return true;
}

/* ---- the counts ---------------------------------------------------------- */

void digest_batch_note(struct digest_batch *b, const struct digest_msg *m, uint64_t host,
		       bool shown)
{
	int sev = m->severity > 7 ? 7 : m->severity; /* < 0: unknown */

	if (b->shown + b->not_shown == 0) {
		const char *p = m->program && *m->program ? m->program : "-";
		size_t tlen = !m->text                    ? 0
			      : m->text_len == (size_t)-1 ? strlen(m->text)
							  : m->text_len;

		digest_subject_text(b->program, sizeof(b->program), p, strlen(p), 60);
		digest_subject_text(b->preview, sizeof(b->preview), m->text ? m->text : "", tlen,
				    DIGEST_PREVIEW_CHARS);
	}
	digest_hosts_add(&b->hosts, m->host, host);
	digest_timeline_add(&b->timeline, m->ts, 1);
	if (sev >= 0 && sev <= CONF_LEVEL_ERRORS)
		b->n_errors++;
	if (sev >= 0 && sev < b->highest)
		b->highest = sev;
	if (!shown) {
		b->not_shown++;
		return;
	}
	if (b->shown == 0 || m->ts < b->first_ts)
		b->first_ts = m->ts;
	if (b->shown == 0 || m->ts > b->last_ts)
		b->last_ts = m->ts;
	b->shown++;
}

bool digest_batch_summarize(struct digest_batch *b, const char *line, size_t len,
			    const struct digest_line_parts *at, const struct digest_fold *f,
			    uint32_t count, int severity)
{
	if (b->summary_lost)
		return false;
	if (!b->summary && !(b->summary = calloc(1, sizeof(*b->summary)))) {
		b->summary_lost = true; /* the counts would no longer add up: none shown */
		return false;
	}
	digest_summary_add(b->summary, line + at->rest, len - at->rest, at, f, count, severity);
	return true;
}

/* ---- hosts (%N) ---------------------------------------------------------- */

/* util_hash of the lower-cased name (its first 255 octets: longer host
 * names are not real ones); never 0, which marks an empty slot. */
uint64_t digest_host_hash(const char *host)
{
	char low[255];
	size_t n = 0;

	if (!host || !*host)
		return 0;
	for (; host[n] != '\0' && n < sizeof(low); n++)
		low[n] = host[n] >= 'A' && host[n] <= 'Z' ? (char)(host[n] - 'A' + 'a') : host[n];
	return (uint64_t)util_hash(low, n) | 1ull << 32;
}

/* The slot of h: where it is, or the empty one where it would go. */
static uint64_t *host_slot(const struct digest_hosts *hs, uint64_t h)
{
	unsigned i = (unsigned)h & (hs->cap - 1);

	while (hs->slot[i] != 0 && hs->slot[i] != h)
		i = (i + 1) & (hs->cap - 1);
	return &hs->slot[i];
}

/* Double the table (or make its first one); false when it may not grow. */
static bool hosts_grow(struct digest_hosts *hs)
{
	struct digest_hosts old = *hs;
	unsigned cap = hs->cap ? hs->cap * 2 : 8;

	if (cap > 2 * DIGEST_HOSTS_MAX || !(hs->slot = calloc(cap, sizeof(*hs->slot)))) {
		hs->slot = old.slot;
		return false;
	}
	hs->cap = cap;
	for (unsigned i = 0; i < old.cap; i++)
		if (old.slot[i])
			*host_slot(hs, old.slot[i]) = old.slot[i];
	free(old.slot);
	return true;
}

void digest_hosts_insert(struct digest_hosts *hs, uint64_t h)
{
	uint64_t *slot;

	if (hs->cap && *(slot = host_slot(hs, h)) == h)
		return;
	if ((hs->n + 1) * 2 > hs->cap && !hosts_grow(hs)) {
		hs->more = true;
		return;
	}
	*host_slot(hs, h) = h;
	hs->n++;
}

void digest_hosts_add(struct digest_hosts *hs, const char *host, uint64_t h)
{
	if (h == 0)
		return;
	if (hs->n == 0 && !hs->more)
		digest_subject_text(hs->first, sizeof(hs->first), host, strlen(host), 255);
	digest_hosts_insert(hs, h);
}

void digest_hosts_merge(struct digest_hosts *dst, const struct digest_hosts *src)
{
	if (dst->n == 0 && !dst->more && src->n > 0)
		memcpy(dst->first, src->first, sizeof(dst->first));
	for (unsigned i = 0; i < src->cap; i++)
		if (src->slot[i])
			digest_hosts_insert(dst, src->slot[i]);
	dst->more = dst->more || src->more;
}

void digest_hosts_free(struct digest_hosts *hs)
{
	free(hs->slot);
	*hs = (struct digest_hosts){0};
}

const char *digest_hosts_name(const struct digest_hosts *hs, const char *fallback, char *buf,
			      size_t size)
{
	if (hs->n == 0 && !hs->more)
		return fallback;
	if (hs->n == 1 && !hs->more)
		return hs->first;
	snprintf(buf, size, "%u%s hosts", hs->n, hs->more ? "+" : "");
	return buf;
}
