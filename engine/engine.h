/*
 * engine/engine.h: the pipeline behind every logmail front end: parsed log
 * messages in, filtered per recipient, journaled, gathered into digests,
 * spooled and delivered.  The rsyslog module (plugin/omlogmail.c) and
 * `logmail test filters` (cli/test_filters.c) drive it; neither holds any
 * of this logic.
 *
 *   engine_new      load the configuration (nothing touches the spool yet,
 *                   but for <spool>/cache: compiled logcheck rules, see
 *                   engine_params.cache_dir)
 *   engine_start    open the spool, start the threads, replay a crash's journal
 *   engine_accept   a batch of messages; returns once the batch is journaled
 *   engine_tick     close the digests whose time has come
 *   engine_reload   re-read the configuration (rsyslog's HUP; on its own when
 *                   the file changes)
 *   engine_stop     flush every digest into the spool, stop the threads
 *   engine_counters what happened, for statistics
 *
 * ---- Threads -------------------------------------------------------------
 *
 *   control    the front end's thread that calls engine_new, engine_start,
 *              engine_reload, engine_stop, engine_free (rsyslog's main
 *              thread: configuration, HUP, shutdown).  One at a time.
 *              engine_reload is also called by the delivery thread (the
 *              file changed); e->reload_lock makes them take turns.
 *   workers    any number of threads calling engine_accept (rsyslog's action
 *              workers), each with a struct engine_worker of its own: the
 *              filter worker (PCRE2 match data), a logcheck worker per rule
 *              set, scratch arrays (the traditional syslog line logcheck's
 *              rules match, rendered once per message) and a
 *              digest_time_cache.  A worker never waits on the network; it
 *              waits for the disk only to write the journal (and with
 *              sync=true to fdatasync it), or, bounded, for room in a full
 *              outbox.
 *   delivery   one per engine (engine_start starts it).  It wakes at the next
 *              digest deadline, when the outbox spooled mails, when a worker
 *              asks (a digest opened with an earlier deadline; the journal
 *              doubled), after a reload, or every ENGINE_DELIVER_PERIOD; it
 *              closes due digests (digest_poll), settles and syncs the
 *              journal, runs spool_deliver over a spool handle of its own
 *              (so a slow server holds no lock anyone waits for) with
 *              back-off after failures, and saves <spool>/stats.  Every
 *              ENGINE_CONF_POLL_SEC it looks at the configuration file and
 *              reloads when it changed (the CLI saves by atomic rename: a
 *              command takes effect within two seconds, no HUP needed).
 *              Nice +10.
 *   outbox     one per engine (smtp/outbox.h): writes closed digests into
 *              the spool, so no worker waits for a mail's fsync.  Nice +10.
 *
 * A dry run (engine_params.dry_run) has no delivery and no outbox thread,
 * no spool, no journal and no stats file: closed digests go to the dry-run
 * function, and the caller's clock (engine_accept's and engine_tick's now)
 * is the only one.
 *
 * ---- Locks, and what each protects --------------------------------------
 *
 *   e->genlock     which generation the workers use: a worker holds it
 *                  shared for a whole engine_accept (from its match to its
 *                  digests and counters), engine_reload exclusively while it
 *                  hands the digests and counts over and swaps the new
 *                  generation in.  Writers first, so a reload does not wait
 *                  for a pause in the traffic.
 *   e->reload_lock one engine_reload at a time, and e->stamp (what the
 *                  configuration file was when last read).  Taken before
 *                  genlock.
 *   e->lock        the current generation pointer and every generation's
 *                  reference count; the engine's own reference count; the
 *                  number of generations alive; the outbox pointer; the
 *                  delivery thread's flags (stop, spooled, force, rewake,
 *                  wake_at) and its condition variable e->wake.  Held for
 *                  those few words, never across a callback; the one I/O
 *                  under it is engine_ready starting the threads once
 *                  (outbox_start opens the outbox's spool handle).
 *   e->spool_lock  the submitting spool handle (engine_ready's check; a mail
 *                  spooled on the calling thread while the outbox is not
 *                  running).
 *   e->jlock       the journal and its bookkeeping (failed, unsynced,
 *                  synced_at, compacted size).  A worker holds it from the
 *                  journal write through adding the batch to the digests, so
 *                  the delivery thread never settles the journal between the
 *                  two.
 *   inside the libraries: each recipient's digest mutex (digest.h: emits
 *   run with it released), the outbox's mutex (outbox.h), the spool's file
 *   locks (smtp.h).
 *
 * Lock order: reload_lock, genlock, jlock, spool_lock, lock, then the
 * outbox's mutex (engine_counters asks the outbox its depth under lock); a
 * digest's mutex is taken under jlock and released before anything else is
 * taken.  Nobody takes jlock while holding another lock but reload_lock
 * and genlock, and the outbox's thread never takes jlock: a worker holding
 * jlock may wait (bounded) for room in the outbox, so the outbox's callback
 * only sets a flag under e->lock and wakes the delivery thread, which
 * settles the journal.
 *
 * Two waits that hold jlock: a worker adding to a full digest whose
 * previous mail another thread (the delivery thread's poll, or another
 * worker) is emitting waits in digest_add for that emit to end (digest.h:
 * backpressure of one emit); the emit itself never takes jlock, so it
 * ends.  And engine_emit reads e->outbox under lock and then uses it
 * without: that is safe only because of engine_stop's order, which stops
 * every other thread that emits first (the workers before it is called,
 * the delivery thread in engine_stop_threads), then flushes the digests
 * on its own thread, and only then stops and frees the outbox.
 *
 * ---- Generations ---------------------------------------------------------
 *
 * A generation is one loaded configuration and what is built from it: the
 * compiled filters, the logcheck rule sets (one per distinct rules
 * directory and level; engine/rules.c: shared with the previous generation
 * while no rule file changed, so a reload does not compile them again) and
 * the digests.  It is immutable but for the counters
 * and digests inside, which are thread-safe.  It is reference counted
 * under e->lock: the engine holds one reference to the current generation,
 * every worker one to the generation it was made for, the delivery thread
 * one while it polls.  engine_reload builds a new generation and swaps it
 * in: under genlock exclusively, each recipient's digest of the old
 * generation moves to the recipient of the same address in the new one
 * (digest_set_carry: its lines, window, rate-limit times and counters, as
 * they are), the filters' counters are added to the new ones
 * (filter_stats_carry), and the new generation becomes current.  So a
 * digest open at a reload closes when its window passes, whether or not
 * anything is logged after it, no rate limit starts a new hour, and every
 * message is counted once.  What the old generation still holds (the
 * digests of recipients the new configuration no longer has) is mailed at
 * once.  A worker moves to the new generation at its next engine_accept;
 * the old one is freed when its last holder lets go.
 *
 * ---- Crash safety --------------------------------------------------------
 *
 * engine_accept first stages every (recipients, message) the filters
 * accepted in the engine's journal (<spool>/pending/journal, engine/journal.h),
 * appends them in one write, and only then adds the messages to the
 * digests and returns ENGINE_OK.  When the journal cannot be written (a
 * full disk) the batch is taken all the same, held in memory only: the
 * caller (rsyslog with its default settings) would drop a refused batch.
 * Until a rewrite of the journal covers what it holds (the delivery
 * thread's next settle once there is room: the spool first), nothing more
 * is appended, and nothing ever is past ENGINE_JOURNAL_LIMIT.  The write
 * survives a crash of the process at once; the fdatasync that makes it
 * survive a crash of the machine runs for every batch with sync=true,
 * else at most ENGINE_SYNC_PERIOD later (like rsyslog omfile's sync
 * parameter).  A record is obsolete once its message
 * is in the spool: on each pass of the delivery thread the journal is
 * emptied when every digest is empty and no mail is in flight, and, when it
 * has doubled, rewritten as one state record per digest (digest_save: its
 * lines with how many messages each stands for, and the summary of what it
 * only counted), so that a held, rate-limited digest at its caps is
 * journaled as exactly what it holds and counts, in a size that does not
 * grow with the messages it counts.  The rewrite runs under jlock (no worker
 * between its journal write and its digests) and gives up while any digest's
 * mail is being emitted; both are skipped while a reload's old generation
 * still holds messages (it could not mail them), or the outbox holds mails
 * (they are only in memory).  The first time the journal is opened (engine_start, else the
 * first batch) a leftover journal, the mark of a crash, is replayed into
 * the digests: states restored (digest_restore), then the messages after
 * them added; messages for recipients no longer configured are logged and
 * dropped.  A crash thus mails a message twice at worst, never zero times,
 * and a digest that only counted some of its messages still counts them
 * after the crash.  One engine per spool: two engines sharing a spool
 * would share a journal.
 *
 * Ownership: everything a function is given is borrowed for the call;
 * engine_new copies the parameters it keeps.  No global state: two engines
 * (on two spools) are independent.
 */
