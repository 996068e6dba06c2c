/*
 * bench/bench_logcheck.c: lines per second through logcheck's rules
 * (filters/filter.h), one thread.
 *
 *   bench/bench_logcheck [-r DIR] [-l LEVEL] [-n LINES] [-k ROUNDS] [-w FILE] [-f FILE]
 *
 * Makes LINES syslog lines (default 1,000,000) from the templates below,
 * a mix of what logcheck ignores at the server level (cron, sessions,
 * accepted logins, postfix's connects, systemd's routine) and what it
 * reports (sudo, su, an out-of-memory kill, an application's own lines),
 * in both timestamp forms, with a seeded PRNG (the same lines every run).
 * It loads the rules three ways, checks that all three put every line in
 * the same section, and times each over all the lines, ROUNDS times
 * (default 5), in CPU time of the thread, and keeps the best round: on a
 * shared machine the other rounds measure the neighbours too.
 *
 *   vectorscan   the default: Vectorscan, header split, grouped by program
 *   pcre2        the same rules with PCRE2 only (configure --without-vectorscan)
 *   one-db       Vectorscan, every rule in one database scanned whole-line
 *
 * With -w FILE it also writes the lines to FILE, for grep (bench/local.mk
 * times `grep -E -v -f` on a sample of them).  With -f FILE it reads the
 * lines from FILE instead (at most LINES of them): a host's own syslog
 * file, or the lines of make bench-compare's corpus, for what the rules
 * cost on other logs than these.  Nothing here asserts on time;
 * a disagreement between the three exits 1.
 */
#include "bench/bench.h"
#include "filters/filter.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	return bench_rnd_from(&rng_state, n);
}

