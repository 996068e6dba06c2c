/*
 * util/syslog_line.h: the syslog line, once for the whole tree.  A line as
 * rsyslog writes it (RFC 3164's "traditional" format, or Debian 12's
 * default with an RFC 3339 time) is
 *
 *   [<PRI>]TIME HOST TAG TEXT      "Nov  3 12:00:01 web1 sshd[4242]: Failed ..."
 *
 * Here: what rsyslog makes of a TAG (the program name and the process id),
 * reading the two kinds of TIME, and writing RFC 3164's.  The module
 * (plugin/fields.c), `logmail test filters` (cli/log_line.c), the
 * benchmarks (bench/) and the engine's traditional line for logcheck's
 * rules (engine/rules.c, engine_line_render) use these, so the program
 * and pid of a line are the same wherever it is read.  logcheck's own
 * token rule (filters/logcheck_head.c, lc_token_end) differs on purpose; it says
 * why there.
 *
 * Header only (static inline), like util/util.h, for the same reason.
 */
#ifndef LOGMAIL_UTIL_SYSLOG_LINE_H
#define LOGMAIL_UTIL_SYSLOG_LINE_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

/* What rsyslog makes of a syslog tag of len octets ("postfix/smtpd[77]:",
 * "kernel:", "CRON[7]:"):
 *   program  %programname% with rsyslog's default parser settings
 *            (permitSlashInProgramName off): the tag up to its first '[',
 *            ':' or '/' (or a blank), program_len octets at its start;
 *   procid   %procid% of a traditional message: what lies between the
 *            tag's first '[' and the next ']' (procid_len octets, not
 *            NUL-terminated), NULL when there is no such pair. */
struct syslog_tag {
	size_t program_len;
	const char *procid;
	size_t procid_len;
};

static inline struct syslog_tag syslog_tag_split(const char *tag, size_t len)
{
	struct syslog_tag t = {0};
	const char *open, *close;

	while (t.program_len < len && strchr("[:/ ", tag[t.program_len]) == NULL)
		t.program_len++;
	open = memchr(tag, '[', len);
	if (open != NULL &&
	    (close = memchr(open + 1, ']', len - (size_t)(open + 1 - tag))) != NULL) {
		t.procid = open + 1;
		t.procid_len = (size_t)(close - open - 1);
	}
	return t;
}

/* RFC 3164's "Nov 30 12:00:01" (or "Dec  1 ..."; English month names
 * whatever the locale) at *p: a local time, in the year that puts it at
 * most a day after ref.  true with *ts set and *p moved past it. */
static inline bool syslog_time_rfc3164(const char **p, time_t ref, time_t *ts)
{
	const char *s = *p;
	struct tm now, tm = {0};
	int n = 0;

	for (tm.tm_mon = 0; tm.tm_mon < 12; tm.tm_mon++)
		if (strncmp(s, util_month((unsigned)tm.tm_mon), 3) == 0)
			break;
	if (tm.tm_mon == 12 || s[3] != ' ')
		return false;
	if (sscanf(s + 4, "%2d %2d:%2d:%2d%n", &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &n) != 4 ||
	    n == 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 ||
	    tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return false;
	localtime_r(&ref, &now);
	tm.tm_year = now.tm_year;
	tm.tm_isdst = -1;
	*ts = mktime(&tm);
	if (*ts > ref + 86400) {
		tm.tm_year--;
		tm.tm_isdst = -1;
		*ts = mktime(&tm);
	}
	*p = s + 4 + n;
	return *ts != (time_t)-1;
}

/* RFC 3339's "2026-11-30T12:00:01[.123456](Z|+01:00)" at *p.  true with
 * *ts set and *p moved past it. */
static inline bool syslog_time_rfc3339(const char **p, time_t *ts)
{
	const char *s = *p;
	struct tm tm = {0};
	int n = 0, oh = 0, om = 0;
	long off = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return false;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z') {
		s++;
	} else if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) == 2 &&
		   n == 5) {
		off = (oh * 60L + om) * 60L * (*s == '-' ? -1 : 1);
		s += 6;
	} else {
		return false;
	}
	tm.tm_year -= 1900;
	tm.tm_mon--;
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60 || oh < 0 || om < 0 || om > 59)
		return false;
	*ts = timegm(&tm) - off;
	*p = s;
	return true;
}

/* ts in the local zone as RFC 3164's "Nov  3 12:00:01" (rsyslog's
 * %TIMESTAMP%: the day padded with a blank, English month names whatever
 * the locale) into out, NUL-terminated.  By hand, not strftime: the
 * engine renders one for every message logcheck's rules read. */
static inline void syslog_time_rfc3164_render(time_t ts, char out[16])
{
	struct tm tm;
	char *p = out;

	if (localtime_r(&ts, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	memcpy(p, util_month((unsigned)tm.tm_mon), 3);
	p[3] = ' ';
	p = util_two_digits(p + 4, (unsigned)tm.tm_mday, true);
	*p++ = ' ';
	p = util_two_digits(p, (unsigned)tm.tm_hour, false);
	*p++ = ':';
	p = util_two_digits(p, (unsigned)tm.tm_min, false);
	*p++ = ':';
	p = util_two_digits(p, (unsigned)tm.tm_sec, false);
	*p = '\0';
}

#endif
