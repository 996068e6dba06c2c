/*
 * smtp/spool_deliver.c: one delivery run over the spool (spool_deliver).
 *
 * Under the spool's lock (flock LOCK_EX|LOCK_NB on "lock": one delivering
 * process at a time, so nothing is sent twice), the run:
 *   1. reads queue/, moving corrupt files to failed/ (counted as fails);
 *   2. moves mails queued longer than SPOOL_EXPIRE_SEC to failed/ as
 *      "expired after N attempts: <last error>", and those with an address
 *      util/address.h refuses (a file put in queue/ by other means than
 *      spool_submit, which sends those to failed/ itself) with its verdict;
 *   3. picks the due ones (Next-Try <= now, all when force, or just `only`),
 *      oldest first, and sends them over one session:
 *        - sent: removed from queue/ (queue/ is fsync'd once, when the
 *          run ends: smtp/spool.c, "Removing"), counted;
 *        - permanent failure (5xx): moved to failed/ with the reply, counted;
 *        - temporary failure of that mail (a 4xx reply to MAIL, RCPT, DATA
 *          or the data, e.g. 452 to RCPT): deferred, the session goes on
 *          with the next mail;
 *        - the session dies (connection lost, timeout, 421): that mail is
 *          deferred (the server may or may not have it: it is sent again
 *          later, never dropped), and ONE new session is opened for the
 *          rest; when that one dies too, or cannot be opened, the rest
 *          is deferred;
 *        - the first session cannot be opened: every mail is deferred.
 *      A deferred mail gets Attempts + 1, Next-Try = now + back-off (1 min,
 *      doubled per attempt, capped at 1 h) and Last-Error = the reason.
 *      A failure to open the session is deferred even when it is a 5xx (a
 *      refused greeting or AUTH is the configuration's fault, not the
 *      mail's): expiry bounds how long that goes on.  A refused AUTH is
 *      counted (auth_failed) each time.
 *   4. adds what it did to the persistent counters, and records the
 *      address the last session connected to (the state file).
 *
 * Returns the worst outcome of the run: SMTP_OK when every mail tried was
 * sent (or nothing was due), else SMTP_ETEMP when something was deferred,
 * SMTP_EPERM when something failed for good; err holds the reason of the
 * last such mail.  Local errors (SMTP_EIO, SMTP_ENOMEM) stop the run and win.
 * With only, SMTP_ENOENT when that mail is not in the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "smtp/spool-internal.h"

struct run {
	struct spool *s;
	struct spool_run *out;
	time_t now;
	enum smtp_status worst;
	struct smtp_err *err;
	struct spool_state state; /* what the run leaves for show mail */
};

static int rank(enum smtp_status st)
{
	switch (st) {
	case SMTP_OK:
		return 0;
	case SMTP_ETEMP:
		return 1;
	case SMTP_EPERM:
		return 2;
	default:
		return 3;
	}
}

/* Remember a mail's outcome; the worst (and, among equals, the last) wins. */
static void note(struct run *r, enum smtp_status st, const char *reason)
{
	if (rank(st) < rank(r->worst))
		return;
	r->worst = st;
	if (r->err && reason != r->err->msg)
		spool_errf(r->err, "%s", reason);
}

static const char *reason_of(enum smtp_status st, const struct smtp_err *e)
{
	if (e->msg[0])
		return e->msg;
	switch (st) {
	case SMTP_ETEMP:
		return "temporary failure";
	case SMTP_EPERM:
		return "permanent failure";
	case SMTP_ENOMEM:
		return "out of memory";
	default:
		return "local error";
	}
}

/* A local error while moving files stops the run. */
static bool local_error(struct run *r, enum smtp_status st, const struct smtp_err *e)
{
	if (st == SMTP_OK || st == SMTP_ENOENT)
		return false;
	note(r, st, e->msg);
	return true;
}

static bool fail_mail(struct run *r, struct spool_mail *m, const char *reason)
{
	struct smtp_err e = {0};
	enum smtp_status st = spool_fail(r->s, m->id, reason, &e);

	m->done = true;
	if (st == SMTP_ENOENT) /* deleted meanwhile */
		return false;
	r->out->failed++;
	note(r, SMTP_EPERM, reason);
	return local_error(r, st, &e);
}

static bool defer_mail(struct run *r, struct spool_mail *m, const char *reason)
{
	struct smtp_err e = {0};
	enum smtp_status st;

	m->done = true;
	m->attempts++;
	m->next_try = r->now + (time_t)spool_backoff(m->attempts);
	m->last_error = (char *)reason;
	st = spool_mail_update(r->s, m, &e);
	m->last_error = NULL; /* reason is not ours to keep */
	if (st == SMTP_ENOENT)
		return false;
	r->out->deferred++;
	note(r, SMTP_ETEMP, reason);
	return local_error(r, st, &e);
}

static bool sent_mail(struct run *r, struct spool_mail *m)
{
	struct smtp_err e = {0};
	enum smtp_status st = spool_remove(r->s, m->id, &e);

	m->done = true;
	r->out->sent++;
	return local_error(r, st, &e);
}

static bool expire(struct run *r, struct spool_mail *m)
{
	char reason[sizeof(((struct smtp_err *)0)->msg)];

	snprintf(reason, sizeof(reason), "expired after %u attempts: %s", m->attempts,
		 m->last_error[0] ? m->last_error : "never tried");
	return fail_mail(r, m, reason);
}

