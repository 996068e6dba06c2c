/*
 * digest/summary.c: what a digest counted but did not show (its caps or
 * the rate limit held them back), in a fixed size whatever came:
 *
 *   - exact counts by severity;
 *   - exact counts by host and by program for the first DIGEST_NAMES names
 *     of each, the rest counted as "other", so every table adds up to the
 *     total;
 *   - the commonest patterns (a line's rest with every variable part as
 *     its placeholder) by Space-Saving (Metwally, Agrawal, El Abbadi,
 *     "Efficient computation of frequent and top-k elements in data
 *     streams", 2005): DIGEST_TOP counters; a pattern not counted yet
 *     takes the smallest counter over, inheriting its count as its error,
 *     so a count is never below the truth and at most `error` above it,
 *     and any pattern more frequent than total / DIGEST_TOP has a counter.
 */
#include <string.h>

#include "digest/internal.h"

/* Copy the name at s (n octets, already escaped for a mail) into out
 * (DIGEST_NAME octets), cut at a character boundary. */
static void name_copy(char *out, const char *s, size_t n)
{
	if (n > DIGEST_NAME - 1) {
		n = DIGEST_NAME - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 character */
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

static void tally_add(struct digest_tally *t, const char *name, size_t len, uint32_t count)
{
	char key[DIGEST_NAME];

	name_copy(key, name, len);
	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].name, key) == 0) {
			t->v[i].count += count;
			return;
		}
	}
	if (t->n == DIGEST_NAMES) {
		t->other += count;
		return;
	}
	memcpy(t->v[t->n].name, key, sizeof(key));
	t->v[t->n++].count = count;
}

static uint32_t tally_sum(const struct digest_tally *t)
{
	uint32_t sum = t->other;

	for (unsigned i = 0; i < t->n; i++)
		sum += t->v[i].count;
	return sum;
}

/* Append n octets of s to a pattern of *o octets; past DIGEST_PATTERN
 * octets it is cut (at a character boundary) and *full set. */
static void put(char *out, size_t *o, const char *s, size_t n, bool *full)
{
	if (*full)
		return;
	if (n > DIGEST_PATTERN - *o) {
		n = DIGEST_PATTERN - *o;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 character */
		*full = true;
	}
	memcpy(out + *o, s, n);
	*o += n;
}

/* Where offset x of a rest is in its pattern: moved by the placeholders
 * of the variable parts before it (the tag's pid, "sshd[<n>]:"). */
static uint16_t shifted(const struct digest_fold *f, size_t x)
{
	long d = 0;

	for (unsigned k = 0; k < f->n && (size_t)f->v[k].off + f->v[k].len <= x; k++)
		d += (long)strlen(digest_var_placeholder(f->v[k].kind)) - (long)f->v[k].len;
	return (uint16_t)((long)x + d);
}

/* The pattern of a line: its rest with every variable part replaced by
 * its placeholder, cut at DIGEST_PATTERN octets; where its program and
 * text start (before any variable part: the offsets of the rest). */
static void pattern_of(struct digest_top *t, const char *rest, size_t len,
		       const struct digest_line_parts *at, const struct digest_fold *f)
{
	size_t o = 0, from = 0;
	bool full = false;

	for (unsigned k = 0; k < f->n; k++) {
		const char *ph = digest_var_placeholder(f->v[k].kind);

		put(t->text, &o, rest + from, f->v[k].off - from, &full);
		if (!full && o + strlen(ph) > DIGEST_PATTERN)
			full = true;
		put(t->text, &o, ph, strlen(ph), &full);
		from = (size_t)f->v[k].off + f->v[k].len;
	}
	put(t->text, &o, rest + from, len - from, &full);
	t->len = (uint16_t)o;
	t->cut = full;
	t->at = (struct digest_line_parts){
	    .host = shifted(f, (size_t)(at->host - at->rest)),
	    .program = shifted(f, (size_t)(at->program - at->rest)),
	    .program_end = shifted(f, (size_t)(at->program_end - at->rest)),
	    .text = shifted(f, (size_t)(at->text - at->rest)),
	};
}

/* Space-Saving: count one pattern.  Patterns are known by their 64-bit
 * hash (the chance that two of a million share one is about 1 in 30
 * million), so the pattern's text is built only for a new counter. */