#ifndef LOGMAIL_ENGINE_H
#define LOGMAIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/conf.h"
#include "digest/digest.h"
#include "filters/filter.h"

#define ENGINE_DELIVER_PERIOD 30 /* seconds between delivery runs when idle */
#define ENGINE_STATS_PERIOD   10 /* seconds between saves of <spool>/stats */
#define ENGINE_BACKOFF_MIN    5  /* seconds before retrying a failed delivery, doubling */
#define ENGINE_BACKOFF_MAX    300
#define ENGINE_JOURNAL_MAX    (256 * 1024) /* compact the journal past this size */
#define ENGINE_JOURNAL_LIMIT  (64 << 20)   /* never append past this size */
#define ENGINE_SYNC_PERIOD    1  /* seconds a journal write may stay unsynced (sync=false) */
#define ENGINE_NICE           10 /* the delivery and outbox threads' nice increment */
#define ENGINE_CONF_POLL_SEC  1  /* seconds between looks at the configuration file */

enum engine_status {
	ENGINE_OK = 0,
	ENGINE_ECONF,    /* the configuration cannot be used (err says where) */
	ENGINE_ESPOOL,   /* the spool cannot be used now (logged): try again later */
	ENGINE_ESTOPPED, /* engine_stop ran */
	ENGINE_ENOMEM,
};

