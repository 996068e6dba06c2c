/*
 * digest/render.c: what a digest looks like: body lines, the closing lines,
 * the subject.  Pure functions; the only outside state read is the
 * process's time zone (localtime_r) for CONF_TIME_LOCAL.  The only state is
 * the caller's struct digest_time_cache (lb_time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest/internal.h"
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

/* "2026-11-23 11:35:02 +0200" into out (at least 64 octets); its length. */
static size_t time_text(char *out, time_t ts, enum conf_time time_type, int offset_min)
{
	long zone = (long)offset_min * 60;
	struct tm tm;
	time_t t;
	long z;
	int n;

	if (time_type == CONF_TIME_LOCAL && localtime_r(&ts, &tm))
		zone += tm.tm_gmtoff;
	t = ts + zone;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	z = zone / 60;
	n = snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld%02ld", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, z < 0 ? '-' : '+',
		     labs(z) / 60, labs(z) % 60);
	return n > 0 ? ((size_t)n < 64 ? (size_t)n : 63) : 0;
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

size_t digest_format_line(const struct digest_msg *m, enum conf_time time_type, int offset_min,
			  char *out, size_t size)
{
	return digest_format_line_cached(NULL, m, time_type, offset_min, out, size);
}

size_t digest_format_line_cached(struct digest_time_cache *tc, const struct digest_msg *m,
				 enum conf_time time_type, int offset_min, char *out, size_t size)
{
	struct lbuf b;
	const char *sev = digest_severity_name(m->severity);

	if (size == 0)
		return 0;
	lb_init(&b, out, size - 1 < DIGEST_LINE_MAX ? size - 1 : DIGEST_LINE_MAX);
	lb_time(&b, tc, m->ts, time_type, offset_min);
	lb_put(&b, " ", 1);
	lb_field(&b, m->host, 255);
	lb_put(&b, " ", 1);
	lb_field(&b, m->program, 128);
	lb_put(&b, "[", 1);
	lb_put(&b, sev, strlen(sev));
	lb_put(&b, "]: ", 3);
	if (m->text)
		lb_escaped(&b, m->text, text_length(m));
	return lb_finish(&b);
}

/* ---- batches ------------------------------------------------------------ */

void digest_batch_init(struct digest_batch *b)
{
	*b = (struct digest_batch){.highest = DIGEST_SEV_NONE};
}

void digest_batch_free(struct digest_batch *b)
{
	free(b->buf);
	free(b->ends);
	digest_hosts_free(&b->hosts);
	digest_batch_init(b);
}

bool digest_batch_empty(const struct digest_batch *b)
{
	return b->n == 0 && b->not_shown == 0;
}

void digest_batch_recycle(struct digest_batch *b, struct digest_store *spare)
{
	if (!spare->buf && !spare->ends) {
		*spare = (struct digest_store){b->buf, b->cap, b->ends, b->ends_cap};
		b->buf = NULL;
		b->ends = NULL;
	}
	digest_batch_free(b);
}

void digest_batch_adopt(struct digest_batch *b, struct digest_store *spare)
{
	b->buf = spare->buf;
	b->cap = spare->cap;
	b->ends = spare->ends;
	b->ends_cap = spare->ends_cap;
	*spare = (struct digest_store){0};
}

void digest_store_free(struct digest_store *spare)
{
	free(spare->buf);
	free(spare->ends);
	*spare = (struct digest_store){0};
}

/* Room for extra more octets after the lines; false on ENOMEM. */
static bool batch_reserve(struct digest_batch *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *p;

	if (b->len + extra <= b->cap)
		return true;
	while (cap < b->len + extra)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p)
		return false;
	b->buf = p;
	b->cap = cap;
	return true;
}

bool digest_batch_push(struct digest_batch *b, const char *line, size_t len)
{
	if (!batch_reserve(b, len + 1))
		return false;
	if (b->n == b->ends_cap) {
		unsigned cap = b->ends_cap ? b->ends_cap * 2 : 16;
		size_t *e = realloc(b->ends, cap * sizeof(*e));

		if (!e)
			return false;
		b->ends = e;
		b->ends_cap = cap;
	}
	memcpy(b->buf + b->len, line, len);
	b->len += len;
	b->buf[b->len++] = '\n';
	b->ends[b->n++] = b->len;
	return true;
}

/* Copy at most max_chars characters of s into out for a subject: control
 * characters become spaces, invalid UTF-8 "?", runs of blanks one space,
 * leading blanks dropped; "..." when cut. */
static void subject_text(char *out, size_t size, const char *src, size_t n, size_t max_chars)
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

/* ---- hosts (%N) ---------------------------------------------------------- */

