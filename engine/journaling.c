/*
 * engine/journaling.c: the engine's use of its journal (engine/journal.h):
 * open and replay after a crash, write each batch, sync, and settle what
 * the spool now holds.  Why and when: engine/engine.h, "Crash safety".
 * Every function but engine_journal_start runs with e->jlock held.
 */
#include <syslog.h>

#include "engine/internal.h"

/* The digest index of address in g, or -1. */
static long recipient_index(const struct engine_gen *g, const char *address)
{
	const struct conf_recipient *r = conf_recipient_find(g->conf, address);

	return r == NULL ? -1 : (long)(r - g->conf->recipients);
}

static unsigned long held(const struct engine_gen *g, long idx)
{
	struct digest_counters c;

	if (idx < 0 || digest_counters(g->digests, (size_t)idx, &c) != DIGEST_OK)
		return 0;
	return c.held;
}

/* journal_keep_fn: a recipient's held messages are its newest records. */
static size_t keep(void *arg, const char *to)
{
	const struct engine_gen *g = arg;
	long idx = recipient_index(g, to);

	return idx < 0 ? (size_t)-1 : (size_t)held(g, idx);
}

bool engine_journal_grown(const struct engine *e)
{
	off_t size = journal_size(e->journal);

	return size >= ENGINE_JOURNAL_MAX && size >= 2 * e->journal_compacted;
}

void engine_journal_settle(struct engine *e, struct engine_gen *g)
{
	struct outbox *ob;
	struct journal_err err;
	unsigned long n_held = 0;
	unsigned gens;
	size_t i, n;

	if (e->journal == NULL || journal_size(e->journal) == 0)
		return;
	pthread_mutex_lock(&e->lock);
	gens = e->gens;
	ob = e->outbox;
	pthread_mutex_unlock(&e->lock);
	if (gens != 1) /* an old generation's digests are not counted here */
		return;
	n = digest_set_count(g->digests);
	for (i = 0; i < n; i++)
		n_held += held(g, (long)i);
	/* held first, the outbox second: an emitted mail enters the outbox
	 * before its messages leave `held`, so none slips between the two */
	if (ob != NULL && outbox_pending(ob) > 0)
		return;
	if (n_held == 0) {
		if (journal_clear(e->journal, &err) != JOURNAL_OK)
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
		e->journal_compacted = 0;
		return;
	}
	if (!engine_journal_grown(e))
		return;
	if (journal_compact(e->journal, keep, g, &err) != JOURNAL_OK)
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
	e->journal_compacted = journal_size(e->journal);
}

struct replay {
	struct engine_gen *g;
	time_t now;
	unsigned long replayed, dropped;
};

static int replay_one(void *arg, const char *to, const struct digest_msg *m)
{
	struct replay *r = arg;
	long idx = recipient_index(r->g, to);

	if (idx < 0) {
		r->dropped++;
		return 0;
	}
	(void)digest_add(r->g->digests, (size_t)idx, m, r->now, engine_emit, r->g);
	r->replayed++;
	return 0;
}

bool engine_journal_ready(struct engine *e, struct engine_gen *g)
{
	struct replay r = {.g = g, .now = time(NULL)};
	struct journal_err err;
	size_t bad = 0;

	if (e->journal != NULL)
		return true;
	if (journal_open(&e->journal, e->spool_dir, &err) != JOURNAL_OK) {
		if (!e->journal_failed)
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
		e->journal_failed = true;
		return false;
	}
	e->journal_failed = false;
	if (journal_size(e->journal) == 0)
		return true;
	if (journal_replay(e->journal, replay_one, &r, &bad, &err) != JOURNAL_OK) {
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
		journal_close(e->journal);
		e->journal = NULL;
		return false;
	}
	engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE,
		   "recovered %lu messages held in digests at an abrupt stop (%s/" JOURNAL_DIR
		   "/" JOURNAL_NAME ")%s",
		   r.replayed, e->spool_dir, r.dropped + bad > 0 ? "; some were not" : "");
	if (r.dropped + bad > 0)
		engine_log(e, LOG_ERR, ENGINE_FAULT_DATA,
			   "%lu journaled messages for recipients no longer configured "
			   "and %zu malformed records were dropped",
			   r.dropped, bad);
	engine_journal_settle(e, g);
	return true;
}

/* engine_start: recover before anything else runs (a batch that comes
 * first recovers first, under jlock). */
void engine_journal_start(struct engine *e)
{
	struct engine_gen *g = engine_gen_get(e);

	if (g == NULL)
		return;
	pthread_mutex_lock(&e->jlock);
	(void)engine_journal_ready(e, g);
	pthread_mutex_unlock(&e->jlock);
	engine_rewake(e, digest_next_deadline(g->digests));
	engine_gen_put(g);
}

/* fdatasync the journal when it was written more than ENGINE_SYNC_PERIOD
 * ago (sync=false: at most that much is lost to a crash of the machine,
 * nothing to a crash of the process). */
void engine_journal_sync(struct engine *e, time_t now)
{
	struct journal_err err;

	if (!e->unsynced || now - e->synced_at < ENGINE_SYNC_PERIOD)
		return;
	if (journal_sync(e->journal, &err) != JOURNAL_OK)
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
	e->unsynced = false;
	e->synced_at = now;
}

/* Append the staged records: fdatasync'd at once with sync, else within
 * ENGINE_SYNC_PERIOD. */
enum journal_status engine_journal_write(struct engine *e, time_t now, struct journal_err *err)
{
	enum journal_status st;

	if (e->sync)
		return journal_commit(e->journal, err);
	st = journal_write(e->journal, err);
	if (st == JOURNAL_OK) {
		e->unsynced = true;
		engine_journal_sync(e, now);
	}
	return st;
}
