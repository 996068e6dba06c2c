/*
 * bench/bench_filters.c: messages per second through filter_match (the
 * index) against filter_match_linear (every filter of every recipient), for
 * configurations of 1, 10, 100 and 1000 recipients with 5 filters each.
 *
 * The corpus is synthetic but shaped like a server's syslog: sshd, cron,
 * kernel, dhcpd, systemd, postfix/smtpd, nginx and a few more, mostly
 * informational, a few percent warnings and errors.  Filters are the kind an
 * administrator writes: a severity floor, a program at warnings, a facility,
 * a substring from a shared list of well-known failures, and a per-person
 * substring on one program.
 *
 * Both evaluators run on the same corpus in the same process, alternately,
 * ROUNDS times; the table shows the medians.  Before timing, every message
 * is checked to get the same recipients from both.  Usage:
 *
 *   bench/bench_filters [messages [rounds]]      (make bench)
 *
 * A second table: 10, 100 and 1000 recipients with one `msgtext regex`
 * each (distinct, at any level, so every message needs them all), the set
 * compiled with Vectorscan and with PCRE2 only (LOGMAIL_REGEX_ENGINE=pcre2),
 * the same messages through both: the regexes across recipients in one pass
 * against one PCRE2 call per regex.
 *
 * Output is Markdown tables, the form kept in bench/README.md.  Nothing
 * here asserts on time; a disagreement between the evaluators exits 1.
 */
#include "bench/bench.h"
#include "filters/filter.h"
#include "filters/multire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- a small deterministic PRNG (xorshift64*) ----------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	return bench_rnd(&rng_state, n);
}

/* ---- the corpus ----------------------------------------------------------- */

struct tmpl {
	const char *program;
	int facility;
	int severity;
	unsigned weight; /* relative frequency */
	const char *fmt; /* %u: a random number, used up to three times */
};

enum { KERN = 0, USER = 1, MAIL = 2, DAEMON = 3, AUTH = 4, CRON = 9, AUTHPRIV = 10, LOCAL7 = 23 };

