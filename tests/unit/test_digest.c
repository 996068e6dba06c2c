/*
 * tests/unit/test_digest.c: digests with an injected clock, no sleeps.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/digest.h"
#include "digest/internal.h" /* DIGEST_HOSTS_MAX */

#define T0       ((time_t)1782907200) /* 2026-07-01 12:00:00 UTC */
#define T_WINTER ((time_t)1768520730) /* 2026-01-15 23:45:30 UTC */
#define NR       8

/* ---- a sink that records what was emitted -------------------------------- */

struct got {
	size_t recipient;
	char *to, *subject, *body;
	size_t body_len;
	unsigned n, ns, ne;
	int highest;
	enum digest_reason reason;
	time_t now;
};

struct sink {
	pthread_mutex_t lock;
	bool keep;         /* record every mail (single-threaded tests) */
	bool fail;         /* every emit fails */
	unsigned fail_pct; /* or this share of them */
	unsigned seed;
	unsigned long calls;
	unsigned long msgs[NR], ns[NR], mails[NR];
	struct got v[256];
	size_t n;
};

static void sink_init(struct sink *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->keep = true;
	k->seed = 7;
}

static void sink_free(struct sink *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].to);
		free(k->v[i].subject);
		free(k->v[i].body);
	}
	pthread_mutex_destroy(&k->lock);
}

static int sink_emit(void *arg, const struct digest_mail *m)
{
	struct sink *k = arg;
	int rc = 0;

	cr_assert(m->body && m->subject && m->to);
	cr_assert_eq(strlen(m->body), m->body_len);
	cr_assert_null(strpbrk(m->subject, "\r\n"));
	pthread_mutex_lock(&k->lock);
	k->calls++;
	if (k->fail || (k->fail_pct && (unsigned)rand_r(&k->seed) % 100 < k->fail_pct)) {
		rc = -1;
		goto out;
	}
	k->msgs[m->recipient] += m->n_messages;
	k->ns[m->recipient] += m->n_not_shown;
	k->mails[m->recipient]++;
	if (k->keep && k->n < sizeof(k->v) / sizeof(k->v[0])) {
		struct got *g = &k->v[k->n++];

		*g = (struct got){
		    .recipient = m->recipient,
		    .to = strdup(m->to),
		    .subject = strdup(m->subject),
		    .body = strdup(m->body),
		    .body_len = m->body_len,
		    .n = m->n_messages,
		    .ns = m->n_not_shown,
		    .ne = m->n_errors,
		    .highest = m->highest,
		    .reason = m->reason,
		    .now = m->now,
		};
	}
out:
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* ---- configuration and messages ------------------------------------------ */

static struct conf_recipient rec[NR];
static struct conf conf;

static void setup(void)
{
	static char *addr[NR] = {"ops@example.com", "noc@example.com", "c@example.com",
				 "d@example.com",   "e@example.com",   "f@example.com",
				 "g@example.com",   "h@example.com"};

	memset(rec, 0, sizeof(rec));
	for (int i = 0; i < NR; i++) {
		rec[i].address = addr[i];
		rec[i].time_type = CONF_TIME_UTC;
		rec[i].digest = (struct conf_digest){
		    .window_sec = 30,
		    .max_messages = 100,
		    .max_bytes = 65536,
		    .urgent_level = CONF_LEVEL_CRITICAL,
		    .rate_per_hour = 0,
		};
	}
	conf = (struct conf){.recipients = rec, .n_recipients = 1};
}

static struct digest_msg msg(time_t ts, int sev, const char *text)
{
	return (struct digest_msg){.ts = ts,
				   .severity = sev,
				   .facility = 4,
				   .host = "web1",
				   .program = "sshd",
				   .text = text,
				   .text_len = (size_t)-1};
}

static struct digest_set *new_set(void)
{
	struct digest_set *s = digest_set_new(&conf, "web1", "SN123");

	cr_assert_not_null(s);
	return s;
}

static void add(struct digest_set *s, size_t r, time_t now, int sev, const char *text,
		struct sink *k)
{
	struct digest_msg m = msg(now, sev, text);

	cr_assert_eq(digest_add(s, r, &m, now, sink_emit, k), DIGEST_OK);
}

static struct digest_counters counters(struct digest_set *s, size_t r)
{
	struct digest_counters c;

	cr_assert_eq(digest_counters(s, r, &c), DIGEST_OK);
	return c;
}

static void check_accounting(struct digest_set *s, size_t r)
{
	struct digest_counters c = counters(s, r);

	cr_assert_eq(c.added, c.mailed + c.not_shown + c.held,
		     "added %lu != mailed %lu + not shown %lu + held %lu", c.added, c.mailed,
		     c.not_shown, c.held);
}

TestSuite(digest, .init = setup, .timeout = 60);

/* ---- closing ------------------------------------------------------------- */

Test(digest, window_closes_the_digest)
{
	struct sink k;
	struct digest_set *s;

	sink_init(&k);
	s = new_set();
	cr_assert_eq(digest_next_deadline(s), 0);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "one", &k);
	add(s, 0, T0 + 5, CONF_LEVEL_ERRORS, "two", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 30);
	cr_assert_eq(digest_poll(s, T0 + 29, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 0);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(k.v[0].to, "ops@example.com");
	cr_assert_eq(k.v[0].n, 2);
	cr_assert_eq(k.v[0].ne, 1);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_WINDOW);
	cr_assert_eq(k.v[0].now, T0 + 30);
	cr_assert_eq(digest_next_deadline(s), 0);
	cr_assert_eq(digest_poll(s, T0 + 100, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	/* the next message opens a new window */
	add(s, 0, T0 + 200, CONF_LEVEL_INFORMATIONAL, "three", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 230);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, message_cap_closes_at_once)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_messages = 3;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "b", &k);
	cr_assert_eq(k.n, 0);
	add(s, 0, T0 + 1, CONF_LEVEL_INFORMATIONAL, "c", &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 3);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_FULL);
	add(s, 0, T0 + 2, CONF_LEVEL_INFORMATIONAL, "d", &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(counters(s, 0).held, 1);
	digest_set_free(s);
	sink_free(&k);
}

