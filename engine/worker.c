/*
 * engine/worker.c: engine_worker and engine_accept: a batch of messages
 * through the filters, into the journal, then into the digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/internal.h"

/* One accepted message of a batch and its recipients, between the journal
 * and the digests; the strings are the caller's. */
struct accepted {
	struct digest_msg dm;
	size_t first, n; /* w->rcpt[first .. first + n) */
};

struct engine_worker {
	struct engine *e;
	struct engine_gen *gen; /* the generation fw and match were made for */
	struct filter_worker *fw;
	struct digest_time_cache *tc;
	size_t *match;        /* filter_match's output, one per recipient */
	const char **to;      /* scratch: the addresses of one message's recipients */
	struct accepted *acc; /* the batch's accepted messages */
	size_t n_acc, cap_acc;
	size_t *rcpt; /* their recipients, acc[i].first onwards */
	size_t n_rcpt, cap_rcpt;
};

/* Make w use the engine's current generation (after a reload). */
static enum engine_status worker_sync(struct engine_worker *w)
{
	struct engine_gen *g = engine_gen_get(w->e), *old = w->gen;
	struct filter_worker *fw;
	const char **to;
	size_t *match, n;

	if (g == NULL) /* the engine stopped */
		return ENGINE_ESTOPPED;
	if (g == old && w->fw != NULL) {
		engine_gen_put(g); /* never the last: w holds one */
		return ENGINE_OK;
	}
	n = filter_set_recipients(g->filters);
	fw = filter_worker_new(g->filters);
	match = calloc(n > 0 ? n : 1, sizeof(*match));
	to = calloc(n > 0 ? n : 1, sizeof(*to));
	if (fw == NULL || match == NULL || to == NULL) {
		filter_worker_free(fw);
		free(match);
		free(to);
		engine_gen_put(g);
		return ENGINE_ENOMEM;
	}
	filter_worker_free(w->fw);
	free(w->match);
	free(w->to);
	w->gen = g;
	w->fw = fw;
	w->match = match;
	w->to = to;
	engine_gen_put(old);
	return ENGINE_OK;
}

struct engine_worker *engine_worker_new(struct engine *e)
{
	struct engine_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->e = e;
	w->tc = digest_time_cache_new();
	if (w->tc == NULL || worker_sync(w) != ENGINE_OK) {
		digest_time_cache_free(w->tc);
		free(w);
		return NULL;
	}
	engine_hold(e);
	return w;
}

void engine_worker_free(struct engine_worker *w)
{
	if (w == NULL)
		return;
	filter_worker_free(w->fw);
	free(w->match);
	free(w->to);
	free(w->acc);
	free(w->rcpt);
	digest_time_cache_free(w->tc);
	engine_gen_put(w->gen);
	engine_put(w->e);
	free(w);
}

/* Make room for `more` elements of `size` octets in *v (*cap of them
 * allocated, n used).  false on ENOMEM. */
static bool reserve(void **v, size_t *cap, size_t n, size_t more, size_t size)
{
	size_t want = *cap ? *cap : 64;
	void *p;

	while (want < n + more)
		want *= 2;
	if (want == *cap)
		return true;
	p = realloc(*v, want * size);
	if (p == NULL)
		return false;
	*v = p;
	*cap = want;
	return true;
}

/* Note one more accepted message of the batch and its n recipients
 * (w->match).  false on ENOMEM. */
static bool accepted_push(struct engine_worker *w, const struct digest_msg *dm, size_t n)
{
	if (!reserve((void **)&w->acc, &w->cap_acc, w->n_acc, 1, sizeof(*w->acc)) ||
	    !reserve((void **)&w->rcpt, &w->cap_rcpt, w->n_rcpt, n, sizeof(*w->rcpt)))
		return false;
	memcpy(&w->rcpt[w->n_rcpt], w->match, n * sizeof(*w->rcpt));
	w->acc[w->n_acc++] = (struct accepted){.dm = *dm, .first = w->n_rcpt, .n = n};
	w->n_rcpt += n;
	return true;
}

/* One message through the filters into the batch's accepted messages.
 * false on ENOMEM. */
