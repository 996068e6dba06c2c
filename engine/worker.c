/*
 * engine/worker.c: engine_worker and engine_accept: a batch of messages
 * through the filters, into the journal, then into the digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/internal.h"
#include "util/util.h"

/* One accepted message of a batch and its recipients, between the journal
 * and the digests; the strings are the caller's. */
struct accepted {
	struct digest_msg dm;
	size_t first, n; /* w->rcpt[first .. first + n) */
};

/* The per-generation part of a worker: everything sized by the
 * configuration. */
struct worker_gen {
	struct filter_worker *fw;
	struct logcheck_worker **lcw; /* per rule set (NULL: a set without rules) */
	uint8_t *section;             /* per rule set: where the message is */
	size_t *match;                /* filter_match's output, one per recipient */
	size_t *held;                 /* the recipients whose logcheck filter holds */
	size_t *split;                /* scratch: the recipients of one section */
	const char **to;              /* scratch: the addresses of one message's recipients */
};

struct engine_worker {
	struct engine *e;
	struct engine_gen *gen; /* the generation cur was made for */
	struct worker_gen cur;
	struct engine_line line; /* the message as logcheck's rules see it */
	struct digest_time_cache *tc;
	struct accepted *acc; /* the batch's accepted messages */
	size_t n_acc, cap_acc;
	size_t *rcpt; /* their recipients, acc[i].first onwards */
	size_t n_rcpt, cap_rcpt;
	size_t n_msgs; /* the batch's accepted messages (an accepted per section) */
};

static void worker_gen_free(struct worker_gen *x, size_t n_lc)
{
	filter_worker_free(x->fw);
	for (size_t k = 0; x->lcw != NULL && k < n_lc; k++)
		logcheck_worker_free(x->lcw[k]);
	free(x->lcw);
	free(x->section);
	free(x->match);
	free(x->held);
	free(x->split);
	free(x->to);
}

/* x for g; false (x freed) when out of memory. */
static bool worker_gen_new(struct worker_gen *x, const struct engine_gen *g)
{
	size_t n = filter_set_recipients(g->filters), nl = g->n_lc;
	bool ok;

	n = n > 0 ? n : 1;
	x->fw = filter_worker_new(g->filters);
	x->lcw = calloc(nl ? nl : 1, sizeof(*x->lcw));
	x->section = calloc(nl ? nl : 1, sizeof(*x->section));
	x->match = calloc(n, sizeof(*x->match));
	x->held = calloc(n, sizeof(*x->held));
	x->split = calloc(n, sizeof(*x->split));
	x->to = calloc(n, sizeof(*x->to));
	ok = x->fw && x->lcw && x->section && x->match && x->held && x->split && x->to;
	for (size_t k = 0; ok && k < nl; k++)
		if (g->lc[k]->rules != NULL)
			ok = (x->lcw[k] = logcheck_worker_new(g->lc[k]->rules)) != NULL;
	if (!ok)
		worker_gen_free(x, nl);
	return ok;
}

/* Make w use the engine's current generation (after a reload). */
static enum engine_status worker_sync(struct engine_worker *w)
{
	struct engine_gen *g = engine_gen_get(w->e), *old = w->gen;
	struct worker_gen x, prev;

	if (g == NULL) /* the engine stopped */
		return ENGINE_ESTOPPED;
	if (g == old && w->cur.fw != NULL) {
		engine_gen_put(g); /* never the last: w holds one */
		return ENGINE_OK;
	}
	if (!worker_gen_new(&x, g)) {
		engine_gen_put(g);
		return ENGINE_ENOMEM;
	}
	prev = w->cur;
	w->cur = x;
	w->gen = g;
	/* the old rules' workers before the old generation, which may free them */
	worker_gen_free(&prev, old != NULL ? old->n_lc : 0);
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
	worker_gen_free(&w->cur, w->gen != NULL ? w->gen->n_lc : 0);
	free(w->line.buf);
	free(w->acc);
	free(w->rcpt);
	digest_time_cache_free(w->tc);
	engine_gen_put(w->gen);
	engine_put(w->e);
	free(w);
}

/* Note one more accepted message of the batch (or of its recipients in one
 * section) and its n recipients rcpt[0..n).  false on ENOMEM. */
