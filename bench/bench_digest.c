/*
 * bench/bench_digest.c: what folding costs: messages per second through
 * digest_add_many (one recipient, as the engine calls it: a time cache, the
 * line rendered once) with `digest fold on` against `off`, on the same
 * messages, alternately, ROUNDS times; the table shows the medians.
 *
 * Two corpora of 1,000,000 messages by default:
 *   - syslog: bench/corpus.h's server-like mix (random numbers, addresses
 *     and user names in the texts: some fold, many do not);
 *   - different: every text different in its words ("session s123 of
 *     user u45 ..."): nothing folds, so folding is pure cost (the scan of
 *     each line for its variable parts, a lookup that finds nothing).
 * The digest: a 30 s window, the default caps (100 lines, 64 KiB), no rate
 * limit, the clock one second per 10,000 messages; digests go out when
 * full or when their window passes, to a function that only counts them
 * (rendering the mail is part of the cost).
 *
 * Usage: bench/bench_digest [messages [rounds]]   (make bench)
 * Output is a Markdown table, the form kept in bench/README.md.  Nothing
 * here asserts on time.
 */
#include "bench/corpus.h"
#include "digest/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 ((time_t)1782907200)

struct counts {
	unsigned long mails, lines, messages;
};

static int count(void *arg, const struct digest_mail *m)
{
	struct counts *k = arg;

	k->mails++;
	k->lines += m->n_lines;
	k->messages += m->n_messages;
	return 0;
}

/* Messages per second for the corpus through one recipient's digests. */
static double rate(const struct bench_corpus *c, bool fold, struct counts *k)
{
	struct conf_recipient r = {
	    .address = "bench@example.com",
	    .time_type = CONF_TIME_UTC,
	    .digest = {.window_sec = 30,
		       .max_messages = CONF_DEFAULT_MAX_MESSAGES,
		       .max_bytes = CONF_DEFAULT_MAX_BYTES,
		       .urgent_level = CONF_LEVEL_ANY,
		       .fold = fold},
	};
	struct conf conf = {.recipients = &r, .n_recipients = 1};
	struct digest_set *s = digest_set_new(&conf, "benchhost", "SN");
	struct digest_time_cache *tc = digest_time_cache_new();
	size_t zero = 0;
	double t0, t;

	if (!s || !tc) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	*k = (struct counts){0};
	t0 = bench_now();
	for (size_t i = 0; i < c->n; i++) {
		const struct bench_msg *b = &c->m[i];
		time_t now = T0 + (time_t)(i / 10000);
		struct digest_msg m = {.ts = now,
				       .severity = b->severity,
				       .facility = b->facility,
				       .host = "benchhost",
				       .program = b->program,
				       .text = b->text,
				       .text_len = b->text_len};

		(void)digest_add_many(s, tc, &zero, 1, &m, now, count, k);
	}
	(void)digest_flush_all(s, T0 + (time_t)(c->n / 10000) + 1, count, k);
	t = bench_now() - t0;
	digest_time_cache_free(tc);
	digest_set_free(s);
	if (k->messages != c->n) {
		fprintf(stderr, "%lu messages mailed of %zu\n", k->messages, c->n);
		exit(1);
	}
	return (double)c->n / t;
}

/* A corpus whose texts all differ in their words: nothing folds. */
static int different(struct bench_corpus *c, size_t n)
{
	size_t off = 0;

	c->n = n;
	c->m = calloc(n ? n : 1, sizeof(*c->m));
	c->buf = malloc(n * 64 + 1);
	if (!c->m || !c->buf)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(c->buf + off, 64, "session s%zu of user u%zu closed by peer", i,
				   i / 1000);

		c->m[i] = (struct bench_msg){.severity = 6,
					     .facility = AUTHPRIV,
					     .program = "sshd",
					     .text = c->buf + off,
					     .text_len = (size_t)len};
		off += (size_t)len + 1;
	}
	return 0;
}

static void run(const char *name, const struct bench_corpus *c, int rounds)
{
	double on[32], off[32];
	struct counts kon, koff;

	for (int i = 0; i < rounds; i++) {
		off[i] = rate(c, false, &koff);
		on[i] = rate(c, true, &kon);
	}
	double f = bench_median(on, rounds), u = bench_median(off, rounds);
	printf("| %-9s | %14.0f | %13.0f | %6.2f | %6lu / %-6lu | %9.1f / %-9.1f |\n", name, u, f,
	       f / u, koff.mails, kon.mails, (double)koff.lines / (double)koff.mails,
	       (double)kon.lines / (double)kon.mails);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct bench_corpus syslog, diff;

	if (n == 0 || rounds < 1 || rounds > 32) {
		fprintf(stderr, "usage: %s [messages [rounds (1-32)]]\n", argv[0]);
		return 2;
	}
	if (bench_corpus_make(&syslog, n) != 0 || different(&diff, n) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	printf("digest_add, one recipient: %zu messages, %d rounds (medians), one thread, %ld "
	       "cores online\n\n",
	       n, rounds, sysconf(_SC_NPROCESSORS_ONLN));
	printf("| corpus    | fold off msg/s | fold on msg/s | on/off | mails off / on  | lines a "
	       "mail off / on |\n");
	printf("|-----------|---------------:|--------------:|-------:|----------------:|----------"
	       "------------:|\n");
	run("syslog", &syslog, rounds);
	run("different", &diff, rounds);
	bench_corpus_free(&syslog);
	bench_corpus_free(&diff);
	return 0;
}
