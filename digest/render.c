/*
 * digest/render.c: what a digest looks like: its lines (a message's, or a
 * folded one's), what it did not show, the closing lines, the subject.
 * Pure functions; the only outside state read is the process's time zone
 * (localtime_r) for CONF_TIME_LOCAL.  The only state is the caller's
 * struct digest_time_cache (lb_time).
 *
 * The body is a list of lines, then what was not shown, then "-- " and
 * the counts.  When a line has a logcheck section, the lines are grouped
 * under headings, highest section first (digest.h, enum digest_section).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest/internal.h"
#include "util/syslog_line.h"
#include "util/util.h"
#include "smtp/smtp.h"

static const char *const sev_names[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

const char *digest_severity_name(int severity)
{
	if (severity < 0 || severity > 7)
		return "?";
	return sev_names[severity];
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* A line being built with a hard limit.  Whole units (an escape, a UTF-8
 * character) go in or nothing does; when something does not fit, the line
 * is cut back to the last unit that leaves room for "...". */
struct lbuf {
	char *p;
	size_t len, lim, safe;
	bool full;
};

static void lb_init(struct lbuf *b, char *p, size_t lim)
{
	*b = (struct lbuf){.p = p, .lim = lim};
}

static void lb_put(struct lbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (b->len + n > b->lim) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	if (b->len + 3 <= b->lim)
		b->safe = b->len;
}

static size_t lb_finish(struct lbuf *b)
{
	if (b->full) {
		b->len = b->safe;
		if (b->lim >= 3) {
			memcpy(b->p + b->len, "...", 3);
			b->len += 3;
		}
	}
	b->p[b->len] = '\0';
	return b->len;
}

/* Put the printable ASCII at the start of s, as far as it leaves room for
 * "...": the bytes and the cut one lb_put per character would give, faster.
 * Returns how many were put. */
static size_t ascii_run(struct lbuf *b, const unsigned char *s, size_t n)
{
	size_t room = b->len + 3 <= b->lim ? b->lim - b->len - 3 : 0;
	size_t k = 0;

	if (n > room)
		n = room;
	while (k < n && s[k] >= 0x20 && s[k] < 0x7F)
		k++;
	memcpy(b->p + b->len, s, k);
	b->len += k;
	if (k)
		b->safe = b->len;
	return k;
}

/* Control characters and invalid UTF-8 as "#ooo", the rest as it is. */
static void lb_escaped(struct lbuf *b, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;

	while (i < n && !b->full) {
		char esc[5];
		size_t k = ascii_run(b, s + i, n - i);

		if (k > 0) {
			i += k;
			continue;
		}
		k = 1;
		if (s[i] >= 0x20 && s[i] < 0x7F) {
			lb_put(b, (const char *)s + i, 1);
		} else if (s[i] >= 0x80 && (k = utf8_len(s + i, n - i)) > 0) {
			lb_put(b, (const char *)s + i, k);
		} else {
			k = 1;
			snprintf(esc, sizeof(esc), "#%03o", s[i]);
			lb_put(b, esc, 4);
		}
		i += k;
	}
}

/* A field (host, program) escaped and cut at max octets, "-" when empty. */
static void lb_field(struct lbuf *b, const char *s, size_t max)
{
	char tmp[256];
	struct lbuf f;

	if (!s || !*s) {
		lb_put(b, "-", 1);
		return;
	}
	lb_init(&f, tmp, max < sizeof(tmp) ? max : sizeof(tmp) - 1);
	lb_escaped(&f, s, strlen(s));
	lb_put(b, tmp, lb_finish(&f));
}

/* "2026-11-23 11:35:02 +0200" into out (at least 64 octets); its length.
 * By hand, not snprintf: a digest renders a time for every line. */
