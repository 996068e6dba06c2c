/*
 * filters/filter.h: the `log email` filter engine, and logcheck's rules (the
 * second half of this header).  The one header of filters/ for other
 * folders; filters/internal.h is its own.
 *
 * filter_compile turns the recipients of a const struct conf into an
 * immutable struct filter_set: regexes compiled together (multire, filters/internal.h:
 * one Vectorscan pass for all of them, PCRE2 for the few it cannot take),
 * substrings deduplicated, and an index that answers "which recipients get
 * this message" in a few lookups whatever the size of the configuration.
 * The set is shared by every thread; each thread that matches owns a
 * struct filter_worker (the regex engines' scratch and its own memory).
 *
 * Semantics (DESIGN.md): a filter is the AND of its criteria; a recipient
 * gets a message when any of its filters holds and none of its excludes
 * holds; a recipient without filters gets nothing.  `level L` holds for
 * severity <= L.  `msgtext "T"` is a case-sensitive substring of the message
 * text; `msgtext regex "P"` a PCRE2 pattern.  `program P` equals the
 * programname but for the case of ASCII letters (`program cron` takes
 * Debian's CRON); `facility F` the syslog facility number;
 * `host H` matches the message's host name as fnmatch(3) with FNM_CASEFOLD
 * (a plain name, or a glob such as `web*`; host names are case-insensitive).
 *
 * Statistics: received, the messages the set evaluated (each once, however
 * many recipients it has: what a front end received), and per recipient
 * accepted (sent to the recipient by its filters), mailed and the time of
 * its last mail (set by whoever makes the mails).  They are atomic counters
 * inside the set, so several workers may match at once.  The stats file
 * (engine/engine.h, filter_stats_save/_load) publishes them to the CLI and
 * carries them over restarts.
 *
 * Errors: functions return an enum filter_status (0 is success) and fill a
 * caller-owned struct conf_err with one readable line.  Nothing here aborts.
 */
#ifndef LOGMAIL_FILTER_H
#define LOGMAIL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config/conf.h"

struct filter_set;
struct filter_worker;

enum filter_status {
	FILTER_OK = 0,
	FILTER_EREGEX,  /* a msgtext regex does not compile: err names recipient + PCRE2 message */
	FILTER_EINVAL,  /* a level or facility out of range in the conf */
	FILTER_ENOENT,  /* filter_stats_load: no stats file (not an error for a reader) */
	FILTER_EFORMAT, /* filter_stats_load: the file is not a stats file */
	FILTER_EIO,
	FILTER_ENOMEM,
};

/* One syslog message, borrowed for the duration of the call.  severity 0..7
 * (a value outside that range only matches filters without a level),
 * facility 0..23 (outside: only filters without a facility).  program and
 * text need not be NUL-terminated; program may be NULL when program_len is 0.
 * host (rsyslog's %hostname%) is NUL-terminated; NULL is the same as "". */
struct filter_msg {
	int severity;
	int facility;
	const char *program;
	size_t program_len;
	const char *text;
	size_t text_len;
	const char *host;
};

/* Compile the recipients of c.  c must outlive the set (program names are
 * borrowed).  On error *out is NULL and err says which recipient and why. */
enum filter_status filter_compile(const struct conf *c, struct filter_set **out,
				  struct conf_err *err);
void filter_set_free(struct filter_set *set); /* NULL is safe */

/* Number of recipients: result arrays of filter_match hold this many. */
size_t filter_set_recipients(const struct filter_set *set);
const char *filter_set_address(const struct filter_set *set, size_t recipient);

/* Per-thread state; a worker is used by one thread at a time, always with
 * the set it was made from.  Free the workers before their set;
 * filter_worker_free flushes its counters. */
struct filter_worker *filter_worker_new(const struct filter_set *set);
void filter_worker_free(struct filter_worker *w); /* NULL is safe */

/* The recipients that get msg: writes their indexes (positions in
 * conf->recipients), ascending, into out (filter_set_recipients(set) slots)
 * and returns how many.  Counts received/accepted.  Never fails. */
size_t filter_match(const struct filter_set *set, struct filter_worker *w,
		    const struct filter_msg *msg, size_t *out);

