/*
 * digest/digest.h: gather the log messages that matched a recipient's
 * filters into readable mails ("digests"), one per incident.
 *
 * A digest opens with its first message and closes
 *   - when its window passes (digest.window_sec after the `now` at which
 *     its first message was added) and the recipient's pace allows (below),
 *   - at once when a message at digest.urgent_level or more severe arrives
 *     (that message is included), while no pace holds mails back, or when
 *     a line breaks through the pace (below).
 * Reaching digest.max_messages lines or digest.max_bytes octets of lines
 * does not close it: the caps bound what its mail shows, and the messages
 * past them are counted in what it does not show ("digest full", below).
 * A closed digest is handed to the caller's emit function (which spools it),
 * unless the recipient's rate limit (digest.rate_per_hour mails in any
 * sliding hour; urgent mails count too and obey it) is reached: then the
 * digest is HELD and goes out as soon as the hour allows.  The rate limit
 * is the hard cap over everything below.
 *
 * Pacing (digest.max_interval_sec; 0, or a window of 0, turns it off): a
 * recipient's first mail goes when its window closes (or at once for an
 * urgent line).  While more comes, each next mail waits at least
 * DIGEST_PACE_FACTOR (4) times the interval before it, counted from the
 * mail before it: from a 30 s window, 120 s after the first mail, then
 * 480 s, 1920 s, then max_interval (3600 by default) for as long as the
 * storm lasts, and never before its own window.  A mail that waited for
 * the pace says DIGEST_REASON_PACED.  A mail taken (not flushed) while
 * the pace is in force starts with what is new since the one before it
 * and what continues (its lines whose kind the recipient's miner had
 * never seen, and the others, render.c):
 *   Since the last mail: 1 new kind (3 messages), 2 continuing (412 messages)  The pace ends (the next mail waits
 * only its window again) when the recipient gets nothing new for as long as
 * its next interval would last (4 times the one in force, max_interval at
 * most): a brute force that pauses for minutes between bursts stays one
 * storm, mailed a handful of times.  Breakthroughs: while the pace holds a
 * mail back, a line at digest.urgent_level or more severe, a new kind of
 * Security Alert, or a new kind at error or worse (the miner's new_kind)
 * sends the digest at once, at most once per paced interval (the "window"
 * of a breakthrough is the interval in force, from the last paced mail to
 * the next); the pace then goes on as it was: the next paced mail keeps its
 * time.  A digest flushed, restored or carried keeps the pace (digest_save
 * writes it while the digest holds something; digest_set_carry always).
 *
 * Kinds (digest.fold, on by default): each recipient has a miner of
 * event kinds (digest/miner.h; see "Kinds" below for its memory), made at
 * its first message, moved with its digest by digest_set_carry and saved
 * with it by digest_save.  A message of the same kind, host, program,
 * severity and section as an earlier line of the digest is not a line of
 * its own but counted in that one, which then shows the span of their
 * times, the count, and its first message with each word of its tag and
 * text that was not the same in all of them filled by the values it took
 * in this digest (the most frequent, with their counts), or by a
 * placeholder when no value stands out (digest/kinds.c):
 *   2026-11-30 13:26:17 -0500 .. 13:27:02 (x412) info web1 sshd[<n>]:
 *   Failed password for root from 203.0.113.45 (x280), 198.51.100.7
 *   (x97), 35 others port <n> ssh2
 * A line that stands for one message is shown as it came; lines keep the
 * order of their first message; when the miner merges two kinds, their
 * lines become one.  The caps count lines (kinds) and the octets of the
 * lines as first stored, plus each line's values (at most DIGEST_KIND_POS
 * words of DIGEST_KIND_TOP values), so memory per recipient is bounded
 * whether a storm is one kind (one line) or many (max_messages lines).
 * With digest.fold off every message is a line as it came (the miner
 * still gives it a kind).
 *
 * Lines: "TIME SEVERITY HOST TAG TEXT", the tag as logged (digest_msg.tag,
 * "postfix/smtpd[4242]:"; the program and a ':' when there is none), so a
 * line greps as it does in /var/log/syslog.
 *
 * Timeline: a mail of DIGEST_STORM_MESSAGES (100) messages or more whose
 * log times span DIGEST_STORM_MARKS (3) marks or more starts with
 *   Timeline (1 min per mark, peak 412/min at 13:27): ▁▂▅█▇▃
 * and a blank line: its messages (shown or not) per mark, a mark a minute
 * at first, widened (pairs merged) to keep at most DIGEST_MARKS (60).
 *
 * Importance: while a digest is at its caps (waiting for its window, its
 * pace or the rate limit, or after an emit failed), a message of the kind
 * of one of its lines is still counted in it; a message of another kind
 * takes the place of the digest's least important line when it outranks
 * it (digest/importance.c: the logcheck section, Security Alerts then
 * Security Events; then the severity; then a kind never seen before; then
 * the count), and that line's messages are counted as not shown.  Security
 * Alerts and Events lines are never moved out, and are kept past the caps
 * up to max_messages such lines.
 *
 * What is not shown: any other message is counted, not stored, in the
 * digest's summary: the
 * commonest patterns among them (numbers, addresses, hex ids and quoted
 * text as placeholders, digest/fold.c) (a heavy-hitters sketch, DIGEST_TOP
 * counters), exact counts by severity, by host and by program (the first
 * DIGEST_NAMES names of each, the rest as "other"), in a fixed size.  The
 * mail then ends with
 *   996 further messages not shown (rate limit)
 *     (x600) info web1 sshd[<n>]: Connection reset by <ip> port <n>
 *     (x1-2) info web1 sshd[<n>]: Invalid user u5 from <ip> port <n>
 *     by severity: 300 warning, 696 info
 *     by host: 996 web1
 *     by program: 996 sshd
 * where a pattern's count is exact, or a range when the sketch only knows
 * it within one; every table adds up to the number not shown.  The reason
 * in parentheses is "rate limit" when the rate limit held the digest,
 * "mail could not be queued" after a failed emit, "digest full" when it
 * was at its caps (or the set's memory budget) while it waited.  Nothing is
 * dropped without a count: shown (lines' counts) + not shown = messages
 * added to the digest.
 *
 * Memory: a recipient's digest is bounded by its caps (lines and their
 * octets, each line's bookkeeping, a fixed-size summary), and so is a mail
 * of it being emitted.  All the digests of a set together hold at most
 * DIGEST_HELD_MAX octets of lines (2 MiB, or four times the largest
 * max_bytes when that is more), and each digest that counts what it does
 * not show a fixed-size summary (about 5 KiB) on top: past the budget, a
 * digest that uses its share of it (the budget over the number of
 * recipients: the others may still grow to theirs) takes no more lines
 * and counts the rest as not shown ("digest full"), as at its caps; it
 * goes out when its window and pace say, as ever (the budget bounds, it
 * does not send).  A digest below its share still takes lines (and its
 * first allocations), so the budget is approached, not held to the octet.
 * So a storm to a thousand recipients at once shows fewer lines per mail
 * instead of growing with them.
 * Storage kept for reuse (a sent digest's, for the next) is bounded too,
 * DIGEST_SPARE_MAX (512 KiB) in all.
 *
 * This library does no I/O and knows nothing of rsyslog: the clock is
 * injected (every call takes `now`) and the mail goes to a callback.
 *
 * Threads: any number of threads may call digest_add(_many), digest_poll,
 * digest_next_deadline and digest_counters at once.  Each recipient has its
 * own mutex; the emit callback is called with NO lock held, and at most one
 * mail per recipient is being emitted at a time (others keep collecting).
 * digest_add never waits for an emit (a full digest counts the message);
 * an emit callback may call digest_add.
 * digest_flush_all may run alongside them too (it waits for a recipient's
 * mail in flight, then sends what is left); digest_set_free only once
 * nobody else uses the set.
 *
 * Ownership: digest_set_new copies what it needs from the configuration,
 * so the conf may be freed or reloaded afterwards.  Everything a struct
 * digest_mail points to belongs to the library and lives only during the
 * emit call.
 */