static size_t time_text(char *out, time_t ts, enum conf_time time_type, int offset_min)
{
	long zone = (long)offset_min * 60, z;
	struct tm tm;
	time_t t;
	char *p = out;

	if (time_type == CONF_TIME_LOCAL && localtime_r(&ts, &tm))
		zone += tm.tm_gmtoff;
	t = ts + zone;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	z = labs(zone / 60);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		int n = snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld%02ld",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, zone < 0 ? '-' : '+', z / 60, z % 60);

		return n > 0 ? ((size_t)n < 64 ? (size_t)n : 63) : 0;
	}
	p = util_two_digits(p, (unsigned)(tm.tm_year + 1900) / 100, false);
	p = util_two_digits(p, (unsigned)(tm.tm_year + 1900) % 100, false);
	*p++ = '-';
	p = util_two_digits(p, (unsigned)tm.tm_mon + 1, false);
	*p++ = '-';
	p = util_two_digits(p, (unsigned)tm.tm_mday, false);
	*p++ = ' ';
	p = util_two_digits(p, (unsigned)tm.tm_hour, false);
	*p++ = ':';
	p = util_two_digits(p, (unsigned)tm.tm_min, false);
	*p++ = ':';
	p = util_two_digits(p, (unsigned)tm.tm_sec, false);
	*p++ = ' ';
	*p++ = zone < 0 ? '-' : '+';
	p = util_two_digits(p, (unsigned)(z / 60 % 100), false);
	p = util_two_digits(p, (unsigned)(z % 60), false);
	*p = '\0';
	return (size_t)(p - out);
}

size_t digest_time_prefix(time_t ts, enum conf_time time_type, int offset_min, char *out)
{
	return time_text(out, ts, time_type, offset_min);
}

/* What tzset() last left for the process's zone.  A change of TZ followed
 * by tzset() changes it (unless the new zone has the same names and
 * standard offset as the old one: then a cached second may still show the
 * old zone, until the next second). */
struct zone_id {
	const char *std, *dst;
	long timezone;
	int daylight;
};

static struct zone_id zone_now(void)
{
	return (struct zone_id){tzname[0], tzname[1], timezone, daylight};
}

static bool zone_same(const struct zone_id *a, const struct zone_id *b)
{
	return a->std == b->std && a->dst == b->dst && a->timezone == b->timezone &&
	       a->daylight == b->daylight;
}

/* The last rendered second per zone setting (digest.h says why).  The
 * text depends on nothing but (ts, time_type, offset_min) and the
 * process's zone, so one cache serves every digest set. */
#define TIME_SLOTS 4

struct time_slot {
	bool used;
	enum conf_time time_type;
	int offset_min;
	time_t ts;
	struct zone_id zone; /* CONF_TIME_LOCAL: the zone it was rendered in */
	size_t len;
	char text[64];
};

struct digest_time_cache {
	struct time_slot slot[TIME_SLOTS];
	unsigned next;
};

struct digest_time_cache *digest_time_cache_new(void)
{
	return calloc(1, sizeof(struct digest_time_cache));
}

void digest_time_cache_free(struct digest_time_cache *tc)
{
	free(tc);
}

static bool slot_matches(const struct time_slot *c, time_t ts, enum conf_time time_type,
			 int offset_min, const struct zone_id *zone)
{
	if (!c->used || c->ts != ts || c->time_type != time_type || c->offset_min != offset_min)
		return false;
	return time_type != CONF_TIME_LOCAL || zone_same(&c->zone, zone);
}

static void lb_time(struct lbuf *b, struct digest_time_cache *tc, time_t ts,
		    enum conf_time time_type, int offset_min)
{
	struct zone_id zone;
	struct time_slot *c;
	char text[64];
	unsigned i;

	if (tc == NULL) {
		lb_put(b, text, time_text(text, ts, time_type, offset_min));
		return;
	}
	zone = zone_now();
	for (i = 0; i < TIME_SLOTS; i++) {
		c = &tc->slot[i];
		if (c->used && c->time_type == time_type && c->offset_min == offset_min)
			break;
	}
	if (i == TIME_SLOTS) {
		c = &tc->slot[tc->next];
		tc->next = (tc->next + 1) % TIME_SLOTS;
		c->used = false;
	}
	if (!slot_matches(c, ts, time_type, offset_min, &zone)) {
		c->used = true;
		c->time_type = time_type;
		c->offset_min = offset_min;
		c->ts = ts;
		c->len = time_text(c->text, ts, time_type, offset_min);
		c->zone = zone_now(); /* after localtime_r, which may set it up */
	}
	lb_put(b, c->text, c->len);
}

static size_t text_length(const struct digest_msg *m)
{
	if (!m->text)
		return 0;
	return m->text_len == (size_t)-1 ? strlen(m->text) : m->text_len;
}

static uint16_t at_most(size_t off, size_t len)
{
	return (uint16_t)(off < len ? off : len);
}

/* The tag of m as logged, escaped, with a ':' at its end (the program's
 * name and a ':' when m has no tag); *program_end: where the program's
 * name ends in it. */
