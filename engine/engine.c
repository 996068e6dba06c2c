/*
 * engine/engine.c: the engine and its generations: engine_new, reload,
 * stop, the digests' emit function and the counters.  The contract,
 * threads and locks: engine/engine.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/internal.h"

void engine_log(struct engine *e, int level, enum engine_fault fault, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (e->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->log(e->log_arg, level, fault, buf);
}

void engine_log_conf_err(struct engine *e, const char *what, const struct conf_err *err)
{
	char buf[1024];

	conf_err_format(err, buf, sizeof(buf));
	engine_log(e, LOG_ERR, ENGINE_FAULT_CONFIG, "%s%s", what, buf);
}

static time_t engine_now(struct engine *e)
{
	return e->dry_run != NULL ? atomic_load(&e->clock) : time(NULL);
}

/* ---- generations ------------------------------------------------------- */

static void gen_free(struct engine_gen *g)
{
	if (g == NULL)
		return;
	digest_set_free(g->digests);
	filter_set_free(g->filters);
	engine_rules_free(g);
	conf_free(g->conf);
	free(g);
}

/* Carry the statistics over from the stats file (a restart, a reload). */
static void stats_restore(struct engine_gen *g, const char *path)
{
	struct filter_stats_table t = {0};
	struct conf_err err;

	if (path != NULL && filter_stats_load(path, &t, &err) == FILTER_OK)
		filter_stats_restore(g->filters, &t);
	filter_stats_table_free(&t);
}

/* A failure is logged when it starts and when it ends, not every
 * ENGINE_STATS_PERIOD: `show log config` shows older figures meanwhile. */
void engine_stats_save(struct engine_gen *g)
{
	struct engine *e = g->e;
	struct conf_err err;
	bool ok;

	if (e->stats_path == NULL)
		return;
	ok = filter_stats_save(g->filters, e->stats_path, &err) == FILTER_OK;
	if (!ok && !atomic_exchange(&e->stats_failed, true))
		engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE,
			   "statistics not saved (`show log config` shows older figures): %s",
			   err.msg);
	else if (ok && atomic_exchange(&e->stats_failed, false))
		engine_log(e, LOG_INFO, ENGINE_FAULT_NONE, "statistics saved again in %s",
			   e->stats_path);
}

/* Parse the file, then the extra lines, compile the filters (the logcheck
 * rules unchanged since old, when not NULL, taken from it) and make the
 * digests, all empty, the counters at zero.  One reference, for the
 * caller.  0, or -1 with err filled. */
static int gen_load(struct engine *e, struct engine_gen **out, const struct engine_gen *old,
		    struct conf_err *err)
{
	struct engine_gen *g = calloc(1, sizeof(*g));
	struct smtp_subst subst;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (g == NULL || (g->conf = conf_new()) == NULL)
		goto nomem;
	g->e = e;
	g->refs = 1;
	if (conf_load(g->conf, e->config_path, err) != CONF_OK)
		goto fail;
	for (size_t i = 0; i < e->n_extra_lines; i++)
		if (conf_exec(g->conf, e->extra_lines[i], e->extra_label, (unsigned)i + 1, err) !=
		    CONF_OK)
			goto fail;
	if (filter_compile(g->conf, &g->filters, err) != FILTER_OK)
		goto fail;
	if (engine_rules_build(e, g, old) != 0)
		goto nomem;
	smtp_subst_default(&subst, g->conf->serial);
	g->digests = digest_set_new(g->conf, subst.hostname, subst.serial);
	if (g->digests == NULL)
		goto nomem;
	if (g->conf->from != NULL) {
		snprintf(g->from, sizeof(g->from), "%s", g->conf->from);
	} else {
		/* The domain EHLO and the Message-IDs use (RFC 5321 4.1.4). */
		char domain[256];

		smtp_local_domain(g->conf->helo, domain, sizeof(domain));
		snprintf(g->from, sizeof(g->from), "logmail@%s", domain);
	}
	pthread_mutex_lock(&e->lock);
	e->gens++;
	g->counted = true;
	pthread_mutex_unlock(&e->lock);
	*out = g;
	return 0;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
fail:
	gen_free(g);
	return -1;
}