#ifndef LOGMAIL_DIGEST_H
#define LOGMAIL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config/conf.h"

enum digest_status {
	DIGEST_OK = 0,
	DIGEST_EINVAL, /* recipient index out of range, NULL message */
	DIGEST_EEMIT,  /* the emit callback failed: the digest is kept, retried later */
	DIGEST_ENOMEM, /* the message could not be stored: counted as not shown */
	DIGEST_EBUSY,  /* digest_save, digest_restore: a mail of it is being emitted */
};

/* The logcheck section of a line (filters/filter.h: the same numbers as
 * enum logcheck_section), highest last.  A digest holding a line with a
 * section is rendered in groups, highest section first:
 *
 *   Security Alerts
 *   ===============
 *   <its lines, as digest_format_line renders them, folded ones as ever>
 *   <a blank line>
 *   Security Events
 *   ===============
 *   ...
 *   System Events
 *   =============
 *   ...
 *   Other Events             (its lines without a section)
 *   ============
 *   ...
 *
 * each group only when it has a line, a blank line between two groups, and
 * then what was not shown and the closing lines as always.  A digest with
 * no line in a section looks as it always did.  Lines fold only into lines
 * of the same section. */
enum digest_section {
	DIGEST_SECTION_NONE = 0,
	DIGEST_SECTION_SYSTEM_EVENTS,
	DIGEST_SECTION_SECURITY_EVENTS,
	DIGEST_SECTION_SECURITY_ALERTS,
	DIGEST_SECTIONS,
};

