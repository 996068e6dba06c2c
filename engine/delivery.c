/*
 * engine/delivery.c: the spool side of the engine: engine_start and
 * engine_ready, the outbox and the delivery thread (engine/engine.h,
 * "Threads").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/params.h"
#include "engine/oauth.h"
#include "util/util.h"

/* The submitting spool handle, opened on first use.  Caller holds
 * spool_lock. */
static struct spool *spool_locked(struct engine *e, struct smtp_err *err)
{
	if (e->spool == NULL && spool_open(&e->spool, e->spool_dir, err) != SMTP_OK)
		e->spool = NULL;
	return e->spool;
}

/* n mails the spool put into failed/ at submission (spool_submit_batch's
 * SMTP_EPERM: they can never be sent), err the first one's reason. */
static void failed_at_submission(struct engine *e, size_t n, const struct smtp_err *err)
{
	engine_log(e, LOG_ERR, ENGINE_FAULT_DATA,
		   "%zu mails can never be sent and are kept in %s/failed: %s", n, e->spool_dir,
		   err->msg);
	atomic_fetch_add_explicit(&e->tally.mails_failed, n, memory_order_relaxed);
}

/* m into the spool on the caller's thread (no outbox).  SMTP_OK also when
 * the spool kept m in failed/ because it can never be sent (logged and
 * counted): retrying could only put it there again. */
enum smtp_status engine_spool_now(struct engine *e, const struct smtp_message *m,
				  struct smtp_err *err)
{
	char id[SPOOL_ID_MAX];
	enum smtp_status st = SMTP_EIO;
	struct spool *sp;

	pthread_mutex_lock(&e->spool_lock);
	sp = spool_locked(e, err);
	if (sp != NULL)
		st = spool_submit(sp, m, id, err);
	pthread_mutex_unlock(&e->spool_lock);
	if (st == SMTP_EPERM) { /* in failed/: taken, not to be tried again */
		failed_at_submission(e, 1, err);
		return SMTP_OK;
	}
	if (st == SMTP_OK) {
		atomic_fetch_add_explicit(&e->tally.mails_spooled, 1, memory_order_relaxed);
		engine_kick(e);
	}
	return st;
}

/* outbox_spooled_fn, on the outbox's thread.  It only wakes the delivery
 * thread, which also settles the journal: taking jlock here could wait for
 * a worker that waits for room in this very outbox. */
static void spooled(void *arg, size_t n, size_t failed, const struct smtp_err *err)
{
	struct engine *e = arg;

	if (err != NULL && failed > 0)
		failed_at_submission(e, failed, err);
	else if (err != NULL)
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO,
			   "cannot queue mails in %s: %s (kept, retried in %d s)", e->spool_dir,
			   err->msg, OUTBOX_RETRY_SEC);
	if (n > 0) {
		atomic_fetch_add_explicit(&e->tally.mails_spooled, n, memory_order_relaxed);
		engine_kick(e);
	}
}

size_t engine_stop_outbox(struct engine *e)
{
	struct smtp_err err = {0};
	struct outbox *ob;
	size_t lost;

	pthread_mutex_lock(&e->lock);
	ob = e->outbox;
	e->outbox = NULL;
	pthread_mutex_unlock(&e->lock);
	lost = outbox_stop(ob, &err);
	if (lost > 0)
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO,
			   "%zu mails could not be spooled to %s: %s (their messages "
			   "stay in the journal, mailed after the next start)",
			   lost, e->spool_dir, err.msg);
	return lost;
}

/* ---- the delivery thread ------------------------------------------------ */

static void transcript(void *arg, char dir, const char *line)
{
	/* LOG_INFO: `debug mail` is an explicit request to see the dialogue
	 * (rsyslog drops internal debug messages by default) */
	engine_log(arg, LOG_INFO, ENGINE_FAULT_NONE, "smtp %c: %s", dir, line);
}

/* `debug mail`: the AWP feature guide's lines ("Recipient accepted [x]"). */
static void event(void *arg, const char *line)
{
	engine_log(arg, LOG_INFO, ENGINE_FAULT_NONE, "%s", line);
}

static void tally_run(struct engine *e, const struct spool_run *run)
{
	atomic_fetch_add_explicit(&e->tally.mails_sent, run->sent, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->tally.mails_deferred, run->deferred, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->tally.mails_failed, run->failed, memory_order_relaxed);
}

