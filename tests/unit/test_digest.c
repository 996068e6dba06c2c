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

/* The sum of the counts of a summary line "  by X: 3990 web1, 10 web2, 7
 * other" (or "  by severity: 3 err, 4 info"). */
static unsigned long tally_sum(const char *text)
{
	char line[1100];
	const char *p;
	unsigned long sum = 0;

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(text, "\n"), text);
	p = strchr(line, ':');

	cr_assert_not_null(p);
	for (p++; *p == ' ';) {
		char *end;

		sum += strtoul(p + 1, &end, 10);
		cr_assert_neq(end, p + 1, "a count in \"%s\"", line);
		p = strstr(end, ", ");
		if (!p)
			break;
		p++;
	}
	return sum;
}

/* Every mail's body must add up: the lines (a folded one "(xN)") to
 * n_messages, the "not shown" line to n_not_shown, each table of the
 * summary to it too, the closing counts to both; no line over 998 octets. */
/* The section whose heading is line, DIGEST_SECTION_NONE ("Other Events")
 * when none. */
static int digest_section_of_heading(const char *line)
{
	for (int sec = DIGEST_SECTIONS - 1; sec > DIGEST_SECTION_NONE; sec--)
		if (strcmp(line, digest_section_heading(sec)) == 0)
			return sec;
	return DIGEST_SECTION_NONE;
}

static void check_body(const struct digest_mail *m)
{
	unsigned long lines = 0, ns = 0, total, shown;
	const char *p = m->body, *nl;
	bool in_summary = false, closing = false;

	for (; *p; p = nl + 1) {
		char line[1100];
		size_t len;

		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "the body ends in a newline");
		len = (size_t)(nl - p);
		cr_assert_leq(len, 998);
		memcpy(line, p, len);
		line[len] = '\0';
		if (closing) {
			int n = sscanf(line, "%lu message%*[s] (%lu shown)", &total, &shown);

			if (n < 2)
				n = sscanf(line, "%lu message", &total), shown = total;
			cr_assert_eq(total, m->n_messages + m->n_not_shown, "%s", line);
			cr_assert_eq(shown, m->n_messages, "%s", line);
			closing = false;
		} else if (strcmp(line, "-- ") == 0) {
			closing = true;
		} else if (strstr(line, " not shown (") && !in_summary && line[0] != ' ') {
			ns = strtoul(line, NULL, 10);
			in_summary = true;
		} else if (in_summary && strncmp(line, "  by ", 5) == 0) {
			cr_assert_eq(tally_sum(line), ns, "%s", line);
		} else if (!in_summary &&
			   (len == 0 || line[0] == '=' || strncmp(line, "Timeline (", 10) == 0 ||
			    strncmp(line, "Since the last mail: ", 21) == 0 ||
			    strcmp(line, digest_section_heading(digest_section_of_heading(line))) ==
				0)) {
			continue; /* a section's heading, its underline, the blank line before */
		} else if (!in_summary) {
			const char *x = len > 25 ? strstr(line + 25, " (x") : NULL;

			lines += x && (x == line + 25 || strncmp(line + 25, " .. ", 4) == 0)
				     ? strtoul(x + 3, NULL, 10)
				     : 1;
		}
	}
	cr_assert_eq(lines, m->n_messages, "lines of\n%s", m->body);
	cr_assert_eq(ns, m->n_not_shown, "not shown in\n%s", m->body);
}

static int sink_emit(void *arg, const struct digest_mail *m)
{
	struct sink *k = arg;
	int rc = 0;

	cr_assert(m->body && m->subject && m->to);
	cr_assert_eq(strlen(m->body), m->body_len);
	cr_assert_null(strpbrk(m->subject, "\r\n"));
	check_body(m);
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
TestSuite(fold, .init = setup);

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

/* Caps bound what a mail shows; reaching them sends nothing (issue 28):
 * the rest is counted as not shown, and the mail goes when its window
 * passes. */
Test(digest, message_cap_bounds_what_is_shown)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_messages = 3;
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "a", &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, "b", &k);
	add(s, 0, T0 + 1, CONF_LEVEL_INFORMATIONAL, "c", &k);
	add(s, 0, T0 + 2, CONF_LEVEL_INFORMATIONAL, "d", &k);
	cr_assert_eq(k.n, 0, "a full digest is not sent");
	cr_assert_eq(counters(s, 0).held, 3);
	cr_assert_eq(counters(s, 0).not_shown, 1);
	cr_assert_eq(digest_next_deadline(s), T0 + 30);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 3);
	cr_assert_eq(k.v[0].ns, 1);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_WINDOW);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 info web1 sshd: a\n"
				      "2026-07-01 12:00:00 +0000 info web1 sshd: b\n"
				      "2026-07-01 12:00:01 +0000 info web1 sshd: c\n"
				      "1 further message not shown (digest full)\n"
				      "  (x1) info web1 sshd: d\n"
				      "  by severity: 1 info\n"
				      "  by host: 1 web1\n"
				      "  by program: 1 sshd\n"
				      "-- \n"
				      "4 messages (3 shown), 0 errors or worse, most severe: info\n");
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

static size_t line_len(const char *text)
{
	struct digest_msg m = msg(T0, CONF_LEVEL_INFORMATIONAL, text);
	char buf[1000];

	return digest_format_line(&m, CONF_TIME_UTC, 0, buf, sizeof(buf));
}