/* "Security Alerts", "Security Events", "System Events", "Other Events". */
const char *digest_section_heading(int section);

/* One log message.  Everything is borrowed for the duration of the call. */
struct digest_msg {
	time_t ts;           /* when it was logged */
	int severity;        /* 0 emerg ... 7 debug (enum conf_level); -1 when unknown
			      * (a log file without priorities): never urgent, not an
			      * error, shown as "?" */
	int facility;        /* syslog facility number, or -1 when unknown */
	const char *host;    /* NULL or "": shown as "-" */
	const char *program; /* NULL or "": shown as "-" */
	const char *tag;     /* the syslog tag as logged ("postfix/smtpd[4242]:"), shown
			      * instead of the program when set; NULL or "": the
			      * program is shown, with a ':' */
	const char *text;    /* need not be NUL-terminated when text_len is set */
	size_t text_len;     /* (size_t)-1: text is NUL-terminated */
	int section;         /* enum digest_section: where the recipient's logcheck
			      * filter put it; DIGEST_SECTION_NONE for every other */
};

/* Why a digest went out. */
enum digest_reason {
	DIGEST_REASON_WINDOW, /* its window passed */
	DIGEST_REASON_FULL,   /* no longer given: caps bound what is shown, they do
			       * not send (only a digest restored from a state
			       * saved before pacing may still say it) */
	DIGEST_REASON_URGENT, /* a message at urgent_level or more severe */
	DIGEST_REASON_FLUSH,  /* digest_flush_all (shutdown, reload) */
	DIGEST_REASON_PACED,  /* the storm's paced interval passed (later than its window) */
	DIGEST_REASON_NEW,    /* a new kind of Security Alert, or of error or worse,
			       * broke through the pace */
};

/* A finished mail, ready for the spool (smtp_message: to, subject, body). */
struct digest_mail {
	size_t recipient;    /* index in conf->recipients */
	const char *to;      /* the recipient's address */
	const char *subject; /* expanded, one line, no CR/LF */
	const char *body;    /* UTF-8, LF line ends, no line over 998 octets */
	size_t body_len;
	unsigned
	    n_messages;   /* messages shown in the body (a folded line shows all it stands for) */
	unsigned n_lines; /* lines they take (fewer when folded) */
	unsigned n_not_shown; /* messages counted but not shown (rate limit, caps) */
	unsigned n_errors;    /* of all n_messages + n_not_shown: severity <= errors */
	int highest; /* most severe level among them (0 emerg ... 7 debug; 8: none known) */
	time_t first_ts, last_ts; /* log times of the first and last shown message */
	enum digest_reason reason;
	time_t now; /* when it was closed (use as the mail's Date) */
};

/* Called with no lock held.  Return 0 when the mail was taken (spooled);
 * non-zero when it failed: the digest is kept, nothing is lost, and it is
 * tried again on a later poll (not before DIGEST_RETRY_SEC). */
typedef int (*digest_emit_fn)(void *arg, const struct digest_mail *m);

#define DIGEST_RETRY_SEC    10
#define DIGEST_POLL_MAX_SEC 1

/* Kinds: each recipient's miner (digest/miner.h) holds at most
 * min(512, DIGEST_KINDS_BUDGET / recipients) kinds, and never fewer than
 * DIGEST_KINDS_MIN, evicting the least recently seen; a kind takes about
 * 1.2 KiB (MINER_KIND_BYTES at most), so a set's miners hold about 40 MiB at
 * most up to 2,048 recipients (past that, DIGEST_KINDS_MIN each).  A
 * recipient's miner is made at its first message. */
#define DIGEST_KINDS_BUDGET 32768
#define DIGEST_KINDS_MIN    16