struct engine_gen *engine_gen_get(struct engine *e)
{
	struct engine_gen *g;

	pthread_mutex_lock(&e->lock);
	g = e->gen;
	if (g != NULL)
		g->refs++;
	pthread_mutex_unlock(&e->lock);
	return g;
}

/* Emit every digest of g, whatever its window and rate limit. */
void engine_gen_flush(struct engine_gen *g, time_t now)
{
	struct digest_counters c;
	unsigned long lost = 0;
	size_t i, n;

	if (digest_flush_all(g->digests, now, engine_emit, g) == DIGEST_OK)
		return;
	n = digest_set_count(g->digests);
	for (i = 0; i < n; i++)
		if (digest_counters(g->digests, i, &c) == DIGEST_OK)
			lost += c.held;
	engine_log(g->e, LOG_ERR, ENGINE_FAULT_IO,
		   "%lu messages held in digests could not be spooled to %s", lost,
		   g->e->spool_dir != NULL ? g->e->spool_dir : "the dry run");
}

/* The last holder of a generation flushes its digests into the spool. */
static void gen_retire(struct engine_gen *g)
{
	struct engine *e = g->e;

	engine_gen_flush(g, engine_now(e));
	pthread_mutex_lock(&e->lock);
	if (g->counted)
		e->gens--;
	pthread_mutex_unlock(&e->lock);
	gen_free(g);
}

void engine_gen_put(struct engine_gen *g)
{
	bool last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->e->lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&g->e->lock);
	if (last)
		gen_retire(g);
}

/* ---- the delivery thread's wake-ups ------------------------------------ */

void engine_kick(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->spooled = true;
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
}

void engine_rewake(struct engine *e, time_t deadline)
{
	if (deadline == 0 || e->dry_run != NULL)
		return;
	pthread_mutex_lock(&e->lock);
	if (e->wake_at == 0 || deadline < e->wake_at) {
		e->rewake = true;
		pthread_cond_signal(&e->wake);
	}
	pthread_mutex_unlock(&e->lock);
}

/* ---- emitting ----------------------------------------------------------- */

long engine_recipient_index(const struct engine_gen *g, const char *address)
{
	const struct conf_recipient *r = conf_recipient_find(g->conf, address);

	return r == NULL ? -1 : (long)(r - g->conf->recipients);
}

/* Count m's messages as mailed.  A reload's old generation may emit a
 * mail after the new one took over (one being emitted while the reload
 * carried the counts, or the digest of a recipient no longer configured):
 * its counts go to the same recipient in the current generation, when it
 * has one, else `show log config` and impstats would never see them. */
static void count_mailed(struct engine_gen *g, const struct digest_mail *m)
{
	struct engine_gen *cur = engine_gen_get(g->e);
	long r = cur != NULL && cur != g ? engine_recipient_index(cur, m->to) : -1;

	if (r >= 0)
		filter_stats_add_mailed(cur->filters, (size_t)r, m->n_messages, m->now);
	else
		filter_stats_add_mailed(g->filters, m->recipient, m->n_messages, m->now);
	engine_gen_put(cur);
}

/* digest_emit_fn: a closed digest goes to the outbox, whose thread writes it
 * into the spool and wakes the delivery thread; before the outbox runs and
 * after it stopped, into the spool on this thread; in a dry run, to the
 * dry-run function. */