/* One delivery run.  Returns true when the server could not be reached or
 * deferred mails (back off), false otherwise.  oauth: the thread's access
 * token source, its token kept across runs (engine/oauth.h). */
static bool deliver(struct engine_gen *g, struct spool **sp, struct engine_oauth *oauth,
		    bool force)
{
	struct engine *e = g->e;
	struct smtp_params p;
	struct smtp_err err = {0};
	struct conf_err cerr;
	struct spool_run run = {0};
	char password[512] = "", why[600];
	enum smtp_status st;

	if (g->conf->server == NULL) {
		if (!g->no_server_logged)
			engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE,
				   "no `mail smtpserver` in %s: mails stay in %s", e->config_path,
				   e->spool_dir);
		g->no_server_logged = true;
		return false;
	}
	if (*sp == NULL && spool_open(sp, e->spool_dir, &err) != SMTP_OK) {
		*sp = NULL;
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "spool %s: %s", e->spool_dir, err.msg);
		return true;
	}
	engine_smtp_params(g->conf, &p);
	if (p.auth == SMTP_AUTH_XOAUTH2 || p.auth == SMTP_AUTH_OAUTHBEARER) {
		if (engine_oauth_params(oauth, g->conf, e->config_path, *sp, &p, why,
					sizeof(why)) < 0) {
			engine_log(e, LOG_ERR, ENGINE_FAULT_UNAVAILABLE, "%s", why);
			return true;
		}
	} else if (g->conf->auth != CONF_AUTH_NONE) {
		if (conf_password(g->conf, password, sizeof(password), &cerr) != CONF_OK) {
			engine_log_conf_err(e, "cannot use the SMTP password: ", &cerr);
			return true;
		}
		p.password = password;
	}
	switch (spool_debug_level(*sp)) {
	case SPOOL_DEBUG_DETAIL: /* `debug mail detail`: the dialogue too */
		p.transcript = transcript;
		p.transcript_arg = e;
		/* fall through */
	case SPOOL_DEBUG_ON:
		p.event = event;
		p.event_arg = e;
		break;
	default:
		break;
	}
	st = spool_deliver(*sp, &p, force, NULL, &run, &err);
	explicit_bzero(password, sizeof(password));
	tally_run(e, &run);
	if (run.auth_failed > 0) /* once per run; the mails stay queued */
		engine_log(e, LOG_ERR, ENGINE_FAULT_UNAVAILABLE,
			   "authentication to %s refused (%s): %u mails stay queued "
			   "(`logmail show counter mail` counts the refusals)",
			   g->conf->server, err.msg, run.deferred);
	else if (st != SMTP_OK && st != SMTP_EBUSY)
		engine_log(e, LOG_ERR, ENGINE_FAULT_UNAVAILABLE, "delivery to %s: %s",
			   g->conf->server, err.msg);
	else if (run.failed > 0)
		engine_log(e, LOG_ERR, ENGINE_FAULT_DATA,
			   "%u mails failed permanently (see `logmail show mail`)", run.failed);
	return (st != SMTP_OK && st != SMTP_EBUSY) || run.deferred > 0;
}

