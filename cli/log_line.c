/*
 * cli/log_line.c: one line of a syslog file, as rsyslog writes them, for
 * `logmail test filters` (contract in cli/cli.h, formats in logmail(1),
 * TESTING FILTERS).  Fuzzed: tests/fuzz/fuzz_log_line.c.
 */
#include "cli/cli.h"
#include "engine/engine.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

/* "<PRI>" (0..191) at *p. */
static bool parse_pri(const char **p, int *sev, int *fac)
{
	const char *s = *p;
	char *end;
	long pri;

	if (*s != '<' || !isdigit((unsigned char)s[1]))
		return false;
	pri = strtol(s + 1, &end, 10);
	if (*end != '>' || end - s > 4 || pri > 191)
		return false;
	*sev = (int)(pri & 7);
	*fac = (int)(pri >> 3);
	*p = end + 1;
	return true;
}

/* "Nov 30 12:00:01" (or "Dec  1 ..."): local time in the year that puts it
 * at most a day after ref. */
static bool parse_traditional(const char **p, time_t ref, time_t *ts)
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

/* "2026-11-30T12:00:01[.123456](Z|+01:00)". */
static bool parse_rfc3339(const char **p, time_t *ts)
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

/* The tag, when the first word of rest is one ("sshd[123]:", "kernel:"),
 * cut off rest, with the process id in it and the program name copied to
 * program (size octets); returns the text after it. */
static char *parse_tag(char *rest, struct engine_msg *m, char *program, size_t size)
{
	char *sp = strchr(rest, ' '), *end = sp != NULL ? sp : rest + strlen(rest);
	const char *open, *close;

	m->program = m->tag = "";
	if (end == rest || end[-1] != ':')
		return rest;
	*end = '\0';
	m->tag = rest;
	snprintf(program, size, "%.*s", (int)strcspn(rest, "[:/"), rest);
	m->program = program;
	open = strchr(rest, '[');
	if (open != NULL && (close = strchr(open + 1, ']')) != NULL) {
		m->procid = open + 1;
		m->procid_len = (size_t)(close - open - 1);
	}
	return sp != NULL ? sp + 1 : end;
}

bool cli_parse_log_line(char *line, time_t ref, struct engine_msg *m, bool *has_pri, char *program,
			size_t size)
{
	const char *p = line;
	char *host;

	*m = (struct engine_msg){.severity = -1, .facility = -1};
	*has_pri = parse_pri(&p, &m->severity, &m->facility);
	if (!parse_rfc3339(&p, &m->ts) && !parse_traditional(&p, ref, &m->ts))
		return false;
	if (*p != ' ' || p[1] == ' ' || p[1] == '\0')
		return false;
	host = (char *)p + 1;
	p = host + strcspn(host, " ");
	m->host = host;
	if (*p == '\0') {
		m->program = m->tag = m->text = "";
		return true;
	}
	*(char *)p = '\0';
	m->text = parse_tag((char *)p + 1, m, program, size);
	return true;
}