/* Subject templates used when the recipient's digest.subject is NULL.
 * Substitutions: the AWP feature guide's %N %S %T %D %L %U
 * (smtp_subject_expand), where %N is the host of the digest's messages (a
 * collector's digest names the host that logged them), "N hosts" when they
 * come from several, and the set's own hostname when none names a host; and
 *   %C messages reported (shown + not shown)   %E of them at errors or worse
 *   %H most severe level name (e.g. "crit")   %V the same in capitals ("CRIT")
 *   %A the commonest pattern: "[Kx ]program: text", its text's first 60
 *      characters with what varied as placeholders, "Kx " when it stands
 *      for more than one message ("412x sshd: Failed password for root from
 *      <ip> port <n> ssh2"); among equally common ones the most severe, then
 *      the first; a line of the digest, or a pattern it did not show when
 *      that one certainly stands for more messages
 *   %K how many messages %A stands for
 *   %P program of the first message   %M text of the first message, first
 *      60 characters   %% a "%"
 * A configured subject is used for every mail, one message or many. */
#define DIGEST_SUBJECT_DEFAULT     "%N: %V %A (%C messages, %E errors)"
#define DIGEST_SUBJECT_DEFAULT_ONE "%N: %V %A"

/* Settings of 0 mean: window 0 = send each message at once (no pacing);
 * max_messages 0 and max_bytes 0 = the CONF_DEFAULT_* value (memory stays
 * bounded); rate_per_hour 0 = unlimited; max_interval_sec 0 = no pacing. */

struct digest_set;

/* One digest per recipient of c, in c->recipients order.  hostname (%N
 * when no message names a host) and serial (%S) are copied; NULL means "".
 * The caller gets them from smtp_subst_default() (which does I/O, so not in
 * here).  Local times follow the process's time zone: call tzset() after
 * changing TZ.  NULL on ENOMEM. */
struct digest_set *digest_set_new(const struct conf *c, const char *hostname, const char *serial);

/* Frees everything, held messages included (flush first).  NULL is safe. */
void digest_set_free(struct digest_set *s);

size_t digest_set_count(const struct digest_set *s);

/* Add a message to recipient's digest.  May emit at once (urgent, a
 * breakthrough, window 0, a digest whose window or pace has passed, or a
 * held digest whose rate limit has passed).
 * DIGEST_OK, DIGEST_EINVAL, DIGEST_EEMIT (the message is kept),
 * DIGEST_ENOMEM (the message is counted as not shown). */
enum digest_status digest_add(struct digest_set *s, size_t recipient, const struct digest_msg *m,
			      time_t now, digest_emit_fn emit, void *arg);

/* The rendered time prefixes ("2026-11-23 11:35:02 +0200") of the last
 * second per zone setting.  Messages come in bursts of the same second,
 * and localtime_r + gmtime_r + snprintf cost more than the rest of a body
 * line, so a caller that adds many messages keeps a cache and hands it to
 * digest_add_many.  One thread uses a cache at a time (the engine gives
 * each of its workers one); it may serve any number of digest sets.  A
 * change of TZ followed by tzset() is noticed (unless the new zone has the
 * same names and standard offset as the old one: then the cached second
 * may still show the old zone, until the next second).  NULL on ENOMEM;
 * digest_time_cache_free(NULL) is safe. */
struct digest_time_cache;
struct digest_time_cache *digest_time_cache_new(void);
void digest_time_cache_free(struct digest_time_cache *tc);

/* digest_add(s, recipients[i], m, now, emit, arg) for i = 0 .. n-1 in
 * turn, with the same effects and counters (a recipient listed twice gets
 * the message twice), but the body line is rendered once per distinct
 * (time_type, offset_min) among them instead of once per recipient: call
 * it once per message with every recipient it matched.  tc (NULL: none)
 * is the caller's time cache, used by this thread only.  An index out of
 * range is skipped (DIGEST_EINVAL) and the others still get the message.
 * Returns the worst status of the n adds, in the order DIGEST_EINVAL >
 * DIGEST_ENOMEM > DIGEST_EEMIT > DIGEST_OK; DIGEST_EINVAL with nothing
 * added when s, m or emit is NULL, or recipients is NULL and n > 0;
 * DIGEST_OK when n is 0.  digest_add is the case n == 1. */
enum digest_status digest_add_many(struct digest_set *s, struct digest_time_cache *tc,
				   const size_t *recipients, size_t n, const struct digest_msg *m,
				   time_t now, digest_emit_fn emit, void *arg);

/* Emit every digest whose time has come (window passed, rate limit lifted,
 * retry after an emit failure).  DIGEST_EEMIT when any emit failed. */
enum digest_status digest_poll(struct digest_set *s, time_t now, digest_emit_fn emit, void *arg);

