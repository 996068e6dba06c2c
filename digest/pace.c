/*
 * digest/pace.c: when a recipient's mails go in a storm (digest.h,
 * "Pacing").  Pure functions of a struct digest_pace, the recipient's
 * settings and the time they are given: digest.c calls them under the
 * recipient's lock, the unit tests with a clock of their own.
 *
 * Why four times a mail: the issue asks that each next mail wait at least
 * twice as long as the gap before it, and a storm of four hours should
 * take at most eight mails.  From a 30 s window, doubling takes ten or
 * eleven mails to reach the hour (30, 60, ... 3600); four times reaches it
 * in five (the mails at 0:30, 2:30, 10:30, 42:30, 1:42:30, then hourly).
 *
 * Why the pace ends only after a quiet as long as its next interval: a
 * brute force pauses for minutes between its bursts, and a quiet as long
 * as the interval in force is what the pace already waits; the storm is
 * over when it outlasts what the next mail would wait.  Measured on
 * loghub's OpenSSH_2k (bench/README.md): a quiet as long as the interval
 * in force ended the pace three times in the first quarter hour of the
 * real clock, and cost two more mails.
 */
#include "digest/internal.h"

bool digest_pace_on(unsigned window_sec, unsigned max_interval)
{
	return window_sec > 0 && max_interval > 0;
}

/* The interval after one of gap: DIGEST_PACE_FACTOR times it, at most max. */
static unsigned next_gap(unsigned gap, unsigned max_interval)
{
	unsigned long long g = (unsigned long long)gap * DIGEST_PACE_FACTOR;

	return g < max_interval ? (unsigned)g : max_interval;
}

void digest_pace_arrive(struct digest_pace *p, time_t now, unsigned max_interval)
{
	if (p->gap > 0 && now - p->quiet_from >= (time_t)next_gap(p->gap, max_interval))
		*p = (struct digest_pace){0};
	if (now > p->quiet_from)
		p->quiet_from = now;
}

time_t digest_pace_due(const struct digest_pace *p, time_t opened, unsigned window_sec)
{
	time_t t = opened + (time_t)window_sec;

	if (p->gap > 0 && p->last + (time_t)p->gap > t)
		t = p->last + (time_t)p->gap;
	return t;
}

bool digest_pace_waits(const struct digest_pace *p, time_t opened, unsigned window_sec)
{
	return p->gap > 0 && p->last + (time_t)p->gap > opened + (time_t)window_sec;
}

bool digest_pace_holds(const struct digest_pace *p, time_t now)
{
	return p->gap > 0 && now < p->last + (time_t)p->gap;
}

bool digest_pace_breaks_through(int severity, int section, bool new_kind, int urgent_level)
{
	if (urgent_level != CONF_LEVEL_ANY && severity >= 0 && severity <= urgent_level)
		return true;
	if (!new_kind)
		return false;
	return section == DIGEST_SECTION_SECURITY_ALERTS ||
	       (severity >= 0 && severity <= CONF_LEVEL_ERRORS);
}

void digest_pace_sent(struct digest_pace *p, time_t now, unsigned window_sec, unsigned max_interval)
{
	if (!digest_pace_on(window_sec, max_interval))
		return;
	if (p->gap == 0) { /* the first mail of a storm, if one follows */
		p->gap = next_gap(window_sec, max_interval);
		p->last = now;
		p->broke = false;
	} else if (now < p->last + (time_t)p->gap) {
		p->broke = true;
	} else {
		p->gap = next_gap(p->gap, max_interval);
		p->last = now;
		p->broke = false;
	}
}

void digest_pace_settings(struct digest_pace *p, unsigned window_sec, unsigned max_interval)
{
	if (!digest_pace_on(window_sec, max_interval))
		*p = (struct digest_pace){.quiet_from = p->quiet_from};
	else if (p->gap > max_interval)
		p->gap = max_interval;
}
