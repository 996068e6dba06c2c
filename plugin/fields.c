/*
 * plugin/fields.c: the split of omlogmail's template strings, and the
 * batch they fill (fields.h).
 */
#include <stdlib.h>
#include <string.h>

#include "plugin/fields.h"
#include "util/syslog_line.h"

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
	struct syslog_tag t = syslog_tag_split(m->tag, strlen(m->tag));

	m->procid = t.procid;
	m->procid_len = t.procid_len;
}

static bool own_message(const char *program, const char *text)
{
	/* "rsyslogd", or "rsyslogd-2027" when rsyslog tags an error code */
	return strncmp(program, "rsyslogd", 8) == 0 && strncmp(text, "omlogmail", 9) == 0;
}

bool om_fields(const char *head, const char *text, struct engine_msg *m, char *copy)
{
	char *end;
	long pri;
	time_t ts;
	const char *program, *msg = text;
	char *tag;

	/* rsyslog offers a batch again after RS_RET_SUSPENDED with the same
	 * strings: they are split in a copy, never where they lie. */
	strcpy(copy, head);
	pri = strtol(copy, &end, 10);
	ts = (time_t)strtoll(*end == ' ' ? end + 1 : end, &end, 10);
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

bool om_batch_room(struct om_batch *b, size_t n, size_t octets)
{
	struct engine_msg *v;
	char *c;

	b->n = 0;
	b->used = 0;
	if (n > b->cap) {
		if ((v = realloc(b->msgs, n * sizeof(*v))) == NULL)
			return false;
		b->msgs = v;
		b->cap = n;
	}
	if (octets > b->heads_cap) {
		if ((c = realloc(b->heads, octets)) == NULL)
			return false;
		b->heads = c;
		b->heads_cap = octets;
	}
	return true;
}

void om_batch_add(struct om_batch *b, const char *head, const char *text)
{
	char *copy = b->heads + b->used;

	if (om_fields(head, text, &b->msgs[b->n], copy)) {
		b->n++;
		b->used += strlen(head) + 1;
	}
}

void om_batch_free(struct om_batch *b)
{
	free(b->msgs);
	free(b->heads);
	*b = (struct om_batch){0};
}
