/*
 * bench/corpus.c: the benchmarks' corpus, PRNG and timing (corpus.h).
 */
#include "bench/corpus.h"
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a small deterministic PRNG (xorshift64*) ----------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

uint32_t bench_rnd(uint32_t n)
{
	return bench_rnd_from(&rng_state, n);
}

/* ---- the corpus ----------------------------------------------------------- */

struct tmpl {
	const char *program;
	int facility;
	int severity;
	unsigned weight; /* relative frequency */
	const char *fmt; /* %u: a random number, used up to three times */
};

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

int bench_corpus_make(struct bench_corpus *c, size_t n)
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
		unsigned w = bench_rnd(total);
		const struct tmpl *t = templates;
		int len;

		while (w >= t->weight)
			w -= t->weight, t++;
		len = snprintf(c->buf + off, 256, t->fmt, bench_rnd(250), bench_rnd(250),
			       bench_rnd(60000));
		c->m[i] = (struct bench_msg){.severity = t->severity,
					     .facility = t->facility,
					     .program = t->program,
					     .text = c->buf + off,
					     .text_len = (size_t)len};
		off += (size_t)len + 1;
	}
	return 0;
}

void bench_corpus_free(struct bench_corpus *c)
{
	free(c->m);
	free(c->buf);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
