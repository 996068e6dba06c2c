/*
 * plugin/logmail-rsyslog-defs.h: the macros rsyslog's own headers read,
 * standing in for the config.h that rsyslog's ./configure would write.
 *
 * Force-included (-include) before anything else when compiling the
 * module's files (plugin/local.mk) and nothing else.  It is deliberately NOT called
 * config.h: rsyslog's headers would then silently pick up whichever config.h
 * comes first on the include path.
 *
 * The values are those of Debian 12's rsyslog 8.2302.0 build
 * (debian/rules: --disable-liblogging-stdlog, --enable-imdiag, regexp
 * support, libuuid) on Linux with GCC.  A module compiled with them was
 * byte-identical in code to one compiled against Debian's fully configured
 * tree.  Two of them change structure layouts the module shares with
 * rsyslogd and must match the daemon exactly:
 *   - NDEBUG: without it obj_t gains debug members (runtime/obj-types.h);
 *   - ENABLE_LIBLOGGING_STDLOG: adds members to rsconf's globals; Debian
 *     builds without it, so it stays undefined here.
 */
#ifndef LOGMAIL_RSYSLOG_DEFS_H
#define LOGMAIL_RSYSLOG_DEFS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#ifndef NDEBUG
#define NDEBUG 1 /* rsyslog release builds: obj_t without debug members */
#endif

#define OS_LINUX                   1
#define HAVE_ATOMIC_BUILTINS       1
#define HAVE_ATOMIC_BUILTINS64     1
#define FEATURE_REGEXP             1
#define SYSLOG_INET                1
#define HAVE_LSEEK64               1
#define HAVE_OFF64_T               1
#define HAVE_PTHREAD_SETSCHEDPARAM 1
#define HAVE_STRNDUP               1
#define USE_LIBUUID                1
#define ENABLE_IMDIAG              1

/* rsyslog's version, given by plugin/local.mk from the source tree. */
#ifndef VERSION
#ifdef LOGMAIL_RSYSLOG_VERSION
#define VERSION LOGMAIL_RSYSLOG_VERSION
#else
#define VERSION "8.2302.0"
#endif
#endif

#endif