/* filter_match with one more include filter per recipient, decided by the
 * caller: the recipients held[0..n_held) (a logcheck filter that holds for
 * msg) are included as if a filter of theirs held; their excludes still
 * win.  filter_match is the case n_held == 0. */
size_t filter_match_with(const struct filter_set *set, struct filter_worker *w,
			 const struct filter_msg *msg, const size_t *held, size_t n_held,
			 size_t *out);

/* The reference evaluator: the same answer as filter_match, computed by
 * walking every filter of every recipient, without the index, without
 * memoizing and without counting.  For tests and the benchmark. */
size_t filter_match_linear(const struct filter_set *set, struct filter_worker *w,
			   const struct filter_msg *msg, size_t *out);

/* ---- statistics ---------------------------------------------------------- */

struct filter_stats {
	uint64_t accepted; /* messages its filters sent to the recipient */
	uint64_t mailed;   /* ...that a mail showed (filter_stats_add_mailed) */
	time_t since;      /* when counting started */
	time_t last_mail;  /* when its last mail was made; 0: none yet */
};

/* The messages filter_match evaluated, once each: what the front end
 * received. */
struct filter_received {
	uint64_t received;
	time_t since; /* when counting started */
};

/* A worker adds its "received" count to the set every 64 messages (one
 * shared atomic per message would make threads fight over a cache line);
 * this publishes the rest now.  accepted and mailed are always current. */
void filter_worker_flush(struct filter_worker *w);

void filter_stats_get(const struct filter_set *set, size_t recipient, struct filter_stats *out);
void filter_stats_received(const struct filter_set *set, struct filter_received *out);
/* n messages of recipient shown in a mail made at when. */
void filter_stats_add_mailed(const struct filter_set *set, size_t recipient, uint64_t n,
			     time_t when);

/* Start recipient's counters (or the set's received) from st.  Call before
 * the set is shared with other threads. */
void filter_stats_set(struct filter_set *set, size_t recipient, const struct filter_stats *st);
void filter_stats_set_received(struct filter_set *set, const struct filter_received *st);

/* The same for a configuration re-read while running (rsyslog's HUP): each
 * recipient of dst that src also has carries on from src's counters, and
 * so does dst's received count.  The counts are added to dst's (and the
 * earlier `since`, the later last mail kept), so dst may already count
 * mails made since it took over; src's workers must be flushed and none
 * may match with src any more. */
void filter_stats_carry(struct filter_set *dst, const struct filter_set *src);

