/*
 * bench/corpus.h: what the benchmarks of bench/ share: a synthetic syslog
 * corpus shaped like a server's (sshd, cron, kernel, dhcpd, systemd,
 * postfix/smtpd, nginx and a few more, mostly informational, a few percent
 * warnings and errors, random numbers, addresses and user names in the
 * texts), its deterministic PRNG, and the timing helpers.  The same
 * corpus every run.
 */
#ifndef LOGMAIL_BENCH_CORPUS_H
#define LOGMAIL_BENCH_CORPUS_H

#include <stddef.h>
#include <stdint.h>

/* Syslog facilities of the corpus. */
enum { KERN = 0, USER = 1, MAIL = 2, DAEMON = 3, AUTH = 4, CRON = 9, AUTHPRIV = 10, LOCAL7 = 23 };

struct bench_msg {
	int severity, facility;
	const char *program;
	const char *text; /* text_len octets, NUL-terminated */
	size_t text_len;
};

struct bench_corpus {
	struct bench_msg *m;
	size_t n;
	char *buf;
};

/* A number in [0, n) from the benchmarks' PRNG (xorshift64*). */
uint32_t bench_rnd(uint32_t n);

/* n messages drawn from the templates; -1 on ENOMEM. */
int bench_corpus_make(struct bench_corpus *c, size_t n);
void bench_corpus_free(struct bench_corpus *c);

/* Seconds of CLOCK_MONOTONIC; the median of v[0..n) (sorted in place). */
double bench_now(void);
double bench_median(double *v, int n);

#endif
