/*
 * bench/line.c: a benchmark's syslog line as the module gets it
 * (bench/line.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/line.h"
#include "plugin/fields.h"
#include "util/syslog_line.h"

bool bench_line_split(char *s, struct engine_msg *m, char **head)
{
	char *end, *host, *tag, *text, *made;
	long pri;
	int host_len, tag_len, program_len;
	bool kept;

	*head = NULL;
	if (*s != '<' || (pri = strtol(s + 1, &end, 10)) < 0 || *end != '>' || strlen(end) < 17)
		return false;
	host = end + 1 + 16; /* "Nov 23 10:00:00 " */
	if ((tag = strchr(host, ' ')) == NULL || (text = strchr(tag + 1, ' ')) == NULL)
		return false;
	host_len = (int)(tag++ - host);
	tag_len = (int)(text - tag);
	/* rsyslog's programname */
	program_len = (int)syslog_tag_split(tag, (size_t)tag_len).program_len;
	/* time 0: the engine takes the batch's */
	if (asprintf(&made, "%ld 0 %.*s %.*s %.*s", pri, host_len, host, program_len, tag, tag_len,
		     tag) < 0)
		return false;
	if ((*head = malloc(strlen(made) + 1)) == NULL) {
		free(made);
		return false;
	}
	kept = om_fields(made, text, m, *head);
	free(made);
	return kept;
}