/*
 * ---- logcheck's rules ------------------------------------------------------
 *
 * logcheck's rule database, applied to one line at a time, with the
 * answers logcheck 1.4 gives.
 *
 * logcheck_load reads a rules directory laid out as Debian's
 * logcheck-database installs it in /etc/logcheck:
 *
 *   cracking.d/  cracking.ignore.d/      -> Security Alerts
 *   violations.d/  violations.ignore.d/  -> Security Events
 *   ignore.d.paranoid/ ignore.d.server/ ignore.d.workstation/
 *                                        -> what System Events leave out
 *
 * and logcheck_classify tells, for one line as logcheck reads it from a
 * syslog file ("Nov 30 12:00:01 host sshd[123]: ..." or the RFC 3339 form
 * Debian 12's rsyslog writes), in which section logcheck would report it,
 * if at all.  What logcheck 1.4.2 (/usr/sbin/logcheck) does, and so what we
 * do:
 *
 * - Files: the names run-parts accepts (letters, digits, `_` and `-` only,
 *   so no dpkg leftovers such as `sshd.dpkg-old`), regular files, in byte
 *   order.  Lines: blank ones (only spaces and tabs) and those starting
 *   with `#` are skipped; every other line is a POSIX extended regular
 *   expression (GNU grep -E), matched against the line with trailing
 *   blanks removed, in the C locale (bytes).
 * - Levels: paranoid uses ignore.d.paranoid; server adds ignore.d.server;
 *   workstation adds ignore.d.workstation.
 * - Security Alerts: a line matching a file X of cracking.d, unless
 *   cracking.ignore.d/X, cracking.ignore.d/logcheck-X, cracking.ignore.d/local
 *   or a cracking.ignore.d/local-* file matches it.  The file named
 *   `logcheck` is special: every file of the ignore directory applies to it,
 *   and lines that another cracking.d file (one whose name does not start
 *   with "logchec") matches are reported under that file instead.  The
 *   heading is "Security Alerts for X" ("Security Alerts" for `logcheck`).
 * - Security Events: the same with violations.d and violations.ignore.d, for
 *   lines no cracking.d rule matches.
 * - System Events: lines that no ignore.d.* rule of the level, no
 *   cracking.d rule and no violations.d rule matches.  (So a violations.d
 *   line silenced by violations.ignore.d is not reported at all.)
 * - A line is reported once, in the highest section; within a section under
 *   the first file (in byte order) that reports it, where logcheck repeats
 *   it under each.
 *
 * Where we differ from logcheck, deliberately:
 * - cracking.ignore.d always applies (logcheck reads it only with
 *   SUPPORT_CRACKING_IGNORE=1 in logcheck.conf; Debian ships it empty).
 * - logcheck removes the lines any cracking.d rule matches from Security
 *   Events only when the same run also reported some Security Alert; one
 *   line at a time there is no "same run", so we always remove them.  The
 *   two differ only for a line that matches cracking.d and violations.d and
 *   is silenced by cracking.ignore.d.
 * - A rule that compiles in no engine is listed with its file and line and
 *   left out; the other rules of its file still apply.  (grep refuses the
 *   whole file: logcheck then reports nothing from a cracking.d or
 *   violations.d file, and drops every line for an ignore file.)
 * - A missing or unreadable directory or file is listed, and the rest loads
 *   (logcheck stops with an error when cracking.d or violations.d is
 *   missing).  Only a rules directory that is not there at all fails.
 *
 * How: each rule is translated from GNU ERE to PCRE2 syntax
 * (logcheck_ere_to_pcre) and compiled with multire (filters/internal.h): Vectorscan
 * where it can, PCRE2 where it cannot (back-references).  Rules that start
 * with the usual syslog header, `^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32})
 * [._[:alnum:]-]+ ` and its few spellings, have the header checked in C and
 * the rest matched from after the host name; rules whose rest can only
 * match one program ("sshd\[", "(/USR/SBIN/)?CRON\[") are grouped by that
 * program, so a line is scanned by its program's rules and the few that
 * name none; and the ignore.d.* rules stop at the first match.  All exact
 * rewritings (logcheck_head.c and logcheck_prefix.c say why), checked
 * against the one-database form (LOGCHECK_ONE_DB) by the tests.
 *
 * Threads: struct logcheck_rules is immutable and shared; each thread
 * classifies with its own struct logcheck_worker.
 */

struct logcheck_rules;
struct logcheck_worker;

/* Highest first: a line is reported in the highest section it qualifies for. */
enum logcheck_section {
	LOGCHECK_IGNORED = 0,
	LOGCHECK_SYSTEM_EVENTS,
	LOGCHECK_SECURITY_EVENTS,
	LOGCHECK_SECURITY_ALERTS,
};

/* The rule directories, in the order logcheck reads them. */
enum logcheck_dir {
	LOGCHECK_CRACKING,
	LOGCHECK_CRACKING_IGNORE,
	LOGCHECK_VIOLATIONS,
	LOGCHECK_VIOLATIONS_IGNORE,
	LOGCHECK_IGNORE_PARANOID,
	LOGCHECK_IGNORE_SERVER,
	LOGCHECK_IGNORE_WORKSTATION,
	LOGCHECK_N_DIRS,
};

#define LOGCHECK_DEFAULT_DIR "/etc/logcheck"

/* Flags for logcheck_load. */
#define LOGCHECK_PCRE2_ONLY 1u /* no Vectorscan (MULTIRE_PCRE2_ONLY) */
#define LOGCHECK_ONE_DB     2u /* no header split, no grouping by program: the reference form */
#define LOGCHECK_NO_COMPILE 4u /* read and check the rules, build nothing (for show) */

