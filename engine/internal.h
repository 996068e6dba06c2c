/*
 * engine/internal.h: what the files of engine/ share and nobody else sees.
 * Threads, locks and what each protects: engine/engine.h.
 *
 *   engine.c     the engine and its generations: new, reload, stop, emit
 *   worker.c     engine_worker and engine_accept
 *   journaling.c the journal: open and replay, write, sync, settle
 *   delivery.c   the outbox and the delivery thread, engine_start/_ready
 */
#ifndef LOGMAIL_ENGINE_INTERNAL_H
#define LOGMAIL_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "engine/journal.h"
#include "filters/filter.h"
#include "smtp/outbox.h"
#include "smtp/smtp.h"

/* One logcheck rule set, (dir, level) read and compiled (engine/rules.c);
 * shared by the generations that use it. */
struct engine_rules {
	char *dir;                    /* as configured; NULL: LOGCHECK_DEFAULT_DIR */
	int level;                    /* enum conf_logcheck */
	char *sig;                    /* logcheck_signature of what was read; NULL: unknown */
	struct logcheck_rules *rules; /* NULL: the directory could not be read */
	_Atomic unsigned refs;
};

/* One loaded configuration and everything built from it (engine.h,
 * "Generations"). */
struct engine_gen {
	struct engine *e;
	struct conf *conf;
	struct filter_set *filters;
	struct digest_set *digests;
	struct engine_rules **lc; /* the distinct logcheck rule sets */
	size_t n_lc;
	int32_t *lc_of;  /* per recipient: its set in lc, -1: no logcheck filter */
	size_t *lc_rcpt; /* the recipients with a logcheck filter, ascending */
	size_t n_lc_rcpt;
	char from[320];        /* `mail from`, else logmail@<this host> */
	unsigned refs;         /* under e->lock */
	bool counted;          /* in e->gens: it may hold messages (under e->lock) */
	bool no_server_logged; /* the delivery thread's */
};

/* engine_counters' totals, counted as they happen (relaxed atomics: each
 * is a count on its own, no other memory depends on it). */
struct engine_tally {
	_Atomic uint64_t received, accepted, batches_refused, unjournaled, digests_closed,
	    not_shown, mails_spooled, mails_sent, mails_deferred, mails_failed;
};

struct engine {
	/* set by engine_new, constant after */
	char *config_path;
	char *spool_dir;  /* NULL in a dry run */
	char *stats_path; /* <spool>/stats; NULL in a dry run */
	char *cache_dir;  /* compiled logcheck rules; NULL: none (a dry run, or "") */
	char **extra_lines;
	size_t n_extra_lines;
	char *extra_label;
	bool sync;
	engine_digest_fn dry_run;
	void *dry_run_arg;
	engine_log_fn log;
	void *log_arg;

	pthread_rwlock_t genlock; /* engine.h: "Locks"; writers first */
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* to the delivery thread */
	unsigned refs;        /* the front end's and each worker's */
	struct engine_gen *gen;
	unsigned gens; /* generations that may hold messages (after a reload
			* whose old one could not mail what it had: 2 for a while) */
	struct outbox *outbox;
	bool thread_started, stop, stopped;
	bool spooled;   /* a mail was spooled: deliver (unless backing off) */
	bool force;     /* the next delivery run ignores retry times (a reload) */
	bool rewake;    /* a digest opened: recompute the wake-up time */
	time_t wake_at; /* when the sleeping thread wakes; 0 while it works */
	pthread_t thread;

	pthread_mutex_t reload_lock; /* one engine_reload at a time (HUP, the file changed) */
	struct conf_stamp stamp;     /* config_path when last read (under reload_lock) */
	struct conf_stamp polled;    /* ...when the delivery thread last looked (its own) */

	pthread_mutex_t spool_lock;
	struct spool *spool; /* the submitting handle */

	pthread_mutex_t jlock;
	struct journal *journal; /* NULL until first opened */
	bool journal_failed;     /* the last open or write failed (logged once) */
	uint64_t unjournaled;    /* messages in the digests that no journal record
				  * covers (the journal failed: a full disk); until
				  * a rewrite covers them, the journal is left alone
				  * so the spool gets the disk's room first */
	bool unsynced;           /* written since the last journal_sync */
	time_t synced_at;        /* when journal_sync last ran */
	off_t journal_compacted; /* size after the last compaction */

	_Atomic time_t clock;      /* a dry run's latest now */
	_Atomic bool stats_failed; /* the last save of <spool>/stats failed (logged) */
	struct engine_tally tally;
};

/* engine.c */
void engine_log(struct engine *e, int level, enum engine_fault fault, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void engine_log_conf_err(struct engine *e, const char *what, const struct conf_err *err);
struct engine_gen *engine_gen_get(struct engine *e); /* a reference to the current one, or NULL */
void engine_gen_put(struct engine_gen *g);           /* NULL is safe */
void engine_gen_flush(struct engine_gen *g, time_t now);
int engine_emit(void *arg, const struct digest_mail *m); /* digest_emit_fn, arg a generation */
void engine_kick(struct engine *e);                      /* a mail was spooled: deliver */
void engine_rewake(struct engine *e, time_t deadline);   /* a digest is due at deadline */
void engine_stats_save(struct engine_gen *g);
void engine_clock_advance(struct engine *e, time_t now); /* a dry run's clock */
void engine_put(struct engine *e);                       /* drop a reference; the last frees */
void engine_hold(struct engine *e);

/* The index of address among g's recipients (its filters', digests' and
 * configuration's), or -1. */
long engine_recipient_index(const struct engine_gen *g, const char *address);

/* journaling.c: every function but engine_journal_start with jlock held */
/* Open the journal (replaying a crash's) unless it is open; false with err
 * filled (not logged) when it cannot be. */
bool engine_journal_ready(struct engine *e, struct engine_gen *g, struct journal_err *err);
void engine_journal_start(struct engine *e);
enum journal_status engine_journal_write(struct engine *e, time_t now, struct journal_err *err);
void engine_journal_sync(struct engine *e, time_t now);
void engine_journal_settle(struct engine *e, struct engine_gen *g);
bool engine_journal_grown(const struct engine *e);

/* rules.c */
/* g's rule sets, from old's where unchanged (old may be NULL).  0, or -1
 * when out of memory. */
int engine_rules_build(struct engine *e, struct engine_gen *g, const struct engine_gen *old);
void engine_rules_free(struct engine_gen *g);
void engine_rules_put(struct engine_rules *rs);

/* A worker's traditional syslog line, "Nov  3 12:00:01 HOST TAG TEXT", as
 * rsyslog's RSYSLOG_TraditionalFileFormat writes it: what logcheck's rules
 * are matched against.  The buffer only grows. */
struct engine_line {
	char *buf;
	size_t len, cap;
	time_t ts_cached; /* the second ts_text shows */
	char ts_text[16];
};

/* Render m, logged at ts, into l; false when out of memory. */
bool engine_line_render(struct engine_line *l, const struct engine_msg *m, time_t ts);

/* Reload when the configuration file changed since it was last read and
 * has stayed as it is since the last look (the delivery thread, every
 * ENGINE_CONF_POLL_SEC): a file being written in place is read once it is
 * whole. */
void engine_reload_if_changed(struct engine *e);

/* delivery.c */
void engine_stop_threads(struct engine *e);  /* the delivery thread */
size_t engine_stop_outbox(struct engine *e); /* mails lost from memory (logged) */
enum smtp_status engine_spool_now(struct engine *e, const struct smtp_message *m,
				  struct smtp_err *err);

#endif