/* util_hash of the lower-cased name (its first 255 octets: longer host
 * names are not real ones); never 0, which marks an empty slot. */
static uint64_t host_hash(const char *host)
{
	char low[255];
	size_t n = 0;

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

static void hosts_insert(struct digest_hosts *hs, uint64_t h)
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

void digest_hosts_add(struct digest_hosts *hs, const char *host)
{
	if (!host || !*host)
		return;
	if (hs->n == 0 && !hs->more)
		subject_text(hs->first, sizeof(hs->first), host, strlen(host), 255);
	hosts_insert(hs, host_hash(host));
}

void digest_hosts_merge(struct digest_hosts *dst, const struct digest_hosts *src)
{
	if (dst->n == 0 && !dst->more && src->n > 0)
		memcpy(dst->first, src->first, sizeof(dst->first));
	for (unsigned i = 0; i < src->cap; i++)
		if (src->slot[i])
			hosts_insert(dst, src->slot[i]);
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

void digest_batch_note(struct digest_batch *b, const struct digest_msg *m, bool shown)
{
	int sev = m->severity > 7 ? 7 : m->severity; /* < 0: unknown */
	bool first = b->n + b->not_shown == (shown ? 1u : 0u);

	if (first) {
		const char *p = m->program && *m->program ? m->program : "-";

		subject_text(b->program, sizeof(b->program), p, strlen(p), 60);
		subject_text(b->preview, sizeof(b->preview), m->text ? m->text : "", text_length(m),
			     DIGEST_PREVIEW_CHARS);
	}
	digest_hosts_add(&b->hosts, m->host);
	if (sev >= 0 && sev <= CONF_LEVEL_ERRORS)
		b->n_errors++;
	if (sev >= 0 && sev < b->highest)
		b->highest = sev;
	if (!shown) {
		b->not_shown++;
		return;
	}
	if (b->n == 1 || m->ts < b->first_ts)
		b->first_ts = m->ts;
	if (b->n == 1 || m->ts > b->last_ts)
		b->last_ts = m->ts;
}

/* ---- the mail ----------------------------------------------------------- */

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The closing lines go after the lines, in the batch's own storage (no
 * copy of the lines per mail); b->len stays, so the lines are unchanged
 * for a retry. */
#define DIGEST_TRAILER_MAX 512

static bool render_body(struct digest_batch *b, const char **body, size_t *body_len)
{
	unsigned total = b->n + b->not_shown;
	size_t cap, o = b->len;
	char *p;
	int k;

	if (!batch_reserve(b, DIGEST_TRAILER_MAX))
		return false;
	p = b->buf;
	cap = b->len + DIGEST_TRAILER_MAX;
	if (b->not_shown) {
		k = snprintf(p + o, cap - o, "%u further %s not shown (%s)\n", b->not_shown,
			     plural(b->not_shown, "message", "messages"),
			     b->not_shown_rate ? "rate limit" : "mail could not be queued");
		o += (size_t)k;
	}
	k = snprintf(p + o, cap - o, "-- \n%u %s", total, plural(total, "message", "messages"));
	o += (size_t)k;
	if (b->not_shown) {
		k = snprintf(p + o, cap - o, " (%u shown)", b->n);
		o += (size_t)k;
	}
	k = snprintf(p + o, cap - o, ", %u %s or worse, most severe: %s\n", b->n_errors,
		     plural(b->n_errors, "error", "errors"), digest_severity_name(b->highest));
	o += (size_t)k;
	*body = p;
	*body_len = o;
	return true;
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

/* The digest substitutions; the AWP feature guide's ones (and "%%") are left for
 * smtp_subject_expand. */
static void expand_digest(const char *t, const struct digest_batch *b, char *out, size_t size)
{
	size_t o = 0;
	char num[32];

	for (; *t && o + 2 < size; t++) {
		const char *lit = NULL;

		if (t[0] == '%' && t[1]) {
			switch (t[1]) {
			case 'C':
				snprintf(num, sizeof(num), "%u", b->n + b->not_shown);
				lit = num;
				break;
			case 'E':
				snprintf(num, sizeof(num), "%u", b->n_errors);
				lit = num;
				break;
			case 'H':
				lit = digest_severity_name(b->highest);
				break;
			case 'P':
				lit = b->program;
				break;
			case 'M':
				lit = b->preview;
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
		tmpl = b->n == 1 && b->not_shown == 0 ? DIGEST_SUBJECT_DEFAULT_ONE
						      : DIGEST_SUBJECT_DEFAULT;
	expand_digest(tmpl, b, tmp, sizeof(tmp));
	smtp_subject_expand(tmp, &subst, subject, subject_size);
	return render_body(b, body, body_len);
}