/* What kind of trouble a LOG_ERR message reports (a front end may map it
 * to its own codes; rsyslog's module maps each to an RS_RET_*). */
enum engine_fault {
	ENGINE_FAULT_NONE,        /* not a failure: LOG_WARNING, LOG_INFO */
	ENGINE_FAULT_CONFIG,      /* a configuration that could not be (re)loaded or used */
	ENGINE_FAULT_IO,          /* the spool or the journal failed on disk; nothing lost yet */
	ENGINE_FAULT_DATA,        /* mails or records refused for good, or dropped */
	ENGINE_FAULT_UNAVAILABLE, /* the spool or the mail server cannot be used now; retried */
	ENGINE_FAULT_INTERNAL,    /* a thread that would not start */
};

/* Every message the engine has for a human, one line without a newline,
 * from any of its threads (the function must be thread-safe).  level is
 * syslog's: LOG_ERR, LOG_WARNING or LOG_INFO. */
typedef void (*engine_log_fn)(void *arg, int level, enum engine_fault fault, const char *msg);

/* A dry run's closed digest, on the thread that closed it (within
 * engine_accept, engine_tick or engine_stop).  m is borrowed for the call. */
typedef void (*engine_digest_fn)(void *arg, const struct digest_mail *m);

struct engine_params {
	const char *config_path;        /* the shared configuration file */
	const char *const *extra_lines; /* configuration lines after the file (the
					 * module's filters=[...]), or NULL */
	size_t n_extra_lines;
	const char *extra_label;  /* the file name of their errors */
	const char *spool_dir;    /* the spool; unused by a dry run */
	const char *cache_dir;    /* compiled logcheck rules, kept between runs
				   * (filters/internal.h); NULL: <spool>/cache, "":
				   * none; unused by a dry run */
	bool sync;                /* fdatasync the journal for every batch */
	engine_digest_fn dry_run; /* not NULL: a dry run (see the top) */
	void *dry_run_arg;
	engine_log_fn log; /* NULL: say nothing */
	void *log_arg;
};

/* One parsed log message, borrowed for the call.  Every field a front end
 * can know is here, whether today's filters and digests use it or not, so
 * no front end has to be reopened for the next criterion. */
