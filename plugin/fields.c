/*
 * plugin/fields.c: the split of omlogmail's template strings, and the
 * batch they fill (fields.h).
 */
#include <stdlib.h>
#include <string.h>

#include "plugin/fields.h"

/* Cut the last space-separated field off s: returns it, an empty string
 * when s has no space. */
static char *cut_last(char *s)
{
	char *sp = strrchr(s, ' ');

	if (sp == NULL)
		return s + strlen(s);
	*sp = '\0';
	return sp + 1;
}

/* The process id in m->tag ("sshd[123]:" -> "123"), if any. */
static void procid_of(struct engine_msg *m)
{
	const char *open = strchr(m->tag, '['), *close;

	if (open == NULL || (close = strchr(open + 1, ']')) == NULL)
		return;
	m->procid = open + 1;
	m->procid_len = (size_t)(close - open - 1);
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
	const char *program, *msg = text;
	char *tag;

	if (*end == ' ')
		end++;
	tag = cut_last(end);
	program = cut_last(end);
	while (*text == ' ')
		text++;
	*m = (struct engine_msg){
	    .severity = (int)(pri & 7),
	    .facility = (int)(pri >> 3),
	    .ts = ts,
	    .host = end,
	    .program = program,
	    .tag = tag,
	    .text = text,
	    .lead_spaces = (unsigned)(text - msg),
	};
	procid_of(m);
	return !own_message(program, text);
}

bool om_batch_room(struct om_batch *b, size_t n)
{
	struct engine_msg *v;

	if (n <= b->cap)
		return true;
	v = realloc(b->msgs, n * sizeof(*v));
	if (v == NULL)
		return false;
	b->msgs = v;
	b->cap = n;
	return true;
}
