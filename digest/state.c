/*
 * digest/state.c: a recipient's digest as text and back (digest_save,
 * digest_restore), so that a journal can keep what a digest holds (its
 * lines, with their counts) and what it only counts (the summary of what
 * it did not show) in a record whose size does not grow with the messages
 * folded or counted.
 *
 * The text is a list of fields, each followed by one blank: a number in
 * decimal, or a string as its length in decimal, ':', and its octets (any
 * octets: the journal escapes the whole text).  In order:
 *
 *   "d3"  opened due reason not_shown_rate summary_lost n_errors highest
 *         first_ts last_ts shown not_shown
 *   program preview                    the first message's, for %P and %M
 *   hosts-first n more, then n hashes  the hosts behind %N
 *   lines, then per line:
 *         count kind new_kind folds varied severity section min_ts max_ts
 *         host program program_end text REST
 *         where REST is the line from its severity on (the time before it
 *         is rendered again, in the recipient's zone) and host, program,
 *         program_end and text are offsets in REST; then its positions: n,
 *         and per position: word pre suf lost n, and n times count error
 *         VALUE (digest/kinds.c)
 *   has-summary, and when 1:
 *         total, 9 severity counts, the host and the program tallies (n
 *         other, then n times count NAME), n_top, then per counter: hash
 *         count error severity cut host program program_end text PATTERN
 *   sent, then that many times: the recipient's mails of the last hour,
 *         oldest first, so that a restored digest held by the rate limit
 *         stays held as it would have
 *   timeline: start width n, then n times index count
 *   MINER  the recipient's kinds as miner_save writes them ("" for a
 *         reload, which moves the miner itself): a restore makes them the
 *         recipient's, so the messages replayed after the state get the
 *         kinds, ids and counts they got before
 *   pacing (issue 28; all of it here, at the end, written by save_pace):
 *         pace-last pace-gap pace-broke pace-quiet-from not_shown_full
 *         the recipient's pace in a storm (struct digest_pace: its last
 *         paced mail, the interval in force, 0 when idle, whether this
 *         interval's breakthrough went, the last message's time), so that
 *         a storm replayed after a crash goes on at its pace; and whether
 *         the digest did not show some messages because it was full
 *
 * Version "d2" had lines as "host program[severity]: text" (REST from the
 * host on, no host offset), no kinds, positions, timeline, miner or pace;
 * "d1" is d2 without the section (every line none).  digest_restore still
 * reads both, their lines converted to this layout (without a kind: they
 * take no later message), the pace idle and "full" not said.
 *
 * digest_restore checks every field (ranges, lengths, that the counts add
 * up) before it changes anything: a damaged record is refused whole.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/internal.h"
#include "util/util.h"

#define STATE_MAGIC    "d3"
#define STATE_MAGIC_D2 "d2" /* lines as "host program[severity]: text", no kinds */
#define STATE_MAGIC_D1 "d1" /* d2 without a section per line */

/* ---- writing ---------------------------------------------------------------- */

struct out {
	char **buf;
	size_t *len, *cap;
	bool failed;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->failed)
		return;
	if (!util_reserve((void **)o->buf, o->cap, *o->len + n, 1, 4096)) {
		o->failed = true;
		return;
	}
	memcpy(*o->buf + *o->len, s, n);
	*o->len += n;
}