static bool process(struct engine_worker *w, const struct engine_msg *m, time_t now)
{
	const char *program = m->program != NULL ? m->program : "";
	const char *text = m->text != NULL ? m->text : "";
	struct filter_msg fm = {
	    .severity = m->severity,
	    .facility = m->facility,
	    .program = program,
	    .program_len = strlen(program),
	    .text = text,
	    .text_len = strlen(text),
	    .host = m->host,
	};
	struct digest_msg dm;
	size_t n = filter_match(w->gen->filters, w->fw, &fm, w->match);

	if (n == 0)
		return true;
	dm = (struct digest_msg){
	    .ts = m->ts > 0 ? m->ts : now,
	    .severity = m->severity,
	    .facility = m->facility,
	    .host = m->host,
	    .program = program,
	    .text = text,
	    .text_len = fm.text_len,
	};
	return accepted_push(w, &dm, n);
}

/* Stage one journal record for an accepted message and its recipients. */
static enum journal_status stage(struct engine_worker *w, const struct accepted *a)
{
	const struct conf_recipient *r = w->gen->conf->recipients;

	for (size_t k = 0; k < a->n; k++)
		w->to[k] = r[w->rcpt[a->first + k]].address;
	return journal_add_many(w->e->journal, w->to, a->n, &a->dm);
}

static void add_to_digests(struct engine_worker *w, time_t now)
{
	struct engine_gen *g = w->gen;

	for (size_t i = 0; i < w->n_acc; i++)
		(void)digest_add_many(g->digests, w->tc, &w->rcpt[w->acc[i].first], w->acc[i].n,
				      &w->acc[i].dm, now, engine_emit, g);
}

/* Write the batch's accepted messages to the journal, then give them to
 * the digests.  false when the journal failed: nothing was added. */
static bool journal_then_add(struct engine_worker *w, time_t now)
{
	struct engine *e = w->e;
	struct journal_err err;
	bool ok = true, grown = false;
	size_t i;

	pthread_mutex_lock(&e->jlock);
	if (!engine_journal_ready(e, w->gen)) {
		ok = false;
		goto out;
	}
	for (i = 0; i < w->n_acc && ok; i++)
		ok = stage(w, &w->acc[i]) == JOURNAL_OK;
	if (!ok) {
		journal_discard(e->journal);
		snprintf(err.msg, sizeof(err.msg), "journal: out of memory");
	} else {
		ok = engine_journal_write(e, now, &err) == JOURNAL_OK;
	}
	if (!ok) {
		if (!e->journal_failed)
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO, "%s (the batch is retried)",
				   err.msg);
		e->journal_failed = true;
		goto out;
	}
	e->journal_failed = false;
	add_to_digests(w, now);
	/* settling is the delivery thread's work, off the workers; in a storm
	 * that sends no mail it must still be woken, or the journal (and the
	 * memory its compaction reads it into) grows unchecked */
	grown = engine_journal_grown(e);
out:
	pthread_mutex_unlock(&e->jlock);
	if (grown)
		engine_rewake(e, now);
	return ok;
}

enum engine_status engine_accept(struct engine_worker *w, const struct engine_msg *msgs, size_t n,
				 time_t now)
{
	struct engine *e = w->e;
	enum engine_status st = worker_sync(w);
	size_t i, n_acc;

	if (st != ENGINE_OK)
		return st;
	engine_clock_advance(e, now);
	w->n_acc = w->n_rcpt = 0;
	for (i = 0; i < n; i++)
		if (!process(w, &msgs[i], now))
			break;
	filter_worker_flush(w->fw);
	n_acc = w->n_acc;
	if (i < n)
		st = ENGINE_ENOMEM;
	else if (n_acc > 0 && e->dry_run != NULL)
		add_to_digests(w, now);
	else if (n_acc > 0 && !journal_then_add(w, now))
		st = ENGINE_EJOURNAL;
	w->n_acc = w->n_rcpt = 0;
	if (st != ENGINE_OK) {
		atomic_fetch_add_explicit(&e->tally.batches_refused, 1, memory_order_relaxed);
		return st;
	}
	atomic_fetch_add_explicit(&e->tally.received, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->tally.accepted, n_acc, memory_order_relaxed);
	if (e->dry_run == NULL)
		engine_rewake(e, digest_next_deadline(w->gen->digests));
	return ENGINE_OK;
}
