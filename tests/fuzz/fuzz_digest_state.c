/*
 * tests/fuzz/fuzz_digest_state.c: libFuzzer target for digest_restore,
 * the reader of the digest states that the engine's journal keeps
 * (digest/state.c has the format).  A journal is data on disk that a crash
 * may have cut or a disk may have damaged: nothing in it may crash the
 * reader, and what it accepts must be a digest whose counts add up.
 *
 * Input: a state, as digest_save writes it.  It is restored into two
 * recipients: one folding, in UTC, with a rate limit; one not folding,
 * two hours east.
 *
 * Checks, for each recipient that accepted it:
 *   - the accounting holds: added == mailed + not_shown + held;
 *   - saved again, the text restores into a fresh set, and both give the
 *     same mail (body and subject);
 *   - the mail: every line at most 998 octets and ended by LF, and its
 *     closing counts are the mail's (shown, and shown + not shown);
 *   - after the mail, the digest holds nothing.
 * A refused state changes nothing: the digest stays empty.
 */
#include "digest/digest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

struct got {
	char *body, *subject;
	unsigned shown, not_shown;
	int mails;
};

/* The mail: its lines, and its closing counts (the last line, after
 * "-- ": the lines above it show text a state may make look like anything,
 * host names included). */
static void check_mail(const struct digest_mail *m)
{
	const char *p = m->body, *nl, *last = NULL;
	unsigned long total = 0, shown = 0;
	int n;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		check(nl != NULL);
		check(nl - p <= 998);
		if (nl - p == 3 && memcmp(p, "-- ", 3) == 0)
			last = nl + 1;
	}
	check(last != NULL);
	n = sscanf(last, "%lu message%*[s] (%lu shown)", &total, &shown);
	if (n < 2)
		n = sscanf(last, "%lu message", &total), shown = total;
	check(n >= 1);
	check(total == (unsigned long)m->n_messages + m->n_not_shown);
	check(shown == m->n_messages);
}

static int keep(void *arg, const struct digest_mail *m)
{
	struct got *g = arg;

	check_mail(m);
	g->mails++;
	free(g->body);
	free(g->subject);
	g->body = strdup(m->body);
	g->subject = strdup(m->subject);
	g->shown = m->n_messages;
	g->not_shown = m->n_not_shown;
	return 0;
}

static struct digest_set *new_set(void)
{
	static struct conf_recipient r[2] = {
	    {.address = "fold@example.com",
	     .time_type = CONF_TIME_UTC,
	     .digest = {.window_sec = 30,
			.max_messages = 100,
			.max_bytes = 65536,
			.urgent_level = CONF_LEVEL_ANY,
			.rate_per_hour = 3,
			.fold = true}},
	    {.address = "plain@example.com",
	     .time_type = CONF_TIME_UTC,
	     .offset_min = 120,
	     .digest = {.window_sec = 30,
			.max_messages = 100,
			.max_bytes = 65536,
			.urgent_level = CONF_LEVEL_ANY}},
	};
	struct conf c = {.recipients = r, .n_recipients = 2};

	return digest_set_new(&c, "fuzzhost", "SN");
}

static void counts_add_up(const struct digest_set *s, size_t i)
{
	struct digest_counters c;

	check(digest_counters(s, i, &c) == DIGEST_OK);
	check(c.added == c.mailed + c.not_shown + c.held);
}

static void one(const uint8_t *data, size_t size, size_t i)
{
	struct digest_set *s = new_set(), *t = NULL;
	struct got a = {0}, b = {0};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct digest_counters c;

	if (s == NULL)
		return;
	if (digest_restore(s, i, (const char *)data, size) != DIGEST_OK) {
		check(digest_set_idle(s));
		goto out;
	}
	counts_add_up(s, i);
	check(digest_save(s, i, &buf, &len, &cap) == DIGEST_OK);
	t = new_set();
	if (t == NULL)
		goto out;
	check(digest_restore(t, i, buf, len) == DIGEST_OK);
	check(digest_flush_all(s, 1782907200, keep, &a) == DIGEST_OK);
	check(digest_flush_all(t, 1782907200, keep, &b) == DIGEST_OK);
	check(a.mails == 1 && b.mails == 1);
	check(strcmp(a.body, b.body) == 0);
	check(strcmp(a.subject, b.subject) == 0);
	check(digest_counters(s, i, &c) == DIGEST_OK && c.held == 0);
	counts_add_up(s, i);
	check(digest_set_idle(s));
out:
	free(a.body);
	free(a.subject);
	free(b.body);
	free(b.subject);
	free(buf);
	digest_set_free(t);
	digest_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0);
	one(data, size, 1);
	return 0;
}