static void lb_tag(struct lbuf *b, const struct digest_msg *m, size_t *program_end)
{
	const char *tag = m->tag && *m->tag ? m->tag : NULL;
	size_t n, start = b->len;

	if (!tag) {
		lb_field(b, m->program, 128);
		*program_end = b->len;
		lb_put(b, ":", 1);
		return;
	}
	n = strnlen(tag, 255);
	lb_escaped(b, tag, syslog_tag_split(tag, n).program_len);
	if (b->len == start)
		lb_put(b, "-", 1);
	*program_end = b->len;
	lb_escaped(b, tag + syslog_tag_split(tag, n).program_len,
		   n - syslog_tag_split(tag, n).program_len);
	if (tag[n - 1] != ':')
		lb_put(b, ":", 1);
}

/* The line of m into out (size octets), its parts in *at; its length:
 *   "2026-11-23 11:35:02 +0200 err web1 sshd[4242]: Failed password..." */
static size_t render(struct digest_time_cache *tc, const struct digest_msg *m,
		     enum conf_time time_type, int offset_min, char *out, size_t size,
		     struct digest_line_parts *at)
{
	struct lbuf b;
	const char *sev = digest_severity_name(m->severity);
	size_t rest, host, program, program_end = 0, text, len;

	if (size == 0)
		return 0;
	lb_init(&b, out, size - 1 < DIGEST_LINE_MAX ? size - 1 : DIGEST_LINE_MAX);
	lb_time(&b, tc, m->ts, time_type, offset_min);
	lb_put(&b, " ", 1);
	rest = b.len;
	lb_put(&b, sev, strlen(sev));
	lb_put(&b, " ", 1);
	host = b.len;
	lb_field(&b, m->host, 255);
	lb_put(&b, " ", 1);
	program = b.len;
	lb_tag(&b, m, &program_end);
	lb_put(&b, " ", 1);
	text = b.len;
	if (m->text)
		lb_escaped(&b, m->text, text_length(m));
	len = lb_finish(&b);
	*at = (struct digest_line_parts){at_most(rest, len), at_most(host, len),
					 at_most(program, len), at_most(program_end, len),
					 at_most(text, len)};
	return len;
}

size_t digest_format_line(const struct digest_msg *m, enum conf_time time_type, int offset_min,
			  char *out, size_t size)
{
	struct digest_line_parts at;

	return render(NULL, m, time_type, offset_min, out, size, &at);
}

void digest_render_line(struct digest_time_cache *tc, const struct digest_msg *m,
			enum conf_time time_type, int offset_min, struct digest_line *l)
{
	l->len = render(tc, m, time_type, offset_min, l->text, sizeof(l->text), &l->at);
	l->host = digest_host_hash(m->host);
	l->scanned = l->split = false;
	l->kind = 0;
	l->new_kind = false;
}