/* Mark what this run will not touch as done; true when something is left. */
static bool pick(struct run *r, struct spool_set *set, bool force, const char *only)
{
	struct smtp_err e = {0};
	bool any = false;

	for (size_t i = 0; i < set->n; i++) {
		struct spool_mail *m = &set->v[i];

		if (only && strcmp(m->id, only) != 0)
			m->done = true;
		else if (r->now - m->queued >= SPOOL_EXPIRE_SEC) {
			if (expire(r, m))
				return false;
		} else if (spool_unsendable(m->from, m->to, NULL, &e)) {
			if (fail_mail(r, m, e.msg))
				return false;
		} else if (!only && !force && m->next_try > r->now)
			m->done = true;
		else
			any = true;
	}
	return any;
}

/* The session cannot carry another mail after this failure. */
static bool session_dead(enum smtp_status st, const struct smtp_err *e)
{
	if (st == SMTP_OK || st == SMTP_EPERM || st == SMTP_EINVAL)
		return false;
	return st != SMTP_ETEMP || e->code == 0 || e->code == 421;
}

static void defer_rest(struct run *r, struct spool_set *set, const char *reason)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].done)
			continue;
		if (defer_mail(r, &set->v[i], reason))
			return;
	}
}

/* At most this many sessions a run: the first, and one when it dies. */
#define RUN_SESSIONS 2

/* Open a session; on failure the rest is deferred with the reason. */
static struct smtp_client *open_session(struct run *r, struct spool_set *set,
					const struct smtp_params *p)
{
	struct smtp_client *c = NULL;
	struct smtp_err e = {0};
	enum smtp_status st = smtp_open(&c, p, &e);

	r->out->sessions++;
	if (st == SMTP_OK) {
		snprintf(r->state.server_address, sizeof(r->state.server_address), "%s",
			 smtp_peer(c));
		smtp_tls_describe(c, r->state.tls, sizeof(r->state.tls));
		return c;
	}
	if (e.auth_refused)
		r->out->auth_failed++;
	defer_rest(r, set, reason_of(st, &e));
	return NULL;
}

static void send_all(struct run *r, struct spool_set *set, const struct smtp_params *p)
{
	struct smtp_client *c = NULL;
	struct smtp_err e = {0};
	char died[sizeof(e.msg)] = "";

	for (size_t i = 0; i < set->n; i++) {
		struct spool_mail *m = &set->v[i];
		enum smtp_status st;
		bool stop;

		if (m->done)
			continue;
		if (!c && r->out->sessions == RUN_SESSIONS) {
			defer_rest(r, set, died);
			break;
		}
		if (!c && !(c = open_session(r, set, p)))
			break;
		memset(&e, 0, sizeof(e));
		st = smtp_send(c, m->from, m->to, m->msg, m->len, &e);
		if (st == SMTP_OK)
			stop = sent_mail(r, m);
		else if (st == SMTP_EPERM || st == SMTP_EINVAL)
			stop = fail_mail(r, m, reason_of(st, &e));
		else
			stop = defer_mail(r, m, reason_of(st, &e));
		if (stop)
			break;
		if (session_dead(st, &e)) {
			snprintf(died, sizeof(died), "%s", reason_of(st, &e));
			smtp_close(c);
			c = NULL;
		}
	}
	smtp_close(c);
}

enum smtp_status spool_deliver(struct spool *s, const struct smtp_params *p, bool force,
			       const char *only, struct spool_run *run, struct smtp_err *err)
{
	struct spool_run local;
	struct run r = {.s = s, .out = run ? run : &local, .worst = SMTP_OK, .err = err};
	struct spool_set set = {0};
	struct spool_counters counted;
	struct smtp_err e = {0};
	unsigned corrupt = 0;
	enum smtp_status st;
	int lock;

	memset(r.out, 0, sizeof(*r.out));
	if (err)
		memset(err, 0, sizeof(*err));
	if (!p) {
		spool_errf(err, "spool: no SMTP parameters");
		return SMTP_EINVAL;
	}
	lock = spool_lock(s, err);
	if (lock < 0)
		return errno == EWOULDBLOCK ? SMTP_EBUSY : SMTP_EIO;
	r.now = time(NULL);
	spool_clean_tmp(s, r.now);
	st = spool_scan(s, true, &set, &corrupt, err);
	if (st != SMTP_OK)
		goto out;
	r.out->failed += corrupt;
	if (pick(&r, &set, force, only))
		send_all(&r, &set, p);
	if (only) {
		bool found = false;

		for (size_t i = 0; i < set.n; i++)
			found |= !strcmp(set.v[i].id, only);
		if (!found) {
			st = SMTP_ENOENT;
			spool_errf(err, "no mail with mail-id %s in the queue", only);
		}
	}
	if (st == SMTP_OK)
		st = r.worst;
	/* The sent mails' unlinks were not fsync'd one by one: once here.
	 * Before the counters, so they never count a mail that can come back. */
	if (r.out->sent > 0)
		spool_sync_queue(s);
	counted.sent = r.out->sent;
	counted.failed = r.out->failed;
	counted.auth_failed = r.out->auth_failed;
	if (spool_counters_add(s, &counted, &e) != SMTP_OK && st == SMTP_OK) {
		st = SMTP_EIO;
		if (err)
			*err = e;
	}
	if (r.state.server_address[0])
		spool_state_save(s, &r.state, &e); /* for show mail only: not fatal */
out:
	spool_set_free(&set);
	close(lock); /* releases the flock */
	return st;
}
