/*
 * bench/line.h: a benchmark's syslog line split as omlogmail splits it,
 * so that bench_engine measures the module's work on the module's fields
 * (and tests/unit/test_syslog_line.c can check they are the module's).
 */
#ifndef LOGMAIL_BENCH_LINE_H
#define LOGMAIL_BENCH_LINE_H

#include <stdbool.h>

#include "engine/engine.h"

/* One line, "<PRI>Mmm dd hh:mm:ss HOST TAG TEXT", into m as the module
 * gets it: rsyslog's two template strings (plugin/fields.h), the head
 * made here, the text (rsyslog's msg, with its leading space) left in the
 * line, then split by the module's own om_fields into *head (its copy).
 * false when the line has not that shape, or is one the module skips. */
bool bench_line_split(char *s, struct engine_msg *m, char **head);

#endif