struct engine_msg {
	int severity;        /* 0 emerg ... 7 debug; -1 unknown: matches only
			      * filters without a level */
	int facility;        /* 0 kern ... 23 local7; -1 unknown: matches only
			      * filters without a facility */
	time_t ts;           /* the time reported; <= 0: the batch's now */
	const char *host;    /* "" or NULL when unknown */
	const char *program; /* the program name (rsyslog's programname), "" or NULL */
	const char *tag;     /* the syslog tag as logged ("postfix/smtpd[123]:"), "" or
			      * NULL: the traditional line is "HOST TAG TEXT" */
	const char *procid;  /* the process id ("123"): procid_len octets, not
			      * NUL-terminated (a part of tag); NULL when none */
	size_t procid_len;
	const char *text;     /* the message text, NUL-terminated */
	unsigned lead_spaces; /* blanks the front end removed before text (rsyslog's
			       * msg property starts with one): the traditional
			       * line logcheck's rules match keeps them */
};

struct engine;
struct engine_worker;

/* Load the configuration (the file, then the extra lines), compile the
 * filters and make the digests.  Nothing is written and no thread starts:
 * a configuration check (rsyslogd -N1) ends here.  ENGINE_ECONF with err
 * naming file, line and column; ENGINE_ENOMEM. */
enum engine_status engine_new(struct engine **out, const struct engine_params *p,
			      struct conf_err *err);

/* Open the spool (creating it), start the outbox and the delivery thread,
 * and replay what a crash left in the journal.  ENGINE_ESPOOL (logged)
 * when the spool cannot be used: engine_ready tries again.  A dry run
 * does nothing here. */
enum engine_status engine_start(struct engine *e);

/* Can batches be taken?  The spool opens and its directory is writable;
 * starts the threads on the first success.  ENGINE_ESPOOL (logged) or
 * ENGINE_ESTOPPED otherwise. */
enum engine_status engine_ready(struct engine *e);

/* Per-thread state for engine_accept; NULL on ENOMEM.  A worker holds a
 * reference to the engine: engine_worker_free may come after engine_free
 * (rsyslog frees worker data after the action), and the last of them frees
 * the engine.  engine_worker_free(NULL) is safe. */
struct engine_worker *engine_worker_new(struct engine *e);
void engine_worker_free(struct engine_worker *w);

/* Match msgs[0..n) against every recipient's filters, journal the accepted
 * ones (one write), add them to their digests and wake the delivery thread
 * when a digest is due sooner than it sleeps.  now is the batch's time:
 * windows, rate limits and messages without a time follow it.  Returns
 * once the batch is journaled (or held in memory, when the journal cannot
 * be written: "Crash safety"): ENGINE_OK, or ENGINE_ENOMEM,
 * ENGINE_ESTOPPED with nothing of the batch taken (offer it again). */
enum engine_status engine_accept(struct engine_worker *w, const struct engine_msg *msgs, size_t n,
				 time_t now);

/* Close the digests whose time has come at now (windows, lifted rate
 * limits, retries).  The delivery thread does this on its own; a dry run
 * drives its clock with it (the time of the log lines). */
void engine_tick(struct engine *e, time_t now);

/* Load the configuration again (rsyslog's HUP; the delivery thread does it
 * too when the file changed); on success the new generation takes over
 * with the old one's digests, rate limits and counters ("Generations"), the
 * digests of recipients no longer configured are mailed, and the queue is
 * retried at once.  On error the old
 * one stays and err says why (also logged).  ENGINE_OK, ENGINE_ECONF,
 * ENGINE_ESTOPPED. */
enum engine_status engine_reload(struct engine *e, struct conf_err *err);

/* Stop taking batches, flush every digest into the spool (ignoring windows
 * and rate limits: at most one extra mail per recipient), stop the threads,
 * settle and fdatasync the journal and save the statistics.  The workers
 * must have stopped calling engine_accept.  Idempotent.  A dry run flushes
 * at the last now it was given. */
void engine_stop(struct engine *e);

/* engine_stop, then drop the front end's reference.  NULL is safe. */
void engine_free(struct engine *e);

/* Recipients of the current configuration. */
size_t engine_recipients(struct engine *e);

/* The engine's totals since engine_new.  Every field is a uint64_t (rsyslog's
 * intctr_t), so a front end can register each with its statistics and
 * refresh a copy of the struct when they are read. */