static size_t line_len(const char *text)
{
	struct digest_msg m = msg(T0, CONF_LEVEL_INFORMATIONAL, text);
	char buf[1000];

	return digest_format_line(&m, CONF_TIME_UTC, 0, buf, sizeof(buf));
}

Test(digest, byte_cap_closes_before_overflowing)
{
	const char *x50 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	size_t l = line_len(x50);
	struct sink k;
	struct digest_set *s;

	cr_assert_eq(l, strlen("2026-07-01 12:00:00 +0000 web1 sshd[info]: ") + 50);
	/* room for two lines and a bit: the third closes the first two */
	rec[0].digest.max_bytes = (unsigned)(2 * (l + 1) + 5);
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	cr_assert_eq(k.n, 0);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 2);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_FULL);
	cr_assert_eq(counters(s, 0).held, 1);
	digest_set_free(s);

	/* exactly two lines: the second closes it */
	rec[0].digest.max_bytes = (unsigned)(2 * (l + 1));
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	cr_assert_eq(k.n, 2);
	cr_assert_eq(k.v[1].n, 2);
	cr_assert_eq(counters(s, 0).held, 0);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, urgent_message_sends_at_once)
{
	struct sink k;
	struct digest_set *s;

	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "link up", &k);
	add(s, 0, T0 + 1, CONF_LEVEL_ERRORS, "not urgent yet", &k);
	cr_assert_eq(k.n, 0);
	add(s, 0, T0 + 2, CONF_LEVEL_CRITICAL, "fan failure", &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 3);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_URGENT);
	cr_assert_eq(k.v[0].highest, CONF_LEVEL_CRITICAL);
	cr_assert_eq(k.v[0].now, T0 + 2);
	cr_assert_str_eq(k.v[0].subject, "web1: 3 log messages (2 errors)");
	cr_assert_eq(digest_next_deadline(s), 0);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, urgent_level_any_means_never)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.urgent_level = CONF_LEVEL_ANY;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_EMERGENCIES, "panic", &k);
	cr_assert_eq(k.n, 0);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, window_zero_sends_each_message)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.window_sec = 0;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "b", &k);
	cr_assert_eq(k.n, 2);
	digest_set_free(s);
	sink_free(&k);
}

/* ---- the rate limit ------------------------------------------------------- */