int engine_emit(void *arg, const struct digest_mail *m)
{
	struct engine_gen *g = arg;
	struct engine *e = g->e;
	struct smtp_message msg = {
	    .from = g->from,
	    .to = m->to,
	    .subject = m->subject,
	    .body = m->body,
	    .date = m->now,
	    .domain = g->conf->helo,
	};
	struct smtp_err err = {0};
	struct outbox *ob;
	enum smtp_status st;

	if (e->dry_run != NULL) {
		e->dry_run(e->dry_run_arg, m);
	} else {
		pthread_mutex_lock(&e->lock);
		ob = e->outbox;
		pthread_mutex_unlock(&e->lock);
		st = ob != NULL ? outbox_put(ob, &msg, &err) : engine_spool_now(e, &msg, &err);
		if (st != SMTP_OK) {
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO,
				   "cannot queue the mail to %s in %s: %s (kept, retried in %d s)",
				   m->to, e->spool_dir, err.msg, DIGEST_RETRY_SEC);
			return -1;
		}
	}
	count_mailed(g, m);
	atomic_fetch_add_explicit(&e->tally.digests_closed, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->tally.not_shown, m->n_not_shown, memory_order_relaxed);
	return 0;
}

/* ---- the engine --------------------------------------------------------- */

static void engine_destroy(struct engine *e)
{
	if (e == NULL)
		return;
	(void)engine_stop_outbox(e); /* its thread calls back into e */
	spool_close(e->spool);
	journal_close(e->journal);
	pthread_mutex_destroy(&e->jlock);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->spool_lock);
	pthread_mutex_destroy(&e->reload_lock);
	pthread_mutex_destroy(&e->lock);
	pthread_rwlock_destroy(&e->genlock);
	for (size_t i = 0; i < e->n_extra_lines; i++)
		free(e->extra_lines[i]);
	free(e->extra_lines);
	free(e->extra_label);
	free(e->config_path);
	free(e->spool_dir);
	free(e->stats_path);
	free(e->cache_dir);
	free(e);
}

void engine_hold(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->refs++;
	pthread_mutex_unlock(&e->lock);
}

void engine_put(struct engine *e)
{
	bool last;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&e->lock);
	if (last)
		engine_destroy(e);
}

/* Where the compiled logcheck rules are kept: dir, or <spool>/cache when
 * it is NULL, or nowhere when it is "".  false when out of memory. */
static bool copy_cache_dir(struct engine *e, const char *dir)
{
	if (dir != NULL)
		return *dir == '\0' || (e->cache_dir = strdup(dir)) != NULL;
	if (asprintf(&e->cache_dir, "%s/%s", e->spool_dir, SPOOL_NAME_CACHE) < 0) {
		e->cache_dir = NULL;
		return false;
	}
	return true;
}

static bool copy_params(struct engine *e, const struct engine_params *p)
{
	e->config_path = strdup(p->config_path != NULL ? p->config_path : CONF_DEFAULT_PATH);
	e->extra_label = strdup(p->extra_label != NULL ? p->extra_label : "<extra lines>");
	if (e->config_path == NULL || e->extra_label == NULL)
		return false;
	if (p->dry_run == NULL) {
		e->spool_dir = strdup(p->spool_dir != NULL ? p->spool_dir : SPOOL_DEFAULT_DIR);
		if (e->spool_dir == NULL ||
		    asprintf(&e->stats_path, "%s/%s", e->spool_dir, SPOOL_NAME_STATS) < 0) {
			e->stats_path = NULL;
			return false;
		}
		if (!copy_cache_dir(e, p->cache_dir))
			return false;
	}
	if (p->n_extra_lines > 0) {
		e->extra_lines = calloc(p->n_extra_lines, sizeof(*e->extra_lines));
		if (e->extra_lines == NULL)
			return false;
		for (; e->n_extra_lines < p->n_extra_lines; e->n_extra_lines++) {
			e->extra_lines[e->n_extra_lines] = strdup(p->extra_lines[e->n_extra_lines]);
			if (e->extra_lines[e->n_extra_lines] == NULL)
				return false;
		}
	}
	e->sync = p->sync;
	e->dry_run = p->dry_run;
	e->dry_run_arg = p->dry_run_arg;
	e->log = p->log;
	e->log_arg = p->log_arg;
	return true;
}

