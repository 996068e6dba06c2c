/*
 * filters/filter.h: the `log email` filter engine.
 *
 * filter_compile turns the recipients of a const struct conf into an
 * immutable struct filter_set: regexes compiled together (filters/multire.h:
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

#endif
