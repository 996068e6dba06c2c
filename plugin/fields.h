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
 * next ']', as rsyslog makes %procid% of a traditional message; %procid%
 * itself would cost rsyslog a lock and a malloc per message.
 */
#define OM_TPL_HEAD_LINE                                                                           \
	"\"%pri% %timereported:::date-unixtimestamp% %hostname% %programname% %syslogtag%\""
#define OM_TPL_MSG_LINE "\"%msg:::drop-last-lf%\""

/* Fill m from head (split in place: m points into it) and text.  false
 * for a message that rsyslogd logged about omlogmail itself (programname
 * "rsyslogd", text starting "omlogmail"): mailing a delivery error that a
 * `level errors` filter matches would queue a mail about every failed
 * delivery, forever. */
bool om_fields(char *head, const char *text, struct engine_msg *m);

/* A worker's batch: one commitTransaction's messages, pointing into
 * rsyslog's strings (om_fields). */
struct om_batch {
	struct engine_msg *msgs;
	size_t cap;
};

/* Room for n messages in b->msgs.  false on ENOMEM (b unchanged). */
bool om_batch_room(struct om_batch *b, size_t n);

#endif