/* genlock prefers writers: workers hold it one batch at a time, back to
 * back, and a reload must not wait for a pause in the traffic. */
static bool init_genlock(struct engine *e)
{
	pthread_rwlockattr_t a;
	bool ok;

	if (pthread_rwlockattr_init(&a) != 0)
		return false;
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ok = pthread_rwlock_init(&e->genlock, &a) == 0;
	pthread_rwlockattr_destroy(&a);
	return ok;
}

/* The engine's locks; false (nothing left made) on failure. */
static bool init_locks(struct engine *e)
{
	if (!init_genlock(e))
		return false;
	if (pthread_mutex_init(&e->lock, NULL) != 0)
		goto genlock;
	if (pthread_mutex_init(&e->reload_lock, NULL) != 0)
		goto lock;
	if (pthread_mutex_init(&e->spool_lock, NULL) != 0)
		goto reload_lock;
	if (pthread_cond_init(&e->wake, NULL) != 0)
		goto spool_lock;
	if (pthread_mutex_init(&e->jlock, NULL) != 0)
		goto wake;
	return true;
wake:
	pthread_cond_destroy(&e->wake);
spool_lock:
	pthread_mutex_destroy(&e->spool_lock);
reload_lock:
	pthread_mutex_destroy(&e->reload_lock);
lock:
	pthread_mutex_destroy(&e->lock);
genlock:
	pthread_rwlock_destroy(&e->genlock);
	return false;
}

enum engine_status engine_new(struct engine **out, const struct engine_params *p,
			      struct conf_err *err)
{
	struct engine *e = calloc(1, sizeof(*e));

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (e == NULL)
		goto nomem;
	if (!init_locks(e)) {
		free(e);
		goto nomem;
	}
	e->refs = 1;
	if (!copy_params(e, p)) {
		engine_destroy(e);
		goto nomem;
	}
	conf_stamp_get(e->config_path, &e->stamp);
	e->polled = e->stamp;
	if (gen_load(e, &e->gen, NULL, err) != 0) {
		engine_destroy(e);
		return ENGINE_ECONF;
	}
	stats_restore(e->gen, e->stats_path);
	*out = e;
	return ENGINE_OK;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return ENGINE_ENOMEM;
}