static bool accepted_push(struct engine_worker *w, const struct digest_msg *dm, const size_t *rcpt,
			  size_t n)
{
	if (!util_reserve((void **)&w->acc, &w->cap_acc, w->n_acc + 1, sizeof(*w->acc), 64) ||
	    !util_reserve((void **)&w->rcpt, &w->cap_rcpt, w->n_rcpt + n, sizeof(*w->rcpt), 64))
		return false;
	memcpy(&w->rcpt[w->n_rcpt], rcpt, n * sizeof(*w->rcpt));
	w->acc[w->n_acc++] = (struct accepted){.dm = *dm, .first = w->n_rcpt, .n = n};
	w->n_rcpt += n;
	return true;
}

/* Where recipient r's logcheck filter put the message: none without one. */
static int section_of(const struct engine_worker *w, size_t r)
{
	int32_t k = w->gen->lc_of[r];

	return k >= 0 ? w->cur.section[k] : DIGEST_SECTION_NONE;
}

/* The message's n recipients (w->cur.match), one accepted per section among
 * them: the section travels with the message into the journal and the
 * digests.  false on ENOMEM. */
static bool accepted_push_sections(struct engine_worker *w, struct digest_msg *dm, size_t n)
{
	for (int sec = DIGEST_SECTIONS - 1; sec >= DIGEST_SECTION_NONE; sec--) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (section_of(w, w->cur.match[i]) == sec)
				w->cur.split[k++] = w->cur.match[i];
		dm->section = sec;
		if (k == n) /* all of them: the usual case */
			return accepted_push(w, dm, w->cur.match, n);
		if (k > 0 && !accepted_push(w, dm, w->cur.split, k))
			return false;
	}
	return true;
}

/* Classify m with each rule set of the generation and list, in w->cur.held,
 * the recipients whose logcheck filter holds; their number, or -1 when
 * out of memory. */
static long logcheck_held(struct engine_worker *w, const struct engine_msg *m, time_t ts)
{
	const struct engine_gen *g = w->gen;
	size_t n = 0;

	if (g->n_lc == 0)
		return 0;
	if (!engine_line_render(&w->line, m, ts))
		return -1;
	for (size_t k = 0; k < g->n_lc; k++)
		w->cur.section[k] = w->cur.lcw[k] == NULL
				    ? LOGCHECK_IGNORED
				    : (uint8_t)logcheck_classify(g->lc[k]->rules, w->cur.lcw[k],
								 w->line.buf, w->line.len, NULL);
	for (size_t i = 0; i < g->n_lc_rcpt; i++)
		if (w->cur.section[g->lc_of[g->lc_rcpt[i]]] != LOGCHECK_IGNORED)
			w->cur.held[n++] = g->lc_rcpt[i];
	return (long)n;
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
	time_t ts = m->ts > 0 ? m->ts : now;
	struct digest_msg dm;
	long held = logcheck_held(w, m, ts);
	size_t n;

	if (held < 0)
		return false;
	n = filter_match_with(w->gen->filters, w->cur.fw, &fm, w->cur.held, (size_t)held,
			      w->cur.match);
	if (n == 0)
		return true;
	dm = (struct digest_msg){
	    .ts = ts,
	    .severity = m->severity,
	    .facility = m->facility,
	    .host = m->host,
	    .program = program,
	    .tag = m->tag,
	    .text = text,
	    .text_len = fm.text_len,
	};
	w->n_msgs++;
	if (w->gen->n_lc == 0)
		return accepted_push(w, &dm, w->cur.match, n);
	return accepted_push_sections(w, &dm, n);
}

/* Stage one journal record for an accepted message and its recipients. */
static enum journal_status stage(struct engine_worker *w, const struct accepted *a)
{
	const struct conf_recipient *r = w->gen->conf->recipients;

	for (size_t k = 0; k < a->n; k++)
		w->cur.to[k] = r[w->rcpt[a->first + k]].address;
	return journal_add_many(w->e->journal, w->cur.to, a->n, &a->dm);
}

static void add_to_digests(struct engine_worker *w, time_t now)
{
	struct engine_gen *g = w->gen;

	for (size_t i = 0; i < w->n_acc; i++)
		(void)digest_add_many(g->digests, w->tc, &w->rcpt[w->acc[i].first], w->acc[i].n,
				      &w->acc[i].dm, now, engine_emit, g);
}