struct engine_counters {
	uint64_t received;        /* messages in batches engine_accept took */
	uint64_t accepted;        /* of them, messages some recipient's filters took */
	uint64_t batches_refused; /* engine_accept calls refused (out of memory, stopped) */
	uint64_t unjournaled;     /* accepted messages held in memory only: the journal
				   * could not be written (a full disk) */
	uint64_t digests_closed;  /* digests closed into mails (the spool's or the dry run's) */
	uint64_t not_shown;       /* messages counted in those mails but not shown
				   * (rate limit, caps) */
	uint64_t mails_spooled;   /* mails written into the spool */
	uint64_t mails_sent;      /* mails the delivery thread sent */
	uint64_t mails_deferred;  /* delivery attempts that will be retried */
	uint64_t mails_failed;    /* mails that failed for good (moved to failed/) */
	uint64_t journal_bytes;   /* now: size of the journal */
	uint64_t outbox_depth;    /* now: mails in the outbox, not yet in the spool */
};

/* The counters' names (snake_case, as the fields), in field order, for a
 * front end that registers them in a loop: field i is at offset
 * engine_counter_offsets[i]. */
#define ENGINE_N_COUNTERS (sizeof(struct engine_counters) / sizeof(uint64_t))
extern const char *const engine_counter_names[];
extern const size_t engine_counter_offsets[];

void engine_counters(struct engine *e, struct engine_counters *out);

/* One recipient of the current configuration. */
struct engine_recipient_counters {
	char address[320];
	uint64_t received;  /* messages the engine was given, each once, for all
			     * recipients alike (carried over restarts by
			     * <spool>/stats) */
	uint64_t accepted;  /* ...that its filters sent it (carried over too) */
	uint64_t mailed;    /* ...shown in a mail (a folded line: all it stands for) */
	uint64_t held;      /* now in its digest */
	uint64_t not_shown; /* counted, not shown (rate limit, caps) */
	uint64_t mails;     /* its digests closed into mails */
	time_t last_mail;   /* when its last mail was made (0: none yet) */
};

/* false when i >= engine_recipients(e). */
bool engine_recipient_counters(struct engine *e, size_t i, struct engine_recipient_counters *out);

/* ---- the stats file (engine/stats.c) ------------------------------------ */

/* Statistics as read back from a stats file, keyed by address. */
struct filter_stats_entry {
	char *address;
	struct filter_stats stats;
};
struct filter_stats_table {
	struct filter_stats_entry *entries;
	size_t n;
	struct filter_received received;
};

/*
 * The stats file, written by the module and read by `show log config`:
 *
 *   logmail-stats 2
 *   received <received> <since>
 *   <address> <accepted> <mailed> <since> <last mail, 0: none>
 *   ...
 *
 * (times in Unix seconds), one line per recipient after the set's received
 * count.  Version 1, written by earlier releases, is still read:
 *
 *   logmail-stats 1
 *   <address> <received> <accepted> <mailed> <since>
 *
 * where each recipient repeated the received count (its first is taken).
 * Replaced whole by util_replace (util/replace.h: a temporary file in the
 * same directory, fsynced, renamed over path), so a reader sees the old or
 * the new file; read and replaced without following a symbolic link.  Its
 * place: <spool>/stats (SPOOL_NAME_STATS in smtp/smtp.h's layout); the
 * module saves it from time to time and on exit.
 */

enum filter_status filter_stats_save(const struct filter_set *set, const char *path,
				     struct conf_err *err);

/* Read a stats file into *t (zeroed first; free with filter_stats_table_free).
 * FILTER_ENOENT when there is none. */
enum filter_status filter_stats_load(const char *path, struct filter_stats_table *t,
				     struct conf_err *err);
void filter_stats_table_free(struct filter_stats_table *t);
const struct filter_stats *filter_stats_lookup(const struct filter_stats_table *t,
					       const char *address);

/* Carry counts over (a restart, a re-read configuration): the set's
 * received count and each recipient of set found in t start from t's.
 * Call before the set is shared with other threads. */
void filter_stats_restore(struct filter_set *set, const struct filter_stats_table *t);

#endif
