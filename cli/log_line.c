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

#include "util/syslog_line.h"
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

/* The tag, when the first word of rest is one ("sshd[123]:", "kernel:"),
 * cut off rest, with the process id in it and the program name copied to
 * program (size octets), as rsyslog would make them (syslog_tag_split);
 * returns the text after it. */
static char *parse_tag(char *rest, struct engine_msg *m, char *program, size_t size)
{
	char *sp = strchr(rest, ' '), *end = sp != NULL ? sp : rest + strlen(rest);
	struct syslog_tag t;

	m->program = m->tag = "";
	if (end == rest || end[-1] != ':')
		return rest;
	*end = '\0';
	m->tag = rest;
	t = syslog_tag_split(rest, (size_t)(end - rest));
	snprintf(program, size, "%.*s", (int)t.program_len, rest);
	m->program = program;
	m->procid = t.procid;
	m->procid_len = t.procid_len;
	return sp != NULL ? sp + 1 : end;
}

bool cli_parse_log_line(char *line, time_t ref, struct engine_msg *m, bool *has_pri, char *program,
			size_t size)
{
	const char *p = line;
	char *host;

	*m = (struct engine_msg){.severity = -1, .facility = -1};
	*has_pri = parse_pri(&p, &m->severity, &m->facility);
	if (!syslog_time_rfc3339(&p, &m->ts) && !syslog_time_rfc3164(&p, ref, &m->ts))
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