size_t engine_recipients(struct engine *e)
{
	size_t n = 0;

	pthread_mutex_lock(&e->lock);
	if (e->gen != NULL)
		n = filter_set_recipients(e->gen->filters);
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* Hand old's digests and counts to g and make g current.  Under genlock
 * (no worker between its match and its digests, none counting) and jlock
 * (no compaction reading the digests).  A digest's window, rate limit and
 * counts go on in g as if nothing happened; old keeps only the digests of
 * recipients g does not have. */
static void gen_take_over(struct engine *e, struct engine_gen *old, struct engine_gen *g)
{
	pthread_rwlock_wrlock(&e->genlock);
	pthread_mutex_lock(&e->jlock);
	if (digest_set_carry(g->digests, old->digests) != DIGEST_OK)
		engine_log(e, LOG_ERR, ENGINE_FAULT_DATA,
			   "reload: out of memory carrying digests over; they are mailed now");
	pthread_mutex_lock(&e->lock);
	e->gen = g;
	e->force = true; /* the server may have been fixed: retry the queue now */
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
	/* after the swap: a mail old emits from here on counts in g (count_mailed) */
	filter_stats_carry(g->filters, old->filters);
	pthread_mutex_unlock(&e->jlock);
	pthread_rwlock_unlock(&e->genlock);
}

/* old's digests of recipients no longer configured go out now, not when
 * its last worker moves on (which, in silence, may be never).  Once old
 * holds nothing, it no longer keeps the journal from being settled. */
static void gen_retire_early(struct engine *e, struct engine_gen *old)
{
	engine_gen_flush(old, engine_now(e));
	if (!digest_set_idle(old->digests))
		return; /* gen_retire tries again */
	pthread_mutex_lock(&e->lock);
	old->counted = false;
	e->gens--;
	pthread_mutex_unlock(&e->lock);
}

/* engine_reload with reload_lock held. */
static enum engine_status reload_locked(struct engine *e, struct conf_err *err)
{
	struct engine_gen *old = engine_gen_get(e), *g;

	if (old == NULL) {
		snprintf(err->msg, sizeof(err->msg), "the engine is stopping");
		return ENGINE_ESTOPPED;
	}
	/* before reading: a change made while it is read is seen next time */
	conf_stamp_get(e->config_path, &e->stamp);
	if (gen_load(e, &g, old, err) != 0) {
		engine_log_conf_err(
		    e, "configuration not reloaded, the previous one stays in effect: ", err);
		engine_gen_put(old);
		return ENGINE_ECONF;
	}
	gen_take_over(e, old, g);
	gen_retire_early(e, old);
	engine_gen_put(old); /* ours */
	engine_gen_put(old); /* the engine's */
	engine_log(e, LOG_INFO, ENGINE_FAULT_NONE, "%s reloaded, %zu recipients", e->config_path,
		   filter_set_recipients(g->filters));
	return ENGINE_OK;
}

enum engine_status engine_reload(struct engine *e, struct conf_err *err)
{
	enum engine_status st;

	pthread_mutex_lock(&e->reload_lock);
	st = reload_locked(e, err);
	pthread_mutex_unlock(&e->reload_lock);
	return st;
}

void engine_reload_if_changed(struct engine *e)
{
	struct conf_stamp now;
	struct conf_err err;
	bool settled;

	conf_stamp_get(e->config_path, &now);
	settled = conf_stamp_equal(&now, &e->polled);
	e->polled = now;
	if (!settled)
		return;
	pthread_mutex_lock(&e->reload_lock);
	if (!conf_stamp_equal(&now, &e->stamp)) {
		engine_log(e, LOG_INFO, ENGINE_FAULT_NONE, "%s changed: reading it again",
			   e->config_path);
		(void)reload_locked(e, &err); /* logged; a broken file is tried once */
	}
	pthread_mutex_unlock(&e->reload_lock);
}

void engine_clock_advance(struct engine *e, time_t now)
{
	time_t seen;

	if (e->dry_run == NULL)
		return;
	seen = atomic_load(&e->clock);
	while (now > seen && !atomic_compare_exchange_weak(&e->clock, &seen, now))
		;
}

void engine_tick(struct engine *e, time_t now)
{
	struct engine_gen *g;

	engine_clock_advance(e, now);
	g = engine_gen_get(e);
	if (g == NULL)
		return;
	(void)digest_poll(g->digests, now, engine_emit, g);
	engine_gen_put(g);
}

/* Settle what the stop left: the journal keeps what the spool did not get
 * (lost mails, a failed flush), and gets its last fdatasync. */
static void stop_journal(struct engine *e, struct engine_gen *g, size_t lost)
{
	struct journal_err jerr;

	pthread_mutex_lock(&e->jlock);
	if (lost == 0)                       /* else the journal keeps them for the next start */
		engine_journal_settle(e, g); /* kept when the flush failed */
	/* the last sync, whatever ENGINE_SYNC_PERIOD says: nothing follows it */
	if (e->journal != NULL && journal_sync(e->journal, &jerr) != JOURNAL_OK)
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", jerr.msg);
	journal_close(e->journal);
	e->journal = NULL;
	pthread_mutex_unlock(&e->jlock);
}

void engine_stop(struct engine *e)
{
	struct engine_gen *g;
	size_t lost;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	g = e->stopped ? NULL : e->gen;
	e->stopped = true;
	pthread_mutex_unlock(&e->lock);
	engine_stop_threads(e);
	if (g == NULL)
		return;
	engine_gen_flush(g, engine_now(e));
	lost = engine_stop_outbox(e);
	stop_journal(e, g, lost);
	if (e->spool != NULL) /* not after a configuration check, which made no spool */
		engine_stats_save(g);
	pthread_mutex_lock(&e->lock);
	e->gen = NULL;
	pthread_mutex_unlock(&e->lock);
	engine_gen_put(g);
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	engine_stop(e);
	engine_put(e);
}

/* ---- counters ----------------------------------------------------------- */

const char *const engine_counter_names[] = {
    "received",      "accepted",      "batches_refused", "unjournaled",
    "digests_closed", "not_shown",    "mails_spooled",   "mails_sent",
    "mails_deferred", "mails_failed", "journal_bytes",   "outbox_depth",
};

const size_t engine_counter_offsets[] = {
    offsetof(struct engine_counters, received),
    offsetof(struct engine_counters, accepted),
    offsetof(struct engine_counters, batches_refused),
    offsetof(struct engine_counters, unjournaled),
    offsetof(struct engine_counters, digests_closed),
    offsetof(struct engine_counters, not_shown),
    offsetof(struct engine_counters, mails_spooled),
    offsetof(struct engine_counters, mails_sent),
    offsetof(struct engine_counters, mails_deferred),
    offsetof(struct engine_counters, mails_failed),
    offsetof(struct engine_counters, journal_bytes),
    offsetof(struct engine_counters, outbox_depth),
};

_Static_assert(sizeof(engine_counter_names) / sizeof(engine_counter_names[0]) == ENGINE_N_COUNTERS,
	       "a name for every counter");
_Static_assert(sizeof(engine_counter_offsets) / sizeof(engine_counter_offsets[0]) ==
		   ENGINE_N_COUNTERS,
	       "an offset for every counter");

static uint64_t load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void engine_counters(struct engine *e, struct engine_counters *out)
{
	struct engine_tally *t = &e->tally;
	struct outbox *ob;

	*out = (struct engine_counters){
	    .received = load(&t->received),
	    .accepted = load(&t->accepted),
	    .batches_refused = load(&t->batches_refused),
	    .unjournaled = load(&t->unjournaled),
	    .digests_closed = load(&t->digests_closed),
	    .not_shown = load(&t->not_shown),
	    .mails_spooled = load(&t->mails_spooled),
	    .mails_sent = load(&t->mails_sent),
	    .mails_deferred = load(&t->mails_deferred),
	    .mails_failed = load(&t->mails_failed),
	};
	pthread_mutex_lock(&e->jlock);
	out->journal_bytes = e->journal != NULL ? (uint64_t)journal_size(e->journal) : 0;
	pthread_mutex_unlock(&e->jlock);
	pthread_mutex_lock(&e->lock);
	ob = e->outbox;
	/* outbox_pending under e->lock: the outbox is not stopped meanwhile */
	out->outbox_depth = ob != NULL ? outbox_pending(ob) : 0;
	pthread_mutex_unlock(&e->lock);
}

bool engine_recipient_counters(struct engine *e, size_t i, struct engine_recipient_counters *out)
{
	struct engine_gen *g = engine_gen_get(e);
	struct filter_received rcv;
	struct filter_stats fs;
	struct digest_counters dc;
	bool ok = g != NULL && i < filter_set_recipients(g->filters);

	if (ok) {
		filter_stats_get(g->filters, i, &fs);
		filter_stats_received(g->filters, &rcv);
		ok = digest_counters(g->digests, i, &dc) == DIGEST_OK;
	}
	if (ok) {
		*out = (struct engine_recipient_counters){
		    .received = rcv.received,
		    .accepted = fs.accepted,
		    .mailed = fs.mailed,
		    .held = dc.held,
		    .not_shown = dc.not_shown,
		    .mails = dc.mails,
		    .last_mail = fs.last_mail,
		};
		snprintf(out->address, sizeof(out->address), "%s",
			 filter_set_address(g->filters, i));
	}
	engine_gen_put(g);
	return ok;
}