/* v in decimal and a blank. */
static void put_num(struct out *o, long long v)
{
	char tmp[24], *p;

	tmp[sizeof(tmp) - 1] = ' ';
	p = util_decimal(tmp + sizeof(tmp) - 1, v);
	put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void put_str(struct out *o, const char *s, size_t n)
{
	put_num(o, (long long)n);
	(*o->len)--; /* the number's blank becomes the ':' */
	put(o, ":", 1);
	put(o, s, n);
	put(o, " ", 1);
}

static void put_cstr(struct out *o, const char *s)
{
	put_str(o, s, strlen(s));
}

static void save_hosts(struct out *o, const struct digest_hosts *hs)
{
	put_cstr(o, hs->first);
	put_num(o, hs->n);
	put_num(o, hs->more);
	for (unsigned i = 0; i < hs->cap; i++)
		if (hs->slot[i])
			put_num(o, (long long)hs->slot[i]);
}

static void save_pos(struct out *o, const struct digest_pos *p)
{
	put_num(o, p->word);
	put_num(o, p->pre);
	put_num(o, p->suf);
	put_num(o, p->lost);
	put_num(o, p->n);
	for (unsigned i = 0; i < p->n; i++) {
		put_num(o, p->v[i].count);
		put_num(o, p->v[i].error);
		put_str(o, p->v[i].s, p->v[i].len);
	}
}

static void save_lines(struct out *o, const struct digest_batch *b)
{
	put_num(o, b->n);
	for (unsigned i = 0; i < b->n; i++) {
		const struct digest_entry *e = &b->st.entry[i];
		const char *line = b->st.buf + digest_entry_start(b, i);
		unsigned n_pos = 0;

		put_num(o, e->count);
		put_num(o, e->kind);
		put_num(o, e->new_kind);
		put_num(o, e->folds);
		put_num(o, (long long)e->varied);
		put_num(o, e->severity);
		put_num(o, e->section);
		put_num(o, (long long)e->min_ts);
		put_num(o, (long long)e->max_ts);
		put_num(o, e->at.host - e->at.rest);
		put_num(o, e->at.program - e->at.rest);
		put_num(o, e->at.program_end - e->at.rest);
		put_num(o, e->at.text - e->at.rest);
		put_str(o, line + e->at.rest, e->end - 1 - digest_entry_start(b, i) - e->at.rest);
		for (uint32_t x = e->pos; x != 0; x = b->st.pos[x - 1].next)
			n_pos++;
		put_num(o, n_pos);
		for (uint32_t x = e->pos; x != 0; x = b->st.pos[x - 1].next)
			save_pos(o, &b->st.pos[x - 1]);
	}
}

static void save_tally(struct out *o, const struct digest_tally *t)
{
	put_num(o, t->n);
	put_num(o, t->other);
	for (unsigned i = 0; i < t->n; i++) {
		put_num(o, t->v[i].count);
		put_cstr(o, t->v[i].name);
	}
}

static void save_summary(struct out *o, const struct digest_summary *s)
{
	put_num(o, s != NULL);
	if (!s)
		return;
	put_num(o, s->total);
	for (unsigned i = 0; i < 9; i++)
		put_num(o, s->severity[i]);
	save_tally(o, &s->hosts);
	save_tally(o, &s->programs);
	put_num(o, s->n_top);
	for (unsigned i = 0; i < s->n_top; i++) {
		const struct digest_top *t = &s->top[i];

		put_num(o, (long long)t->hash); /* all 64 bits, as a signed number */
		put_num(o, t->count);
		put_num(o, t->error);
		put_num(o, t->severity);
		put_num(o, t->cut);
		put_num(o, t->at.host);
		put_num(o, t->at.program);
		put_num(o, t->at.program_end);
		put_num(o, t->at.text);
		put_str(o, t->text, t->len);
	}
}

static void save_sent(struct out *o, const struct digest_recipient *r)
{
	put_num(o, r->n_sent);
	for (unsigned i = 0; i < r->n_sent; i++)
		put_num(o, (long long)r->sent[(r->sent_head + i) % r->rate_per_hour]);
}

/* ---- the pacing fields (issue 28), last in the record ---- */

static void save_pace(struct out *o, const struct digest_recipient *r)
{
	put_num(o, (long long)r->pace.last);
	put_num(o, r->pace.gap);
	put_num(o, r->pace.broke);
	put_num(o, (long long)r->pace.quiet_from);
	put_num(o, r->pending.not_shown_full);
}

/* start width, then the buckets that counted: n, and n times index count. */
static void save_timeline(struct out *o, const struct digest_timeline *t)
{
	unsigned n = 0;

	put_num(o, (long long)t->start);
	put_num(o, t->width);
	for (unsigned i = 0; i < DIGEST_MARKS; i++)
		n += t->count[i] != 0;
	put_num(o, n);
	for (unsigned i = 0; i < DIGEST_MARKS; i++)
		if (t->count[i]) {
			put_num(o, i);
			put_num(o, t->count[i]);
		}
}

/* The recipient's miner, as miner_save writes it ("" when none). */
static void save_miner(struct out *o, const struct digest_recipient *r)
{
	char *text = NULL;
	size_t len = 0;

	if (r->miner && miner_save(r->miner, &text, &len) != 0) {
		o->failed = true;
		return;
	}
	put_str(o, text ? text : "", len);
	free(text);
}

/* with_miner: the recipient's kinds too (not for a reload, which moves
 * the miner itself). */
static void save(struct out *o, const struct digest_recipient *r, bool with_miner)
{
	const struct digest_batch *b = &r->pending;

	put(o, STATE_MAGIC " ", 3);
	put_num(o, (long long)b->opened);
	put_num(o, b->due);
	put_num(o, b->reason);
	put_num(o, b->not_shown_rate);
	put_num(o, b->summary_lost);
	put_num(o, b->n_errors);
	put_num(o, b->highest);
	put_num(o, (long long)b->first_ts);
	put_num(o, (long long)b->last_ts);
	put_num(o, b->shown);
	put_num(o, b->not_shown);
	put_cstr(o, b->program);
	put_cstr(o, b->preview);
	save_hosts(o, &b->hosts);
	save_lines(o, b);
	save_summary(o, b->summary_lost ? NULL : b->summary);
	save_sent(o, r);
	save_timeline(o, &b->timeline);
	if (with_miner)
		save_miner(o, r);
	else
		put_str(o, "", 0);
	save_pace(o, r);
}

enum digest_status digest_save(const struct digest_set *s, size_t recipient, char **buf,
			       size_t *len, size_t *cap)
{
	struct digest_recipient *r;
	struct out o = {buf, len, cap, false};
	size_t mark = *len;
	enum digest_status st = DIGEST_OK;

	if (!s || recipient >= s->n)
		return DIGEST_EINVAL;
	r = &s->r[recipient];
	pthread_mutex_lock(&r->lock);
	if (r->busy)
		st = DIGEST_EBUSY;
	else if (!digest_batch_empty(&r->pending))
		save(&o, r, true);
	pthread_mutex_unlock(&r->lock);
	if (o.failed) {
		*len = mark;
		return DIGEST_ENOMEM;
	}
	return st;
}

/* ---- reading ---------------------------------------------------------------- */

struct in {
	const char *p, *end;
	bool bad;
};

/* The next number, within [min, max]; sets bad otherwise. */
static long long get_num(struct in *in, long long min, long long max)
{
	unsigned long long u = 0;
	long long v;
	bool neg = false, digits = false;

	if (in->bad)
		return min;
	if (in->p < in->end && *in->p == '-')
		neg = true, in->p++;
	for (; in->p < in->end && *in->p >= '0' && *in->p <= '9'; in->p++) {
		unsigned d = (unsigned)(*in->p - '0');

		if (u > (ULLONG_MAX - d) / 10) {
			in->bad = true;
			return min;
		}
		u = u * 10 + d;
		digits = true;
	}
	if (u > (neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX)) {
		in->bad = true;
		return min;
	}
	v = neg ? (u == 0 ? 0 : -(long long)(u - 1) - 1) : (long long)u;
	if (!digits || in->p >= in->end || *in->p != ' ' || v < min || v > max) {
		in->bad = true;
		return min;
	}
	in->p++;
	return v;
}

/* The next string, at most max octets; *n its length.  NULL (bad set)
 * when malformed. */
static const char *get_str(struct in *in, size_t max, size_t *n)
{
	const char *s;
	size_t len = 0;

	if (in->bad)
		return NULL;
	for (; in->p < in->end && *in->p >= '0' && *in->p <= '9'; in->p++) {
		len = len * 10 + (size_t)(*in->p - '0');
		if (len > max)
			break;
	}
	if (len > max || in->p >= in->end || *in->p != ':' || (size_t)(in->end - in->p) < len + 2 ||
	    in->p[len + 1] != ' ') {
		in->bad = true;
		return NULL;
	}
	s = in->p + 1;
	in->p += len + 2;
	*n = len;
	return s;
}

/* Was s (n octets) written by this library?  Every string it saves is
 * rendered (digest/render.c) or tidied for a subject: no control
 * character, NUL included. */
static bool rendered(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return false;
	return true;
}

/* The next string, rendered, at most max octets; NULL (bad set) otherwise. */
static const char *get_text(struct in *in, size_t max, size_t *n)
{
	const char *s = get_str(in, max, n);

	if (s && !rendered(s, *n)) {
		in->bad = true;
		return NULL;
	}
	return s;
}

/* The next string into out (size octets, NUL-terminated, rendered). */
static void get_cstr(struct in *in, char *out, size_t size)
{
	size_t n;
	const char *s = get_text(in, size - 1, &n);

	if (!s)
		return;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void load_hosts(struct in *in, struct digest_hosts *hs)
{
	unsigned n;

	get_cstr(in, hs->first, sizeof(hs->first));
	n = (unsigned)get_num(in, 0, DIGEST_HOSTS_MAX);
	hs->more = get_num(in, 0, 1);
	for (unsigned i = 0; i < n && !in->bad; i++) {
		uint64_t h = (uint64_t)get_num(in, 1, INT64_MAX);

		if (!in->bad)
			digest_hosts_insert(hs, h);
	}
	if (!in->bad && hs->n != n && !hs->more)
		in->bad = true; /* the same hash twice */
}

/* A line of version 1 or 2 ("web1 sshd[info]: text", offsets of the
 * program, the '[' after it and the text) as this version renders it
 * ("info web1 sshd: text") into out (room for DIGEST_LINE_MAX octets);
 * e's offsets are set for it.  Its length, 0 when it does not fit. */
static size_t old_line(const char *rest, size_t len, struct digest_restored *e, char *out)
{
	const char *sev = digest_severity_name(e->severity);
	size_t n = strlen(sev), o, tail = len - e->text, text = e->text;

	if (n + 1 + e->program_end + 2 + tail > DIGEST_LINE_MAX - 64)
		return 0;
	memcpy(out, sev, n);
	out[n] = ' ';
	o = n + 1;
	e->host = o;
	e->program += o;
	memcpy(out + o, rest, e->program_end);
	o += e->program_end;
	e->program_end = o;
	memcpy(out + o, ": ", 2);
	o += 2;
	e->text = o;
	memcpy(out + o, rest + text, tail);
	return o + tail;
}

/* A line's positions (version 3) onto b's last line. */
static void load_pos(struct in *in, struct digest_batch *b, unsigned n_words)
{
	unsigned n = (unsigned)get_num(in, 0, DIGEST_KIND_POS);

	for (unsigned i = 0; i < n && !in->bad; i++) {
		struct digest_pos p = {0};

		p.word = (uint8_t)get_num(in, 0, n_words - 1);
		p.pre = (uint8_t)get_num(in, 0, 255);
		p.suf = (uint8_t)get_num(in, 0, 255);
		p.lost = (uint8_t)get_num(in, 0, 1);
		p.n = (uint8_t)get_num(in, 0, DIGEST_KIND_TOP);
		for (unsigned k = 0; k < p.n && !in->bad; k++) {
			size_t len;
			const char *v;

			p.v[k].count = (uint32_t)get_num(in, 1, UINT32_MAX);
			p.v[k].error = (uint32_t)get_num(in, 0, p.v[k].count - 1);
			v = get_text(in, DIGEST_VALUE_MAX, &len);
			if (v) {
				memcpy(p.v[k].s, v, len);
				p.v[k].len = (uint8_t)len;
			}
		}
		if (!in->bad) { /* its core within its word */
			const struct digest_entry *e = &b->st.entry[b->n - 1];
			const char *line = b->st.buf + digest_entry_start(b, b->n - 1);
			struct digest_words w;

			digest_words(line, e->at.program, e->end - 1 - digest_entry_start(b, b->n - 1),
				     &w);
			if ((size_t)p.pre + p.suf > (size_t)(w.end[p.word] - w.off[p.word]))
				in->bad = true;
		}
		if (!in->bad && !digest_kind_pos_append(b, &p))
			in->bad = true;
	}
}

/* The lines, rendered again in r's zone, into b; sum of their counts in
 * *shown.  version: of the state (1: no section, 3: kinds). */
static void load_lines(struct in *in, const struct digest_recipient *r, struct digest_batch *b,
		       int version, unsigned long *shown)
{
	unsigned n = (unsigned)get_num(in, 0, 1000000);
	static const size_t rest_max = DIGEST_LINE_MAX - 64;

	*shown = 0;
	for (unsigned i = 0; i < n && !in->bad; i++) {
		struct digest_restored e = {0};
		size_t len;
		const char *rest;
		char conv[DIGEST_LINE_MAX];

		e.count = (uint32_t)get_num(in, 1, UINT32_MAX);
		if (version >= 3) {
			e.kind = (uint32_t)get_num(in, 0, UINT32_MAX);
			e.new_kind = get_num(in, 0, 1);
			e.folds = get_num(in, 0, 1);
			e.varied = (uint64_t)get_num(in, INT64_MIN, INT64_MAX);
		} else {
			(void)get_num(in, 0, UINT32_MAX); /* what varied, by the old rules */
		}
		e.severity = (int)get_num(in, -1, 7);
		e.section = version >= 2 ? (int)get_num(in, 0, DIGEST_SECTIONS - 1) : 0;
		e.min_ts = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
		e.max_ts = (time_t)get_num(in, e.min_ts, INT64_MAX / 2);
		if (version >= 3)
			e.host = (size_t)get_num(in, 0, (long long)rest_max);
		e.program = (size_t)get_num(in, (long long)e.host, (long long)rest_max);
		e.program_end = (size_t)get_num(in, (long long)e.program, (long long)rest_max);
		e.text = (size_t)get_num(in, (long long)e.program_end, (long long)rest_max);
		rest = get_text(in, rest_max, &len);
		if (in->bad || e.text > len) {
			in->bad = true;
			break;
		}
		if (version < 3) {
			if ((len = old_line(rest, len, &e, conv)) == 0) {
				in->bad = true;
				break;
			}
			rest = conv;
		}
		if (!digest_batch_restore_line(b, r, rest, len, &e)) {
			in->bad = true; /* out of memory: refused like a bad record */
			break;
		}
		if (version >= 3)
			load_pos(in, b, b->st.entry[b->n - 1].n_words);
		*shown += e.count;
	}
}

static void load_tally(struct in *in, struct digest_tally *t)
{
	t->n = (unsigned)get_num(in, 0, DIGEST_NAMES);
	t->other = (uint32_t)get_num(in, 0, UINT32_MAX);
	for (unsigned i = 0; i < t->n && !in->bad; i++) {
		t->v[i].count = (uint32_t)get_num(in, 1, UINT32_MAX);
		get_cstr(in, t->v[i].name, sizeof(t->v[i].name));
	}
}

static void load_top(struct in *in, struct digest_top *t, int version)
{
	size_t len;
	const char *text;

	t->hash = (uint64_t)get_num(in, INT64_MIN, INT64_MAX);
	t->count = (uint32_t)get_num(in, 1, UINT32_MAX);
	t->error = (uint32_t)get_num(in, 0, t->count - 1);
	t->severity = (int8_t)get_num(in, -1, 7);
	t->cut = (uint8_t)get_num(in, 0, 1);
	t->at.host = version >= 3 ? (uint16_t)get_num(in, 0, DIGEST_LINE_MAX) : 0;
	t->at.program = (uint16_t)get_num(in, t->at.host, DIGEST_LINE_MAX);
	t->at.program_end = (uint16_t)get_num(in, t->at.program, DIGEST_LINE_MAX);
	t->at.text = (uint16_t)get_num(in, t->at.program_end, DIGEST_LINE_MAX);
	text = get_text(in, DIGEST_PATTERN, &len);
	if (text) {
		memcpy(t->text, text, len);
		t->len = (uint16_t)len;
	}
}

static void load_summary(struct in *in, struct digest_batch *b, int version)
{
	struct digest_summary *s;

	if (!get_num(in, 0, 1) || in->bad)
		return;
	if (!(s = b->summary = calloc(1, sizeof(*s)))) {
		in->bad = true;
		return;
	}
	s->total = (uint32_t)get_num(in, 1, UINT32_MAX);
	for (unsigned i = 0; i < 9; i++)
		s->severity[i] = (uint32_t)get_num(in, 0, UINT32_MAX);
	load_tally(in, &s->hosts);
	load_tally(in, &s->programs);
	s->n_top = (unsigned)get_num(in, 0, DIGEST_TOP);
	for (unsigned i = 0; i < s->n_top && !in->bad; i++)
		load_top(in, &s->top[i], version);
	if (!in->bad && !digest_summary_consistent(s))
		in->bad = true;
}

/* The mail times, oldest first, into sent (room for max; the newest
 * max are kept); their number. */
static unsigned load_sent(struct in *in, time_t *sent, unsigned max)
{
	unsigned n = (unsigned)get_num(in, 0, 1000000), kept = 0;

	for (unsigned i = 0; i < n && !in->bad; i++) {
		time_t t = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);

		if (max == 0)
			continue;
		if (kept == max)
			memmove(sent, sent + 1, (max - 1) * sizeof(*sent)), kept--;
		sent[kept++] = t;
	}
	return kept;
}

/* The pacing fields into *pace and b (all idle for an older version). */
static void load_pace(struct in *in, struct digest_pace *pace, struct digest_batch *b)
{
	pace->last = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	pace->gap = (unsigned)get_num(in, 0, UINT32_MAX);
	pace->broke = get_num(in, 0, 1);
	pace->quiet_from = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	b->not_shown_full = get_num(in, 0, 1);
}

/* Which version a state is: 3, 2, 1, or 0 (none). */
static int version(const struct in *in)
{
	if (in->end - in->p < 3)
		return 0;
	if (memcmp(in->p, STATE_MAGIC " ", 3) == 0)
		return 3;
	if (memcmp(in->p, STATE_MAGIC_D2 " ", 3) == 0)
		return 2;
	if (memcmp(in->p, STATE_MAGIC_D1 " ", 3) == 0)
		return 1;
	return 0;
}

/* A timeline as save_timeline wrote it (its width DIGEST_MARK_SEC times a
 * power of two, or 0 when empty). */
static void load_timeline(struct in *in, struct digest_timeline *t)
{
	unsigned n;

	t->start = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	t->width = (uint32_t)get_num(in, 0, (long long)DIGEST_MARK_SEC << 24);
	n = (unsigned)get_num(in, 0, DIGEST_MARKS);
	if (t->width % DIGEST_MARK_SEC || (t->width && __builtin_popcount(t->width / DIGEST_MARK_SEC) != 1))
		in->bad = true;
	for (unsigned k = 0; k < n && !in->bad; k++) {
		unsigned i = (unsigned)get_num(in, 0, DIGEST_MARKS - 1);
		uint32_t c = (uint32_t)get_num(in, 1, UINT32_MAX);

		if (in->bad || t->count[i] || t->width == 0 || c > UINT32_MAX - t->total) {
			in->bad = true;
			break;
		}
		t->count[i] = c;
		t->total += c;
	}
}

/* Read a state into b (fresh), *n_sent mail times into sent, the pace
 * into *pace and where the saved miner is into *miner (NULL: none); false
 * when it is not one. */
static bool load(struct in *in, const struct digest_recipient *r, struct digest_batch *b,
		 time_t *sent, unsigned *n_sent, struct digest_pace *pace, const char **miner,
		 size_t *miner_len)
{
	unsigned long shown;
	int v = version(in);

	*pace = (struct digest_pace){0};
	*miner = NULL;
	*miner_len = 0;
	if (v == 0)
		return false;
	in->p += 3;
	b->opened = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	b->due = get_num(in, 0, 1);
	b->reason = (enum digest_reason)get_num(in, DIGEST_REASON_WINDOW,
						v >= 3 ? DIGEST_REASON_NEW : DIGEST_REASON_FLUSH);
	b->not_shown_rate = get_num(in, 0, 1);
	b->summary_lost = get_num(in, 0, 1);
	b->n_errors = (unsigned)get_num(in, 0, UINT32_MAX);
	b->highest = (int)get_num(in, 0, DIGEST_SEV_NONE);
	b->first_ts = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	b->last_ts = (time_t)get_num(in, INT64_MIN / 2, INT64_MAX / 2);
	b->shown = (unsigned)get_num(in, 0, UINT32_MAX);
	b->not_shown = (unsigned)get_num(in, 0, UINT32_MAX);
	get_cstr(in, b->program, sizeof(b->program));
	get_cstr(in, b->preview, sizeof(b->preview));
	load_hosts(in, &b->hosts);
	load_lines(in, r, b, v, &shown);
	load_summary(in, b, v);
	*n_sent = load_sent(in, sent, r->rate_per_hour);
	if (v >= 3) {
		load_timeline(in, &b->timeline);
		*miner = get_str(in, (size_t)(in->end - in->p), miner_len);
		load_pace(in, pace, b);
	}
	if (in->bad || in->p != in->end || shown != b->shown || digest_batch_empty(b))
		return false;
	if (b->summary && (b->summary_lost || b->summary->total != b->not_shown))
		return false;
	return b->summary || b->summary_lost || b->not_shown == 0;
}

/* r's pace from a saved one (or another set's), within r's settings. */
static void restore_pace(struct digest_recipient *r, const struct digest_pace *pace)
{
	time_t quiet_from = r->pace.quiet_from;

	r->pace = *pace;
	if (quiet_from > r->pace.quiet_from)
		r->pace.quiet_from = quiet_from;
	digest_pace_settings(&r->pace, r->window_sec, r->max_interval);
}

enum digest_status digest_restore(struct digest_set *s, size_t recipient, const char *state,
				  size_t len)
{
	struct digest_recipient *r;
	struct digest_batch b;
	struct in in = {state, state + len, false};
	enum digest_status st = DIGEST_OK;
	struct miner *miner = NULL;
	const char *mtext;
	size_t mlen;
	char err[128];
	time_t *sent;
	unsigned n_sent = 0;
	struct digest_pace pace;

	if (!s || recipient >= s->n || !state)
		return DIGEST_EINVAL;
	r = &s->r[recipient];
	digest_batch_init(&b);
	sent = calloc(r->rate_per_hour + 1, sizeof(*sent));
	if (!sent || !load(&in, r, &b, sent, &n_sent, &pace, &mtext, &mlen) ||
	    (mlen > 0 && (!(miner = miner_new(r->max_kinds)) ||
			  miner_restore(miner, mtext, mlen, err, sizeof(err)) != 0))) {
		miner_free(miner);
		free(sent);
		digest_batch_free(&b);
		return DIGEST_EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	if (r->busy || !digest_batch_empty(&r->pending)) {
		st = DIGEST_EBUSY;
	} else {
		digest_batch_recycle(&r->pending, &r->spare, r->mem);
		if (miner) { /* the kinds as they were when the state was saved */
			miner_free(r->miner);
			r->miner = miner;
			r->merges = miner_merges(miner);
			miner = NULL;
		}
		r->pending = b;
		digest_recharge(r);
		r->count.added += b.shown + b.not_shown;
		r->count.held += b.shown;
		r->count.not_shown += b.not_shown;
		if (r->rate_per_hour && n_sent > r->n_sent) {
			memcpy(r->sent, sent, n_sent * sizeof(*sent));
			r->n_sent = n_sent;
			r->sent_head = 0;
		}
		if (pace.gap > 0 || r->pace.gap == 0) /* a storm's pace, unless idle */
			restore_pace(r, &pace);
	}
	pthread_mutex_unlock(&r->lock);
	free(sent);
	miner_free(miner);
	if (st != DIGEST_OK)
		digest_batch_free(&b);
	return st;
}

/* ---- a reload: one recipient's digest into the next set ------------------ */

/* The mail times of from's last hour into to's ring, the newest when to
 * keeps fewer (its rate limit changed). */
static void carry_sent(struct digest_recipient *to, const struct digest_recipient *from)
{
	unsigned n = from->n_sent, skip;

	if (to->rate_per_hour == 0 || n == 0)
		return;
	skip = n > to->rate_per_hour ? n - to->rate_per_hour : 0;
	for (unsigned i = skip; i < n; i++)
		to->sent[i - skip] = from->sent[(from->sent_head + i) % from->rate_per_hour];
	to->n_sent = n - skip;
	to->sent_head = 0;
}

/* Move from's pending digest (as digest_save writes it, read back in to's
 * zone), rate-limit times and counters into to, which is new, and empty
 * from.  Under from's lock throughout, after any mail of it in flight, so
 * nothing is mailed by both or by neither.  false (nothing moved) on
 * ENOMEM. */
static bool carry_one(struct digest_recipient *to, struct digest_recipient *from)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct out o = {&buf, &len, &cap, false};
	struct digest_batch b;
	time_t *sent = calloc(to->rate_per_hour + 1, sizeof(*sent));
	unsigned n_sent;
	struct digest_pace pace;
	const char *mtext;
	size_t mlen;
	bool ok = sent != NULL;

	digest_batch_init(&b);
	pthread_mutex_lock(&from->lock);
	while (from->busy)
		pthread_cond_wait(&from->idle, &from->lock);
	if (ok && !digest_batch_empty(&from->pending)) {
		struct in in;

		save(&o, from, false);
		in = (struct in){buf, buf + len, false};
		ok = !o.failed && load(&in, to, &b, sent, &n_sent, &pace, &mtext, &mlen);
	}
	if (ok) {
		pthread_mutex_lock(&to->lock);
		digest_batch_recycle(&to->pending, &to->spare, to->mem);
		to->pending = b;
		digest_recharge(to);
		to->count = from->count;
		to->retry_after = from->retry_after;
		to->rate_counted = from->rate_counted;
		restore_pace(to, &from->pace); /* an empty digest saves none */
		carry_sent(to, from);
		miner_free(to->miner); /* the kinds go with the digest */
		to->miner = from->miner;
		to->merges = from->merges;
		from->miner = NULL;
		pthread_mutex_unlock(&to->lock);
		digest_batch_recycle(&from->pending, &from->spare, from->mem);
		digest_recharge(from);
		from->count = (struct digest_counters){0};
	}
	pthread_mutex_unlock(&from->lock);
	if (!ok)
		digest_batch_free(&b);
	free(sent);
	free(buf);
	return ok;
}

enum digest_status digest_set_carry(struct digest_set *dst, struct digest_set *src)
{
	enum digest_status st = DIGEST_OK;

	if (!dst || !src)
		return DIGEST_EINVAL;
	for (size_t j = 0; j < dst->n; j++)
		for (size_t i = 0; i < src->n; i++)
			if (strcmp(dst->r[j].address, src->r[i].address) == 0) {
				if (!carry_one(&dst->r[j], &src->r[i]))
					st = DIGEST_ENOMEM;
				break;
			}
	return st;
}
