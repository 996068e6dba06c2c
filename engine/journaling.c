/*
 * engine/journaling.c: the engine's use of its journal (engine/journal.h):
 * open and replay after a crash, write each batch, sync, and settle: empty
 * the journal when the digests are, or rewrite it as their states.  Why
 * and when: engine/engine.h, "Crash safety".  Every function but
 * engine_journal_start runs with e->jlock held.
 */
#include <stdlib.h>
#include <syslog.h>

#include "engine/internal.h"

bool engine_journal_grown(const struct engine *e)
{
	off_t size = journal_size(e->journal);

	return size >= ENGINE_JOURNAL_MAX && size >= 2 * e->journal_compacted;
}

/* A rewrite's records: the state of each digest of a generation. */
struct snapshot {
	struct engine_gen *g;
	char *buf;
	size_t len, cap;
};

/* journal_snapshot_fn.  Gives up when a digest's mail is being emitted:
 * its messages are then in neither the digest nor the spool. */
static int snapshot(void *arg, size_t i, const char **to, const char **state, size_t *len)
{
	struct snapshot *sn = arg;

	if (i >= digest_set_count(sn->g->digests))
		return 0;
	sn->len = 0;
	if (digest_save(sn->g->digests, i, &sn->buf, &sn->len, &sn->cap) != DIGEST_OK)
		return -1;
	*to = sn->g->conf->recipients[i].address;
	*state = sn->buf;
	*len = sn->len;
	return 1;
}

/* The journal covers every message the digests hold again. */
static void covered(struct engine *e)
{
	if (e->unjournaled > 0)
		engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE,
			   "the journal is written again: the %llu messages held in memory "
			   "only are safe from a crash",
			   (unsigned long long)e->unjournaled);
	e->unjournaled = 0;
	e->journal_failed = false;
}

/* May the journal be emptied or rewritten now?  Not while a reload's old
 * generation holds messages (its digests are not in g's), nor while the
 * outbox holds mails (they are only in memory). */
static bool settle_allowed(struct engine *e)
{
	struct outbox *ob;
	unsigned gens;
	bool ok;

	pthread_mutex_lock(&e->lock);
	gens = e->gens;
	ob = e->outbox;
	/* outbox_pending under e->lock: the outbox is not stopped meanwhile */
	ok = gens == 1 && (ob == NULL || outbox_pending(ob) == 0);
	pthread_mutex_unlock(&e->lock);
	return ok;
}

void engine_journal_settle(struct engine *e, struct engine_gen *g)
{
	struct snapshot sn = {.g = g};
	struct journal_err err;
	enum journal_status st;
	bool idle;

	/* held in memory since the journal could not be opened: open it now */
	if (e->journal == NULL && (e->unjournaled == 0 || !engine_journal_ready(e, g, &err)))
		return;
	if (journal_size(e->journal) == 0 && e->unjournaled == 0)
		return;
	/* the digests first, the outbox second: an emitted mail enters the
	 * outbox before it leaves its digest, so none slips between the two */
	idle = digest_set_idle(g->digests);
	if (!settle_allowed(e))
		return;
	if (idle) {
		if (journal_clear(e->journal, &err) != JOURNAL_OK) {
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
			return;
		}
		e->journal_compacted = 0;
		covered(e);
		return;
	}
	if (e->unjournaled == 0 && !engine_journal_grown(e))
		return;
	/* what the digests hold and count replaces the messages' records;
	 * jlock keeps workers out, and no mail is in flight (else: later) */
	st = journal_rewrite(e->journal, snapshot, &sn, &err);
	free(sn.buf);
	if (st == JOURNAL_OK) {
		e->journal_compacted = journal_size(e->journal);
		covered(e);
	} else if (st != JOURNAL_EAGAIN && e->unjournaled == 0) { /* else: said */
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
	}
}

struct replay {
	struct engine_gen *g;
	time_t now;
	unsigned long dropped; /* records for recipients no longer configured */
	size_t bad_states;     /* state records refused */
};

static int replay_one(void *arg, const char *to, const struct digest_msg *m)
{
	struct replay *r = arg;
	long idx = engine_recipient_index(r->g, to);

	if (idx < 0) {
		r->dropped++;
		return 0;
	}
	(void)digest_add(r->g->digests, (size_t)idx, m, r->now, engine_emit, r->g);
	return 0;
}

static int replay_state(void *arg, const char *to, const char *state, size_t len)
{
	struct replay *r = arg;
	long idx = engine_recipient_index(r->g, to);

	if (idx < 0)
		r->dropped++;
	else if (digest_restore(r->g->digests, (size_t)idx, state, len) != DIGEST_OK)
		r->bad_states++;
	return 0;
}

/* Messages the digests of g were given: after a replay into empty
 * digests, what it recovered. */
static unsigned long added(const struct engine_gen *g)
{
	struct digest_counters c;
	unsigned long n = 0;

	for (size_t i = 0; i < digest_set_count(g->digests); i++)
		if (digest_counters(g->digests, i, &c) == DIGEST_OK)
			n += c.added;
	return n;
}

bool engine_journal_ready(struct engine *e, struct engine_gen *g, struct journal_err *err)
{
	struct replay r = {.g = g, .now = time(NULL)};
	unsigned long before;
	size_t bad = 0;

	if (e->journal != NULL)
		return true;
	if (journal_open(&e->journal, e->spool_dir, err) != JOURNAL_OK)
		return false;
	if (journal_size(e->journal) == 0)
		return true;
	before = added(g);
	if (journal_replay(e->journal, replay_one, replay_state, &r, &bad, err) != JOURNAL_OK) {
		journal_close(e->journal);
		e->journal = NULL;
		return false;
	}
	bad += r.bad_states;
	engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE,
		   "recovered %lu messages held in digests at an abrupt stop (%s/" JOURNAL_DIR
		   "/" JOURNAL_NAME ")%s",
		   added(g) - before, e->spool_dir, r.dropped + bad > 0 ? "; some were not" : "");
	if (r.dropped + bad > 0)
		engine_log(e, LOG_ERR, ENGINE_FAULT_DATA,
			   "%lu journaled records for recipients no longer configured "
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
	struct journal_err err;

	if (g == NULL)
		return;

	pthread_mutex_lock(&e->jlock);
	if (!engine_journal_ready(e, g, &err) && !e->journal_failed) {
		engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s", err.msg);
		e->journal_failed = true;
	}
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
 * ENGINE_SYNC_PERIOD.  Past ENGINE_JOURNAL_LIMIT (its rewrite cannot run:
 * mails wait in the outbox for room on the disk) nothing is appended, so
 * the journal never fills the disk by itself. */
enum journal_status engine_journal_write(struct engine *e, time_t now, struct journal_err *err)
{
	enum journal_status st;

	if (journal_size(e->journal) >= ENGINE_JOURNAL_LIMIT) {
		journal_discard(e->journal);
		snprintf(err->msg, sizeof(err->msg), "journal %s/" JOURNAL_DIR "/" JOURNAL_NAME
			 " at its limit of %d MiB", e->spool_dir, ENGINE_JOURNAL_LIMIT >> 20);
		return JOURNAL_EIO;
	}
	if (e->sync)
		return journal_commit(e->journal, err);
	st = journal_write(e->journal, err);
	if (st == JOURNAL_OK) {
		e->unsynced = true;
		engine_journal_sync(e, now);
	}
	return st;
}