static void top_add(struct digest_summary *s, const char *rest, size_t len,
		    const struct digest_line_parts *at, const struct digest_fold *f, uint32_t count,
		    int severity)
{
	struct digest_top *t, *min = NULL;

	for (unsigned i = 0; i < s->n_top; i++) {
		t = &s->top[i];
		if (t->hash == f->hash) {
			t->count += count;
			return;
		}
		if (!min || t->count < min->count)
			min = t;
	}
	if (s->n_top < DIGEST_TOP) {
		t = &s->top[s->n_top++];
		t->count = count;
		t->error = 0;
	} else {
		t = min;
		t->error = min->count;
		t->count = min->count + count;
	}
	t->hash = f->hash;
	t->severity = (int8_t)(severity >= 0 && severity <= 7 ? severity : -1);
	pattern_of(t, rest, len, at, f);
}

/* The host and program fields of a rest. */
static void fields(const char *rest, const struct digest_line_parts *at, const char **host,
		   size_t *host_len, const char **prog, size_t *prog_len)
{
	size_t h = at->host - at->rest, p = at->program - at->rest,
	       pe = at->program_end - at->rest;

	*host = rest + h;
	*host_len = p > h ? p - h - 1 : 0; /* before the blank */
	*prog = rest + p;
	*prog_len = pe - p;
}

void digest_summary_add(struct digest_summary *s, const char *rest, size_t rest_len,
			const struct digest_line_parts *at, const struct digest_fold *f,
			uint32_t count, int severity)
{
	const char *host, *prog;
	size_t host_len, prog_len;

	fields(rest, at, &host, &host_len, &prog, &prog_len);
	s->total += count;
	s->severity[severity >= 0 && severity <= 7 ? severity : 8] += count;
	tally_add(&s->hosts, host, host_len, count);
	tally_add(&s->programs, prog, prog_len, count);
	top_add(s, rest, rest_len, at, f, count, severity);
}

static void tally_merge(struct digest_tally *dst, const struct digest_tally *src)
{
	for (unsigned i = 0; i < src->n; i++)
		tally_add(dst, src->v[i].name, strlen(src->v[i].name), src->v[i].count);
	dst->other += src->other;
}

void digest_summary_merge(struct digest_summary *dst, const struct digest_summary *src)
{
	dst->total += src->total;
	for (unsigned i = 0; i < 9; i++)
		dst->severity[i] += src->severity[i];
	tally_merge(&dst->hosts, &src->hosts);
	tally_merge(&dst->programs, &src->programs);
	for (unsigned i = 0; i < src->n_top; i++) {
		const struct digest_top *t = &src->top[i];
		struct digest_top *d = NULL, *min = NULL;

		for (unsigned k = 0; k < dst->n_top && !d; k++) {
			if (dst->top[k].hash == t->hash)
				d = &dst->top[k];
			else if (!min || dst->top[k].count < min->count)
				min = &dst->top[k];
		}
		if (d) {
			d->count += t->count;
			d->error += t->error;
		} else if (dst->n_top < DIGEST_TOP) {
			dst->top[dst->n_top++] = *t;
		} else {
			uint32_t floor = min->count;

			*min = *t;
			min->count += floor;
			min->error += floor;
		}
	}
}

bool digest_summary_consistent(const struct digest_summary *s)
{
	uint32_t sev = 0;

	for (unsigned i = 0; i < 9; i++)
		sev += s->severity[i];
	return sev == s->total && tally_sum(&s->hosts) == s->total &&
	       tally_sum(&s->programs) == s->total;
}

unsigned digest_summary_commonest(const struct digest_summary *s, uint32_t *least)
{
	unsigned best = DIGEST_TOP;

	*least = 0;
	for (unsigned i = 0; i < s->n_top; i++) {
		uint32_t sure = s->top[i].count - s->top[i].error;

		if (best == DIGEST_TOP || sure > *least ||
		    (sure == *least && DIGEST_SEV_RANK(s->top[i].severity) <
					   DIGEST_SEV_RANK(s->top[best].severity))) {
			best = i;
			*least = sure;
		}
	}
	return best;
}
