/*
 * smtp/spool_state.c: the spool's state file: what the last delivery run
 * found (its format: smtp/smtp.h's layout), for `show mail`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/spool-internal.h"

static void state_line(void *arg, const char *line)
{
	struct spool_state *out = arg;

	if (!strncmp(line, "Server-Address: ", 16))
		snprintf(out->server_address, sizeof(out->server_address), "%s", line + 16);
	else if (!strncmp(line, "TLS: ", 5))
		snprintf(out->tls, sizeof(out->tls), "%s", line + 5);
}

enum smtp_status spool_state(struct spool *s, struct spool_state *out, struct smtp_err *err)
{
	memset(out, 0, sizeof(*out));
	return spool_read_lines(s, SPOOL_NAME_STATE, state_line, out, err);
}

enum smtp_status spool_state_save(struct spool *s, const struct spool_state *st,
				  struct smtp_err *err)
{
	struct spool_state now;
	char text[sizeof(now.server_address) + sizeof(now.tls) + 32];

	if (spool_state(s, &now, err) == SMTP_OK &&
	    !strcmp(now.server_address, st->server_address) && !strcmp(now.tls, st->tls))
		return SMTP_OK;
	snprintf(text, sizeof(text), "Server-Address: %s\nTLS: %s\n", st->server_address, st->tls);
	return spool_publish_text(s, text, SPOOL_NAME_STATE, err);
}
