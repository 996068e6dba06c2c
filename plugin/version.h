/*
 * plugin/version.h: which rsyslog the module runs in.
 *
 * omlogmail uses rsyslog's internal interfaces (structures, object
 * interfaces), which change between upstream versions without the module
 * interface's version number telling: a module built for one upstream
 * version may crash another.  rsyslog exports no version symbol, so the
 * running version is read where rsyslogd itself keeps it, the text of its
 * `-v` banner ("rsyslogd  8.2302.0 (aka 2023.02) compiled with:") in its
 * binary.  Plain C, no rsyslog header: tests/unit/test_plugin_version.c.
 */
#ifndef LOGMAIL_PLUGIN_VERSION_H
#define LOGMAIL_PLUGIN_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* The version in the banner of the rsyslogd binary at path ("8.2302.0")
 * into out; false when the file cannot be read or holds no banner. */
bool om_rsyslog_version(const char *path, char *out, size_t size);

/* Are a and b the same upstream version?  A Debian revision or an epoch
 * ("1:8.2302.0-1+deb12u2") does not count: only "8.2302.0". */
bool om_same_upstream(const char *a, const char *b);

#endif