/* The earliest time at which digest_poll has work, 0 when none.  May be
 * <= now: poll now.  A digest_add can open a digest with an earlier
 * deadline, and a recipient whose mail is being emitted is left out, so the
 * poll thread should sleep at most DIGEST_POLL_MAX_SEC past this (or be
 * woken after each digest_add). */
time_t digest_next_deadline(const struct digest_set *s);

/* Shutdown: emit every held digest now, ignoring windows AND the rate limit
 * (at most one extra mail per recipient, better than losing the messages
 * with the process).  These mails still count in the rate window.
 * DIGEST_EEMIT when any emit failed (those digests are kept). */
enum digest_status digest_flush_all(struct digest_set *s, time_t now, digest_emit_fn emit,
				    void *arg);

/* Is every digest of the set empty, with no mail being emitted? */
bool digest_set_idle(const struct digest_set *s);

/* The state of recipient's digest (its lines with their counts and the
 * summary of what it did not show: everything a mail of it would say but
 * the time it goes out; the times of the recipient's mails of the last
 * hour, for its rate limit; and its pace in a storm) as text appended to
 * *buf (*len octets used, *cap allocated, grown with realloc;
 * digest/state.c has the format).  Nothing is appended for an empty
 * digest (so a crash while a storm's digest is empty forgets the pace:
 * the journal is empty then too).  For a journal that must rebuild the
 * digest after a crash with a record whose size does not grow with the
 * messages it counts.  DIGEST_OK, DIGEST_EINVAL, DIGEST_EBUSY (a mail of
 * it is being emitted: its messages are in neither; try again later),
 * DIGEST_ENOMEM (nothing appended). */
enum digest_status digest_save(const struct digest_set *s, size_t recipient, char **buf,
			       size_t *len, size_t *cap);

/* Make recipient's digest the one digest_save described (its lines rendered
 * in the recipient's zone), counting its messages as added; the rate limit
 * counts the mails it lists when they are more than it knows of.  Only into an
 * empty digest (DIGEST_EBUSY otherwise); DIGEST_EINVAL, nothing changed,
 * when state is not a saved digest or out of memory. */
enum digest_status digest_restore(struct digest_set *s, size_t recipient, const char *state,
				  size_t len);

/* A reload: each recipient of dst takes over the digest of src's recipient
 * of the same address, as it is (its lines, counts and summary, when it
 * opened and whether it is due, its retry time, the times of its mails of
 * the last hour for the rate limit, its pace in a storm (even when its
 * digest is empty), and its counters), its lines rendered again in dst's
 * zone; src's recipient is left empty, so that flushing src
 * afterwards mails only what dst has no recipient for.  A mail of src's
 * being emitted is waited for, so no message is mailed by both sets or by
 * neither.  dst must be new (nothing added to it) and used by no other
 * thread yet; src may be polled meanwhile.  DIGEST_ENOMEM when a digest
 * could not be moved (it stays in src, whole); DIGEST_EINVAL for NULL. */
enum digest_status digest_set_carry(struct digest_set *dst, struct digest_set *src);

/* Accounting of one recipient.  Always: added == mailed + not_shown + held. */
struct digest_counters {
	unsigned long added;        /* messages given to digest_add */
	unsigned long mailed;       /* messages shown in emitted mails (folded ones too) */
	unsigned long not_shown;    /* messages counted but not stored (caps, ENOMEM) */
	unsigned long held;         /* messages in lines now, waiting for a mail */
	unsigned long mails;        /* mails emitted (emit returned 0) */
	unsigned long emit_failed;  /* emit calls that returned non-zero */
	unsigned long rate_limited; /* times a closed digest was held by the rate limit */
};

/* DIGEST_EINVAL when recipient is out of range. */
enum digest_status digest_counters(const struct digest_set *s, size_t recipient,
				   struct digest_counters *out);

/* Render one body line (no newline) into out, NUL-terminated, at most
 * min(size - 1, 998) octets:
 *   "2026-11-23 11:35:02 +0200 err web1 sshd[4242]: Failed password for root"
 * The time is shown as time_type (CONF_TIME_LOCAL: the process's local zone,
 * CONF_TIME_UTC: UTC) shifted by offset_min; the suffix is the resulting
 * offset from UTC.  Control characters and invalid UTF-8 become "#ooo"
 * (octal, as rsyslog does); a longer line is cut and ends in "...".
 * Returns the length written. */
size_t digest_format_line(const struct digest_msg *m, enum conf_time time_type, int offset_min,
			  char *out, size_t size);

/* "emerg" "alert" "crit" "err" "warning" "notice" "info" "debug", or "?". */
const char *digest_severity_name(int severity);

#endif