Test(digest, byte_cap_bounds_what_is_shown)
{
	const char *x50 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	size_t l = line_len(x50);
	struct sink k;
	struct digest_set *s;

	cr_assert_eq(l, strlen("2026-07-01 12:00:00 +0000 info web1 sshd: ") + 50);
	/* room for two lines and a bit: the third is counted, not shown */
	rec[0].digest.max_bytes = (unsigned)(2 * (l + 1) + 5);
	sink_init(&k);
	s = new_set();
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	add(s, 0, T0, CONF_LEVEL_INFORMATIONAL, x50, &k);
	cr_assert_eq(k.n, 0);
	cr_assert_eq(counters(s, 0).held, 2);
	cr_assert_eq(counters(s, 0).not_shown, 1);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 2);
	cr_assert_eq(k.v[0].ns, 1);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_WINDOW);
	check_accounting(s, 0);
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
	cr_assert_str_eq(k.v[0].subject, "web1: CRIT sshd: fan failure (3 messages, 2 errors)");
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
	/* the commonest: all once, m12 the most severe */
	cr_assert_str_eq(k.v[2].subject, "web1: ERR sshd: m12 (10 messages, 1 errors)");
	cr_assert_str_eq(k.v[2].body,
			 "2026-07-01 12:00:23 +0000 info web1 sshd: m3\n"
			 "2026-07-01 12:00:24 +0000 info web1 sshd: m4\n"
			 "2026-07-01 12:00:25 +0000 info web1 sshd: m5\n"
			 "2026-07-01 12:00:26 +0000 info web1 sshd: m6\n"
			 "2026-07-01 12:00:32 +0000 err web1 sshd: m12\n" /* more important than m7 */
			 "5 further messages not shown (rate limit)\n"
			 "  (x1) info web1 sshd: m8\n"
			 "  (x1) info web1 sshd: m9\n"
			 "  (x1) info web1 sshd: m10\n"
			 "  (x1) info web1 sshd: m11\n"
			 "  (x1) info web1 sshd: m7\n"
			 "  by severity: 5 info\n"
			 "  by host: 5 web1\n"
			 "  by program: 5 sshd\n"
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
	cr_assert_str_eq(k.v[3].subject, "web1: INFO sshd: m13");
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

/* ---- pacing ---------------------------------------------------------------- */

/* A message at each step seconds from t0 to t1 (exclusive), each after a
 * poll at its time (as the engine's delivery thread polls), texts that
 * never fold. */
static void steady(struct digest_set *s, time_t t0, time_t t1, time_t step, int sev,
		   struct sink *k)
{
	char text[64];

	for (time_t t = t0; t < t1; t += step) {
		cr_assert_eq(digest_poll(s, t, sink_emit, k), DIGEST_OK);
		snprintf(text, sizeof(text), "noise %lld", (long long)(t - T0));
		add(s, 0, t, sev, text, k);
	}
}

/* The mail times of a storm of four hours: the first when its window
 * closes, then each interval four times the one before (120, 480, 1920
 * s), then max-interval; the trailers add up to every message. */
Test(digest, a_storm_is_paced_up_to_max_interval)
{
	static const time_t at[] = {30, 150, 630, 2550, 6150, 9750, 13350};
	struct sink k;
	struct digest_set *s;
	unsigned long total = 0;

	rec[0].digest.max_interval_sec = 3600;
	sink_init(&k);
	s = new_set();
	steady(s, T0, T0 + 4 * 3600, 10, CONF_LEVEL_INFORMATIONAL, &k);
	cr_assert_eq(k.n, 7);
	for (size_t i = 0; i < k.n; i++) {
		cr_assert_eq(k.v[i].now, T0 + at[i], "mail %zu at +%lld", i,
			     (long long)(k.v[i].now - T0));
		cr_assert_eq(k.v[i].reason, i == 0 ? DIGEST_REASON_WINDOW : DIGEST_REASON_PACED);
		total += k.v[i].n + k.v[i].ns;
	}
	/* the rest goes an interval after the last mail, with nothing new */
	cr_assert_eq(digest_next_deadline(s), T0 + 13350 + 3600);
	cr_assert_eq(digest_poll(s, T0 + 13350 + 3600, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 8);
	total += k.v[7].n + k.v[7].ns;
	cr_assert_eq(total, 4 * 360);
	cr_assert_eq(counters(s, 0).added, total);
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

static struct digest_set *fold_set(void);

/* A storm's second mail says what is new since the first and what
 * continues; its first mail does not. */
Test(digest, a_paced_mail_says_what_is_new_and_what_continues)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_interval_sec = 3600;
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "Failed password for root from 203.0.113.5 port 1", &k);
	add(s, 0, T0 + 1, 6, "Failed password for root from 203.0.113.6 port 2", &k);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_null(strstr(k.v[0].body, "Since the last mail"), "not in a storm's first mail");
	add(s, 0, T0 + 40, 6, "Failed password for root from 203.0.113.7 port 3", &k);
	add(s, 0, T0 + 41, 6, "Failed password for root from 203.0.113.8 port 4", &k);
	add(s, 0, T0 + 42, 3, "disk sda failed", &k);
	cr_assert_eq(k.n, 2, "a new kind at error or worse breaks through");
	add(s, 0, T0 + 43, 6, "Failed password for root from 203.0.113.9 port 5", &k);
	cr_assert_eq(digest_poll(s, T0 + 150, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.v[2].reason, DIGEST_REASON_PACED);
	cr_assert_str_eq(k.v[1].body,
			 "Since the last mail: 1 new kind (1 message), 1 continuing (2 messages)\n"
			 "\n"
			 "2026-07-01 12:00:40 +0000 .. 12:00:41 (x2) info web1 sshd: Failed password "
			 "for root from 203.0.113.7, 203.0.113.8 (x1 each) port <n>\n"
			 "2026-07-01 12:00:42 +0000 err web1 sshd: disk sda failed\n"
			 "-- \n"
			 "3 messages, 1 error or worse, most severe: err\n");
	cr_assert_str_eq(k.v[2].body,
			 "Since the last mail: 0 new kinds (0 messages), 1 continuing (1 message)\n"
			 "\n"
			 "2026-07-01 12:00:43 +0000 info web1 sshd: Failed password for root from "
			 "203.0.113.9 port 5\n"
			 "-- \n"
			 "1 message, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

/* A quiet shorter than the next interval is part of the storm; one as
 * long as it ends the storm, and the next message waits only its window. */
Test(digest, a_quiet_as_long_as_the_next_interval_ends_the_storm)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_interval_sec = 3600;
	sink_init(&k);
	s = new_set();
	steady(s, T0, T0 + 160, 10, CONF_LEVEL_INFORMATIONAL, &k); /* mails at 30, 150 */
	cr_assert_eq(k.n, 2);
	cr_assert_eq(digest_next_deadline(s), T0 + 150 + 480);
	cr_assert_eq(digest_poll(s, T0 + 630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.v[2].reason, DIGEST_REASON_PACED);
	/* the interval is 1920 s now, the next would be 3600: a quiet of 1480
	 * s since the last message (at +150) is part of the storm */
	add(s, 0, T0 + 1630, CONF_LEVEL_INFORMATIONAL, "back", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 630 + 1920);
	cr_assert_eq(digest_poll(s, T0 + 2550, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_eq(k.v[3].reason, DIGEST_REASON_PACED);
	/* one as long as the next interval (3600, the most) ends it */
	add(s, 0, T0 + 1630 + 3600, CONF_LEVEL_INFORMATIONAL, "new storm", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 5230 + 30);
	add(s, 0, T0 + 5240, CONF_LEVEL_INFORMATIONAL, "more", &k);
	cr_assert_eq(digest_poll(s, T0 + 5260, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 5);
	cr_assert_eq(k.v[4].reason, DIGEST_REASON_WINDOW);
	cr_assert_eq(k.v[4].n, 2);
	add(s, 0, T0 + 5270, CONF_LEVEL_INFORMATIONAL, "and more", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 5260 + 120, "paced from the start again");
	digest_set_free(s);
	sink_free(&k);
}

/* An urgent line breaks through the pace at once, once per interval; the
 * pace goes on as it was.  Without pacing (max-interval 0) each urgent
 * line sends at once, as before. */
Test(digest, an_urgent_line_breaks_through_once_per_interval)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_interval_sec = 3600;
	sink_init(&k);
	s = new_set();
	steady(s, T0, T0 + 160, 10, CONF_LEVEL_INFORMATIONAL, &k); /* mails at 30, 150 */
	cr_assert_eq(k.n, 2);
	add(s, 0, T0 + 200, CONF_LEVEL_CRITICAL, "fan failure", &k);
	cr_assert_eq(k.n, 3, "broke through");
	cr_assert_eq(k.v[2].reason, DIGEST_REASON_URGENT);
	cr_assert_eq(k.v[2].now, T0 + 200);
	cr_assert_eq(k.v[2].n, 2, "what came since the last mail, with it");
	add(s, 0, T0 + 210, CONF_LEVEL_CRITICAL, "fan failure again", &k);
	cr_assert_eq(k.n, 3, "once per interval");
	cr_assert_eq(digest_next_deadline(s), T0 + 150 + 480, "the pace goes on");
	cr_assert_eq(digest_poll(s, T0 + 630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_eq(k.v[3].reason, DIGEST_REASON_PACED);
	add(s, 0, T0 + 640, CONF_LEVEL_ALERTS, "the next interval's", &k);
	cr_assert_eq(k.n, 5);
	cr_assert_eq(k.v[4].reason, DIGEST_REASON_URGENT);
	cr_assert_eq(digest_next_deadline(s), 0);
	add(s, 0, T0 + 650, CONF_LEVEL_INFORMATIONAL, "noise", &k);
	cr_assert_eq(digest_next_deadline(s), T0 + 630 + 1920);
	digest_set_free(s);

	rec[0].digest.max_interval_sec = 0;
	s = new_set();
	steady(s, T0, T0 + 160, 10, CONF_LEVEL_INFORMATIONAL, &k);
	cr_assert_eq(k.n, 5 + 5, "no pacing: a mail per window");
	add(s, 0, T0 + 161, CONF_LEVEL_CRITICAL, "a", &k);
	add(s, 0, T0 + 162, CONF_LEVEL_CRITICAL, "b", &k);
	cr_assert_eq(k.n, 12);
	digest_set_free(s);
	sink_free(&k);
}

/* The rate limit stays the hard cap under pacing: a breakthrough it holds
 * goes when the hour allows. */
Test(digest, the_rate_limit_holds_a_breakthrough)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_interval_sec = 3600;
	rec[0].digest.rate_per_hour = 2;
	sink_init(&k);
	s = new_set();
	steady(s, T0, T0 + 160, 10, CONF_LEVEL_INFORMATIONAL, &k); /* mails at 30, 150 */
	cr_assert_eq(k.n, 2);
	add(s, 0, T0 + 200, CONF_LEVEL_CRITICAL, "fan failure", &k);
	cr_assert_eq(k.n, 2);
	cr_assert_eq(counters(s, 0).rate_limited, 1);
	cr_assert_eq(digest_next_deadline(s), T0 + 30 + 3600);
	cr_assert_eq(digest_poll(s, T0 + 3630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.v[2].reason, DIGEST_REASON_URGENT);
	digest_set_free(s);
	sink_free(&k);
}

/* The pace survives a crash (a saved digest restored) and a reload (a
 * digest carried to the next set): its interval, its last mail, and that
 * this interval's breakthrough went. */
Test(digest, the_pace_survives_a_restore_and_a_reload)
{
	struct sink k;
	struct digest_set *s, *t, *u;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	rec[0].digest.max_interval_sec = 3600;
	sink_init(&k);
	s = new_set();
	steady(s, T0, T0 + 160, 10, CONF_LEVEL_INFORMATIONAL, &k); /* mails at 30, 150 */
	add(s, 0, T0 + 200, CONF_LEVEL_CRITICAL, "fan failure", &k); /* breaks through */
	add(s, 0, T0 + 210, CONF_LEVEL_INFORMATIONAL, "noise", &k);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
	t = new_set();
	cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_OK);
	cr_assert_eq(digest_next_deadline(t), T0 + 150 + 480, "paced, not its window");
	add(s, 0, T0 + 220, CONF_LEVEL_CRITICAL, "fan failure again", &k);
	add(t, 0, T0 + 220, CONF_LEVEL_CRITICAL, "fan failure again", &k);
	cr_assert_eq(k.n, 3, "this interval's breakthrough went, before and after");
	u = new_set();
	cr_assert_eq(digest_set_carry(u, t), DIGEST_OK);
	cr_assert_eq(digest_next_deadline(u), T0 + 630);
	add(u, 0, T0 + 230, CONF_LEVEL_CRITICAL, "and again", &k);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(digest_poll(u, T0 + 630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_eq(k.v[3].reason, DIGEST_REASON_PACED, "urgent lines that did not break through");
	cr_assert_eq(k.v[3].n, 3);
	/* an empty digest saves nothing, but a reload carries its pace */
	add(u, 0, T0 + 640, CONF_LEVEL_INFORMATIONAL, "noise", &k);
	cr_assert_eq(digest_next_deadline(u), T0 + 630 + 1920);
	cr_assert_eq(digest_flush_all(u, T0 + 650, sink_emit, &k), DIGEST_OK);
	digest_set_free(t);
	t = new_set();
	cr_assert_eq(digest_set_carry(t, u), DIGEST_OK);
	add(t, 0, T0 + 700, CONF_LEVEL_INFORMATIONAL, "after the reload", &k);
	cr_assert(digest_next_deadline(t) > T0 + 730, "still paced");
	free(buf);
	digest_set_free(s);
	digest_set_free(t);
	digest_set_free(u);
	sink_free(&k);
}

/* Which lines break through, and the pace's times, with a clock of the
 * test's own. */
Test(digest, what_breaks_through)
{
	cr_assert(digest_pace_breaks_through(CONF_LEVEL_CRITICAL, 0, false, CONF_LEVEL_CRITICAL));
	cr_assert(digest_pace_breaks_through(CONF_LEVEL_EMERGENCIES, 0, false,
					     CONF_LEVEL_CRITICAL));
	cr_assert_not(digest_pace_breaks_through(CONF_LEVEL_CRITICAL, 0, false, CONF_LEVEL_ANY));
	cr_assert_not(digest_pace_breaks_through(CONF_LEVEL_ERRORS, 0, false,
						 CONF_LEVEL_CRITICAL),
		      "an error of a kind seen before");
	cr_assert(digest_pace_breaks_through(CONF_LEVEL_ERRORS, 0, true, CONF_LEVEL_CRITICAL),
		  "a new kind at error");
	cr_assert(digest_pace_breaks_through(CONF_LEVEL_ERRORS, 0, true, CONF_LEVEL_ANY));
	cr_assert_not(digest_pace_breaks_through(CONF_LEVEL_WARNINGS, 0, true,
						 CONF_LEVEL_CRITICAL),
		      "a new kind of warning");
	cr_assert_not(digest_pace_breaks_through(-1, 0, true, CONF_LEVEL_CRITICAL),
		      "a new kind without a level");
	cr_assert(digest_pace_breaks_through(CONF_LEVEL_INFORMATIONAL,
					     DIGEST_SECTION_SECURITY_ALERTS, true,
					     CONF_LEVEL_CRITICAL),
		  "a new kind of Security Alert");
	cr_assert(digest_pace_breaks_through(-1, DIGEST_SECTION_SECURITY_ALERTS, true,
					     CONF_LEVEL_CRITICAL));
	cr_assert_not(digest_pace_breaks_through(CONF_LEVEL_INFORMATIONAL,
						 DIGEST_SECTION_SECURITY_ALERTS, false,
						 CONF_LEVEL_CRITICAL),
		      "a Security Alert of a kind seen before");
	cr_assert_not(digest_pace_breaks_through(CONF_LEVEL_INFORMATIONAL,
						 DIGEST_SECTION_SECURITY_EVENTS, true,
						 CONF_LEVEL_CRITICAL),
		      "a new kind of Security Event");
}

Test(digest, pace_times)
{
	struct digest_pace p = {0};

	cr_assert_not(digest_pace_on(0, 3600), "window 0: each message at once");
	cr_assert_not(digest_pace_on(30, 0), "max-interval 0: no pacing");
	cr_assert_eq(digest_pace_due(&p, T0, 30), T0 + 30, "idle: the window");
	cr_assert_not(digest_pace_holds(&p, T0));
	digest_pace_arrive(&p, T0, 3600);
	digest_pace_sent(&p, T0 + 30, 30, 3600);
	cr_assert_eq(p.gap, 120);
	cr_assert(digest_pace_holds(&p, T0 + 149));
	cr_assert_not(digest_pace_holds(&p, T0 + 150));
	cr_assert_eq(digest_pace_due(&p, T0 + 40, 30), T0 + 150);
	cr_assert(digest_pace_waits(&p, T0 + 40, 30));
	cr_assert_eq(digest_pace_due(&p, T0 + 140, 30), T0 + 170, "never before its window");
	cr_assert_not(digest_pace_waits(&p, T0 + 140, 30));
	digest_pace_sent(&p, T0 + 100, 30, 3600);
	cr_assert(p.broke, "before the interval passed: a breakthrough");
	cr_assert_eq(p.gap, 120);
	cr_assert_eq(p.last, T0 + 30);
	digest_pace_sent(&p, T0 + 160, 30, 3600);
	cr_assert_not(p.broke);
	cr_assert_eq(p.gap, 480);
	cr_assert_eq(p.last, T0 + 160);
	digest_pace_sent(&p, T0 + 640, 30, 3600);
	digest_pace_sent(&p, T0 + 2560, 30, 3600);
	cr_assert_eq(p.gap, 3600, "at most max-interval");
	digest_pace_sent(&p, T0 + 6160, 30, 3600);
	cr_assert_eq(p.gap, 3600);
	/* nothing new since T0 (arrive): long ago; the next arrival ends it */
	digest_pace_arrive(&p, T0 + 6170, 3600);
	cr_assert_eq(p.gap, 0);
	cr_assert_eq(p.quiet_from, T0 + 6170);
	/* a reload to a shorter max-interval, and to none */
	p = (struct digest_pace){.last = T0, .gap = 1920, .quiet_from = T0};
	digest_pace_settings(&p, 30, 600);
	cr_assert_eq(p.gap, 600);
	digest_pace_settings(&p, 30, 0);
	cr_assert_eq(p.gap, 0);
	cr_assert_eq(p.quiet_from, T0);
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
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 info web1 sshd: a\n"
				      "2026-07-01 12:00:01 +0000 info web1 sshd: b\n"
				      "2026-07-01 12:00:02 +0000 info web1 sshd: c\n"
				      "2026-07-01 12:00:31 +0000 info web1 sshd: d\n"
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

		/* adding while our own mail is emitted: no waiting for ourselves */
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
	/* c is urgent: its mail goes at once, and the callback adds */
	cr_assert_eq(digest_add(re.s, 0,
				&(struct digest_msg){
				    .ts = T0, .severity = 2, .text = "c", .text_len = (size_t)-1},
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
	cr_assert_eq(k.v[0].ne, 6);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:00 +0000 info web1 sshd: a\n"
			 "2026-07-01 12:00:00 +0000 info web1 sshd: b\n"
			 "2026-07-01 12:00:00 +0000 crit - -: c\n"
			 "5 further messages not shown (mail could not be queued)\n"
			 "  (x5) err web1 sshd: during emit\n"
			 "  by severity: 5 err\n"
			 "  by host: 5 web1\n"
			 "  by program: 5 sshd\n"
			 "-- \n"
			 "8 messages (3 shown), 6 errors or worse, most severe: crit\n");
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
	    "2026-07-01 12:00:00 +0000 err web1 sshd: Failed password for root from 192.0.2.7\n"
	    "2026-07-01 12:00:01 +0000 warning - -: Accepted publickey for alice\n"
	    "-- \n"
	    "2 messages, 1 error or worse, most severe: err\n");
	cr_assert_str_eq(
	    k.v[0].subject,
	    "web1: ERR sshd: Failed password for root from 192.0.2.7 (2 messages, 1 errors)");
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
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 ? web1 sshd: no priority\n"
				      "2026-07-01 12:00:01 +0000 warning web1 sshd: a warning\n"
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

	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0), "2026-07-01 12:00:00 +0000 notice web1 sshd: "
						    "a#011b#001c#377d \xc3\xa9 #342#202 x#177");
	m.text = "line1\nline2\r";
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 notice web1 sshd: line1#012line2#015");
	m.text = nul;
	m.text_len = sizeof(nul);
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 notice web1 sshd: n#000ul");
	m = msg(T0, CONF_LEVEL_NOTICES, "x");
	m.host = "we\nb1";
	cr_assert_str_eq(fmt(&m, CONF_TIME_UTC, 0),
			 "2026-07-01 12:00:00 +0000 notice we#012b1 sshd: x");
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
		cr_assert_eq(digest_format_line(&m, CONF_TIME_UTC, 0, small, 40), 36);
		cr_assert_str_eq(small, "2026-07-01 12:00:00 +0000 notice ...");
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
			 "2026-07-01 14:00:00 +0200 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, 0),
			 "2026-01-16 00:45:30 +0100 info web1 sshd: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_LOCAL, 30),
			 "2026-07-01 14:30:00 +0230 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, -60),
			 "2026-01-15 23:45:30 +0000 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_LOCAL, -150),
			 "2026-01-15 22:15:30 -0130 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, 0),
			 "2026-01-15 23:45:30 +0000 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, 120),
			 "2026-01-16 01:45:30 +0200 info web1 sshd: x");
	cr_assert_str_eq(fmt(&winter, CONF_TIME_UTC, -330),
			 "2026-01-15 18:15:30 -0530 info web1 sshd: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_UTC, -330),
			 "2026-07-01 06:30:00 -0530 info web1 sshd: x");
	cr_assert_str_eq(fmt(&summer, CONF_TIME_UTC, 1439),
			 "2026-07-02 11:59:00 +2359 info web1 sshd: x");

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
		cr_assert(strncmp(k.v[0].body, "2026-07-01 14:00:00 +0200 info", 30) == 0, "%s",
			  k.v[0].body);
		cr_assert(strncmp(k.v[1].body, "2026-07-01 06:30:00 -0530 info", 30) == 0, "%s",
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
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 info web1 sshd: one\n"
				      "2026-07-01 12:00:00 +0000 info web1 sshd: two\n"
				      "2026-07-01 12:00:01 +0000 info web1 sshd: three\n"
				      "2026-07-01 12:00:00 +0000 info web1 sshd: late\n"
				      "-- \n"
				      "4 messages, 0 errors or worse, most severe: info\n");
	cr_assert_str_eq(k.v[1].body, "2026-07-01 13:30:00 +0130 info web1 sshd: other zone\n"
				      "2026-07-01 13:30:01 +0130 info web1 sshd: other zone\n"
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
	cr_assert_str_eq(k.v[0].body, "2026-07-01 14:00:00 +0200 info web1 sshd: in Paris\n"
				      "2026-07-01 14:00:00 +0200 info web1 sshd: still Paris\n"
				      "2026-07-01 08:00:00 -0400 info web1 sshd: in New York\n"
				      "2026-07-01 12:00:00 +0000 info web1 sshd: in UTC\n"
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
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 err web1 sshd: disk full\n"
				      "2026-07-01 12:00:00 +0000 err web1 sshd: disk full\n"
				      "-- \n"
				      "2 messages, 2 errors or worse, most severe: err\n");
	cr_assert(strncmp(k.v[1].body, "2026-07-01 13:00:00 +0100 err web1 sshd: disk full\n-- \n",
			  55) == 0,
		  "%s", k.v[1].body);
	cr_assert(strncmp(k.v[2].body, "2026-07-01 14:00:00 +0200 err web1 sshd: disk full\n-- \n",
			  55) == 0,
		  "%s", k.v[2].body);
	cr_assert(strncmp(k.v[3].body, "2026-07-01 13:00:00 +0100 err web1 sshd: disk full\n-- \n",
			  55) == 0,
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
			 "2026-07-01 %02zu:00:00 +%02zu00 notice web1 sshd: x\n", 12 + i % 6,
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
		if (i == 3) /* 1, 2, 3 at their window; then held by the rate limit */
			cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	}
	cr_assert_eq(k.n, 1);
	cr_assert_eq(digest_poll(s, T0 + 3630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_str_eq(k.v[1].body,
			 "2026-07-01 12:00:00 +0000 info web1 sshd: long message number 4\n"
			 "2026-07-01 12:00:00 +0000 info web1 sshd: long message number 5\n"
			 "-- \n"
			 "2 messages, 0 errors or worse, most severe: info\n");
	add(s, 0, T0 + 3631, CONF_LEVEL_INFORMATIONAL, "a", &k);
	k.fail = true;
	cr_assert_eq(digest_flush_all(s, T0 + 3632, sink_emit, &k), DIGEST_EEMIT);
	k.fail = false;
	add(s, 0, T0 + 3633, CONF_LEVEL_INFORMATIONAL, "b", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 3634, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_str_eq(k.v[2].body, "2026-07-01 13:00:31 +0000 info web1 sshd: a\n"
				      "2026-07-01 13:00:33 +0000 info web1 sshd: b\n"
				      "-- \n"
				      "2 messages, 0 errors or worse, most severe: info\n");
	add(s, 0, T0 + 3635, CONF_LEVEL_INFORMATIONAL, "c", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 3636, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 4);
	cr_assert_str_eq(k.v[3].body, "2026-07-01 13:00:35 +0000 info web1 sshd: c\n"
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
			 "web1: ERR sshd: Failed password for root from 192.0.2.7");
	/* first 60 characters of the line's text (control characters
	 * escaped as in the body), blanks tidied; %M the same from the
	 * message, its control characters as blanks */
	cr_assert_str_eq(
	    one_subject(NULL, NULL,
			"\xc3\xa9\xc3\xa9 tab\there  spaces  "
			"0123456789012345678901234567890123456789012345678901234567890123",
			&k),
	    "web1: ERR -: \xc3\xa9\xc3\xa9 tab#011here spaces "
	    "01234567890123456789012345678901234567...");
	cr_assert_str_eq(
	    one_subject("%M", NULL,
			"\xc3\xa9\xc3\xa9 tab\there  spaces  "
			"0123456789012345678901234567890123456789012345678901234567890123",
			&k),
	    "\xc3\xa9\xc3\xa9 tab here spaces 01234567890123456789012345678901234567890...");
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
	/* the hosts of messages not shown (caps) count too, and the count is
	 * bounded: one mail of 10 lines and the rest counted */
	rec[0].digest.max_messages = 10;
	digest_set_free(s);
	s = new_set();
	for (int i = 0; i < DIGEST_HOSTS_MAX + 100; i++) {
		snprintf(host, sizeof(host), "h%d", i);
		add_from(s, host, "x", &k);
	}
	digest_flush_all(s, T0, sink_emit, &k);
	cr_assert_eq(k.n, 4);
	cr_assert_str_eq(k.v[3].subject, "1024+ hosts: 1124");
	cr_assert_eq(k.v[3].ns, 1114);
	digest_set_free(s);

	/* a kept digest (its emit failed) adds the hosts that came meanwhile */
	k.fail = true;
	re.s = new_set();
	add_from(re.s, "edge1", "a", &k);
	cr_assert_eq(digest_flush_all(re.s, T0, add_from_db1_and_fail, &re), DIGEST_EEMIT);
	k.fail = false;
	cr_assert_eq(digest_flush_all(re.s, T0, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[4].subject, "2 hosts: 3");
	digest_set_free(re.s);
	sink_free(&k);
}

/* ---- folding ------------------------------------------------------------------ */

/* Do the texts a and b, logged by host/program at sev, fold into one line? */
static bool folds_as(const char *ha, const char *pa, int sa, const char *a, const char *hb,
		     const char *pb, int sb, const char *b)
{
	static struct digest_line la, lb;
	struct digest_msg ma = msg(T0, sa, a), mb = msg(T0 + 7, sb, b);
	struct digest_fold_view va, vb;

	ma.host = ha, ma.program = pa;
	mb.host = hb, mb.program = pb;
	digest_render_line(NULL, &ma, CONF_TIME_UTC, 0, &la);
	digest_render_line(NULL, &mb, CONF_TIME_LOCAL, 90, &lb); /* zones never matter */
	digest_line_scan(&la);
	digest_line_scan(&lb);
	va = (struct digest_fold_view){la.text + la.at.rest, la.len - la.at.rest, la.fold.v,
				       la.fold.n};
	vb = (struct digest_fold_view){lb.text + lb.at.rest, lb.len - lb.at.rest, lb.fold.v,
				       lb.fold.n};
	if (digest_fold_same(&va, &vb)) {
		cr_assert_eq(la.fold.hash, lb.fold.hash, "the same message, the same hash");
		return true;
	}
	return false;
}

static bool folds(const char *a, const char *b)
{
	return folds_as("web1", "sshd", 6, a, "web1", "sshd", 6, b);
}

Test(fold, what_folds)
{
	static const char *const pairs[][2] = {
	    {"Failed password for root from 203.0.113.5 port 52114 ssh2",
	     "Failed password for root from 198.51.100.77 port 40022 ssh2"},
	    {"from 2001:db8::1 port 22", "from fe80::1ff:fe23:4567:890a port 2222"},
	    {"client ::ffff:10.0.0.1 gone", "client ::1 gone"},
	    {"from 10.0.0.1", "from 2001:db8::1"}, /* addresses, both */
	    {"addr 10.0.0.1:8080 refused", "addr 192.168.1.254:80 refused"},
	    {"from fe80::1: bad packet", "from 2001:db8::7: bad packet"},
	    {"session 5f3c2a9b1e opened", "session a1b2c3d4e5f6 opened"},
	    {"at 0x1f in module", "at 0xDEADBEEF in module"},
	    {"job 550e8400-e29b-41d4-a716-446655440000 done",
	     "job 123e4567-e89b-12d3-a456-426614174000 done"},
	    {"DHCPACK to 00:16:3e:12:34:56 via eth1", "DHCPACK to 52-54-00-ab-cd-ef via eth1"},
	    {"took 15 ms", "took 1.5 ms"},
	    {"nginx/1.22.1 ready", "nginx/1.24.0 ready"},
	    {"worker[123] died (status 9)", "worker[45678] died (status 137)"},
	    {"user \"alice\" unknown", "user \"bob the builder\" unknown"},
	    {"can't open 'a.txt': no such file", "can't open 'b.txt': no such file"},
	    {"inode #2: bad", "inode #12345: bad"},
	    {"caf\xc3\xa9 12 fois", "caf\xc3\xa9 13 fois"},
	    {"12:26:17 tick", "00:00:01 tick"},
	    {"42", "7"},
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		cr_expect(folds(pairs[i][0], pairs[i][1]), "should fold: \"%s\" and \"%s\"",
			  pairs[i][0], pairs[i][1]);
}

Test(fold, what_never_folds)
{
	static const char *const pairs[][2] = {
	    {"Failed password for root from 203.0.113.5",
	     "Failed password for admin from 203.0.113.5"},
	    {"user17 logged in", "user18 logged in"},
	    {"took 10ms", "took 12ms"},
	    {"error on sda1", "error on sda2"},
	    {"deadbeef", "cafebabe"}, /* hex letters alone are a word */
	    {"from 10.0.0.1 port 22", "from 10.0.0.1 port 22 again"},
	    {"port 22", "port 1.2.3.4"}, /* a number is no address */
	    {"a 1 b", "a 1 2 b"},        /* not as many variable parts */
	    {"a\tb", "a\nb"},            /* "#011" and "#012": escapes are text */
	    {"\xc3\xa9"
	     "5 left",
	     "\xc3\xa9"
	     "6 left"}, /* digits in a UTF-8 word */
	    {"x86 fault", "x64 fault"},
	    {"1.2.3 fault", "1.2.3 Fault"},
	    {"id 12345678", "id 1234567a"}, /* a number, then a word */
	    {"key \"a\" set", "key 'a' set"},
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		cr_expect_not(folds(pairs[i][0], pairs[i][1]), "must not fold: \"%s\" and \"%s\"",
			      pairs[i][0], pairs[i][1]);
	/* the host, the program and the severity are compared whole */
	cr_expect_not(folds_as("web1", "sshd", 6, "a 1", "web2", "sshd", 6, "a 2"));
	cr_expect_not(folds_as("10.0.0.1", "sshd", 6, "a 1", "10.0.0.2", "sshd", 6, "a 1"));
	cr_expect_not(folds_as("web1", "sshd", 6, "a 1", "web1", "cron", 6, "a 2"));
	cr_expect_not(folds_as("web1", "sshd", 6, "a 1", "web1", "sshd", 3, "a 2"));
	cr_expect(folds_as("web1", "sshd", 3, "a 1", "web1", "sshd", 3, "a 2"));
}

Test(fold, only_the_first_32_variable_parts_vary)
{
	char a[400] = "", b[400] = "", c[400] = "";

	for (int i = 0; i < 40; i++) {
		char w[16];

		snprintf(w, sizeof(w), "%d ", i);
		strcat(a, w);
		snprintf(w, sizeof(w), "%d ", i == 0 ? 99 : i);
		strcat(b, w);
		snprintf(w, sizeof(w), "%d ", i == 35 ? 99 : i);
		strcat(c, w);
	}
	cr_expect(folds(a, b), "the first part varies");
	cr_expect_not(folds(a, c), "the 36th counts as text");
}

static struct digest_set *fold_set(void)
{
	rec[0].digest.fold = true;
	return new_set();
}

/* add() with the tag as logged. */
static void add_tagged(struct digest_set *s, time_t now, int sev, const char *tag,
		       const char *text, struct sink *k)
{
	struct digest_msg m = msg(now, sev, text);

	m.tag = tag;
	cr_assert_eq(digest_add(s, 0, &m, now, sink_emit, k), DIGEST_OK);
}

/* A line per kind: the tag as logged (a constant pid stays, one that
 * varies is a position like any other), the values of each varied word
 * counted in this mail with their counts, the rest as "N others"; kinds
 * the miner merges end as one line; a kind seen once is shown as it came;
 * each line knows whether its first message made a new kind. */
Test(digest, kind_lines_show_the_values_of_this_mail)
{
	static const char *const attackers[] = {"203.0.113.45", "198.51.100.7", "192.0.2.1",
						"192.0.2.2", "192.0.2.3"};
	static const unsigned times[] = {12, 5, 1, 1, 1};
	struct sink k;
	struct digest_set *s;
	char text[128];
	unsigned port = 40000;

	rec[0].digest.window_sec = 600;
	sink_init(&k);
	s = fold_set();
	for (unsigned a = 0; a < 5; a++)
		for (unsigned i = 0; i < times[a]; i++) {
			snprintf(text, sizeof(text), "Failed password for root from %s port %u ssh2",
				 attackers[a], port++);
			add_tagged(s, T0 + port - 40000, 6, "sshd[4242]:", text, &k);
		}
	add_tagged(s, T0 + 30, 6, "sshd[77]:", "Invalid user alpha from 192.0.2.9", &k);
	add_tagged(s, T0 + 31, 6, "sshd[78]:", "Invalid user bravo from 192.0.2.9", &k);
	add_tagged(s, T0 + 32, 6, "sshd[79]:", "Invalid user charlie from 192.0.2.9", &k);
	add_tagged(s, T0 + 33, 3, "postfix/smtpd[4243]:", "warning: hostname does not resolve",
		   &k);
	cr_assert_eq(s->r[0].pending.n, 3, "the merged kinds are one line");
	cr_assert(s->r[0].pending.st.entry[0].new_kind);
	cr_assert_eq(digest_flush_all(s, T0 + 40, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:01 +0000 .. 12:00:20 (x20) info web1 sshd[4242]: Failed "
			 "password for root from 203.0.113.45 (x12), 198.51.100.7 (x5), 3 others "
			 "port <n> ssh2\n"
			 "2026-07-01 12:00:30 +0000 .. 12:00:32 (x3) info web1 sshd[<n>]: Invalid "
			 "user alpha, bravo, charlie (x1 each) from 192.0.2.9\n"
			 "2026-07-01 12:00:33 +0000 err web1 postfix/smtpd[4243]: warning: hostname "
			 "does not resolve\n"
			 "-- \n"
			 "24 messages, 1 error or worse, most severe: err\n");
	digest_set_free(s);
	sink_free(&k);
}

/* A mail that covers a storm (100 messages or more over 3 marks or more)
 * starts with its timeline: a block per minute, its height the minute's
 * count over the peak's in eighths; a smaller one does not. */
Test(digest, a_storm_starts_with_its_timeline)
{
	static const unsigned per_minute[] = {10, 50, 200, 400, 100, 20};
	struct sink k;
	struct digest_set *s;
	const char *body;

	rec[0].digest.window_sec = 3600;
	sink_init(&k);
	s = fold_set();
	for (unsigned m = 0; m < 6; m++)
		for (unsigned i = 0; i < per_minute[m]; i++)
			add(s, 0, T0 + m * 60 + i % 60, 6, "Connection reset by peer", &k);
	{ /* saved and restored (a journal's rewrite), it says the same */
		struct digest_set *t = new_set();
		char *buf = NULL;
		size_t len = 0, cap = 0;

		cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
		cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_OK);
		cr_assert_eq(digest_flush_all(t, T0 + 400, sink_emit, &k), DIGEST_OK);
		digest_set_free(t);
		free(buf);
	}
	cr_assert_eq(digest_flush_all(s, T0 + 400, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[1].body, k.v[0].body);
	body = k.v[1].body;
	cr_assert_str_eq(body,
			 "Timeline (1 min per mark, peak 400/min at 12:03): ▁▁▄█▂▁\n"
			 "\n"
			 "2026-07-01 12:00:00 +0000 .. 12:05:19 (x780) info web1 sshd: Connection "
			 "reset by peer\n"
			 "-- \n"
			 "780 messages, 0 errors or worse, most severe: info\n");
	for (unsigned i = 0; i < 99; i++) /* 99 messages over an hour: no storm */
		add(s, 0, T0 + 3600 + i * 36, 6, "Connection reset by peer", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 7200, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 3);
	cr_assert_null(strstr(k.v[2].body, "Timeline"), "%s", k.v[2].body);
	digest_set_free(s);
	sink_free(&k);
}

/* A long storm: the marks widen (pairs merged) so that it fits in 60. */
Test(digest, a_long_storm_widens_its_marks)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.window_sec = 86400;
	sink_init(&k);
	s = fold_set();
	for (unsigned i = 0; i < 300; i++) /* 5 hours, one a minute, 10 at once at 14:00 */
		add(s, 0, T0 + i * 60, 6, "tick", &k);
	for (unsigned i = 0; i < 10; i++)
		add(s, 0, T0 + 7200, 6, "tick", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 86400, sink_emit, &k), DIGEST_OK);
	cr_assert(strncmp(k.v[0].body, "Timeline (8 min per mark, peak 18 per 8 min at 14:00): ", 55) ==
		      0,
		  "%s", k.v[0].body);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, folded_lines_show_count_span_and_what_varied)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.window_sec = 600;
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "Failed password for root from 203.0.113.5 port 52114 ssh2", &k);
	add(s, 0, T0 + 1, 6, "Accepted publickey for alice from 192.0.2.10 port 51000 ssh2", &k);
	add(s, 0, T0 + 3, 6, "Failed password for root from 198.51.100.7 port 40022 ssh2", &k);
	add(s, 0, T0 + 45, 6, "Failed password for root from 203.0.113.5 port 52120 ssh2", &k);
	add(s, 0, T0 + 2, 6, "Connection closed by 192.0.2.99 port 4444", &k);
	add(s, 0, T0 + 4, 6, "Connection closed by 192.0.2.99 port 4444", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 50, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 6);
	/* first-occurrence order; one message as it came; what never varied
	 * shown as it was */
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:00 +0000 .. 12:00:45 (x3) info web1 sshd: Failed "
			 "password for root from 203.0.113.5 (x2), 198.51.100.7 (x1) port <n> ssh2\n"
			 "2026-07-01 12:00:01 +0000 info web1 sshd: Accepted publickey for alice "
			 "from 192.0.2.10 port 51000 ssh2\n"
			 "2026-07-01 12:00:02 +0000 .. 12:00:04 (x2) info web1 sshd: Connection "
			 "closed by 192.0.2.99 port 4444\n"
			 "-- \n"
			 "6 messages, 0 errors or worse, most severe: info\n");
	cr_assert_str_eq(k.v[0].subject,
			 "web1: INFO 3x sshd: Failed password for root from <ip> port <n> ssh2 "
			 "(6 messages, 0 errors)");
	check_accounting(s, 0);
	cr_assert_eq(counters(s, 0).mailed, 6);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, folded_span_over_days_and_zones)
{
	struct sink k;
	struct digest_set *s;

	rec[0].time_type = CONF_TIME_UTC;
	rec[0].offset_min = -300;
	rec[0].digest.window_sec = 200000;
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "tick 1", &k);
	add(s, 0, T0 + 86400 + 5, 6, "tick 2", &k);
	add(s, 0, T0 - 10, 6, "tick 3", &k); /* logged before the first one came */
	cr_assert_eq(digest_flush_all(s, T0 + 90000, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 06:59:50 -0500 .. 2026-07-02 07:00:05 (x3) info web1 sshd: "
			 "tick <n>\n"
			 "-- \n"
			 "3 messages, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, fold_off_keeps_a_line_per_message)
{
	struct sink k;
	struct digest_set *s;

	sink_init(&k);
	s = new_set(); /* fold off */
	add(s, 0, T0, 6, "tick 1", &k);
	add(s, 0, T0 + 1, 6, "tick 2", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 2, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[0].body, "2026-07-01 12:00:00 +0000 info web1 sshd: tick 1\n"
				      "2026-07-01 12:00:01 +0000 info web1 sshd: tick 2\n"
				      "-- \n"
				      "2 messages, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

/* The caps count lines: a storm of one pattern is one line; one of
 * different messages shows max-messages lines.  The window closes both. */
Test(digest, caps_count_lines)
{
	struct sink k;
	struct digest_set *s;
	char text[64];

	rec[0].digest.max_messages = 3;
	sink_init(&k);
	s = fold_set();
	for (int i = 0; i < 10000; i++) {
		snprintf(text, sizeof(text), "conn %d from 10.0.%d.%d", i, i % 256, i / 256);
		add(s, 0, T0 + i / 1000, 6, text, &k);
	}
	cr_assert_eq(k.n, 0, "one line never fills the digest");
	cr_assert_eq(counters(s, 0).held, 10000);
	add(s, 0, T0 + 10, 6, "b", &k);
	add(s, 0, T0 + 10, 6, "conn 1 from 10.9.9.9", &k); /* folds */
	cr_assert_eq(k.n, 0);
	add(s, 0, T0 + 10, 6, "c", &k);
	cr_assert_eq(k.n, 0, "three lines: full, not sent");
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(k.v[0].n, 10003);
	cr_assert_eq(k.v[0].reason, DIGEST_REASON_WINDOW);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:00 +0000 .. 12:00:10 (x10001) info web1 sshd: conn <n> "
			 "from <ip>\n"
			 "2026-07-01 12:00:10 +0000 info web1 sshd: b\n"
			 "2026-07-01 12:00:10 +0000 info web1 sshd: c\n"
			 "-- \n"
			 "10003 messages, 0 errors or worse, most severe: info\n");
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

/* add() with a logcheck section. */
static void add_section(struct digest_set *s, time_t now, int sev, int section, const char *text,
			struct sink *k)
{
	struct digest_msg m = msg(now, sev, text);

	m.section = section;
	cr_assert_eq(digest_add(s, 0, &m, now, sink_emit, k), DIGEST_OK);
}

/* A full digest shows the most important lines: a more severe line takes
 * the place of the least important one (which goes to the summary), a
 * less important one goes to the summary; Security Alerts and Events
 * outrank every other line, are never moved out, and have a cap of their
 * own (max_messages lines). */
Test(digest, a_full_digest_shows_the_most_important_lines)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_messages = 2;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "first mail here", &k);
	add(s, 0, T0, 6, "uses the hour", &k);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK); /* caps do not send */
	cr_assert_eq(k.n, 1);
	add(s, 0, T0 + 31, 6, "routine job done", &k);
	add(s, 0, T0 + 32, 6, "backup finished ok now", &k); /* full, held */
	add(s, 0, T0 + 33, 4, "disk almost full", &k);       /* in place of the newest */
	add(s, 0, T0 + 34, 5, "user alice logged in", &k);   /* in place of routine */
	add(s, 0, T0 + 35, 6, "cache flushed", &k);          /* less important: summary */
	cr_assert_eq(s->r[0].pending.n, 2);
	add_section(s, T0 + 36, 6, DIGEST_SECTION_SECURITY_ALERTS, "ATTACK seen", &k);
	add_section(s, T0 + 37, 6, DIGEST_SECTION_SECURITY_EVENTS, "sudo: alice : COMMAND=/bin/sh",
		    &k);
	/* past their own cap (2): counted */
	add_section(s, T0 + 38, 6, DIGEST_SECTION_SECURITY_EVENTS, "su: FAILED SU (to root) bob", &k);
	cr_assert_eq(k.n, 1);
	check_accounting(s, 0);
	cr_assert_eq(digest_flush_all(s, T0 + 39, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_str_eq(k.v[1].body,
			 "Security Alerts\n"
			 "===============\n"
			 "2026-07-01 12:00:36 +0000 info web1 sshd: ATTACK seen\n"
			 "\n"
			 "Security Events\n"
			 "===============\n"
			 "2026-07-01 12:00:37 +0000 info web1 sshd: sudo: alice : COMMAND=/bin/sh\n"
			 "6 further messages not shown (rate limit)\n"
			 "  (x1) warning web1 sshd: disk almost full\n"
			 "  (x1) notice web1 sshd: user alice logged in\n"
			 "  (x1) info web1 sshd: backup finished ok now\n"
			 "  (x1) info web1 sshd: routine job done\n"
			 "  (x1) info web1 sshd: cache flushed\n"
			 "  (x1) info web1 sshd: su: FAILED SU (to root) bob\n"
			 "  by severity: 1 warning, 1 notice, 4 info\n"
			 "  by host: 6 web1\n"
			 "  by program: 6 sshd\n"
			 "-- \n"
			 "8 messages (2 shown), 0 errors or worse, most severe: warning\n");
	cr_assert_eq(digest_importance_cmp(0, 3, false, 1, 0, 4, true, 900), 1, "severity first");
	cr_assert_lt(digest_importance_cmp(0, 6, false, 900, 0, 6, true, 1), 0, "then a new kind");
	cr_assert_gt(digest_importance_cmp(DIGEST_SECTION_SECURITY_EVENTS, 7, false, 1,
					   DIGEST_SECTION_SYSTEM_EVENTS, 0, true, 9),
		     0, "the section before all");
	digest_set_free(s);
	sink_free(&k);
}

/* Held by the rate limit at its caps: a message that folds into a line is
 * still counted there; the others, no more important than the lines shown,
 * go to the summary, which adds up. */
Test(digest, held_digest_folds_then_summarizes)
{
	struct sink k;
	struct digest_set *s;
	char text[96];

	rec[0].digest.max_messages = 2;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "first 1", &k);
	add(s, 0, T0, 6, "second", &k);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1, "the first mail");
	add(s, 0, T0 + 31, 6, "Failed password for root from 203.0.113.5 port 1", &k);
	add(s, 0, T0 + 31, 3, "disk sda failed", &k);
	for (int i = 0; i < 500; i++) { /* held: fold into the first line */
		snprintf(text, sizeof(text), "Failed password for root from 203.0.113.%d port %d",
			 i % 200, 1000 + i);
		add(s, 0, T0 + 32, 6, text, &k);
	}
	for (int i = 0; i < 300; i++) { /* not shown */
		snprintf(text, sizeof(text), "Connection reset by 198.51.100.%d port %d", i % 250,
			 i);
		struct digest_msg m = msg(T0 + 33, 6, text);

		m.host = i % 3 ? "web1" : "web2";
		cr_assert_eq(digest_add(s, 0, &m, T0 + 33, sink_emit, &k), DIGEST_OK);
	}
	for (int i = 0; i < 40; i++) { /* not shown, all different */
		snprintf(text, sizeof(text), "Invalid user u%d from 192.0.2.1", i);
		struct digest_msg m = msg(T0 + 34, 6, text); /* no more important */

		m.program = i < 30 ? "sshd" : "login";
		cr_assert_eq(digest_add(s, 0, &m, T0 + 34, sink_emit, &k), DIGEST_OK);
	}
	cr_assert_eq(k.n, 1);
	check_accounting(s, 0);
	cr_assert_eq(counters(s, 0).held, 502);
	cr_assert_eq(counters(s, 0).not_shown, 340);
	cr_assert_eq(digest_poll(s, T0 + 3630, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_eq(k.v[1].n, 502);
	cr_assert_eq(k.v[1].ns, 340);
	cr_assert_str_eq(k.v[1].body,
			 "2026-07-01 12:00:31 +0000 .. 12:00:32 (x501) info web1 sshd: Failed "
			 "password for root from <ip> port <n>\n"
			 "2026-07-01 12:00:31 +0000 err web1 sshd: disk sda failed\n"
			 "340 further messages not shown (rate limit)\n"
			 "  (x200) info web1 sshd: Connection reset by <ip> port <n>\n"
			 "  (x100) info web2 sshd: Connection reset by <ip> port <n>\n"
			 "  (x1-2) info web1 sshd: Invalid user u22 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u23 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u24 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u25 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u26 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u27 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u28 from <ip>\n"
			 "  (x1-2) info web1 sshd: Invalid user u29 from <ip>\n"
			 "  by severity: 340 info\n"
			 "  by host: 240 web1, 100 web2\n"
			 "  by program: 330 sshd, 10 login\n"
			 "-- \n"
			 "842 messages (502 shown), 1 error or worse, most severe: err\n");
	/* the commonest is a line that was shown: the most messages */
	cr_assert_str_eq(k.v[1].subject, "2 hosts: ERR 501x sshd: Failed password for root from "
					 "<ip> port <n> (842 messages, 1 errors)");
	check_accounting(s, 0);
	digest_set_free(s);
	sink_free(&k);
}

/* A million messages not shown, most of them all different: the summary
 * stays the same size, its tables add up (checked in every mail by
 * check_body), the names past the first DIGEST_NAMES are "other", and a
 * pattern frequent enough (over 1/DIGEST_TOP of them) is found among them:
 * here exactly, as it came first. */
Test(digest, summary_is_bounded_under_a_storm_of_distinct_messages)
{
	struct sink k;
	struct digest_set *s;
	char text[96], host[32], prog[32];
	const char *body, *line;

	rec[0].digest.max_messages = 5;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = fold_set();
	for (int i = 0; i < 10; i++) { /* a mail, then a digest held full */
		/* of different kinds: as many words as i + 1 */
		snprintf(text, sizeof(text), "%.*s", 2 * i + 1, "w w w w w w w w w w w");
		add(s, 0, T0 + (i < 5 ? 0 : 31), 6, text, &k);
		if (i == 4)
			cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, &k), DIGEST_OK);
	}
	cr_assert_eq(k.n, 1);
	for (int i = 0; i < 1000000; i++) {
		struct digest_msg m;

		if (i % 3 == 0) {
			snprintf(text, sizeof(text), "Connection reset by 198.51.100.%d port %d",
				 i % 250, i % 65536);
			m = msg(T0 + 31, 6, text);
			m.host = "hx";
			m.program = "px";
		} else {
			snprintf(text, sizeof(text), "noise%d", i);
			snprintf(host, sizeof(host), "h%d", i % 20);
			snprintf(prog, sizeof(prog), "p%d", i % 11);
			m = msg(T0 + 31, 6 + i % 2, text); /* not more important than the lines */
			m.host = host;
			m.program = prog;
		}
		cr_assert_eq(digest_add(s, 0, &m, T0 + 31, sink_emit, &k), DIGEST_OK);
	}
	cr_assert_eq(counters(s, 0).not_shown, 1000000);
	cr_assert_eq(counters(s, 0).held, 5);
	cr_assert_eq(digest_flush_all(s, T0 + 32, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	body = k.v[1].body;
	cr_assert_not_null(strstr(body,
				  "1000000 further messages not shown (rate limit)\n"
				  "  (x333334) info hx px: Connection reset by <ip> port <n>\n"),
			   "%s", body);
	line = strstr(body, "  by host: 333334 hx, ");
	cr_assert_not_null(line, "%s", body);
	cr_assert_eq(tally_sum(line), 1000000);
	cr_assert_eq(strchr(line, '\n') - strstr(line, " other\n"), 6, "%s", line);
	line = strstr(body, "  by program: 333334 px, ");
	cr_assert_not_null(line, "%s", body);
	cr_assert_eq(tally_sum(line), 1000000);
	cr_assert_eq(counters(s, 0).held, 0);
	digest_set_free(s);
	sink_free(&k);
}

Test(digest, folded_lines_keep_to_998_octets)
{
	struct sink k;
	struct digest_set *s;
	static char a[2000], b[2000];

	for (int i = 0; i < 1990; i += 2) {
		a[i] = b[i] = '1';
		a[i + 1] = b[i + 1] = ' ';
	}
	b[0] = '2'; /* the first part varies: it is folded, <n> for 1 */
	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, a, &k);
	add(s, 0, T0 + 1, 6, b, &k);
	add(s, 0, T0 + 1, 6, "caf\xc3\xa9 \"cr\xc3\xa8me\" 1", &k);
	add(s, 0, T0 + 1, 6, "caf\xc3\xa9 \"br\xc3\xbbl\xc3\xa9\" 1", &k);
	cr_assert_eq(digest_flush_all(s, T0 + 2, sink_emit, &k),
		     DIGEST_OK); /* check_body: <= 998 */
	{
		const char *head =
		    "2026-07-01 12:00:00 +0000 .. 12:00:01 (x2) info web1 sshd: <n> 1 1 ";

		cr_assert_eq(strncmp(k.v[0].body, head, strlen(head)), 0, "%s", k.v[0].body);
	}
	cr_assert_str_eq(strchr(k.v[0].body, '\n') - 3,
			 "...\n" /* words that differ are two kinds until more show it varies */
			 "2026-07-01 12:00:01 +0000 info web1 sshd: caf\xc3\xa9 \"cr\xc3\xa8me\" 1\n"
			 "2026-07-01 12:00:01 +0000 info web1 sshd: caf\xc3\xa9 \"br\xc3\xbbl\xc3\xa9\" 1\n"
			 "-- \n"
			 "4 messages, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

/* A digest whose mail could not be queued keeps its lines; what comes
 * meanwhile folds into them. */
Test(digest, kept_digest_folds_what_came_meanwhile)
{
	struct sink k;
	struct digest_set *s;

	rec[0].digest.max_messages = 2;
	sink_init(&k);
	k.fail = true;
	s = fold_set();
	add(s, 0, T0, 6, "tick 1", &k);
	cr_assert_eq(digest_flush_all(s, T0, sink_emit, &k), DIGEST_EEMIT);
	add(s, 0, T0 + 1, 6, "tick 2", &k);
	add(s, 0, T0 + 1, 6, "tock", &k);
	add(s, 0, T0 + 1, 6, "other", &k);
	add(s, 0, T0 + 1, 6, "tick 3", &k);
	k.fail = false;
	cr_assert_eq(digest_flush_all(s, T0 + 20, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	check_accounting(s, 0);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 12:00:00 +0000 .. 12:00:01 (x3) info web1 sshd: tick <n>\n"
			 "2026-07-01 12:00:01 +0000 info web1 sshd: tock\n"
			 "1 further message not shown (mail could not be queued)\n"
			 "  (x1) info web1 sshd: other\n"
			 "  by severity: 1 info\n"
			 "  by host: 1 web1\n"
			 "  by program: 1 sshd\n"
			 "-- \n"
			 "5 messages (4 shown), 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

/* ---- saved and restored (a journal's compaction, a crash) ---------------------- */

/* A held digest at its caps: folded lines and a summary of what it did
 * not show. */
static void fill_held(struct digest_set *s, struct sink *k)
{
	char text[96];

	add(s, 0, T0, 6, "first 1", k);
	add(s, 0, T0, 6, "second", k);
	cr_assert_eq(digest_poll(s, T0 + 30, sink_emit, k), DIGEST_OK);
	add(s, 0, T0 + 31, 6, "Failed password for root from 203.0.113.5 port 1", k);
	add(s, 0, T0 + 31, 3, "disk \"sda\" failed", k);
	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "Failed password for root from 203.0.113.%d port 22",
			 i % 7);
		add(s, 0, T0 + 32 + i, 6, text, k);
	}
	for (int i = 0; i < 60; i++) {
		struct digest_msg m;

		snprintf(text, sizeof(text), "Invalid user u%d from 192.0.2.1", i % 30);
		m = msg(T0 + 34, i % 2 ? 7 : 6, text); /* less important than the lines */
		m.host = i % 3 ? "web1" : "web2";
		cr_assert_eq(digest_add(s, 0, &m, T0 + 34, sink_emit, k), DIGEST_OK);
	}
}

Test(digest, a_saved_digest_restores_to_the_same_mail)
{
	struct sink k;
	struct digest_set *s, *t;
	struct digest_counters a, b;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	rec[0].digest.max_messages = 2;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	s = fold_set();
	t = new_set();
	fill_held(s, &k);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
	cr_assert_gt(len, 0);
	cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_OK);
	cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_EBUSY, "only into an empty digest");
	a = counters(s, 0);
	b = counters(t, 0);
	cr_assert_eq(b.held, a.held);
	cr_assert_eq(b.held, 51 + 1);
	cr_assert_eq(b.not_shown, a.not_shown);
	cr_assert_eq(b.added, a.held + a.not_shown);
	cr_assert_not(digest_set_idle(t));
	cr_assert_eq(digest_flush_all(s, T0 + 3600, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_flush_all(t, T0 + 3600, sink_emit, &k), DIGEST_OK);
	cr_assert(digest_set_idle(t));
	cr_assert_eq(k.n, 3);
	cr_assert_str_eq(k.v[2].body, k.v[1].body);
	cr_assert_str_eq(k.v[2].subject, k.v[1].subject);
	cr_assert_eq(k.v[2].n, k.v[1].n);
	cr_assert_eq(k.v[2].ns, k.v[1].ns);
	cr_assert_not_null(strstr(k.v[1].body, "(x51) info web1 sshd: Failed password for root "
					       "from <ip> port 22 (x50), 1 other\n"));
	cr_assert_not_null(strstr(k.v[1].body, "60 further messages not shown (rate limit)\n"));
	/* an empty digest saves nothing */
	len = 0;
	cr_assert_eq(digest_save(t, 0, &buf, &len, &cap), DIGEST_OK);
	cr_assert_eq(len, 0);
	free(buf);
	digest_set_free(s);
	digest_set_free(t);
	sink_free(&k);
}

/* Add text at T0 + dt in section. */
static void add_in(struct digest_set *s, time_t dt, int section, const char *text, struct sink *k)
{
	struct digest_msg m = msg(T0 + dt, 6, text);

	m.section = section;
	cr_assert_eq(digest_add(s, 0, &m, T0 + dt, sink_emit, k), DIGEST_OK);
}

/* Lines with a logcheck section: grouped under headings, highest first,
 * the others under "Other Events"; folding stays within a section; and a
 * saved digest keeps them. */
Test(digest, sections_head_their_lines_fold_apart_and_are_saved)
{
	static const char body[] =
	    "Security Alerts\n"
	    "===============\n"
	    "2026-07-01 12:00:03 +0000 info web1 sshd: intruder\n"
	    "\n"
	    "System Events\n"
	    "=============\n"
	    "2026-07-01 12:00:00 +0000 .. 12:00:02 (x2) info web1 sshd: port "
	    "<n> open\n"
	    "\n"
	    "Other Events\n"
	    "============\n"
	    "2026-07-01 12:00:01 +0000 info web1 sshd: port 2 open\n"
	    "-- \n"
	    "4 messages, 0 errors or worse, most severe: info\n";
	struct sink k;
	struct digest_set *s, *t;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	rec[0].digest.window_sec = 600;
	sink_init(&k);
	s = fold_set();
	t = fold_set();
	add_in(s, 0, DIGEST_SECTION_SYSTEM_EVENTS, "port 1 open", &k);
	add_in(s, 1, DIGEST_SECTION_NONE, "port 2 open", &k);
	add_in(s, 2, DIGEST_SECTION_SYSTEM_EVENTS, "port 3 open", &k);
	add_in(s, 3, DIGEST_SECTION_SECURITY_ALERTS, "intruder", &k);
	cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
	cr_assert_eq(strncmp(buf, "d3 ", 3), 0);
	cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_OK);
	cr_assert_eq(digest_flush_all(s, T0 + 10, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(digest_flush_all(t, T0 + 10, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 2);
	cr_assert_str_eq(k.v[0].body, body);
	cr_assert_str_eq(k.v[1].body, body, "restored");
	free(buf);
	digest_set_free(s);
	digest_set_free(t);
	sink_free(&k);
}

/* A state written by the release before kinds and pacing ("d2": lines as
 * "host program[severity]: text", a section per line, no pace) is read
 * after an upgrade: its line in today's layout, the pace idle. */
Test(digest, a_d2_state_from_the_release_before_is_read)
{
	static const char d2[] =
	    "d2 1782907200 0 0 0 0 0 6 1782907200 1782907200 1 0 4:sshd 8:one line 4:web1 1 0 "
	    "6774058976 1 1 0 6 2 1782907200 1782907200 5 9 17 25:web1 sshd[info]: one line 0 0 ";
	struct sink k;
	struct digest_set *s;

	sink_init(&k);
	s = fold_set();
	cr_assert_eq(digest_restore(s, 0, d2, strlen(d2)), DIGEST_OK);
	cr_assert_eq(s->r[0].pace.gap, 0, "no pace in a d2 state");
	cr_assert_eq(digest_flush_all(s, T0 + 10, sink_emit, &k), DIGEST_OK);
	cr_assert_eq(k.n, 1);
	cr_assert_str_eq(k.v[0].body, "Security Events\n"
				      "===============\n"
				      "2026-07-01 12:00:00 +0000 info web1 sshd: one line\n"
				      "-- \n"
				      "1 message, 0 errors or worse, most severe: info\n");
	digest_set_free(s);
	sink_free(&k);
}

/* Restored into another zone: the times are rendered again. */
Test(digest, a_restored_digest_takes_the_recipients_zone)
{
	struct sink k;
	struct digest_set *s, *t;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	sink_init(&k);
	s = fold_set();
	add(s, 0, T0, 6, "tick 1", &k);
	add(s, 0, T0 + 5, 6, "tick 2", &k);
	add(s, 0, T0 + 6, 6, "tock", &k);
	cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
	rec[0].offset_min = 120;
	t = new_set(); /* and folding off now: restored lines keep their counts */
	cr_assert_eq(digest_restore(t, 0, buf, len), DIGEST_OK);
	cr_assert_eq(digest_flush_all(t, T0 + 10, sink_emit, &k), DIGEST_OK);
	cr_assert_str_eq(k.v[0].body,
			 "2026-07-01 14:00:00 +0200 .. 14:00:05 (x2) info web1 sshd: tick <n>\n"
			 "2026-07-01 14:00:06 +0200 info web1 sshd: tock\n"
			 "-- \n"
			 "3 messages, 0 errors or worse, most severe: info\n");
	free(buf);
	digest_set_free(s);
	digest_set_free(t);
	sink_free(&k);
}

/* A damaged state is refused whole: every truncation, and bytes changed
 * here and there (either refused or a digest whose counts add up: the
 * mail's body is checked by check_body). */
Test(digest, a_damaged_state_is_refused)
{
	struct sink k;
	struct digest_set *s;
	char *buf = NULL, *bad;
	size_t len = 0, cap = 0;
	unsigned seed = 99, restored = 0;

	rec[0].digest.max_messages = 2;
	rec[0].digest.rate_per_hour = 1;
	sink_init(&k);
	k.keep = false;
	s = fold_set();
	fill_held(s, &k);
	cr_assert_eq(digest_save(s, 0, &buf, &len, &cap), DIGEST_OK);
	digest_set_free(s);
	s = fold_set();
	bad = malloc(len);
	for (size_t n = 0; n < len; n++)
		cr_assert_eq(digest_restore(s, 0, buf, n), DIGEST_EINVAL, "cut at %zu", n);
	cr_assert_eq(digest_restore(s, 0, "d1 ", 3), DIGEST_EINVAL);
	cr_assert_eq(digest_restore(s, 0, "", 0), DIGEST_EINVAL);
	cr_assert(digest_set_idle(s));
	for (int i = 0; i < 3000; i++) {
		memcpy(bad, buf, len);
		for (int j = 0; j < 3; j++)
			bad[(size_t)rand_r(&seed) % len] =
			    "0123456789 :-\n\x01"[rand_r(&seed) % 15];
		if (digest_restore(s, 0, bad, len) == DIGEST_OK) {
			restored++;
			check_accounting(s, 0);
			cr_assert_eq(digest_flush_all(s, T0 + 3600, sink_emit, &k), DIGEST_OK);
		}
		cr_assert(digest_set_idle(s));
	}
	cr_assert_lt(restored, 3000);
	free(bad);
	free(buf);
	digest_set_free(s);
	sink_free(&k);
}

/* ---- memory across recipients ------------------------------------------------ */

static int count_lines(void *arg, const struct digest_mail *m)
{
	unsigned *min_lines = arg;

	check_body(m);
	if (m->n_lines < *min_lines)
		*min_lines = m->n_lines;
	return 0;
}

/* A thousand recipients all filling at once with messages that never
 * fold: the set's storage stays within its budget (a digest takes no more
 * lines, before its caps, when the set is over it: the rest are counted,
 * not shown, and nothing is sent before its window), spares within
 * theirs, and every message is accounted for. */
Test(digest, many_recipients_stay_within_the_memory_budget)
{
	enum { N = 1000 };
	static struct conf_recipient many[N];
	static char addr[N][32];
	struct conf c = {.recipients = many, .n_recipients = N};
	struct digest_set *s;
	unsigned min_lines = 100;
	char text[96];
	size_t worst = 0;

	for (int i = 0; i < N; i++) {
		snprintf(addr[i], sizeof(addr[i]), "r%d@example.com", i);
		many[i] = (struct conf_recipient){
		    .address = addr[i],
		    .time_type = CONF_TIME_UTC,
		    .digest = {.window_sec = 3600,
			       .max_messages = 100,
			       .max_bytes = 65536,
			       .urgent_level = CONF_LEVEL_ANY,
			       /* a line per message (these would be one kind) */
			       .fold = false},
		};
	}
	s = digest_set_new(&c, "web1", "SN");
	cr_assert_not_null(s);
	cr_assert_eq(s->mem.budget, DIGEST_HELD_MAX);
	for (int i = 0; i < 200000; i++) {
		struct digest_msg m;

		snprintf(text, sizeof(text), "session s%d of user u%d closed by peer", i, i / N);
		m = msg(T0, 6, text);
		cr_assert_eq(digest_add(s, (size_t)i % N, &m, T0, count_lines, &min_lines),
			     DIGEST_OK);
		if (atomic_load(&s->mem.held) > worst)
			worst = atomic_load(&s->mem.held);
		cr_assert_leq(atomic_load(&s->mem.spare), DIGEST_SPARE_MAX);
	}
	/* the budget, what digests below their share (2 KiB here) still take
	 * (their first allocations, about 1 KiB each past it), and the
	 * fixed-size summary of each digest that counts what it cannot show */
	cr_assert_leq(worst, DIGEST_HELD_MAX + N * (1024 + sizeof(struct digest_summary)),
		      "%zu octets held", worst);
	for (size_t r = 0; r < N; r++)
		check_accounting(s, r);
	cr_assert_eq(min_lines, 100, "nothing sent before the window");
	cr_assert_eq(digest_flush_all(s, T0, count_lines, &min_lines), DIGEST_OK);
	cr_assert_lt(min_lines, 100, "digests bounded before their caps: %u", min_lines);
	/* ... at their share (2 KiB used: some 7 lines of 85 octets and their
	 * entries), not at their first line */
	cr_assert_geq(min_lines, 5, "%u lines", min_lines);
	/* empty digests keep only what they took over from spares */
	cr_assert_leq(atomic_load(&s->mem.held) + atomic_load(&s->mem.spare), DIGEST_SPARE_MAX);
	digest_set_free(s);
}

/* A recipient whose own caps need more than the budget still gets them. */
Test(digest, a_large_max_bytes_raises_the_budget)
{
	struct digest_set *s;

	rec[0].digest.max_bytes = 10485760;
	s = new_set();
	cr_assert_eq(s->mem.budget, 4 * (size_t)10485760);
	digest_set_free(s);
}

/* ---- storms ----------------------------------------------------------------- */

/* Random messages, polls and emit failures against two recipients (one
 * with window 0); with fold, a third of the texts fold ("n=<n> len"). */
static void random_storm(bool fold)
{
	struct sink k;
	struct digest_set *s;
	unsigned seed = 12345;
	time_t now = T0;
	static char text[400];

	conf.n_recipients = 2;
	for (int r = 0; r < 2; r++) {
		rec[r].digest.fold = fold;
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
			if (fold) /* kinds differ by their number of words: 45 of them */
				for (size_t w = 0, n = len % 45; w < n && 2 * w + 1 < len; w++)
					text[2 * w + 1] = ' ';
			if (fold && len % 3 == 0)
				snprintf(text, sizeof(text), "n=%d %zu", rand_r(&seed) % 1000,
					 len % 7);
			m = msg(now, rand_r(&seed) % 8, text);
			enum digest_status st = digest_add(s, r, &m, now, sink_emit, &k);
			cr_assert(st == DIGEST_OK || st == DIGEST_EEMIT);
		} else if (op < 97) {
			digest_poll(s, now, sink_emit, &k);
		} else {
			k.fail_pct = k.fail_pct ? 0 : 30;
		}
		check_accounting(s, r);
		if (!fold) /* folded, a line holds any number */
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

Test(digest, accounting_holds_under_a_random_storm)
{
	random_storm(false);
}

Test(digest, accounting_holds_under_a_random_storm_folding)
{
	random_storm(true);
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
