/*
 * plugin/fields.c: the split of omlogmail's template strings (fields.h).
 */
#include <stdlib.h>
#include <string.h>

#include "plugin/fields.h"

/* Cut the last space-separated field off s: returns it, "" when s has no
 * space. */
static const char *cut_last(char *s)
{
	char *sp = strrchr(s, ' ');

	if (sp == NULL)
		return "";
	*sp = '\0';
	return sp + 1;
}

static bool own_message(const char *program, const char *text)
{
	/* "rsyslogd", or "rsyslogd-2027" when rsyslog tags an error code */
	return strncmp(program, "rsyslogd", 8) == 0 && strncmp(text, "omlogmail", 9) == 0;
}

bool om_fields(char *head, const char *text, struct engine_msg *m)
{
	char *end;
	long pri = strtol(head, &end, 10);
	time_t ts = (time_t)strtoll(*end == ' ' ? end + 1 : end, &end, 10);
	const char *procid, *program;

	if (*end == ' ')
		end++;
	procid = cut_last(end);
	program = cut_last(end);
	while (*text == ' ')
		text++;
	*m = (struct engine_msg){
	    .severity = (int)(pri & 7),
	    .facility = (int)(pri >> 3),
	    .ts = ts,
	    .host = end,
	    .program = program,
	    .procid = strcmp(procid, "-") == 0 ? "" : procid,
	    .text = text,
	};
	return !own_message(program, text);
}