void digest_subject_text(char *out, size_t size, const char *src, size_t n, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, chars = 0;
	bool space = true; /* drop leading blanks */

	while (i < n && chars < max_chars && o + 5 < size) {
		size_t k = 1;

		if (s[i] < 0x20 || s[i] == 0x7F || s[i] == ' ') {
			if (!space)
				out[o++] = ' ', chars++;
			space = true;
			i++;
			continue;
		}
		space = false;
		if (s[i] < 0x80)
			out[o++] = (char)s[i];
		else if ((k = utf8_len(s + i, n - i)) > 0)
			memcpy(out + o, s + i, k), o += k;
		else
			k = 1, out[o++] = '?';
		chars++;
		i += k;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (i < n && o + 4 <= size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* ---- lines ------------------------------------------------------------- */

/* The values of position p of a line of count messages: the one value
 * they all had, or the top three that are surely in at least two and one
 * in twenty, with their counts (a range when the sketch knows one only
 * within it), and how many had another.  false (nothing put) when none
 * qualifies: values that are all different read better as "<ip>". */
static bool lb_values(struct lbuf *lb, const struct digest_pos *p, uint32_t count, bool few)
{
	uint32_t counts[DIGEST_KIND_TOP], errors[DIGEST_KIND_TOP];
	uint64_t shown = 0, all = 0;
	char num[64];
	unsigned top[3], n;
	bool exact = true;

	if (p->lost)
		return false;
	for (unsigned i = 0; i < p->n; i++) {
		all += p->v[i].count;
		exact = exact && p->v[i].error == 0;
	}
	if (p->n == 1 && p->v[0].count == count && exact) {
		lb_put(lb, p->v[0].s, p->v[0].len);
		return true;
	}
	/* a few values that are all there were (few: not numbers, which read
	 * better as "<n>"): every one, and "(x1)" said once for all */
	exact = few && exact && all == count && p->n <= 3;
	if (exact && all == p->n) {
		for (unsigned i = 0; i < p->n; i++) {
			if (i > 0)
				lb_put(lb, ", ", 2);
			lb_put(lb, p->v[i].s, p->v[i].len);
		}
		lb_put(lb, " (x1 each)", 10);
		return true;
	}
	for (unsigned i = 0; i < p->n; i++)
		counts[i] = p->v[i].count, errors[i] = p->v[i].error;
	n = miner_top_values(counts, errors, p->n, count, exact, top);
	for (unsigned i = 0; i < n; i++) {
		const struct digest_value *v = &p->v[top[i]];

		if (i > 0)
			lb_put(lb, ", ", 2);
		lb_put(lb, v->s, v->len);
		if (v->error == 0)
			snprintf(num, sizeof(num), " (x%u)", v->count);
		else
			snprintf(num, sizeof(num), " (x%u-%u)", v->count - v->error, v->count);
		lb_put(lb, num, strlen(num));
		shown += v->count - v->error;
	}
	if (n > 0 && shown < count) {
		snprintf(num, sizeof(num), ", %llu other%s", (unsigned long long)(count - shown),
			 count - shown == 1 ? "" : "s");
		lb_put(lb, num, strlen(num));
	}
	return n > 0;
}

/* The words of line i from the octet `from` of the line on (the tag and
 * text, or the text): a word that was the same in all its messages as it
 * is, a varied one by its values (values: when they qualify) or by the
 * placeholder of its class, the text around its core kept. */
static void lb_kind_words(struct lbuf *lb, const struct digest_batch *b, unsigned i, size_t from,
			  bool values)
{
	const struct digest_entry *e = &b->st.entry[i];
	const char *line = b->st.buf + digest_entry_start(b, i);
	struct digest_words w;
	unsigned n = digest_words(line, e->at.program, e->end - 1 - digest_entry_start(b, i), &w);
	bool first = true;

	for (unsigned k = 0; k < n; k++) {
		const char *s = line + w.off[k];
		size_t len = (size_t)(w.end[k] - w.off[k]), pre, suf;
		const struct digest_pos *p;
		const char *ph;

		if (w.off[k] < from)
			continue;
		if (!first)
			lb_put(lb, " ", 1);
		first = false;
		if (k >= 64 || !(e->varied >> k & 1)) {
			lb_put(lb, s, len);
			continue;
		}
		p = digest_kind_pos(b, e, k);
		ph = digest_word_cut(s, len, w.off[k] == e->at.program, &pre, &suf);
		if (p) {
			pre = p->pre;
			suf = p->suf;
		}
		lb_put(lb, s, pre);
		if (!values || !p || !lb_values(lb, p, e->count, strcmp(ph, "<n>") != 0))
			lb_put(lb, ph, strlen(ph));
		lb_put(lb, s + len - suf, suf);
	}
}

/* n in decimal at out (at least 11 octets); its length. */
static size_t decimal(char *out, uint32_t n)
{
	char tmp[12];
	size_t k = 0, len;

	do
		tmp[k++] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	for (len = 0; k > 0; len++)
		out[len] = tmp[--k];
	return len;
}

/* A line standing for several messages of a kind: the span of their
 * times, the count, the severity and host, and the tag and text with what
 * varied among them as its values:
 *   "2026-11-30 13:26:17 -0500 .. 13:27:02 (x412) info web1 sshd[4242]:
 *   Failed password for root from 203.0.113.45 (x12), 198.51.100.7 (x5),
 *   395 others port <n> ssh2" */
static size_t folded_line(const struct digest_batch *b, unsigned i,
			  const struct digest_recipient *r, char *out)
{
	const struct digest_entry *e = &b->st.entry[i];
	const char *line = b->st.buf + digest_entry_start(b, i);
	char t0[64], t1[64], count[32];
	size_t n0, n1;
	struct lbuf lb;

	lb_init(&lb, out, DIGEST_LINE_MAX);
	n0 = time_text(t0, e->min_ts, r->time_type, r->offset_min);
	lb_put(&lb, t0, n0);
	if (e->max_ts != e->min_ts) {
		n1 = time_text(t1, e->max_ts, r->time_type, r->offset_min);
		lb_put(&lb, " .. ", 4);
		if (n0 == n1 && n1 >= 19 && memcmp(t0, t1, 11) == 0)
			lb_put(&lb, t1 + 11, 8); /* the same day: its time */
		else
			lb_put(&lb, t1, n1 >= 19 ? 19 : n1);
	}
	lb_put(&lb, " (x", 3);
	lb_put(&lb, count, decimal(count, e->count));
	lb_put(&lb, ") ", 2);
	lb_put(&lb, line + e->at.rest, (size_t)(e->at.program - e->at.rest));
	lb_kind_words(&lb, b, i, e->at.program, true);
	return lb_finish(&lb);
}

/* ---- what was not shown -------------------------------------------------- */

#define SUMMARY_LINES (DIGEST_TOP_SHOWN + 4)

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Append a line (without '\n') made by lb to p at *o, with its '\n'. */
static void end_line(char *p, size_t *o, struct lbuf *lb)
{
	*o += lb_finish(lb);
	p[(*o)++] = '\n';
}

/* Does a stand for more messages than c, or as many and more severe ones? */
static bool commoner(uint32_t a, int sev_a, uint32_t c, int sev_c)
{
	return a > c || (a == c && DIGEST_SEV_RANK(sev_a) < DIGEST_SEV_RANK(sev_c));
}

/* The top counters in order: most messages first, among equals the most
 * severe, then the earlier; at most DIGEST_TOP_SHOWN. */
static unsigned top_order(const struct digest_summary *s, unsigned *order)
{
	bool taken[DIGEST_TOP] = {false};
	unsigned n = 0;

	while (n < DIGEST_TOP_SHOWN && n < s->n_top) {
		unsigned best = DIGEST_TOP;

		for (unsigned i = 0; i < s->n_top; i++)
			if (!taken[i] && (best == DIGEST_TOP ||
					  commoner(s->top[i].count, s->top[i].severity,
						   s->top[best].count, s->top[best].severity)))
				best = i;
		taken[best] = true;
		order[n++] = best;
	}
	return n;
}

/* "by host: 3990 web1, 10 web2, 7 other": most first. */
static void tally_line(struct lbuf *lb, const char *what, const struct digest_tally *t)
{
	bool taken[DIGEST_NAMES] = {false};
	char num[48];

	lb_put(lb, "  by ", 5);
	lb_put(lb, what, strlen(what));
	lb_put(lb, ":", 1);
	for (unsigned n = 0; n < t->n; n++) {
		unsigned best = DIGEST_NAMES;

		for (unsigned i = 0; i < t->n; i++)
			if (!taken[i] && (best == DIGEST_NAMES || t->v[i].count > t->v[best].count))
				best = i;
		taken[best] = true;
		lb_put(
		    lb, num,
		    (size_t)snprintf(num, sizeof(num), "%s %u ", n ? "," : "", t->v[best].count));
		lb_put(lb, t->v[best].name, strlen(t->v[best].name));
	}
	if (t->other)
		lb_put(lb, num, (size_t)snprintf(num, sizeof(num), ", %u other", t->other));
}

static void severity_line(struct lbuf *lb, const struct digest_summary *s)
{
	char num[48];
	bool first = true;

	lb_put(lb, "  by severity:", 14);
	for (int i = 0; i < 9; i++) {
		if (!s->severity[i])
			continue;
		lb_put(lb, num,
		       (size_t)snprintf(num, sizeof(num), "%s %u %s", first ? "" : ",",
					s->severity[i], digest_severity_name(i < 8 ? i : -1)));
		first = false;
	}
}

/* The summary's lines: the commonest patterns, then the counts by
 * severity, host and program. */
static void summary_lines(const struct digest_summary *s, char *p, size_t *o)
{
	unsigned order[DIGEST_TOP_SHOWN], n = top_order(s, order);
	struct lbuf lb;
	char num[48];

	for (unsigned k = 0; k < n; k++) {
		const struct digest_top *t = &s->top[order[k]];

		lb_init(&lb, p + *o, DIGEST_LINE_MAX);
		if (t->error)
			snprintf(num, sizeof(num), "  (x%u-%u) ", t->count - t->error, t->count);
		else
			snprintf(num, sizeof(num), "  (x%u) ", t->count);
		lb_put(&lb, num, strlen(num));
		lb_escaped(&lb, t->text, t->len);
		if (t->cut)
			lb_put(&lb, "...", 3);
		end_line(p, o, &lb);
	}
	lb_init(&lb, p + *o, DIGEST_LINE_MAX);
	severity_line(&lb, s);
	end_line(p, o, &lb);
	lb_init(&lb, p + *o, DIGEST_LINE_MAX);
	tally_line(&lb, "host", &s->hosts);
	end_line(p, o, &lb);
	lb_init(&lb, p + *o, DIGEST_LINE_MAX);
	tally_line(&lb, "program", &s->programs);
	end_line(p, o, &lb);
}

/* ---- the mail ----------------------------------------------------------- */

/* The closing lines go after the lines, in the batch's own storage: no copy
 * of the lines when none is folded; b->len stays, so the lines are
 * unchanged for a retry. */
#define DIGEST_TRAILER_MAX 512
#define DIGEST_HEADING_MAX 16 /* octets of a section's heading */

static bool any_folded(const struct digest_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->st.entry[i].count > 1)
			return true;
	return false;
}

static bool any_section(const struct digest_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->st.entry[i].section != DIGEST_SECTION_NONE)
			return true;
	return false;
}

const char *digest_section_heading(int section)
{
	static const char *const headings[DIGEST_SECTIONS] = {"Other Events", "System Events",
							      "Security Events", "Security Alerts"};

	return headings[digest_section_of(section)];
}

/* Line i as the mail shows it, at p + *o. */
static void body_line(const struct digest_batch *b, unsigned i, const struct digest_recipient *r,
		      char *p, size_t *o)
{
	const struct digest_entry *e = &b->st.entry[i];
	size_t start = digest_entry_start(b, i);

	if (e->count == 1) {
		memcpy(p + *o, b->st.buf + start, e->end - start);
		*o += e->end - start;
	} else {
		*o += folded_line(b, i, r, p + *o);
		p[(*o)++] = '\n';
	}
}

/* The lines as the mail shows them, from p + *o on. */
static void body_lines(const struct digest_batch *b, const struct digest_recipient *r, char *p,
		       size_t *o)
{
	for (unsigned i = 0; i < b->n; i++)
		body_line(b, i, r, p, o);
}

/* "Security Alerts\n===============\n", after a blank line unless first. */
static void heading(int section, bool first, char *p, size_t *o)
{
	const char *h = digest_section_heading(section);
	size_t n = strlen(h);

	if (!first)
		p[(*o)++] = '\n';
	memcpy(p + *o, h, n);
	*o += n;
	p[(*o)++] = '\n';
	memset(p + *o, '=', n);
	*o += n;
	p[(*o)++] = '\n';
}

/* The lines grouped by section, highest first (digest.h). */
static void body_sections(const struct digest_batch *b, const struct digest_recipient *r, char *p,
			  size_t *o)
{
	bool first = true;

	for (int sec = DIGEST_SECTIONS - 1; sec >= DIGEST_SECTION_NONE; sec--) {
		bool any = false;

		for (unsigned i = 0; i < b->n; i++) {
			if (b->st.entry[i].section != sec)
				continue;
			if (!any)
				heading(sec, first, p, o);
			any = true;
			first = false;
			body_line(b, i, r, p, o);
		}
	}
}

static bool summary_shown(const struct digest_batch *b)
{
	return b->summary && !b->summary_lost && b->summary->total == b->not_shown &&
	       digest_summary_consistent(b->summary);
}

/* A mail that follows another of the same storm says what is new since
 * it and what continues: its lines whose kind the recipient's miner had
 * never seen (entry.new_kind) and the others, with their messages:
 *   Since the last mail: 2 new kinds (14 messages), 3 continuing (1204 messages)
 * Nothing for a storm's first mail. */
static size_t since_line(const struct digest_batch *b, char *out, size_t size)
{
	unsigned kinds[2] = {0, 0}, msgs[2] = {0, 0};
	int k;

	for (unsigned i = 0; i < b->n; i++) {
		const struct digest_entry *e = &b->st.entry[i];

		kinds[e->new_kind != 0]++;
		msgs[e->new_kind != 0] += e->count;
	}
	k = snprintf(out, size, "Since the last mail: %u new %s (%u %s), %u continuing (%u %s)\n",
		     kinds[1], plural(kinds[1], "kind", "kinds"), msgs[1],
		     plural(msgs[1], "message", "messages"), kinds[0], msgs[0],
		     plural(msgs[0], "message", "messages"));
	return k > 0 && (size_t)k < size ? (size_t)k : 0;
}

static bool render_body(const struct digest_recipient *r, struct digest_batch *b, const char **body,
			size_t *body_len)
{
	unsigned total = b->shown + b->not_shown;
	bool sections = any_section(b), summary = b->not_shown && summary_shown(b);
	bool storm = digest_timeline_storm(&b->timeline, total);
	bool since = b->continues && b->n > 0;
	/* else the lines are the body's start */
	bool copied = sections || storm || since || any_folded(b);
	size_t need = DIGEST_TRAILER_MAX, start = 0, o, cap;
	char *p;
	int k;

	if (copied)
		need += b->len + (size_t)b->n * (DIGEST_LINE_MAX + 1);
	if (sections)
		need += DIGEST_SECTIONS * 2 * (DIGEST_HEADING_MAX + 1);
	if (summary)
		need += SUMMARY_LINES * (DIGEST_LINE_MAX + 1);
	if (storm)
		need += DIGEST_LINE_MAX + 2;
	if (since)
		need += DIGEST_LINE_MAX + 2;
	if (!digest_batch_reserve(b, need))
		return false;
	p = b->st.buf;
	o = b->len;
	cap = b->len + need;
	if (copied) {
		start = o;
		if (storm) { /* the shape of the storm first, then a blank line */
			o += digest_timeline_line(&b->timeline, r->time_type, r->offset_min, p + o,
						  DIGEST_LINE_MAX + 1);
			p[o++] = '\n';
			if (!since)
				p[o++] = '\n';
		}
		if (since) { /* what is new since the storm's last mail, then a blank line */
			o += since_line(b, p + o, DIGEST_LINE_MAX + 1);
			p[o++] = '\n';
		}
		if (sections)
			body_sections(b, r, p, &o);
		else
			body_lines(b, r, p, &o);
	}
	if (b->not_shown) {
		k = snprintf(p + o, cap - o, "%u further %s not shown (%s)\n", b->not_shown,
			     plural(b->not_shown, "message", "messages"),
			     b->not_shown_rate   ? "rate limit"
			     : b->not_shown_full ? "digest full"
						 : "mail could not be queued");
		o += (size_t)k;
	}
	if (summary)
		summary_lines(b->summary, p, &o);
	k = snprintf(p + o, cap - o, "-- \n%u %s", total, plural(total, "message", "messages"));
	o += (size_t)k;
	if (b->not_shown) {
		k = snprintf(p + o, cap - o, " (%u shown)", b->shown);
		o += (size_t)k;
	}
	k = snprintf(p + o, cap - o, ", %u %s or worse, most severe: %s\n", b->n_errors,
		     plural(b->n_errors, "error", "errors"), digest_severity_name(b->highest));
	o += (size_t)k;
	*body = p + start;
	*body_len = o - start;
	return true;
}

/* ---- the subject ---------------------------------------------------------- */

/* "EMERG" ... "DEBUG", "?" */
static const char *severity_caps(int severity)
{
	static const char *const caps[] = {
	    "EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG",
	};

	return severity >= 0 && severity <= 7 ? caps[severity] : "?";
}

/* The commonest pattern, for %A and %K: its program, its text (with what
 * varied as placeholders) and how many messages it stands for (certainly:
 * a not-shown pattern's count without its error).  Among equally common
 * ones the most severe, then a line before a not-shown pattern, then the
 * first. */
struct commonest {
	char program[256], text[1024];
	uint32_t count;
};

static void commonest(const struct digest_batch *b, struct commonest *c)
{
	const struct digest_summary *s = summary_shown(b) ? b->summary : NULL;
	unsigned best = b->n, top = DIGEST_TOP;
	uint32_t least = 0;
	struct lbuf lb;

	*c = (struct commonest){0};
	for (unsigned i = 0; i < b->n; i++)
		if (best == b->n || commoner(b->st.entry[i].count, b->st.entry[i].severity,
					     b->st.entry[best].count, b->st.entry[best].severity))
			best = i;
	if (s)
		top = digest_summary_commonest(s, &least);
	if (top < DIGEST_TOP &&
	    (best == b->n || commoner(least, s->top[top].severity, b->st.entry[best].count,
				      b->st.entry[best].severity))) {
		const struct digest_top *t = &s->top[top];

		if (t->at.program_end <= t->len)
			digest_subject_text(c->program, sizeof(c->program), t->text + t->at.program,
					    t->at.program_end - t->at.program, 60);
		if (t->at.text <= t->len)
			digest_subject_text(c->text, sizeof(c->text), t->text + t->at.text,
					    t->len - t->at.text, DIGEST_PREVIEW_CHARS);
		c->count = least;
	} else if (best < b->n) {
		const struct digest_entry *e = &b->st.entry[best];
		const char *line = b->st.buf + digest_entry_start(b, best);
		char tmp[DIGEST_LINE_MAX + 1];

		digest_subject_text(c->program, sizeof(c->program), line + e->at.program,
				    e->at.program_end - e->at.program, 60);
		lb_init(&lb, tmp, sizeof(tmp) - 1);
		lb_kind_words(&lb, b, best, e->at.text, false);
		digest_subject_text(c->text, sizeof(c->text), tmp, lb_finish(&lb),
				    DIGEST_PREVIEW_CHARS);
		c->count = e->count;
	} else { /* nothing to go by but the first message */
		snprintf(c->program, sizeof(c->program), "%s", b->program);
		snprintf(c->text, sizeof(c->text), "%s", b->preview);
	}
}

/* Append s with every '%' doubled, so smtp_subject_expand gives it back as
 * it is (a message's own "%N" must not become the host name). */
static size_t put_literal(char *out, size_t o, size_t size, const char *s)
{
	for (; *s && o + 2 < size; s++) {
		if (*s == '%')
			out[o++] = '%';
		out[o++] = *s;
	}
	return o;
}

/* The digest substitutions; the AWP feature guide's ones (and "%%") are
 * left for smtp_subject_expand. */
static void expand_digest(const char *t, const struct digest_batch *b, char *out, size_t size)
{
	struct commonest c;
	bool have_c = false;
	size_t o = 0;
	char num[32], pattern[1400];

	for (; *t && o + 2 < size; t++) {
		const char *lit = NULL;

		if (t[0] == '%' && t[1] && strchr("AK", t[1]) && !have_c) {
			commonest(b, &c);
			have_c = true;
		}
		if (t[0] == '%' && t[1]) {
			switch (t[1]) {
			case 'C':
				snprintf(num, sizeof(num), "%u", b->shown + b->not_shown);
				lit = num;
				break;
			case 'E':
				snprintf(num, sizeof(num), "%u", b->n_errors);
				lit = num;
				break;
			case 'H':
				lit = digest_severity_name(b->highest);
				break;
			case 'V':
				lit = severity_caps(b->highest);
				break;
			case 'P':
				lit = b->program;
				break;
			case 'M':
				lit = b->preview;
				break;
			case 'K':
				snprintf(num, sizeof(num), "%u", c.count);
				lit = num;
				break;
			case 'A':
				if (c.count > 1)
					snprintf(pattern, sizeof(pattern), "%ux %s: %s", c.count,
						 c.program, c.text);
				else
					snprintf(pattern, sizeof(pattern), "%s: %s", c.program,
						 c.text);
				lit = pattern;
				break;
			default: /* keep "%x" whole, so "%%C" stays "%%C" */
				out[o++] = *t++;
				out[o++] = *t;
				continue;
			}
			o = put_literal(out, o, size, lit);
			t++;
			continue;
		}
		out[o++] = *t;
	}
	out[o] = '\0';
}

bool digest_render_mail(const struct digest_set *s, const struct digest_recipient *r,
			struct digest_batch *b, time_t now, char *subject, size_t subject_size,
			const char **body, size_t *body_len)
{
	const char *tmpl = r->subject;
	char hosts[32], tmp[1024];
	struct smtp_subst subst = {
	    .hostname = digest_hosts_name(&b->hosts, s->hostname, hosts, sizeof(hosts)),
	    .serial = s->serial,
	    .now = now,
	};

	if (!tmpl)
		tmpl = b->shown == 1 && b->not_shown == 0 ? DIGEST_SUBJECT_DEFAULT_ONE
							  : DIGEST_SUBJECT_DEFAULT;
	expand_digest(tmpl, b, tmp, sizeof(tmp));
	smtp_subject_expand(tmp, &subst, subject, subject_size);
	return render_body(r, b, body, body_len);
}