/* %P a pid, %A %B 0-255, %N a port; weights are relative frequencies. */
static const struct tmpl {
	unsigned weight;
	const char *fmt;
} templates[] = {
    {60, "CRON[%P]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)"},
    {40, "CRON[%P]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"},
    {40, "CRON[%P]: pam_unix(cron:session): session closed for user root"},
    {30, "sshd[%P]: Accepted publickey for deploy from 10.0.%A.%B port %N ssh2: ED25519 "
	 "SHA256:q8Zk1x5vV2mG0yTt4b7rJqLwX8eN3pD6sH1kA9cF2uQ"},
    {30, "sshd[%P]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)"},
    {20, "sshd[%P]: Received disconnect from 10.0.%A.%B port %N:11: disconnected by user"},
    {20, "sshd[%P]: Disconnected from user deploy 10.0.%A.%B port %N"},
    {8, "sshd[%P]: Failed password for invalid user admin%A from 203.0.113.%B port %N ssh2"},
    {5, "sshd[%P]: Invalid user admin%A from 203.0.113.%B port %N"},
    {30, "systemd[1]: Started Session %A of User deploy."},
    {20, "systemd[1]: Starting Daily apt upgrade and clean activities..."},
    {20, "systemd[1]: apt-daily.service: Deactivated successfully."},
    {5, "systemd[1]: Failed to start nginx.service - A high performance web server and a reverse "
	"proxy server."},
    {30, "postfix/smtpd[%P]: connect from mail%A.example.net[192.0.2.%B]"},
    {30, "postfix/smtpd[%P]: disconnect from mail%A.example.net[192.0.2.%B] ehlo=1 mail=1 rcpt=1 "
	 "data=1 quit=1 commands=5"},
    {10, "postfix/qmgr[%P]: 4F1A2%AB: removed"},
    {10, "postfix/smtpd[%P]: NOQUEUE: reject: RCPT from unknown[198.51.100.%B]: 554 5.7.1 "
	 "<u%A@example.org>: Relay access denied; from=<x@example.com> to=<u%A@example.org> "
	 "proto=ESMTP helo=<x>"},
    {15, "kernel: [%A.%N] eth0: Link is Up - 1Gbps/Full - flow control rx/tx"},
    {5, "kernel: [%A.%N] Out of memory: Killed process %P (java) total-vm:8123456kB, "
	"anon-rss:1234kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0"},
    {10, "sudo[%P]:   deploy : TTY=pts/%A ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/apt "
	 "update"},
    {10, "sudo[%P]: pam_unix(sudo:session): session opened for user root(uid=0) by "
	 "deploy(uid=1000)"},
    {3, "sudo[%P]: pam_unix(sudo:auth): authentication failure; logname=deploy uid=1000 euid=0 "
	"tty=/dev/pts/0 ruser=deploy rhost=  user=deploy"},
    {5, "su[%P]: (to root) deploy on pts/%A"},
    {5, "su[%P]: pam_unix(su:session): session opened for user root(uid=0) by deploy(uid=1000)"},
    {10, "dhclient[%P]: DHCPREQUEST for 10.0.%A.%B on eth0 to 10.0.0.1 port 67"},
    {10, "dhclient[%P]: DHCPACK of 10.0.%A.%B from 10.0.0.1"},
    {10, "named[%P]: client @0x7f%P 10.0.0.%A#%N (example.com): query: example.com IN A +E(0)"},
    {10, "myapp[%P]: processed batch %A in %N ms"},
    {5, "nginx[%P]: upstream timed out (110: Connection timed out) while reading response "
	"header from upstream"},
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct corpus {
	char *buf;
	size_t *off, *len, n;
};

static size_t render(char *out, size_t size, const char *fmt)
{
	size_t n = 0;

	for (const char *p = fmt; *p && n + 16 < size; p++) {
		if (*p != '%') {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case 'P':
			n += (size_t)snprintf(out + n, size - n, "%u", 1 + rnd(99998));
			break;
		case 'N':
			n += (size_t)snprintf(out + n, size - n, "%u", 1024 + rnd(64511));
			break;
		default: /* A, B */
			n += (size_t)snprintf(out + n, size - n, "%u", rnd(256));
			break;
		}
	}
	return n;
}

static int corpus_make(struct corpus *c, size_t n)
{
	unsigned total = 0;
	size_t at = 0;

	for (size_t i = 0; i < N_TEMPLATES; i++)
		total += templates[i].weight;
	c->n = n;
	c->buf = malloc(n * 320);
	c->off = calloc(n, sizeof(*c->off));
	c->len = calloc(n, sizeof(*c->len));
	if (!c->buf || !c->off || !c->len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned w = rnd(total);
		const struct tmpl *t = templates;
		char *p = c->buf + at;
		int h;

		while (w >= t->weight)
			w -= t->weight, t++;
		if (rnd(4) == 0) /* Debian 12's rsyslog: RFC 3339 */
			h = sprintf(p, "2024-11-%02uT%02u:%02u:%02u.%06u+01:00 web1 ", 1 + rnd(28),
				    rnd(24), rnd(60), rnd(60), rnd(1000000));
		else
			h = sprintf(p, "%s %2u %02u:%02u:%02u web1 ", months[rnd(12)], 1 + rnd(28),
				    rnd(24), rnd(60), rnd(60));
		c->off[i] = at;
		c->len[i] = (size_t)h + render(p + h, 320 - (size_t)h, t->fmt);
		at += c->len[i] + 1;
	}
	return 0;
}

/* The first max lines of the file at path, as they are. */
static int corpus_read(struct corpus *c, const char *path, size_t max)
{
	size_t size, cap_off = 0, cap_len = 0;

	if (util_read_file(AT_FDCWD, path, SIZE_MAX, &c->buf, &size) < 0) {
		perror(path);
		return -1;
	}
	c->n = 0;
	c->off = c->len = NULL;
	for (size_t at = 0; at < size && c->n < max; c->n++) {
		const char *nl = memchr(c->buf + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - c->buf) : size;

		if (!util_reserve((void **)&c->off, &cap_off, c->n + 1, sizeof(*c->off), 4096) ||
		    !util_reserve((void **)&c->len, &cap_len, c->n + 1, sizeof(*c->len), 4096)) {
			fprintf(stderr, "bench_logcheck: %s: out of memory\n", path);
			return -1;
		}
		c->off[c->n] = at;
		c->len[c->n] = end - at;
		at = end + 1;
	}
	if (c->n == 0) {
		fprintf(stderr, "bench_logcheck: %s: no lines\n", path);
		return -1;
	}
	return 0;
}

/* CPU time of this thread: what one core spends, whatever else the machine
 * runs (a shared machine takes the core away now and then). */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct way {
	const char *name;
	unsigned flags;
	struct logcheck_rules *r;
	struct logcheck_worker *w;
	double load_s;
	double rate[16];
};

static volatile unsigned sink;

static double run(struct way *w, const struct corpus *c)
{
	unsigned sum = 0;
	double t0 = now();

	for (size_t i = 0; i < c->n; i++)
		sum += logcheck_classify(w->r, w->w, c->buf + c->off[i], c->len[i], NULL);
	sink += sum;
	return (double)c->n / (now() - t0);
}

static int load(struct way *w, const char *dir, int level)
{
	struct logcheck_report rep;
	struct conf_err err = {0};
	double t0 = now();

	if (logcheck_load(dir, level, w->flags, &w->r, &rep, &err) < 0 ||
	    !(w->w = logcheck_worker_new(w->r))) {
		fprintf(stderr, "bench_logcheck: %s\n", err.msg[0] ? err.msg : "out of memory");
		return -1;
	}
	w->load_s = now() - t0;
	if (w->flags == 0) {
		unsigned rules = 0;

		for (int d = 0; d < LOGCHECK_N_DIRS; d++)
			rules += rep.rules[d];
		printf("rules: %u loaded (%u ignore.d.*), %u run by PCRE2, %u failed\n", rules,
		       rep.rules[LOGCHECK_IGNORE_PARANOID] + rep.rules[LOGCHECK_IGNORE_SERVER] +
			   rep.rules[LOGCHECK_IGNORE_WORKSTATION],
		       rep.fallbacks, rep.failed);
	}
	logcheck_report_free(&rep);
	return 0;
}

/* Every line in the same section (and under the same heading) all three ways. */
static int check(struct way *ways, int n_ways, const struct corpus *c, unsigned *count)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *f0, *f;
		enum logcheck_section s0 =
		    logcheck_classify(ways[0].r, ways[0].w, c->buf + c->off[i], c->len[i], &f0);

		count[s0]++;
		for (int k = 1; k < n_ways; k++) {
			enum logcheck_section s = logcheck_classify(
			    ways[k].r, ways[k].w, c->buf + c->off[i], c->len[i], &f);

			if (s != s0 || (f0 != f && (!f0 || !f || strcmp(f0, f) != 0))) {
				fprintf(stderr, "MISMATCH (%s) on line %zu: %.*s\n", ways[k].name,
					i, (int)c->len[i], c->buf + c->off[i]);
				return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct way ways[] = {{.name = "vectorscan"},
			     {.name = "pcre2", .flags = LOGCHECK_PCRE2_ONLY},
			     {.name = "one-db", .flags = LOGCHECK_ONE_DB}};
	const char *dir = NULL, *write_to = NULL, *read_from = NULL;
	int level = CONF_LOGCHECK_SERVER, rounds = 5, opt;
	size_t n = 1000000;
	unsigned count[4] = {0};
	struct corpus c;

	while ((opt = getopt(argc, argv, "r:l:n:k:w:f:")) != -1) {
		if (opt == 'r')
			dir = optarg;
		else if (opt == 'l')
			level = conf_logcheck_parse(optarg);
		else if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'k')
			rounds = atoi(optarg);
		else if (opt == 'w')
			write_to = optarg;
		else if (opt == 'f')
			read_from = optarg;
		else
			return 2;
	}
	if (level == CONF_LOGCHECK_NONE || n == 0 || rounds < 1 || rounds > 16) {
		fprintf(stderr,
			"usage: bench_logcheck [-r DIR] [-l LEVEL] [-n LINES] [-k ROUNDS 1-16] "
			"[-w FILE] [-f FILE]\n");
		return 2;
	}
	if (read_from ? corpus_read(&c, read_from, n) < 0 : corpus_make(&c, n) < 0)
		return 1;
	if (write_to) {
		FILE *f = fopen(write_to, "we");

		for (size_t i = 0; f && i < c.n; i++)
			fprintf(f, "%.*s\n", (int)c.len[i], c.buf + c.off[i]);
		if (!f || fclose(f) != 0) {
			perror(write_to);
			return 1;
		}
	}
	for (int k = 0; k < 3; k++)
		if (load(&ways[k], dir, level) < 0)
			return 1;
	if (check(ways, 3, &c, count) < 0)
		return 1;
	printf("lines: %zu; %.1f %% reported (alerts %u, events %u, system events %u)\n", c.n,
	       100.0 * (count[1] + count[2] + count[3]) / (double)c.n, count[3], count[2],
	       count[1]);
	printf("one thread, %ld cores online, best of %d rounds (CPU time)\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN), rounds);
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < 3; k++)
			ways[k].rate[r] = run(&ways[k], &c);
	printf("| engine     | load s | lines/s    | vs vectorscan |\n");
	printf("|------------|-------:|-----------:|--------------:|\n");
	for (int k = 0; k < 3; k++)
		qsort(ways[k].rate, (size_t)rounds, sizeof(double), bench_cmp_double);
	for (int k = 0; k < 3; k++) {
		double m = ways[k].rate[rounds - 1];

		printf("| %-10s | %6.1f | %10.0f | %12.2fx |\n", ways[k].name, ways[k].load_s, m,
		       m / ways[0].rate[rounds - 1]);
	}
	for (int k = 0; k < 3; k++) {
		logcheck_worker_free(ways[k].w);
		logcheck_rules_free(ways[k].r);
	}
	free(c.buf);
	free(c.off);
	free(c.len);
	return 0;
}
