/*
 * digest/timeline.c: the shape of a storm in one line.  A digest counts
 * its messages (shown or not) per interval of their log times in
 * DIGEST_MARKS buckets, DIGEST_MARK_SEC wide at first; when a message
 * falls past the last bucket, neighbouring buckets are merged pairwise and
 * the width doubles, so a storm of any length fits, in a fixed size.  A
 * message logged before the first bucket is counted in it (log times of a
 * storm come nearly in order; the counts still add up).
 *
 * A mail that covers a storm (digest.h, "Timeline": at least
 * DIGEST_STORM_MESSAGES messages over at least DIGEST_STORM_MARKS marks)
 * starts with
 *   Timeline (1 min per mark, peak 412/min at 13:27): ▁▂▅█▇▃
 * one block character per bucket from the first to the last that counted
 * any, its height the bucket's count over the peak's in eighths (a bucket
 * without messages is a blank), the peak's time in the recipient's zone.
 */
#include <stdio.h>
#include <string.h>

#include "digest/internal.h"

void digest_timeline_add(struct digest_timeline *t, time_t ts, uint32_t count)
{
	time_t i;

	if (t->width == 0) {
		t->width = DIGEST_MARK_SEC;
		t->start = ts - ts % DIGEST_MARK_SEC;
	}
	/* (a width past 2^31 s would overflow: a later time then counts in the
	 * last mark) */
	while (ts >= t->start + (time_t)DIGEST_MARKS * t->width && t->width <= UINT32_MAX / 2) {
		for (unsigned k = 0; k < DIGEST_MARKS / 2; k++)
			t->count[k] = t->count[2 * k] + t->count[2 * k + 1];
		memset(t->count + DIGEST_MARKS / 2, 0, sizeof(t->count) / 2);
		t->width *= 2;
	}
	i = ts < t->start ? 0 : (ts - t->start) / t->width;
	t->count[i < DIGEST_MARKS ? i : DIGEST_MARKS - 1] += count;
	t->total += count;
}

void digest_timeline_merge(struct digest_timeline *dst, const struct digest_timeline *src)
{
	for (unsigned i = 0; i < DIGEST_MARKS; i++)
		if (src->count[i])
			digest_timeline_add(dst, src->start + (time_t)i * src->width,
					    src->count[i]);
}

/* The first and last buckets that counted, and the fullest (the first
 * among equals); false when none did. */
static bool span(const struct digest_timeline *t, unsigned *first, unsigned *last, unsigned *peak)
{
	bool any = false;

	for (unsigned i = 0; i < DIGEST_MARKS; i++) {
		if (!t->count[i])
			continue;
		if (!any)
			*first = *peak = i;
		any = true;
		*last = i;
		if (t->count[i] > t->count[*peak])
			*peak = i;
	}
	return any;
}

bool digest_timeline_storm(const struct digest_timeline *t, unsigned messages)
{
	unsigned first = 0, last = 0, peak = 0;

	return t->total == messages && messages >= DIGEST_STORM_MESSAGES &&
	       span(t, &first, &last, &peak) && last - first + 1 >= DIGEST_STORM_MARKS;
}

/* "1 min", "4 min", "2 h 8 min". */
static void width_text(char *out, size_t size, uint32_t width)
{
	uint32_t min = width / 60;

	if (min >= 60 && min % 60)
		snprintf(out, size, "%u h %u min", min / 60, min % 60);
	else if (min >= 60)
		snprintf(out, size, "%u h", min / 60);
	else
		snprintf(out, size, "%u min", min);
}

size_t digest_timeline_line(const struct digest_timeline *t, enum conf_time time_type,
			    int offset_min, char *out, size_t size)
{
	static const char *const blocks[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	unsigned first = 0, last = 0, peak = 0;
	char when[64], width[32], unit[32];
	size_t o;
	int n;

	if (!span(t, &first, &last, &peak) || size < 64)
		return 0;
	(void)digest_time_prefix(t->start + (time_t)peak * t->width, time_type, offset_min, when);
	width_text(width, sizeof(width), t->width);
	snprintf(unit, sizeof(unit), t->width == 60 ? "/min" : " per %s", width);
	n = snprintf(out, size, "Timeline (%s per mark, peak %u%s at %.5s): ", width,
		     t->count[peak], unit, when + 11);
	if (n < 0 || (size_t)n >= size)
		return 0;
	o = (size_t)n;
	for (unsigned i = first; i <= last && o + 4 < size; i++) {
		const char *b = " ";

		if (t->count[i]) {
			uint64_t level =
			    ((uint64_t)t->count[i] * 8 + t->count[peak] - 1) / t->count[peak];

			b = blocks[level > 0 ? level - 1 : 0];
		}
		memcpy(out + o, b, strlen(b));
		o += strlen(b);
	}
	out[o] = '\0';
	return o;
}
