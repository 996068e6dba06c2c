/*
 * plugin/fields.h: omlogmail's two template strings -> struct engine_msg,
 * and the batch of them a worker hands to engine_accept.
 * Plain C, no rsyslog header, so that tests/unit/test_plugin_fields.c can
 * check the split without rsyslogd.
 */
#ifndef LOGMAIL_PLUGIN_FIELDS_H
#define LOGMAIL_PLUGIN_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"

/*
 * The properties arrive as two strings, each from a template the module
 * registers itself (names starting with a space cannot be written by
 * users, so they cannot collide):
 *
 *   head  "%pri% %timereported:::date-unixtimestamp% %hostname% %programname% %syslogtag%"
 *   text  "%msg:::drop-last-lf%"
 *
 * Each template costs rsyslog a rendering per message, so the short
 * properties share one.  PRI and TIME are digits, PROGRAM and the TAG
 * ("sshd[123]:", the program name comes from it) have no space, so the
 * head splits unambiguously even when the host name has spaces or the
 * program name or the tag is empty: the first two fields from the left,
 * the last two from the right, the host is what lies between.
 *
 * The process id is the part of the tag between its first '[' and the
 * next ']', as rsyslog makes %procid% of a traditional message
 * (syslog_tag_split, util/syslog_line.h); %procid% itself would cost rsyslog a
 * lock and a malloc per message.
 */
#define OM_TPL_HEAD_LINE                                                                           \
	"\"%pri% %timereported:::date-unixtimestamp% %hostname% %programname% %syslogtag%\""
#define OM_TPL_MSG_LINE "\"%msg:::drop-last-lf%\""

/* Fill m from head and text, which are only read: head is copied into
 * copy (strlen(head) + 1 octets) and split there; m points into copy and
 * text.  The same strings give the same m however often they are split
 * (rsyslog offers a batch again after RS_RET_SUSPENDED).  false
 * for a message that rsyslogd logged about omlogmail itself (programname
 * "rsyslogd", text starting "omlogmail"): mailing a delivery error that a
 * `level errors` filter matches would queue a mail about every failed
 * delivery, forever. */
bool om_fields(const char *head, const char *text, struct engine_msg *m, char *copy);

/* A worker's batch: one commitTransaction's messages, pointing into
 * copies of rsyslog's head strings (heads) and into rsyslog's text
 * strings, which stay rsyslog's until commitTransaction returns. */
struct om_batch {
	struct engine_msg *msgs; /* msgs[0 .. n-1]: the messages kept */
	size_t n, cap;
	char *heads; /* the heads' copies, split (om_fields), end to end */
	size_t used, heads_cap;
};

/* Empty b, with room for n messages whose head strings take octets
 * octets together, each with its NUL.  false on ENOMEM (b empty). */
bool om_batch_room(struct om_batch *b, size_t n, size_t octets);

/* om_fields of head and text into b's next message, kept when om_fields
 * keeps it.  Within the room om_batch_room made. */
void om_batch_add(struct om_batch *b, const char *head, const char *text);

/* Free what b holds; b is empty after. */
void om_batch_free(struct om_batch *b);

#endif
