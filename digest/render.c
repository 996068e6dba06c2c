/*
 * digest/render.c: what a digest looks like: body lines, the closing lines,
 * the subject.  Pure functions; the only outside state read is the
 * process's time zone (localtime_r) for CONF_TIME_LOCAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/internal.h"
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

/* Control characters and invalid UTF-8 as "#ooo", the rest as it is. */
static void lb_escaped(struct lbuf *b, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;

	while (i < n && !b->full) {
		char esc[5];
		size_t k = 1;

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

/* "2026-11-23 11:35:02 +0200" */
static void lb_time(struct lbuf *b, time_t ts, enum conf_time time_type, int offset_min)
{
	long zone = (long)offset_min * 60;
	struct tm tm;
	time_t t;
	char out[64];
	long z;
	int n;

	if (time_type == CONF_TIME_LOCAL && localtime_r(&ts, &tm))
		zone += tm.tm_gmtoff;
	t = ts + zone;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	z = zone / 60;
	n = snprintf(out, sizeof(out), "%04d-%02d-%02d %02d:%02d:%02d %c%02ld%02ld",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     z < 0 ? '-' : '+', labs(z) / 60, labs(z) % 60);
	if (n > 0)
		lb_put(b, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
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
	struct lbuf b;
	const char *sev = digest_severity_name(m->severity);

	if (size == 0)
		return 0;
	lb_init(&b, out, size - 1 < DIGEST_LINE_MAX ? size - 1 : DIGEST_LINE_MAX);
	lb_time(&b, m->ts, time_type, offset_min);
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
	digest_batch_init(b);
}

bool digest_batch_empty(const struct digest_batch *b)
{
	return b->n == 0 && b->not_shown == 0;
}

bool digest_batch_push(struct digest_batch *b, const char *line, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return false;
		b->buf = p;
		b->cap = cap;
	}
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

void digest_batch_note(struct digest_batch *b, const struct digest_msg *m, bool shown)
{
	int sev = m->severity < 0 ? 0 : m->severity > 7 ? 7 : m->severity;
	bool first = b->n + b->not_shown == (shown ? 1u : 0u);

	if (first) {
		const char *p = m->program && *m->program ? m->program : "-";

		subject_text(b->program, sizeof(b->program), p, strlen(p), 60);
		subject_text(b->preview, sizeof(b->preview), m->text ? m->text : "", text_length(m),
			     DIGEST_PREVIEW_CHARS);
	}
	if (sev <= CONF_LEVEL_ERRORS)
		b->n_errors++;
	if (sev < b->highest)
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

static bool render_body(const struct digest_batch *b, char **body, size_t *body_len)
{
	unsigned total = b->n + b->not_shown;
	size_t cap = b->len + 512, o = b->len;
	char *p = malloc(cap);
	int k;

	if (!p)
		return false;
	if (b->len)
		memcpy(p, b->buf, b->len);
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

/* The digest substitutions; the seed's ones (and "%%") are left for
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
			const struct digest_batch *b, time_t now, char **body, size_t *body_len,
			char **subject)
{
	const char *tmpl = r->subject;
	struct smtp_subst subst = {.hostname = s->hostname, .serial = s->serial, .now = now};
	char tmp[1024];
	size_t size = 1024;

	if (!tmpl)
		tmpl = b->n == 1 && b->not_shown == 0 ? DIGEST_SUBJECT_DEFAULT_ONE
						      : DIGEST_SUBJECT_DEFAULT;
	*subject = malloc(size);
	if (!*subject)
		return false;
	expand_digest(tmpl, b, tmp, sizeof(tmp));
	smtp_subject_expand(tmp, &subst, *subject, size);
	if (!render_body(b, body, body_len)) {
		free(*subject);
		*subject = NULL;
		return false;
	}
	return true;
}