static const struct tmpl templates[] = {
    {"sshd", AUTHPRIV, 6, 60,
     "Accepted publickey for deploy%u from 10.0.%u.%u port 52344 ssh2: ED25519 SHA256:q8Zk1"},
    {"sshd", AUTHPRIV, 6, 40, "Connection closed by 198.51.100.%u port %u [preauth]"},
    {"sshd", AUTHPRIV, 6, 30,
     "pam_unix(sshd:session): session opened for user user%u(uid=%u) by (uid=0)"},
    {"sshd", AUTHPRIV, 4, 8,
     "Failed password for invalid user user%u from 203.0.113.%u port %u ssh2"},
    {"sshd", AUTHPRIV, 3, 1,
     "error: maximum authentication attempts exceeded for user%u from 203.0.113.%u port %u ssh2 "
     "[preauth]"},
    {"cron", CRON, 6, 60, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly) # job %u"},
    {"CRON", CRON, 6, 30, "pam_unix(cron:session): session closed for user user%u"},
    {"kernel", KERN, 6, 25, "[%u.%u] eth0: Link is Up - 1Gbps/Full - flow control rx/tx"},
    {"kernel", KERN, 4, 5,
     "[%u.%u] TCP: request_sock_TCP: Possible SYN flooding on port %u. Sending cookies."},
    {"kernel", KERN, 3, 1,
     "[%u.%u] EXT4-fs error (device sda%u): ext4_find_entry:1455: inode #2: comm ls: reading "
     "directory lblock 0"},
    {"kernel", KERN, 2, 1, "[%u.%u] Out of memory: Killed process %u (java) total-vm:8123456kB"},
    {"dhcpd", DAEMON, 6, 50, "DHCPDISCOVER from 00:16:3e:%u:%u:%u via eth1"},
    {"dhcpd", DAEMON, 6, 50, "DHCPACK on 10.20.%u.%u to 00:16:3e:12:34:%u via eth1"},
    {"dhcpd", DAEMON, 4, 1,
     "DHCPDISCOVER from 00:16:3e:%u:%u:%u via eth1: network 10.20.0.0/16: no free leases -- pool "
     "exhausted"},
    {"systemd", DAEMON, 6, 50, "Started Session %u of User user%u."},
    {"systemd", DAEMON, 6, 30, "Starting Daily apt upgrade and clean activities (run %u)..."},
    {"systemd", DAEMON, 3, 1,
     "Failed to start nginx.service - A high performance web server (attempt %u)."},
    {"postfix/smtpd", MAIL, 6, 50, "connect from mail%u.example.net[192.0.2.%u]"},
    {"postfix/smtpd", MAIL, 6, 40,
     "disconnect from mail%u.example.net[192.0.2.%u] ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
     "commands=5"},
    {"postfix/smtpd", MAIL, 5, 5,
     "NOQUEUE: reject: RCPT from unknown[198.51.100.%u]: 554 5.7.1 <user%u@example.org>: Relay "
     "access denied"},
    {"nginx", LOCAL7, 6, 80,
     "10.1.%u.%u - - \"GET /api/v1/items/%u HTTP/1.1\" 200 612 \"-\" \"curl/7.88.1\""},
    {"nginx", LOCAL7, 3, 2,
     "upstream timed out (110: Connection timed out) while reading response header from upstream, "
     "client: 10.1.%u.%u, request %u"},
    {"rsyslogd", 5, 6, 5,
     "imuxsock: Acquired UNIX socket '/run/systemd/journal/syslog' (fd %u) from systemd. "
     "[v8.2302.%u]"},
    {"named", DAEMON, 7, 20,
     "client @0x7f%u 10.0.0.%u#%u (example.com): query: example.com IN A +E(0)"},
    {"sudo", AUTHPRIV, 5, 10,
     "user%u : TTY=pts/%u ; PWD=/home ; USER=root ; COMMAND=/usr/bin/apt update %u"},
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

struct corpus {
	struct filter_msg *m;
	size_t n;
	char *buf;
};

static int corpus_make(struct corpus *c, size_t n)
{
	unsigned total = 0;
	size_t off = 0;

	for (size_t i = 0; i < N_TEMPLATES; i++)
		total += templates[i].weight;
	c->n = n;
	c->m = calloc(n, sizeof(*c->m));
	c->buf = malloc(n * 256);
	if (!c->m || !c->buf)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned w = rnd(total);
		const struct tmpl *t = templates;
		int len;

		while (w >= t->weight)
			w -= t->weight, t++;
		len = snprintf(c->buf + off, 256, t->fmt, rnd(250), rnd(250), rnd(60000));
		c->m[i] = (struct filter_msg){.severity = t->severity,
					      .facility = t->facility,
					      .program = t->program,
					      .program_len = strlen(t->program),
					      .text = c->buf + off,
					      .text_len = (size_t)len};
		off += (size_t)len + 1;
	}
	return 0;
}

/* ---- configurations ------------------------------------------------------- */

static const char *const shared_texts[] = {
    "pool exhausted",
    "Out of memory",
    "EXT4-fs error",
    "Failed to start",
    "Relay access denied",
    "upstream timed out",
    "segfault",
    "I/O error",
    "No space left on device",
    "Possible SYN flooding",
    "authentication failure",
    "link is down",
};
static const char *const programs[] = {"sshd",   "dhcpd", "nginx", "postfix/smtpd", "systemd",
				       "kernel", "named", "ntpd",  "haproxy",       "slapd"};
static const int facilities[] = {KERN, MAIL, DAEMON, AUTH, AUTHPRIV, CRON, LOCAL7};

#define ANY_LEVEL CONF_LEVEL_ANY
#define PICK(a)   ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return d;
}

static void make_filter(struct conf_filter *f, int kind, size_t r)
{
	char text[64];

	*f = (struct conf_filter){.level = CONF_LEVEL_ANY, .facility = CONF_FACILITY_ANY};
	switch (kind) {
	case 0: /* a severity floor: critical and worse, everything */
		f->level = (int)rnd(3);
		break;
	case 1: /* one program at warnings or errors */
		f->level = 3 + (int)rnd(2);
		f->program = xstrdup(PICK(programs));
		break;
	case 2: /* one facility at errors */
		f->level = CONF_LEVEL_ERRORS;
		f->facility = PICK(facilities);
		break;
	case 3: /* a well-known failure, any program, half of them any level */
		f->level = rnd(2) ? CONF_LEVEL_ANY : CONF_LEVEL_WARNINGS;
		f->msgtext = xstrdup(PICK(shared_texts));
		break;
	default: /* "my" user on sshd, at warnings */
		snprintf(text, sizeof(text), "user user%zu ", r % 250);
		f->level = CONF_LEVEL_WARNINGS;
		f->program = xstrdup("sshd");
		f->msgtext = xstrdup(text);
		break;
	}
}

