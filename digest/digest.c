/*
 * digest/digest.c: per-recipient digests: when they open, close, wait for
 * the rate limit, and go out.  When a digest is due is its window and the
 * recipient's pace in a storm (digest/pace.c, digest.h "Pacing"); caps
 * bound what it shows, never when it goes.
 *
 * Each recipient has a "pending" batch that collects messages under the
 * recipient's mutex.  When it is due and may go out, it is TAKEN: moved out
 * of the recipient (busy is set, so no second mail of that recipient is in
 * flight), rendered and emitted with no lock held.  Meanwhile new messages
 * collect in a fresh pending batch.  If the emit fails, the taken batch is
 * merged back in front of the new one (within the caps; what does not fit is
 * counted as not shown) and retried after DIGEST_RETRY_SEC.
 *
 * Storage: a sent batch's buffers become the recipient's spare (while the
 * set's spares stay within DIGEST_SPARE_MAX), which the next digest's first
 * line takes over, so a steady stream of digests does not malloc, free and
 * regrow per mail; the mail's body is built in the batch's own buffer.  A
 * recipient holds at most two batches' storage (pending and the one in
 * flight, or pending and the spare), each within the caps; the set's
 * pending storage is counted against its budget (digest.h, "Memory").
 *
 * Accounting invariant, per recipient, under its lock:
 *   added == mailed + not_shown + held
 * where held counts the lines stored in pending and in a taken batch.
 */
#include <stdlib.h>
#include <string.h>

#include "digest/internal.h"

/* ---- settings and the set ----------------------------------------------- */