Test(digest, rate_limit_holds_then_counts_not_shown)
{
	struct sink k;
	struct digest_set *s;
	struct digest_counters c;
	char text[32];

	rec[0].digest.window_sec = 0;
	rec[0].digest.rate_per_hour = 2;
	rec[0].digest.max_messages = 5;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "m1", &k);
	add(s, 0, T0 + 10, CONF_LEVEL_INFORMATIONAL, "m2", &k);
	cr_assert_eq(k.n, 2);
	for (int i = 3; i <= 12; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		add(s, 0, T0 + 20 + i, i == 12 ? CONF_LEVEL_ERRORS : CONF_LEVEL_INFORMATIONAL, text,
		    &k);
		check_accounting(s, 0);
	}
	cr_assert_eq(k.n, 2);
	c = counters(s, 0);
	cr_assert_eq(c.added, 12);
	cr_assert_eq(c.mailed, 2);
	cr_assert_eq(c.held, 5);
	cr_assert_eq(c.not_shown, 5);
	cr_assert_eq(c.mails, 2);
	cr_assert_eq(c.rate_limited, 1);

	cr_assert_eq(digest_next_deadline(s), T0 + 3600);
	cr_assert_eq(digest_poll(s, T0 + 3599, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_eq(digest_poll(s, T0 + 3600, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.v[2].n, 5);
	cr_assert_eq(k.v[2].ns, 5);
	cr_assert_str_eq(k.v[2].subject, "web1: 10 log messages (1 errors)");
	cr_assert_str_eq(k.v[2].body,
			 "2026-07-01 12:00:23 +0000 web1 sshd[info]: m3\n"
			 "2026-07-01 12:00:24 +0000 web1 sshd[info]: m4\n"
			 "2026-07-01 12:00:25 +0000 web1 sshd[info]: m5\n"
			 "2026-07-01 12:00:26 +0000 web1 sshd[info]: m6\n"
			 "2026-07-01 12:00:27 +0000 web1 sshd[info]: m7\n"
			 "5 further messages not shown (rate limit)\n"
			 "-- \n"
			 "10 messages (5 shown), 1 error or worse, most severe: err\n");
	c = counters(s, 0);
	cr_assert_eq(c.mailed, 7);
	cr_assert_eq(c.not_shown, 5);
	cr_assert_eq(c.held, 0);
	cr_assert_eq(c.mails, 3);
	check_accounting(s, 0);

	/* sliding hour: mails at T0+10 and T0+3600 are within it at T0+3605 */
	add(s, 0, T0 + 3605, CONF_LEVEL_INFORMATIONAL, "m13", &k);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(digest_next_deadline(s), T0 + 3610);
	cr_assert_eq(digest_poll(s, T0 + 3610, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_eq(k.v[3].ns, 0);
	cr_assert_str_eq(k.v[3].subject, "web1: sshd: m13");
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, urgent_mails_obey_the_rate_limit)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_ALERTS, "first", &k);
	cr_assert_eq(k.n, 1);
	add(s, 0, T0 + 1, CONF_LEVEL_ALERTS, "second", &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(counters(s, 0).held, 1);
	cr_assert_eq(digest_next_deadline(s), T0 + 3600);
	digest_set_free(s);
	sink_free(&k);
}

/* ---- flush and failures ----------------------------------------------------- */

Test(digest, flush_all_sends_everything_ignoring_windows_and_rate)
{
	struct sink k;
	struct digest_set *s;

	conf.n_recipients = 2;
	rec[0].digest.rate_per_hour = 1;
	rec[0].digest.window_sec = 0;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "sent", &k);
	add(s, 0, T0 + 1, CONF_LEVEL_INFORMATIONAL, "held 1", &k);
	add(s, 0, T0 + 2, CONF_LEVEL_INFORMATIONAL, "held 2", &k);
	add(s, 1, T0 + 3, CONF_LEVEL_NOTICES, "window open", &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(digest_flush_all(s, T0 + 4, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.v[1].recipient, 0);
	cr_assert_eq(k.v[1].n, 2);
	cr_assert_eq(k.v[1].reason, DIGEST_REASON_FLUSH);
	cr_assert_eq(k.v[2].recipient, 1);
	cr_assert_str_eq(k.v[2].to, "noc@example.com");
	cr_assert_eq(k.v[2].n, 1);
	for (size_t r = 0; r < 2; r++) {
		cr_assert_eq(counters(s, r).held, 0);
		check_accounting(s, r);
	}
	cr_assert_eq(digest_next_deadline(s), 0);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, emit_failure_keeps_the_digest)
{
	struct sink k;
	struct digest_set *s;
	struct digest_counters c;

	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(s, 0, T0 + 1, CONF_LEVEL_INFORMATIONAL, "b", &k);
	add(s, 0, T0 + 2, CONF_LEVEL_INFORMATIONAL, "c", &k);
	k.fail = true;
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_EEMIT);
	cr_assert_eq(k.calls, 1);
	c = counters(s, 0);
	cr_assert_eq(c.held, 3);
	cr_assert_eq(c.emit_failed, 1);
	cr_assert_eq(c.mails, 0);
	/* a message arriving meanwhile joins the kept digest */
	add(s, 0, T0 + 31, CONF_LEVEL_INFORMATIONAL, "d", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 30 + DIGEST_RETRY_SEC);
	cr_assert_eq(digest_poll(s, T0 + 35, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.calls, 1);
	/* shutdown with a failing spool: still kept */
	cr_assert_eq(digest_flush_all(s, T0 + 36, sink_emit, &k), DIGEST_EEMIT);
	cr_assert_eq(counters(s, 0).held, 4);
	k.fail = false;
	cr_assert_eq(digest_poll(s, T0 + 36 + DIGEST_RETRY_SEC, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 4);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 web1 sshd[info]: a\n"
				      "2026-07-01 12:00:01 +0000 web1 sshd[info]: b\n"
				      "2026-07-01 12:00:02 +0000 web1 sshd[info]: c\n"
				      "2026-07-01 12:00:31 +0000 web1 sshd[info]: d\n"
				      "-- \n"
				      "4 messages, 0 errors or worse, most severe: info\n");
	c = counters(s, 0);
	cr_assert_eq(c.mailed, 4);
	cr_assert_eq(c.held, 0);
	cr_assert_eq(c.mails, 1);
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

/* An emit callback that adds to the same recipient, then fails: what it
 * added joins the kept digest (within the caps, the rest counted). */
struct reenter {
	struct sink *k;
	struct digest_set *s;
	int adds;
};

static int reenter_emit(void *arg, const struct digest_mail *m)
{
	struct reenter *re = arg;

	for (; re->adds > 0; re->adds--) {
		struct digest_msg x = msg(m->now, CONF_LEVEL_ERRORS, "during emit");

		/* pending is full while we emit: we must not wait for ourselves */
		cr_assert_eq(digest_add(re->s, 0, &x, m->now, reenter_emit, re), DIGEST_OK);
	}
	return sink_emit(re->k, m);
}

Test(digest, emit_callback_may_add_and_fail)
{
	struct sink k;
	struct reenter re = {.k = &k, .adds = 5};
	struct digest_counters c;

	rec[0].digest.max_messages = 3;
	sink_init(&k);
	k.fail = true;
	re.s = new_set();
	add(re.s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(re.s, 0, T0, CONF_LEVEL_INFORMATIONAL, "b", &k);
	cr_assert_eq(digest_add(re.s, 0,
				&(struct digest_msg){
				    .ts = T0, .severity = 6, .text = "c", .text_len = (size_t)-1},
				T0, reenter_emit, &re),
		     DIGEST_EEMIT);
	c = counters(re.s, 0);
	cr_assert_eq(c.added, 8);
	cr_assert_eq(c.held, 3);
	cr_assert_eq(c.not_shown, 5);
	check_accounting(re.s, 0);
	k.fail = false;
	cr_assert_eq(digest_poll(re.s, T0 + DIGEST_RETRY_SEC, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 3);
	cr_assert_eq(k.v[0].ns, 5);
	cr_assert_eq(k.v[0].ne, 5);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:00 +0000 web1 sshd[info]: a\n"
			 "2026-07-01 12:00:00 +0000 web1 sshd[info]: b\n"
			 "2026-07-01 12:00:00 +0000 - -[info]: c\n"
			 "5 further messages not shown (mail could not be queued)\n"
			 "-- \n"
			 "8 messages (3 shown), 5 errors or worse, most severe: err\n");
	c = counters(re.s, 0);
	cr_assert_eq(c.mailed, 3);
	cr_assert_eq(c.held, 0);
	check_accounting(re.s, 0);
	digest_set_free(re.s);
	sink_free(&k);
}

Test(digest, bad_arguments)
{
	struct sink k;
	struct digest_set *s;
	struct digest_msg m = msg(T0, 0, "x");
	struct digest_counters c;

	sink_init(&k);
	s = new_set();
	cr_assert_eq(digest_add(s, 1, &m, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(digest_add(s, 0, NULL, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(digest_counters(s, 5, &c), DIGEST_EINVAL);
	cr_assert_eq(digest_set_count(s), 1);
	digest_set_free(s);
	digest_set_free(NULL);
	sink_free(&k);
}

/* ---- rendering -------------------------------------------------------------- */

Test(digest, body_rendering_exact)
{
	struct sink k;
	struct digest_set *s;
	struct digest_msg m = msg(T0 + 1, CONF_LEVEL_WARNINGS, "Accepted publickey for alice");

	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_ERRORS, "Failed password for root from 192.0.2.7", &k);
	m.host = NULL;
	m.program = "";
	cr_assert_eq(digest_add(s, 0, &m, T0 + 1, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_flush_all(s, T0 + 2, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(
	    k.v[0].body,
	    "2026-07-01 12:00:00 +0000 web1 sshd[err]: Failed password for root from 192.0.2.7\n"
	    "2026-07-01 12:00:01 +0000 - -[warning]: Accepted publickey for alice\n"
	    "-- \n"
	    "2 messages, 1 error or worse, most severe: err\n");
	cr_assert_str_eq(k.v[0].subject, "web1: 2 log messages (1 errors)");
	digest_set_free(s);
	sink_free(&k);
}

/* Unknown severity (-1, a log file without priorities): never urgent, not
 * an error, "?" in the line; the known ones decide the summary. */
Test(digest, unknown_severity_is_neither_urgent_nor_an_error)
{
	struct sink k;
	struct digest_set *s;

	sink_init(&k);
	s = new_set();
	add(s, 0, T0, -1, "no priority", &k);
	cr_assert_eq(k.n, 0, "not sent at once as urgent");
	add(s, 0, T0 + 1, CONF_LEVEL_WARNINGS, "a warning", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 2, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 web1 sshd[?]: no priority\n"
				      "2026-07-01 12:00:01 +0000 web1 sshd[warning]: a warning\n"
				      "-- \n"
				      "2 messages, 0 errors or worse, most severe: warning\n");
	digest_set_free(s);
	sink_free(&k);
}

static const char *fmt(const struct digest_msg *m, enum conf_time tt, int off)
{
	static char buf[1000];

	digest_format_line(m, tt, off, buf, sizeof(buf));
	return buf;
}

Test(digest, escapes_control_and_invalid_utf8)
{
	struct digest_msg m = msg(T0, CONF_LEVEL_NOTICES, "a\tb\001c\377d \xc3\xa9 \xe2\x82 x\x7f");
	const char nul[] = {'n', 0, 'u', 'l'};

	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0), "2026-07-01 12:00:00 +0000 web1 sshd[notice]: "
						    "a#011b#001c#377d \xc3\xa9 #342#202 x#177");
	m.text = "line1\nline2\r";
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 web1 sshd[notice]: line1#012line2#015");
	m.text = nul;
	m.text_len = sizeof(nul);
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 web1 sshd[notice]: n#000ul");
	m = msg(T0, CONF_LEVEL_NOTICES, "x");
	m.host = "we\nb1";
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 we#012b1 sshd[notice]: x");
}

Test(digest, long_lines_are_cut_at_998_octets)
{
	static char text[3000];
	const char *line;
	size_t len;
	struct digest_msg m;

	memset(text, 'x', 2000);
	m = msg(T0, CONF_LEVEL_NOTICES, text);
	line = fmt(&m, CONF_TIME_UTC, 0);
	cr_assert_eq(strlen(line), 998);
	cr_assert_str_eq(line + 995, "...");

	/* two-octet characters are never split */
	for (int i = 0; i < 1000; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[2000] = '\0';
	line = fmt(&m, CONF_TIME_UTC, 0);
	len = strlen(line);
	cr_assert_leq(len, 998);
	cr_assert_str_eq(line + len - 3, "...");
	cr_assert_eq((unsigned char)line[len - 4], 0xa9);

	/* escapes are never split either */
	memset(text, '\001', 2000);
	line = fmt(&m, CONF_TIME_UTC, 0);
	len = strlen(line);
	cr_assert_leq(len, 998);
	cr_assert_str_eq(line + len - 7, "#001...");

	/* small buffers: whole units only */
	{
		char small[40];

		cr_assert_eq(digest_format_line(&m, CONF_TIME_UTC, 0, small, 20), 3);
		cr_assert_str_eq(small, "...");
		cr_assert_eq(digest_format_line(&m, CONF_TIME_UTC, 0, small, 40), 39);
		cr_assert_str_eq(small, "2026-07-01 12:00:00 +0000 web1 sshd[...");
		cr_assert_eq(digest_format_line(&m, CONF_TIME_UTC, 0, small, 0), 0);
	}

	/* in a mail body too */
	{
		struct sink k;
		struct digest_set *s;

		memset(text, 'y', 2999);
		text[2999] = '\0';
		sink_init(&k);
		s = new_set();
		add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, text, &k);
		digest_flush_all(s, T0, sink_emit, &k);
		cr_assert_eq(k.n, 1);
		cr_assert_eq(strcspn(k.v[0].body, "\n"), 998);
		digest_set_free(s);
		sink_free(&k);
	}
}

/* ---- time zones and offsets ------------------------------------------------- */

Test(digest, time_offsets)
{
	struct digest_msg summer = msg(T0, CONF_LEVEL_INFORMATIONAL, "x");
	struct digest_msg winter = msg(T_WINTER, CONF_LEVEL_INFORMATIONAL, "x");

	/* a POSIX TZ string: no tzdata needed */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	cr_assert_str_eq(fmt(&summer, CONF_TIME_LOCAL, 0),
			 "2026-07-01 14:00:00 +0200 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, 0),
			 "2026-01-16 00:45:30 +0100 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_LOCAL, 30),
			 "2026-07-01 14:30:00 +0230 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, -60),
			 "2026-01-15 23:45:30 +0000 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, -150),
			 "2026-01-15 22:15:30 -0130 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, 0),
			 "2026-01-15 23:45:30 +0000 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, 120),
			 "2026-01-16 01:45:30 +0200 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, -330),
			 "2026-01-15 18:15:30 -0530 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_UTC, -330),
			 "2026-07-01 06:30:00 -0530 web1 sshd[info]: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_UTC, 1439),
			 "2026-07-02 11:59:00 +2359 web1 sshd[info]: x");

	/* the recipient's setting reaches the mail */
	{
		struct sink k;
		struct digest_set *s;

		conf.n_recipients = 2;
		rec[0].time_type = CONF_TIME_LOCAL;
		rec[1].time_type = CONF_TIME_UTC;
		rec[1].offset_min = -330;
		sink_init(&k);
		s = new_set();
		add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "x", &k);
		add(s, 1, T0, CONF_LEVEL_INFORMATIONAL, "x", &k);
		digest_flush_all(s, T0, sink_emit, &k);
		cr_assert_eq(k.n, 2);
		cr_assert(strncmp(k.v[0].body, "2026-07-01 14:00:00 +0200 web1", 30) == 0, "%s",
			  k.v[0].body);
		cr_assert(strncmp(k.v[1].body, "2026-07-01 06:30:00 -0530 web1", 30) == 0, "%s",
			  k.v[1].body);
		digest_set_free(s);
		sink_free(&k);
	}
}

/* add() through a struct digest_time_cache, as the engine's workers add. */
static struct digest_time_cache *tcache;

static void add_cached(struct digest_set *s, size_t r, time_t now, int sev, const char *text,
		       struct sink *k)
{
	struct digest_msg m = msg(now, sev, text);

	if (tcache == NULL)
		cr_assert_not_null(tcache = digest_time_cache_new());
	cr_assert_eq(digest_add_many(s, tcache, &r, 1, &m, now, sink_emit, k), DIGEST_OK);
}

/* The time prefix is cached per second: same second, next second, and a
 * zone setting in between must each show their own time. */
Test(digest, time_prefix_cache_follows_the_second)
{
	struct sink k;
	struct digest_set *s;

	conf.n_recipients = 2;
	rec[1].offset_min = 90;
	sink_init(&k);
	s = new_set();
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "one", &k);
	add_cached(s, 1, T0, CONF_LEVEL_INFORMATIONAL, "other zone", &k);
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "two", &k);
	add_cached(s, 0, T0 + 1, CONF_LEVEL_INFORMATIONAL, "three", &k);
	add_cached(s, 1, T0 + 1, CONF_LEVEL_INFORMATIONAL, "other zone", &k);
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "late", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 2, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 web1 sshd[info]: one\n"
				      "2026-07-01 12:00:00 +0000 web1 sshd[info]: two\n"
				      "2026-07-01 12:00:01 +0000 web1 sshd[info]: three\n"
				      "2026-07-01 12:00:00 +0000 web1 sshd[info]: late\n"
				      "-- \n"
				      "4 messages, 0 errors or worse, most severe: info\n");
	cr_assert_str_eq(k.v[1].body, "2026-07-01 13:30:00 +0130 web1 sshd[info]: other zone\n"
				      "2026-07-01 13:30:01 +0130 web1 sshd[info]: other zone\n"
				      "-- \n"
				      "2 messages, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
	digest_time_cache_free(tcache);
}

/* Local time: a TZ change (with tzset) shows at once, even within the
 * second that was just rendered in the old zone. */
Test(digest, time_prefix_cache_follows_a_tz_change)
{
	struct sink k;
	struct digest_set *s;

	rec[0].time_type = CONF_TIME_LOCAL;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	sink_init(&k);
	s = new_set();
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "in Paris", &k);
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "still Paris", &k);
	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "in New York", &k);
	setenv("TZ", "UTC0", 1);
	tzset();
	add_cached(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "in UTC", &k);
	cr_assert_eq(digest_flush_all(s, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 14:00:00 +0200 web1 sshd[info]: in Paris\n"
				      "2026-07-01 14:00:00 +0200 web1 sshd[info]: still Paris\n"
				      "2026-07-01 08:00:00 -0400 web1 sshd[info]: in New York\n"
				      "2026-07-01 12:00:00 +0000 web1 sshd[info]: in UTC\n"
				      "-- \n"
				      "4 messages, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
	digest_time_cache_free(tcache);
}

/* ---- digest_add_many -------------------------------------------------------- */

Test(digest, add_many_is_add_for_each_recipient)
{
	struct sink k;
	struct digest_set *s;
	struct digest_msg m = msg(T0, CONF_LEVEL_ERRORS, "disk full");
	const size_t to[] = {2, 0, 1, 3, 0};

	conf.n_recipients = 4;
	rec[1].offset_min = 60;
	rec[2].time_type = CONF_TIME_LOCAL;
	rec[3].offset_min = 60;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	sink_init(&k);
	s = new_set();
	cr_assert_eq(digest_add_many(s, NULL, to, 5, &m, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(counters(s, 0).added, 2); /* listed twice */
	for (size_t r = 1; r < 4; r++) {
		cr_assert_eq(counters(s, r).added, 1);
		check_accounting(s, r);
	}
	cr_assert_eq(digest_flush_all(s, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 web1 sshd[err]: disk full\n"
				      "2026-07-01 12:00:00 +0000 web1 sshd[err]: disk full\n"
				      "-- \n"
				      "2 messages, 2 errors or worse, most severe: err\n");
	cr_assert(strncmp(k.v[1].body, "2026-07-01 13:00:00 +0100 web1 sshd[err]: disk full\n-- \n",
			  56) == 0,
		  "%s", k.v[1].body);
	cr_assert(strncmp(k.v[2].body, "2026-07-01 14:00:00 +0200 web1 sshd[err]: disk full\n-- \n",
			  56) == 0,
		  "%s", k.v[2].body);
	cr_assert(strncmp(k.v[3].body, "2026-07-01 13:00:00 +0100 web1 sshd[err]: disk full\n-- \n",
			  56) == 0,
		  "%s", k.v[3].body);
	digest_set_free(s);
	sink_free(&k);
}

/* More zone settings than the per-call slots (6 among 8 recipients): each
 * line still shows its recipient's time. */
Test(digest, add_many_with_many_zones)
{
	struct sink k;
	struct digest_set *s;
	struct digest_msg m = msg(T0, CONF_LEVEL_NOTICES, "x");
	size_t to[NR];
	char want[64];

	for (int i = 0; i < NR; i++) {
		rec[i].offset_min = (i % 6) * 60;
		to[i] = (size_t)i;
	}
	conf.n_recipients = NR;
	sink_init(&k);
	s = new_set();
	cr_assert_eq(digest_add_many(s, NULL, to, NR, &m, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_flush_all(s, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, NR);
	for (size_t i = 0; i < NR; i++) {
		snprintf(want, sizeof(want),
			 "2026-07-01 %02zu:00:00 +%02zu00 web1 sshd[notice]: x\n", 12 + i % 6,
			 i % 6);
		cr_assert_eq(k.v[i].recipient, i);
		cr_assert(strncmp(k.v[i].body, want, strlen(want)) == 0, "%s", k.v[i].body);
	}
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, add_many_statuses)
{
	struct sink k;
	struct digest_set *s;
	struct digest_msg m = msg(T0, CONF_LEVEL_INFORMATIONAL, "x");
	const size_t to[] = {0, 7, 1};

	conf.n_recipients = 2;
	rec[0].digest.window_sec = 0;
	sink_init(&k);
	s = new_set();
	/* out of range is skipped; the others still get it */
	cr_assert_eq(digest_add_many(s, NULL, to, 3, &m, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(counters(s, 0).mailed, 1);
	cr_assert_eq(counters(s, 1).held, 1);
	/* an emit failure of one recipient: EEMIT, the message is kept */
	k.fail = true;
	cr_assert_eq(digest_add_many(s, NULL, to, 1, &m, T0 + 1, sink_emit, &k), DIGEST_EEMIT);
	cr_assert_eq(counters(s, 0).held, 1);
	cr_assert_eq(digest_add_many(s, NULL, to, 0, &m, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_add_many(s, NULL, NULL, 0, &m, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_add_many(s, NULL, NULL, 1, &m, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(digest_add_many(s, NULL, to, 1, NULL, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(digest_add_many(NULL, NULL, to, 1, &m, T0, sink_emit, &k), DIGEST_EINVAL);
	cr_assert_eq(counters(s, 0).added, 2);
	for (size_t r = 0; r < 2; r++)
		check_accounting(s, r);
	digest_set_free(s);
	sink_free(&k);
}

/* ---- reused batch storage ----------------------------------------------------- */

/* Digest after digest in the same buffers: a long mail with a "not shown"
 * line, a failed emit, then short mails must show only their own lines. */
Test(digest, reused_storage_shows_only_the_new_lines)
{
	struct sink k;
	struct digest_set *s;
	char text[32];

	rec[0].digest.max_messages = 3;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = new_set();
	for (int i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "long message number %d", i);
		add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, text, &k);
	}
	cr_assert_eq(k.n, 1); /* a, b, c; then held by the rate limit */
	cr_assert_eq(digest_poll(s, T0 + 3600, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_str_eq(k.v[1].body,
			 "2026-07-01 12:00:00 +0000 web1 sshd[info]: long message number 4\n"
			 "2026-07-01 12:00:00 +0000 web1 sshd[info]: long message number 5\n"
			 "-- \n"
			 "2 messages, 0 errors or worse, most severe: info\n");
	add(s, 0, T0 + 3601, CONF_LEVEL_INFORMATIONAL, "a", &k);
	k.fail = true;
	cr_assert_eq(digest_flush_all(s, T0 + 3602, sink_emit, &k), DIGEST_EEMIT);
	k.fail = false;
	add(s, 0, T0 + 3603, CONF_LEVEL_INFORMATIONAL, "b", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 3604, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_str_eq(k.v[2].body, "2026-07-01 13:00:01 +0000 web1 sshd[info]: a\n"
				      "2026-07-01 13:00:03 +0000 web1 sshd[info]: b\n"
				      "-- \n"
				      "2 messages, 0 errors or worse, most severe: info\n");
	add(s, 0, T0 + 3605, CONF_LEVEL_INFORMATIONAL, "c", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 3606, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_str_eq(k.v[3].body, "2026-07-01 13:00:05 +0000 web1 sshd[info]: c\n"
				      "-- \n"
				      "1 message, 0 errors or worse, most severe: info\n");
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

/* ---- subjects --------------------------------------------------------------- */

static const char *one_subject(const char *tmpl, const char *program, const char *text,
			       struct sink *k)
{
	struct digest_set *s;
	struct digest_msg m = msg(T0, CONF_LEVEL_ERRORS, text);

	rec[0].digest.subject = (char *)tmpl;
	m.program = program;
	s = new_set();
	cr_assert_eq(digest_add(s, 0, &m, T0, sink_emit, k), DIGEST_OK);
	cr_assert_eq(digest_flush_all(s, T0, sink_emit, k), DIGEST_OK);
	digest_set_free(s);
	return k->v[k->n - 1].subject;
}

Test(digest, subject_substitutions)
{
	struct sink k;

	sink_init(&k);
	cr_assert_str_eq(one_subject("[%N/%S] %C msgs, %E errors, worst %H, %P: %M 100%% %U %X",
				     "kernel", "disk %N 100% full", &k),
			 "[web1/SN123] 1 msgs, 1 errors, worst err, kernel: disk %N 100% full "
			 "100% 2026-07-01T12:00:00+0000 %X");
	/* the default for one message */
	cr_assert_str_eq(one_subject(NULL, "sshd", "  Failed password for root from 192.0.2.7", &k),
			 "web1: sshd: Failed password for root from 192.0.2.7");
	/* first 60 characters, blanks and control characters tidied */
	cr_assert_str_eq(
	    one_subject(NULL, NULL,
			"\xc3\xa9\xc3\xa9 tab\there  spaces  "
			"0123456789012345678901234567890123456789012345678901234567890123",
			&k),
	    "web1: -: \xc3\xa9\xc3\xa9 tab here spaces "
	    "01234567890123456789012345678901234567890...");
	cr_assert_str_eq(one_subject("%%C is %C, trailing %", "p", "t", &k), "%C is 1, trailing %");
	sink_free(&k);
}

Test(digest, subject_counts_over_many)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.subject = "%N %C/%E/%H";
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(s, 0, T0, CONF_LEVEL_ERRORS, "b", &k);
	add(s, 0, T0, CONF_LEVEL_WARNINGS, "c", &k);
	add(s, 0, T0, CONF_LEVEL_ERRORS, "d", &k);
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_str_eq(k.v[0].subject, "web1 4/2/err");
	digest_set_free(s);
	sink_free(&k);
}

/* %N on a collector: the host of the digest's messages, or how many hosts. */
static void add_from(struct digest_set *s, const char *host, const char *text, struct sink *k)
{
	struct digest_msg m = msg(T0, CONF_LEVEL_ERRORS, text);

	m.host = host;
	cr_assert_eq(digest_add(s, 0, &m, T0, sink_emit, k), DIGEST_OK);
}

static int add_from_db1_and_fail(void *arg, const struct digest_mail *m)
{
	struct reenter *re = arg;
	struct digest_msg x = msg(m->now, CONF_LEVEL_ERRORS, "during emit");

	x.host = "db1";
	for (; re->adds > 0; re->adds--)
		cr_assert_eq(digest_add(re->s, 0, &x, m->now, add_from_db1_and_fail, re),
			     DIGEST_OK);
	return sink_emit(re->k, m);
}

Test(digest, subject_names_the_hosts)
{
	struct sink k;
	struct digest_set *s;
	struct reenter re = {.k = &k, .adds = 2};
	char host[32];

	rec[0].digest.subject = "%N: %C";
	sink_init(&k);
	s = new_set(); /* its own host name is web1 */
	add_from(s, "edge1", "a", &k);
	add_from(s, "EDGE1", "b", &k); /* host names are case-insensitive */
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_str_eq(k.v[0].subject, "edge1: 2");
	add_from(s, "edge1", "a", &k);
	add_from(s, "edge2", "b", &k);
	add_from(s, NULL, "c", &k); /* no host: not counted */
	add_from(s, "db1", "d", &k);
	add_from(s, "Edge2", "e", &k);
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_str_eq(k.v[1].subject, "3 hosts: 5");
	add_from(s, "", "a", &k);
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_str_eq(k.v[2].subject, "web1: 1", "no host in the messages: this one's");
	/* the hosts of messages not shown (rate limit) count too, and the
	 * count is bounded: one mail of 10, then one held with the rest */
	rec[0].digest.max_messages = 10;
	rec[0].digest.rate_per_hour = 1;
	digest_set_free(s);
	s = new_set();
	for (int i = 0; i < DIGEST_HOSTS_MAX + 100; i++) {
		snprintf(host, sizeof(host), "h%d", i);
		add_from(s, host, "x", &k);
	}
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_eq(k.n, 5);
	cr_assert_str_eq(k.v[3].subject, "10 hosts: 10");
	cr_assert_str_eq(k.v[4].subject, "1024+ hosts: 1114");
	cr_assert_eq(k.v[4].ns, 1104);
	digest_set_free(s);

	/* a kept digest (its emit failed) adds the hosts that came meanwhile */
	k.fail = true;
	re.s = new_set();
	add_from(re.s, "edge1", "a", &k);
	cr_assert_eq(digest_flush_all(re.s, T0, add_from_db1_and_fail, &re), DIGEST_EEMIT);
	k.fail = false;
	cr_assert_eq(digest_flush_all(re.s, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[5].subject, "2 hosts: 3");
	digest_set_free(re.s);
	sink_free(&k);
}

/* ---- storms ----------------------------------------------------------------- */

Test(digest, accounting_holds_under_a_random_storm)
{
	struct sink k;
	struct digest_set *s;
	unsigned seed = 12345;
	time_t now = T0;
	static char text[400];

	conf.n_recipients = 2;
	for (int r = 0; r < 2; r++) {
		rec[r].digest.rate_per_hour = 3;
		rec[r].digest.max_messages = 20;
		rec[r].digest.max_bytes = 4000;
	}
	rec[1].digest.window_sec = 0;
	sink_init(&k);
	k.keep = false;
	s = new_set();
	for (int i = 0; i < 50000; i++) {
		unsigned op = (unsigned)rand_r(&seed) % 100;
		size_t r = (size_t)rand_r(&seed) % 2;

		now += rand_r(&seed) % 3;
		if (op < 85) {
			size_t len = (size_t)rand_r(&seed) % 300;
			struct digest_msg m;

			memset(text, 'a' + (int)(len % 26), len);
			text[len] = '\0';
			m = msg(now, rand_r(&seed) % 8, text);
			enum digest_status st = digest_add(s, r, &m, now, sink_emit, &k);
			cr_assert(st == DIGEST_OK || st == DIGEST_EEMIT);
		} else if (op < 97) {
			digest_poll(s, now, sink_emit, &k);
		} else {
			k.fail_pct = k.fail_pct ? 0 : 30;
		}
		check_accounting(s, r);
		cr_assert_leq(counters(s, r).held, 20);
	}
	k.fail_pct = 0;
	cr_assert_eq(digest_flush_all(s, now, sink_emit, &k), DIGEST_OK);
	for (size_t r = 0; r < 2; r++) {
		struct digest_counters c = counters(s, r);

		check_accounting(s, r);
		cr_assert_eq(c.held, 0);
		cr_assert_eq(c.mailed, k.msgs[r]);
		cr_assert_eq(c.not_shown, k.ns[r]);
		cr_assert_eq(c.mails, k.mails[r]);
		cr_assert_gt(c.not_shown, 0);
		cr_assert_gt(c.emit_failed, 0);
		cr_assert_gt(c.rate_limited, 0);
	}
	digest_set_free(s);
	sink_free(&k);
}

struct storm {
	struct digest_set *s;
	struct sink *k;
	atomic_long clock;
	atomic_int adders;
	atomic_int broken; /* accounting seen off while running */
	unsigned per_thread;
};

static void *adder(void *arg)
{
	struct storm *st = arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;

	for (unsigned i = 0; i < st->per_thread; i++) {
		time_t now = T0 + atomic_fetch_add(&st->clock, 1) / 200;
		struct digest_msg m = msg(now, rand_r(&seed) % 8, "storm message");
		enum digest_status r = digest_add(st->s, i % 2, &m, now, sink_emit, st->k);

		if (r != DIGEST_OK && r != DIGEST_EEMIT)
			abort();
	}
	atomic_fetch_sub(&st->adders, 1);
	return NULL;
}

static void *poller(void *arg)
{
	struct storm *st = arg;
	unsigned long loops = 0;

	while (atomic_load(&st->adders) > 0) {
		time_t now = T0 + atomic_load(&st->clock) / 200;

		digest_poll(st->s, now, sink_emit, st->k);
		(void)digest_next_deadline(st->s);
		if (++loops % 500 == 0) /* a reload's flush, while adders run */
			digest_flush_all(st->s, now, sink_emit, st->k);
		for (size_t r = 0; r < 2; r++) {
			struct digest_counters c;

			digest_counters(st->s, r, &c);
			if (c.added != c.mailed + c.not_shown + c.held)
				atomic_fetch_add(&st->broken, 1);
		}
	}
	return NULL;
}

Test(digest, threads_add_while_one_polls)
{
	enum { THREADS = 4, PER = 20000 };
	struct sink k;
	struct storm st = {.per_thread = PER};
	pthread_t t[THREADS], p;
	unsigned long added = 0;

	conf.n_recipients = 2;
	rec[0].digest.window_sec = 2;
	rec[0].digest.max_messages = 50;
	rec[1].digest.rate_per_hour = 30;
	rec[1].digest.max_messages = 10;
	sink_init(&k);
	k.keep = false;
	k.fail_pct = 5;
	st.k = &k;
	st.s = new_set();
	atomic_init(&st.clock, 0);
	atomic_init(&st.adders, THREADS);
	atomic_init(&st.broken, 0);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, adder, &st), 0);
	cr_assert_eq(pthread_create(&p, NULL, poller, &st), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(p, NULL);
	cr_assert_eq(atomic_load(&st.broken), 0);
	k.fail_pct = 0;
	cr_assert_eq(digest_flush_all(st.s, T0 + 100000, sink_emit, &k), DIGEST_OK);
	for (size_t r = 0; r < 2; r++) {
		struct digest_counters c = counters(st.s, r);

		check_accounting(st.s, r);
		cr_assert_eq(c.held, 0);
		cr_assert_eq(c.mailed, k.msgs[r]);
		cr_assert_eq(c.not_shown, k.ns[r]);
		cr_assert_eq(c.mails, k.mails[r]);
		added += c.added;
	}
	cr_assert_eq(added, THREADS * PER);
	cr_assert_gt(counters(st.s, 1).not_shown, 0);
	digest_set_free(st.s);
	sink_free(&k);
}