/* Something logcheck_load wants the administrator to know. */
enum logcheck_note_kind {
	LOGCHECK_NOTE_ERROR,    /* a rule, file or directory that was left out */
	LOGCHECK_NOTE_FALLBACK, /* a rule Vectorscan rejected: PCRE2 runs it */
};

struct logcheck_note {
	enum logcheck_note_kind kind;
	char *file;    /* path of the rule file or directory */
	unsigned line; /* 0: the whole file or directory */
	char *msg;
};

/* What was loaded, per directory, and what went wrong. */
struct logcheck_report {
	bool used[LOGCHECK_N_DIRS];    /* the level reads this directory */
	bool present[LOGCHECK_N_DIRS]; /* ...and it is there */
	unsigned files[LOGCHECK_N_DIRS];
	unsigned rules[LOGCHECK_N_DIRS]; /* rules loaded (failed ones not counted) */
	unsigned failed;                 /* rules left out */
	unsigned fallbacks;              /* rules run by PCRE2 */
	struct logcheck_note *notes;
	size_t n_notes;
};

const char *logcheck_dir_name(enum logcheck_dir d);         /* "cracking.d", ... */
const char *logcheck_section_name(enum logcheck_section s); /* "Security Alerts", ... */

/* Read DIR (NULL: LOGCHECK_DEFAULT_DIR) for level (CONF_LOGCHECK_PARANOID,
 * _SERVER or _WORKSTATION).  Fills *rep (free it with logcheck_report_free)
 * and, unless LOGCHECK_NO_COMPILE or out is NULL, *out.  Returns 0, or -1
 * with err set, *out NULL and *rep empty, when DIR cannot be read at all or
 * memory runs out; everything else is a note in rep, and the rest loads. */
int logcheck_load(const char *dir, int level, unsigned flags, struct logcheck_rules **out,
		  struct logcheck_report *rep, struct conf_err *err);
/* The same, with the rules' Vectorscan databases kept in the directory
 * cache (multire_compile_cached; NULL: not kept), so that loading the same
 * rules again, in this process or the next, does not compile them. */
int logcheck_load_cached(const char *dir, int level, unsigned flags, const char *cache,
			 struct logcheck_rules **out, struct logcheck_report *rep,
			 struct conf_err *err);
void logcheck_rules_free(struct logcheck_rules *r); /* NULL is safe */
void logcheck_report_free(struct logcheck_report *rep);

/* What logcheck_load(dir, level) would read, as a string to compare: the
 * name, inode, size, modification and change times (in nanoseconds) and
 * mode of dir, of each rule directory of the level and of every entry in
 * them.  A rule file edited, added, removed or replaced changes it, so a
 * caller can keep compiled rules while it stays the same.  malloc'd; NULL
 * when out of memory. */
char *logcheck_signature(const char *dir, int level);

/* Per-thread state, used with the rules it was made from; NULL when out of
 * memory.  Free the workers before their rules. */
struct logcheck_worker *logcheck_worker_new(const struct logcheck_rules *r);
void logcheck_worker_free(struct logcheck_worker *w); /* NULL is safe */

/* Where logcheck would report line (len bytes, no newline, need not be
 * NUL-terminated).  *file, when not NULL, gets the name of the rule file of
 * the heading ("kernel" for "Security Alerts for kernel"), or NULL for
 * System Events, a file named `logcheck` and ignored lines; it points into
 * r.  Never fails. */
enum logcheck_section logcheck_classify(const struct logcheck_rules *r, struct logcheck_worker *w,
					const char *line, size_t len, const char **file);

/* The heading logcheck prints: "Security Alerts for kernel", "System Events". */
void logcheck_heading(enum logcheck_section s, const char *file, char *buf, size_t size);

/* The length of line once logcheck has removed its trailing blanks. */
size_t logcheck_trim(const char *line, size_t len);

/* Translate one GNU ERE (as grep -E reads it in the C locale) into PCRE2
 * syntax with the same matches: a malloc'd string, or NULL with why (one
 * line) filled when the ERE is invalid or memory runs out.  For tests and
 * the driver; logcheck_load uses it on every rule. */
char *logcheck_ere_to_pcre(const char *ere, char *why, size_t why_size);

#endif