static struct conf *make_conf(size_t nr)
{
	struct conf *c = conf_new();
	char addr[64];

	if (!c)
		return NULL;
	c->recipients = calloc(nr, sizeof(*c->recipients));
	if (!c->recipients)
		return NULL;
	for (size_t r = 0; r < nr; r++) {
		struct conf_recipient *rc = &c->recipients[r];

		snprintf(addr, sizeof(addr), "ops%zu@example.com", r);
		rc->address = xstrdup(addr);
		rc->filters = calloc(5, sizeof(*rc->filters));
		if (!rc->filters)
			return NULL;
		rc->n_filters = 5;
		for (int k = 0; k < 5; k++)
			make_filter(&rc->filters[k], k, r);
		if (r % 10 == 3) { /* some recipients silence cron */
			rc->excludes = calloc(1, sizeof(*rc->excludes));
			if (!rc->excludes)
				return NULL;
			rc->excludes[0] = (struct conf_filter){.level = CONF_LEVEL_ANY,
							       .facility = CONF_FACILITY_ANY,
							       .program = xstrdup("cron")};
			rc->n_excludes = 1;
		}
		c->n_recipients++;
	}
	return c;
}

/* ---- timing ---------------------------------------------------------------- */

typedef size_t (*match_fn)(const struct filter_set *, struct filter_worker *,
			   const struct filter_msg *, size_t *);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile size_t sink;