void digest_recharge(struct digest_recipient *r)
{
	size_t now = digest_batch_storage(&r->pending);

	if (now > r->charged)
		atomic_fetch_add_explicit(&r->mem->held, now - r->charged, memory_order_relaxed);
	else if (now < r->charged)
		atomic_fetch_sub_explicit(&r->mem->held, r->charged - now, memory_order_relaxed);
	r->charged = now;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static bool recipient_init(struct digest_recipient *r, const struct conf_recipient *c)
{
	const struct conf_digest *d = &c->digest;

	r->address = dup_or_empty(c->address);
	r->subject = d->subject ? strdup(d->subject) : NULL;
	r->time_type = c->time_type;
	r->offset_min = c->offset_min;
	r->window_sec = d->window_sec;
	r->max_messages = d->max_messages ? d->max_messages : CONF_DEFAULT_MAX_MESSAGES;
	r->max_bytes = d->max_bytes ? d->max_bytes : CONF_DEFAULT_MAX_BYTES;
	r->rate_per_hour = d->rate_per_hour;
	r->max_interval = d->max_interval_sec;
	r->urgent_level = d->urgent_level;
	r->fold = d->fold;
	r->max_kinds = MINER_DEFAULT_KINDS; /* digest_set_new shares the budget out */
	digest_batch_init(&r->pending);
	if (r->rate_per_hour)
		r->sent = calloc(r->rate_per_hour, sizeof(*r->sent));
	if (pthread_mutex_init(&r->lock, NULL) != 0)
		return false;
	if (pthread_cond_init(&r->idle, NULL) != 0) {
		pthread_mutex_destroy(&r->lock);
		return false;
	}
	r->locks_made = true;
	return r->address && (r->subject || !d->subject) && (r->sent || !r->rate_per_hour);
}

static void recipient_free(struct digest_recipient *r)
{
	struct digest_batch spare;

	free(r->address);
	free(r->subject);
	free(r->sent);
	miner_free(r->miner);
	digest_batch_free(&r->pending);
	if (r->mem) /* pending's storage leaves the set's count */
		digest_recharge(r);
	if (r->mem) { /* and so does the spare's */
		digest_batch_init(&spare);
		digest_batch_adopt(&spare, &r->spare, r->mem);
		digest_batch_free(&spare);
	}
	if (r->locks_made) {
		pthread_cond_destroy(&r->idle);
		pthread_mutex_destroy(&r->lock);
	}
}

struct digest_set *digest_set_new(const struct conf *c, const char *hostname, const char *serial)
{
	struct digest_set *s;
	size_t i;

	if (!c)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->hostname = dup_or_empty(hostname);
	s->serial = dup_or_empty(serial);
	if (!s->hostname || !s->serial)
		goto fail;
	if (c->n_recipients) {
		s->r = calloc(c->n_recipients, sizeof(*s->r));
		if (!s->r)
			goto fail;
	}
	s->mem.budget = DIGEST_HELD_MAX;
	for (i = 0; i < c->n_recipients; i++) {
		s->n++; /* recipient_free copes with a half-made one */
		s->r[i].mem = &s->mem;
		if (!recipient_init(&s->r[i], &c->recipients[i]))
			goto fail;
		/* room for this one's fullest digest, its buffers grown twice over */
		if (s->mem.budget < 4 * (size_t)s->r[i].max_bytes)
			s->mem.budget = 4 * (size_t)s->r[i].max_bytes;
	}
	s->mem.share = s->n ? s->mem.budget / s->n : 0;
	for (i = 0; i < s->n; i++)
		s->r[i].max_kinds = digest_kinds_share(s->n);
	return s;
fail:
	digest_set_free(s);
	return NULL;
}

void digest_set_free(struct digest_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		recipient_free(&s->r[i]);
	free(s->r);
	free(s->hostname);
	free(s->serial);
	free(s);
}

size_t digest_set_count(const struct digest_set *s)
{
	return s ? s->n : 0;
}

/* ---- the rate limit: a ring of the last rate_per_hour send times -------- */

/* When the next mail may go out; 0: now. */
static time_t rate_free_at(const struct digest_recipient *r)
{
	if (!r->rate_per_hour || r->n_sent < r->rate_per_hour)
		return 0;
	return r->sent[r->sent_head] + 3600;
}

static bool rate_ok(const struct digest_recipient *r, time_t now)
{
	return now >= rate_free_at(r);
}

static void rate_record(struct digest_recipient *r, time_t now)
{
	unsigned cap = r->rate_per_hour;

	if (!cap)
		return;
	if (r->n_sent < cap) {
		r->sent[(r->sent_head + r->n_sent) % cap] = now;
		r->n_sent++;
	} else {
		r->sent[r->sent_head] = now;
		r->sent_head = (r->sent_head + 1) % cap;
	}
}

/* ---- state, all under r->lock ------------------------------------------- */

/* When pending goes out by its window and the pace (not counting an
 * urgent message, the rate limit or a retry). */
static time_t due_at(const struct digest_recipient *r)
{
	return digest_pace_due(&r->pace, r->pending.opened, r->window_sec);
}

static bool is_due(const struct digest_recipient *r, time_t now)
{
	const struct digest_batch *p = &r->pending;

	if (digest_batch_empty(p))
		return false;
	return p->due || now >= due_at(r);
}

/* Is more allocated for the set's pending digests than its budget, while
 * r uses its share or more?  (Used: its lines and their entries, about
 * half of what is allocated for them as buffers grow twice over; a new
 * digest that took over a spare's large buffers has used little.) */
static bool over_budget(const struct digest_recipient *r)
{
	const struct digest_batch *p = &r->pending;
	size_t used = p->len + (size_t)p->n * sizeof(struct digest_entry);

	return 2 * used >= r->mem->share &&
	       atomic_load_explicit(&r->mem->held, memory_order_relaxed) > r->mem->budget;
}

/* Would a line of len octets (plus its '\n') fit?  An empty batch takes any
 * line, so a single long message still goes out. */
static bool fits(const struct digest_recipient *r, size_t len)
{
	const struct digest_batch *p = &r->pending;

	if (p->n == 0)
		return true;
	return p->n < r->max_messages && p->len + len + 1 <= r->max_bytes && !over_budget(r);
}

bool digest_fits(const struct digest_recipient *r, size_t len)
{
	return fits(r, len);
}

static void make_due(struct digest_batch *p, enum digest_reason why)
{
	static const int rank[] = {
	    [DIGEST_REASON_WINDOW] = 0, [DIGEST_REASON_PACED] = 1, [DIGEST_REASON_FULL] = 2,
	    [DIGEST_REASON_NEW] = 3,    [DIGEST_REASON_URGENT] = 4, [DIGEST_REASON_FLUSH] = 5,
	};

	if (!p->due || rank[why] > rank[p->reason])
		p->reason = why;
	p->due = true;
}

/* May pending go out now?  Counts a rate-limit hold once per digest. */
static bool ready(struct digest_recipient *r, time_t now, bool force)
{
	if (r->busy || digest_batch_empty(&r->pending))
		return false;
	if (force)
		return true;
	if (!is_due(r, now) || now < r->retry_after)
		return false;
	if (rate_ok(r, now))
		return true;
	if (!r->rate_counted) {
		r->rate_counted = true;
		r->count.rate_limited++;
	}
	return false;
}

/* Move pending into *out and mark the recipient busy (force: a flush). */
static void take(struct digest_recipient *r, struct digest_batch *out, bool force)
{
	if (!r->pending.due) /* its window passed, or the pace's interval */
		r->pending.reason =
		    digest_pace_waits(&r->pace, r->pending.opened, r->window_sec)
			? DIGEST_REASON_PACED
			: DIGEST_REASON_WINDOW;
	r->pending.continues = !force && r->pace.gap > 0; /* a flush ends, not paces */
	*out = r->pending;
	digest_batch_init(&r->pending); /* the spare's storage at its first line */
	digest_recharge(r);
	r->rate_counted = false;
	r->busy = true;
	r->owner = pthread_self();
}

/* Count line i of p (count messages) as not shown in b. */
static void summarize_entry(struct digest_batch *b, const struct digest_batch *p, unsigned i)
{
	const struct digest_entry *e = &p->st.entry[i];
	const char *line = p->st.buf + digest_entry_start(p, i);
	size_t len = e->end - 1 - digest_entry_start(p, i);
	struct digest_fold f;

	digest_fold_scan(line + e->at.rest, len - e->at.rest, e->at.program - e->at.rest, &f);
	(void)digest_batch_summarize(b, line, len, &e->at, &f, e->count, e->severity);
}

/* Put a batch whose emit failed back in front of pending.  The taken lines
 * always fit (they did before); pending's lines fold into them or follow
 * while the caps allow, the rest become "not shown". */
static void merge_back(struct digest_recipient *r, struct digest_batch *b)
{
	struct digest_batch *p = &r->pending;
	unsigned moved = 0, lost = 0;
	long k;

	if (r->miner) /* kinds merged while b was out */
		digest_batch_rekind(b, r->miner);
	for (unsigned i = 0; i < p->n; i++) {
		const struct digest_entry *e = &p->st.entry[i];
		size_t len = e->end - digest_entry_start(p, i);

		if (r->fold && (k = digest_batch_find_entry(b, p, i, r->miner)) >= 0) {
			digest_batch_fold_entry(b, (unsigned)k, p, i);
		} else if (b->n >= r->max_messages || b->len + len > r->max_bytes ||
			   !digest_batch_push_entry(b, p, i)) {
			summarize_entry(b, p, i);
			lost += e->count;
			continue;
		}
		moved += e->count;
	}
	if (moved > 0 && (b->shown == 0 || p->first_ts < b->first_ts))
		b->first_ts = p->first_ts;
	if (moved > 0 && (b->shown == 0 || p->last_ts > b->last_ts))
		b->last_ts = p->last_ts;
	r->count.held -= lost;
	r->count.not_shown += lost;
	b->shown += moved;
	b->not_shown += lost + p->not_shown;
	if (p->summary && b->summary)
		digest_summary_merge(b->summary, p->summary);
	else if (p->summary && !b->summary_lost) /* b counted none itself yet */
		b->summary = p->summary, p->summary = NULL;
	b->summary_lost = b->summary_lost || p->summary_lost;
	b->not_shown_rate = b->not_shown_rate || p->not_shown_rate;
	/* lines lost to the failure: it names why they were not shown */
	b->not_shown_full = (b->not_shown_full || p->not_shown_full) && lost == 0;
	b->n_errors += p->n_errors;
	if (p->highest < b->highest)
		b->highest = p->highest;
	digest_hosts_merge(&b->hosts, &p->hosts);
	digest_timeline_merge(&b->timeline, &p->timeline);
	/* b was taken non-empty, so %P and %M already name its first message */
	digest_batch_recycle(p, &r->spare, r->mem);
	*p = *b;
	digest_recharge(r);
	make_due(p, p->reason);
	digest_batch_init(b);
}

/* ---- emitting ----------------------------------------------------------- */

/* Render and emit a taken batch (no lock held), then settle the counts. */
static int emit_batch(struct digest_set *s, size_t i, struct digest_batch *b, bool force,
		      time_t now, digest_emit_fn emit, void *arg)
{
	struct digest_recipient *r = &s->r[i];
	struct digest_mail m = {
	    .recipient = i,
	    .to = r->address,
	    .n_messages = b->shown,
	    .n_lines = b->n,
	    .n_not_shown = b->not_shown,
	    .n_errors = b->n_errors,
	    .highest = b->highest,
	    .first_ts = b->first_ts,
	    .last_ts = b->last_ts,
	    .reason = force ? DIGEST_REASON_FLUSH : b->reason, /* set by take */
	    .now = now,
	};
	char subject[1024];
	int rc = -1;

	m.subject = subject;
	if (digest_render_mail(s, r, b, now, subject, sizeof(subject), &m.body, &m.body_len))
		rc = emit(arg, &m);

	pthread_mutex_lock(&r->lock);
	if (rc == 0) {
		r->count.mailed += b->shown;
		r->count.held -= b->shown;
		r->count.mails++;
		r->retry_after = 0;
		rate_record(r, now);
		digest_pace_sent(&r->pace, now, r->window_sec, r->max_interval);
		digest_batch_recycle(b, &r->spare, r->mem);
	} else {
		r->count.emit_failed++;
		r->retry_after = now + DIGEST_RETRY_SEC;
		merge_back(r, b);
	}
	r->busy = false;
	pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* Emit recipient i's pending batch for as long as it is ready.  Returns
 * non-zero when an emit failed. */
static int drain(struct digest_set *s, size_t i, time_t now, bool force, digest_emit_fn emit,
		 void *arg)
{
	struct digest_recipient *r = &s->r[i];

	for (;;) {
		struct digest_batch b;
		bool go;

		pthread_mutex_lock(&r->lock);
		/* a flush waits for another thread's emit rather than skip */
		while (force && r->busy && !pthread_equal(r->owner, pthread_self()))
			pthread_cond_wait(&r->idle, &r->lock);
		go = ready(r, now, force);
		if (go)
			take(r, &b, force);
		pthread_mutex_unlock(&r->lock);
		if (!go)
			return 0;
		if (emit_batch(s, i, &b, force, now, emit, arg) != 0)
			return -1;
		force = false; /* flush: one mail per recipient */
	}
}

/* ---- the API ------------------------------------------------------------ */

/* Does m (its line l) make pending due at once?  An urgent line does while
 * no pace holds mails back (as before pacing: the first mail of a storm, or
 * once an interval has passed); within an interval, a line that breaks
 * through does, once per interval (digest.h, "Pacing"). */
static void note_urgency(struct digest_recipient *r, const struct digest_msg *m,
			 const struct digest_line *l, time_t now)
{
	bool urgent = r->urgent_level != CONF_LEVEL_ANY && m->severity >= 0 &&
		      m->severity <= r->urgent_level;

	if (!digest_pace_holds(&r->pace, now)) {
		if (urgent)
			make_due(&r->pending, DIGEST_REASON_URGENT);
	} else if (!r->pace.broke &&
		   digest_pace_breaks_through(m->severity, m->section, l->new_kind, r->urgent_level)) {
		make_due(&r->pending, urgent ? DIGEST_REASON_URGENT : DIGEST_REASON_NEW);
	}
}

/* Fold m (its line l) into pending's line of the same pattern, or store
 * l as a new line, or count it as not shown; under the lock. */
static enum digest_status store(struct digest_recipient *r, const struct digest_msg *m,
				struct digest_line *l, time_t now)
{
	struct digest_batch *p = &r->pending;
	enum digest_status st = DIGEST_OK;
	bool shown = false, full = false;
	long k;

	digest_pace_arrive(&r->pace, now, r->max_interval);
	digest_kind_line(r, l);
	if (r->fold && (k = digest_batch_find(p, l, m->section, r->miner)) >= 0) {
		digest_batch_fold(p, (unsigned)k, l, m->ts);
		shown = true;
	} else if (fits(r, l->len)) {
		if (digest_batch_empty(p))
			p->opened = now;
		if (!p->st.buf && !p->st.entry) /* a new digest: the spare's storage */
			digest_batch_adopt(p, &r->spare, r->mem);
		shown = digest_batch_push(p, l, r->fold, m->severity, m->section, m->ts);
		if (!shown)
			st = DIGEST_ENOMEM;
	} else {
		/* No room: the caps (and the set's memory budget) bound what a
		 * mail shows; they do not send it (issue 28).  The more important
		 * line is shown (importance.c): this message, or the line it
		 * displaces goes to what the mail does not show. */
		full = true;
		shown = digest_importance_admit(r, m, l);
	}
	r->count.added++;
	if (full && !rate_ok(r, now))
		p->not_shown_rate = true;
	else if (full && now >= r->retry_after) /* else: kept after a failure */
		p->not_shown_full = true;
	if (shown) {
		r->count.held++;
	} else {
		digest_line_scan(l);
		(void)digest_batch_summarize(p, l->text, l->len, &l->at, &l->fold, 1, m->severity);
		r->count.not_shown++;
	}
	digest_batch_note(p, m, l->host, shown);
	digest_recharge(r);
	note_urgency(r, m, l, now);
	return st;
}

/* Add m, its line already rendered, to recipient i: store it, then emit
 * what is ready.  The check drain would start with is made under the same
 * lock as the store. */
static enum digest_status add_one(struct digest_set *s, size_t i, const struct digest_msg *m,
				  struct digest_line *l, time_t now, digest_emit_fn emit, void *arg)
{
	struct digest_recipient *r = &s->r[i];
	struct digest_batch b;
	bool took = false;
	enum digest_status st;
	int failed = 0;

	pthread_mutex_lock(&r->lock);
	st = store(r, m, l, now);
	if (ready(r, now, false)) {
		take(r, &b, false);
		took = true;
	}
	pthread_mutex_unlock(&r->lock);

	if (took) {
		failed = emit_batch(s, i, &b, false, now, emit, arg);
		if (!failed)
			failed = drain(s, i, now, false, emit, arg);
	}
	if (failed && st == DIGEST_OK)
		st = DIGEST_EEMIT;
	return st;
}

/* The line of one message per zone setting among its recipients: usually
 * they all share one, and it is rendered (and scanned for its variable
 * parts) once for all of them.  With more settings than ZONE_LINES, the
 * oldest slot is rendered again. */
#define ZONE_LINES 4

struct zone_line {
	enum conf_time time_type;
	int offset_min;
	struct digest_line line;
};

struct zone_lines {
	struct zone_line v[ZONE_LINES];
	unsigned n, next;
};

static struct digest_line *line_for(struct zone_lines *z, struct digest_time_cache *tc,
				    const struct digest_msg *m, const struct digest_recipient *r)
{
	struct zone_line *l;
	unsigned i;

	for (i = 0; i < z->n; i++)
		if (z->v[i].time_type == r->time_type && z->v[i].offset_min == r->offset_min)
			return &z->v[i].line;
	if (z->n < ZONE_LINES) {
		l = &z->v[z->n++];
	} else {
		l = &z->v[z->next];
		z->next = (z->next + 1) % ZONE_LINES;
	}
	l->time_type = r->time_type;
	l->offset_min = r->offset_min;
	digest_render_line(tc, m, r->time_type, r->offset_min, &l->line);
	return &l->line;
}

/* Which status a caller of digest_add_many hears: EINVAL > ENOMEM > EEMIT. */
static enum digest_status worse(enum digest_status a, enum digest_status b)
{
	static const int rank[] = {[DIGEST_OK] = 0,
				   [DIGEST_EEMIT] = 1,
				   [DIGEST_EBUSY] = 1,
				   [DIGEST_ENOMEM] = 2,
				   [DIGEST_EINVAL] = 3};

	return rank[b] > rank[a] ? b : a;
}

enum digest_status digest_add_many(struct digest_set *s, struct digest_time_cache *tc,
				   const size_t *recipients, size_t n, const struct digest_msg *m,
				   time_t now, digest_emit_fn emit, void *arg)
{
	struct zone_lines z;
	enum digest_status st = DIGEST_OK;
	size_t i;

	if (!s || (!recipients && n) || !m || !emit)
		return DIGEST_EINVAL;
	z.n = z.next = 0;
	for (i = 0; i < n; i++) {
		size_t k = recipients[i];

		if (k >= s->n) {
			st = worse(st, DIGEST_EINVAL);
			continue;
		}
		st = worse(st, add_one(s, k, m, line_for(&z, tc, m, &s->r[k]), now, emit, arg));
	}
	return st;
}

enum digest_status digest_add(struct digest_set *s, size_t recipient, const struct digest_msg *m,
			      time_t now, digest_emit_fn emit, void *arg)
{
	return digest_add_many(s, NULL, &recipient, 1, m, now, emit, arg);
}

enum digest_status digest_poll(struct digest_set *s, time_t now, digest_emit_fn emit, void *arg)
{
	enum digest_status st = DIGEST_OK;
	size_t i;

	if (!s || !emit)
		return DIGEST_EINVAL;
	for (i = 0; i < s->n; i++)
		if (drain(s, i, now, false, emit, arg) != 0)
			st = DIGEST_EEMIT;
	return st;
}

enum digest_status digest_flush_all(struct digest_set *s, time_t now, digest_emit_fn emit,
				    void *arg)
{
	enum digest_status st = DIGEST_OK;
	size_t i;

	if (!s || !emit)
		return DIGEST_EINVAL;
	for (i = 0; i < s->n; i++)
		if (drain(s, i, now, true, emit, arg) != 0)
			st = DIGEST_EEMIT;
	return st;
}

static time_t max_t(time_t a, time_t b)
{
	return a > b ? a : b;
}

time_t digest_next_deadline(const struct digest_set *s)
{
	time_t best = 0;
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < s->n; i++) {
		struct digest_recipient *r = &s->r[i];
		const struct digest_batch *p = &r->pending;
		time_t t;

		pthread_mutex_lock(&r->lock);
		if (!r->busy && !digest_batch_empty(p)) {
			t = p->due ? p->opened : due_at(r);
			t = max_t(t, r->retry_after);
			t = max_t(t, rate_free_at(r));
			if (t <= 0)
				t = 1;
			if (best == 0 || t < best)
				best = t;
		}
		pthread_mutex_unlock(&r->lock);
	}
	return best;
}

bool digest_set_idle(const struct digest_set *s)
{
	bool idle = true;

	for (size_t i = 0; s && i < s->n && idle; i++) {
		struct digest_recipient *r = &s->r[i];

		pthread_mutex_lock(&r->lock);
		idle = !r->busy && digest_batch_empty(&r->pending);
		pthread_mutex_unlock(&r->lock);
	}
	return idle;
}

enum digest_status digest_counters(const struct digest_set *s, size_t recipient,
				   struct digest_counters *out)
{
	struct digest_recipient *r;

	if (!s || recipient >= s->n || !out)
		return DIGEST_EINVAL;
	r = &s->r[recipient];
	pthread_mutex_lock(&r->lock);
	*out = r->count;
	pthread_mutex_unlock(&r->lock);
	return DIGEST_OK;
}