static time_t min_deadline(time_t a, time_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* The delivery thread's schedule, its own. */
struct schedule {
	time_t next_deliver, next_stats, next_conf, backoff;
};

/* One pass: close due digests, settle and sync the journal, deliver when
 * it is time, save the statistics.  Returns when the thread should wake. */
static time_t pass(struct engine *e, struct engine_gen *g, struct spool **sp,
		   struct engine_oauth *oauth, struct schedule *s, bool spooled, bool force)
{
	time_t now = time(NULL), deadline, sync_at;

	(void)digest_poll(g->digests, now, engine_emit, g);
	pthread_mutex_lock(&e->jlock);
	engine_journal_settle(e, g);
	engine_journal_sync(e, now);
	sync_at = e->unsynced ? e->synced_at + ENGINE_SYNC_PERIOD : 0;
	pthread_mutex_unlock(&e->jlock);
	if (force || now >= s->next_deliver || (spooled && s->backoff == 0)) {
		if (deliver(g, sp, oauth, force)) {
			s->backoff = s->backoff == 0 ? ENGINE_BACKOFF_MIN : s->backoff * 2;
			if (s->backoff > ENGINE_BACKOFF_MAX)
				s->backoff = ENGINE_BACKOFF_MAX;
			s->next_deliver = now + s->backoff;
		} else {
			s->backoff = 0;
			s->next_deliver = now + ENGINE_DELIVER_PERIOD;
		}
	}
	if (now >= s->next_stats) {
		engine_stats_save(g);
		s->next_stats = now + ENGINE_STATS_PERIOD;
	}
	deadline = min_deadline(digest_next_deadline(g->digests), s->next_deliver);
	deadline = min_deadline(deadline, s->next_stats);
	return min_deadline(deadline, sync_at);
}

static void *thread_main(void *arg)
{
	struct engine *e = arg;
	struct spool *sp = NULL;
	struct engine_oauth oauth = {0};
	struct schedule s = {0};
	struct timespec ts;
	bool spooled, force;

	util_thread_nice(ENGINE_NICE);
	pthread_mutex_lock(&e->lock);
	while (!e->stop) {
		spooled = e->spooled;
		force = e->force;
		e->spooled = e->force = e->rewake = false;
		e->wake_at = 0;
		pthread_mutex_unlock(&e->lock);

		struct engine_gen *g = engine_gen_get(e);
		time_t now = time(NULL), deadline;

		if (g == NULL) { /* not reached: engine_stop stops this thread first */
			pthread_mutex_lock(&e->lock);
			break;
		}
		deadline = pass(e, g, &sp, &oauth, &s, spooled, force);
		engine_gen_put(g);
		if (now >= s.next_conf) { /* a save of the CLI's takes effect */
			engine_reload_if_changed(e);
			s.next_conf = now + ENGINE_CONF_POLL_SEC;
		}
		deadline = min_deadline(deadline, s.next_conf);

		pthread_mutex_lock(&e->lock);
		if (!e->spooled && !e->force && !e->rewake && !e->stop && deadline > now) {
			e->wake_at = deadline;
			ts.tv_sec = deadline;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&e->wake, &e->lock, &ts);
		}
	}
	pthread_mutex_unlock(&e->lock);
	spool_close(sp);
	engine_oauth_clear(&oauth);
	return NULL;
}

/* The outbox, then the delivery thread.  Caller holds e->lock. */
static void start_threads(struct engine *e)
{
	struct outbox_params p = {
	    .spool_dir = e->spool_dir, .spooled = spooled, .arg = e, .nice = ENGINE_NICE};
	struct smtp_err err = {0};
	int rc;

	if (e->outbox == NULL && outbox_start(&e->outbox, &p, &err) != SMTP_OK) {
		engine_log(e, LOG_ERR, ENGINE_FAULT_INTERNAL, "cannot start the outbox: %s",
			   err.msg);
		return;
	}
	rc = pthread_create(&e->thread, NULL, thread_main, e);
	if (rc == 0)
		e->thread_started = true;
	else
		engine_log(e, LOG_ERR, ENGINE_FAULT_INTERNAL,
			   "cannot start the delivery thread: %s", strerror(rc));
}

void engine_stop_threads(struct engine *e)
{
	bool started;

	pthread_mutex_lock(&e->lock);
	e->stop = true;
	started = e->thread_started;
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
	if (started)
		pthread_join(e->thread, NULL);
	pthread_mutex_lock(&e->lock);
	e->thread_started = false;
	pthread_mutex_unlock(&e->lock);
}

enum engine_status engine_ready(struct engine *e)
{
	struct smtp_err err = {0};
	bool ok, stopping;

	if (e->dry_run != NULL)
		return ENGINE_OK;
	pthread_mutex_lock(&e->spool_lock);
	ok = spool_locked(e, &err) != NULL && access(e->spool_dir, W_OK | X_OK) == 0;
	pthread_mutex_unlock(&e->spool_lock);
	if (!ok) {
		engine_log(e, LOG_ERR, ENGINE_FAULT_UNAVAILABLE, "spool %s not usable%s%s",
			   e->spool_dir, *err.msg ? ": " : "", err.msg);
		return ENGINE_ESPOOL;
	}
	pthread_mutex_lock(&e->lock);
	stopping = e->stop;
	if (!e->thread_started && !stopping)
		start_threads(e);
	ok = e->thread_started;
	pthread_mutex_unlock(&e->lock);
	return ok ? ENGINE_OK : stopping ? ENGINE_ESTOPPED : ENGINE_ESPOOL;
}

enum engine_status engine_start(struct engine *e)
{
	enum engine_status st = engine_ready(e);

	if (e->dry_run == NULL)
		engine_journal_start(e);
	return st;
}