/* Stage and append the batch's records.  false (nothing appended, err
 * says why) when the journal cannot take them. */
static bool journal_batch(struct engine_worker *w, time_t now, struct journal_err *err)
{
	struct engine *e = w->e;
	bool ok = true;

	for (size_t i = 0; i < w->n_acc && ok; i++)
		ok = stage(w, &w->acc[i]) == JOURNAL_OK;
	if (!ok) {
		journal_discard(e->journal);
		snprintf(err->msg, sizeof(err->msg), "journal: out of memory");
		return false;
	}
	return engine_journal_write(e, now, err) == JOURNAL_OK;
}

/* Write the batch's accepted messages to the journal, then give them to
 * the digests.  When the journal cannot take them (a full disk), they go
 * to the digests all the same, held in memory only, and the journal is
 * left alone until a rewrite covers them (engine_journal_settle): the
 * spool, which turns digests into mail, gets the disk's room first, and
 * rsyslog, told the batch was taken, loses nothing whatever its action's
 * retry settings. */
static void journal_then_add(struct engine_worker *w, time_t now)
{
	struct engine *e = w->e;
	struct journal_err err = {.msg = "the journal waits for a rewrite"};
	bool journaled, grown;

	pthread_mutex_lock(&e->jlock);
	journaled = e->unjournaled == 0 && engine_journal_ready(e, w->gen, &err) &&
		    journal_batch(w, now, &err);
	if (!journaled) {
		if (!e->journal_failed)
			engine_log(e, LOG_ERR, ENGINE_FAULT_IO,
				   "%s: messages are held in memory (not safe from a crash) "
				   "until it can be written",
				   err.msg);
		e->journal_failed = true;
		e->unjournaled += w->n_msgs;
		atomic_fetch_add_explicit(&e->tally.unjournaled, w->n_msgs, memory_order_relaxed);
	} else {
		e->journal_failed = false; /* the next failure is said again */
	}
	add_to_digests(w, now);
	/* settling is the delivery thread's work, off the workers; in a storm
	 * that sends no mail it must still be woken, or the journal (and the
	 * memory its compaction reads it into) grows unchecked */
	grown = journaled && engine_journal_grown(e);
	pthread_mutex_unlock(&e->jlock);
	if (grown)
		engine_rewake(e, now);
}

/* engine_accept under genlock: from the match to the digests, one
 * generation. */
static enum engine_status accept_locked(struct engine_worker *w, const struct engine_msg *msgs,
					size_t n, time_t now)
{
	struct engine *e = w->e;
	enum engine_status st = worker_sync(w);
	size_t i, n_acc, n_msgs;

	if (st != ENGINE_OK)
		return st;
	engine_clock_advance(e, now);
	w->n_acc = w->n_rcpt = w->n_msgs = 0;
	for (i = 0; i < n; i++)
		if (!process(w, &msgs[i], now))
			break;
	filter_worker_flush(w->cur.fw);
	n_acc = w->n_acc;
	n_msgs = w->n_msgs;
	if (i < n)
		st = ENGINE_ENOMEM;
	else if (n_acc > 0 && e->dry_run != NULL)
		add_to_digests(w, now);
	else if (n_acc > 0)
		journal_then_add(w, now);
	w->n_acc = w->n_rcpt = 0;
	if (st != ENGINE_OK) {
		atomic_fetch_add_explicit(&e->tally.batches_refused, 1, memory_order_relaxed);
		return st;
	}
	atomic_fetch_add_explicit(&e->tally.received, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->tally.accepted, n_msgs, memory_order_relaxed);
	return ENGINE_OK;
}

enum engine_status engine_accept(struct engine_worker *w, const struct engine_msg *msgs, size_t n,
				 time_t now)
{
	struct engine *e = w->e;
	enum engine_status st;

	pthread_rwlock_rdlock(&e->genlock);
	st = accept_locked(w, msgs, n, now);
	pthread_rwlock_unlock(&e->genlock);
	if (st == ENGINE_OK && e->dry_run == NULL)
		engine_rewake(e, digest_next_deadline(w->gen->digests));
	return st;
}