static double rate(match_fn fn, const struct filter_set *set, struct filter_worker *w,
		   const struct corpus *c, size_t n, size_t *out)
{
	size_t total = 0;
	double t0 = now(), t;

	for (size_t i = 0; i < n; i++)
		total += fn(set, w, &c->m[i], out);
	t = now() - t0;
	sink += total;
	return (double)n / t;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Same recipients from both evaluators for every message; the share of
 * messages that reach somebody. */
static int check(const struct filter_set *set, struct filter_worker *w, const struct corpus *c,
		 size_t *a, size_t *b, double *matched)
{
	size_t hits = 0;

	for (size_t i = 0; i < c->n; i++) {
		size_t na = filter_match(set, w, &c->m[i], a);
		size_t nb = filter_match_linear(set, w, &c->m[i], b);

		if (na != nb || memcmp(a, b, na * sizeof(*a)) != 0) {
			fprintf(stderr, "MISMATCH on message %zu: %.*s\n", i, (int)c->m[i].text_len,
				c->m[i].text);
			return -1;
		}
		hits += na > 0;
	}
	*matched = 100.0 * (double)hits / (double)c->n;
	return 0;
}

static int run(size_t nr, const struct corpus *c, int rounds)
{
	struct conf *conf = make_conf(nr);
	struct filter_set *set = NULL;
	struct filter_worker *w = NULL;
	struct conf_err err = {0};
	size_t *a = calloc(nr, sizeof(*a)), *b = calloc(nr, sizeof(*b));
	size_t naive_n = c->n / (1 + nr / 20);
	double fast[32], slow[32], matched;
	int rc = -1;

	if (!conf || !a || !b || filter_compile(conf, &set, &err) != FILTER_OK ||
	    !(w = filter_worker_new(set))) {
		fprintf(stderr, "setup failed: %s\n", err.msg);
		goto fail;
	}
	if (check(set, w, c, a, b, &matched) != 0)
		goto fail;
	for (int i = 0; i < rounds; i++) {
		fast[i] = rate(filter_match, set, w, c, c->n, a);
		slow[i] = rate(filter_match_linear, set, w, c, naive_n, a);
	}
	double f = median(fast, rounds), s = median(slow, rounds);
	printf("| %10zu | %7zu | %8.1f %% | %14.0f | %12.0f | %6.1fx |\n", nr, nr * 5, matched, f,
	       s, f / s);
	fflush(stdout);
	rc = 0;
fail:
	filter_worker_free(w);
	filter_set_free(set);
	conf_free(conf);
	free(a);
	free(b);
	return rc;
}

/* nr recipients, each with one regex of its own. */
static struct conf *make_regex_conf(size_t nr)
{
	struct conf *c = conf_new();
	char addr[64], re[64];

	if (!c || !(c->recipients = calloc(nr, sizeof(*c->recipients))))
		return NULL;
	for (size_t r = 0; r < nr; r++) {
		struct conf_recipient *rc = &c->recipients[r];

		snprintf(addr, sizeof(addr), "ops%zu@example.com", r);
		snprintf(re, sizeof(re), "(user|for) user%zu[^0-9]", r);
		rc->address = xstrdup(addr);
		if (!(rc->filters = calloc(1, sizeof(*rc->filters))))
			return NULL;
		rc->filters[0] =
		    (struct conf_filter){ANY_LEVEL, CONF_FACILITY_ANY, NULL, xstrdup(re), true};
		rc->n_filters = 1;
		c->n_recipients++;
	}
	return c;
}

static struct filter_set *compile_with(const struct conf *c, bool pcre2_only)
{
	struct filter_set *set = NULL;
	struct conf_err err = {0};

	if (pcre2_only)
		setenv("LOGMAIL_REGEX_ENGINE", "pcre2", 1);
	if (filter_compile(c, &set, &err) != FILTER_OK)
		fprintf(stderr, "compile: %s\n", err.msg);
	unsetenv("LOGMAIL_REGEX_ENGINE");
	return set;
}

/* Vectorscan against PCRE2 for nr recipients with a regex each. */
static int run_regex(size_t nr, const struct corpus *c, int rounds)
{
	struct conf *conf = make_regex_conf(nr);
	struct filter_set *sv = conf ? compile_with(conf, false) : NULL;
	struct filter_set *sp = conf ? compile_with(conf, true) : NULL;
	struct filter_worker *wv = sv ? filter_worker_new(sv) : NULL;
	struct filter_worker *wp = sp ? filter_worker_new(sp) : NULL;
	size_t *a = calloc(nr, sizeof(*a)), *b = calloc(nr, sizeof(*b));
	double fast[32], slow[32], matched = 0, fv, fp;
	int rc = -1;

	if (!wv || !wp || !a || !b)
		goto fail;
	for (size_t i = 0; i < c->n; i++) {
		size_t na = filter_match(sv, wv, &c->m[i], a),
		       nb = filter_match(sp, wp, &c->m[i], b);

		if (na != nb || memcmp(a, b, na * sizeof(*a)) != 0) {
			fprintf(stderr, "MISMATCH (regex) on message %zu: %.*s\n", i,
				(int)c->m[i].text_len, c->m[i].text);
			goto fail;
		}
		matched += na > 0;
	}
	for (int i = 0; i < rounds; i++) {
		fast[i] = rate(filter_match, sv, wv, c, c->n, a);
		slow[i] = rate(filter_match, sp, wp, c, c->n / (1 + nr / 50), a);
	}
	fv = median(fast, rounds);
	fp = median(slow, rounds);
	printf("| %10zu | %8.1f %% | %17.0f | %12.0f | %6.1fx |\n", nr,
	       100.0 * matched / (double)c->n, fv, fp, fv / fp);
	fflush(stdout);
	rc = 0;
fail:
	filter_worker_free(wv);
	filter_worker_free(wp);
	filter_set_free(sv);
	filter_set_free(sp);
	conf_free(conf);
	free(a);
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	static const size_t sizes[] = {1, 10, 100, 1000};
	struct corpus c;

	if (n == 0 || rounds < 1 || rounds > 32) {
		fprintf(stderr, "usage: %s [messages [rounds (1-32)]]\n", argv[0]);
		return 2;
	}
	if (corpus_make(&c, n) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	printf("%zu messages, %d rounds (medians), one thread, %ld cores online\n\n", n, rounds,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("| recipients | filters | matched    | compiled msg/s | naive msg/s  | ratio   |\n");
	printf("|-----------:|--------:|-----------:|---------------:|-------------:|--------:|\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (run(sizes[i], &c, rounds) != 0)
			return 1;
	printf("\nmsgtext regex, one per recipient, at any level%s\n\n",
	       multire_vectorscan_available() ? "" : " (NO VECTORSCAN IN THIS BUILD)");
	printf("| recipients | matched    | Vectorscan msg/s  | PCRE2 msg/s  | ratio   |\n");
	printf("|-----------:|-----------:|------------------:|-------------:|--------:|\n");
	for (size_t i = 1; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (run_regex(sizes[i], &c, rounds) != 0)
			return 1;
	free(c.m);
	free(c.buf);
	return 0;
}
