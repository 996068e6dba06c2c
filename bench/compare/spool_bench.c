/*
 * bench/compare/spool_bench.c: drive logmail's spool (smtp/libsmtp.la) for
 * bench/compare/run.sh, the way the delivery worker of omlogmail and
 * `logmail` do.
 *
 *   spool_bench fill DIR N [BODY-LINES]     queue N mails (spool_submit_batch,
 *                                           64 at a time, as omlogmail's
 *                                           outbox does)
 *   spool_bench deliver DIR HOST PORT [starttls CA-FILE]
 *                                           one spool_deliver run (force),
 *                                           prints "sent deferred failed seconds"
 *
 * deliver counts the EHLOs it sends (through the transcript hook) and
 * prints them as a fifth field: how many sessions the run opened.
 * Exit status 1 on any error.  Nothing here is a test.
 */
#include "smtp/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_ehlo(void *arg, char dir, const char *line)
{
	if (dir == 'C' && strncmp(line, "EHLO", 4) == 0)
		(*(unsigned *)arg)++;
}

#define FILL_BATCH 64

static int fill(const char *dir, unsigned long n, unsigned lines)
{
	struct spool *s = NULL;
	struct smtp_err err = {0};
	struct smtp_message m[FILL_BATCH];
	const struct smtp_message *mp[FILL_BATCH];
	enum smtp_status status[FILL_BATCH];
	char ids[FILL_BATCH][SPOOL_ID_MAX], to[FILL_BATCH][64], *body;
	size_t cap = (size_t)lines * 80 + 1, o = 0;

	body = malloc(cap);
	if (body == NULL)
		return 1;
	for (unsigned i = 0; i < lines; i++)
		o += (size_t)snprintf(body + o, cap - o,
				      "2026-11-23T10:00:%02u+0000 host sshd: Failed password for "
				      "user%u\n",
				      i % 60, i);
	if (spool_open(&s, dir, &err) != SMTP_OK)
		goto fail;
	for (unsigned long i = 0; i < n;) {
		size_t k = 0;

		for (; k < FILL_BATCH && i < n; k++, i++) {
			snprintf(to[k], sizeof(to[k]), "ops%lu@example.com", i % 100);
			m[k] = (struct smtp_message){
			    .from = "logmail@bench.example",
			    .to = to[k],
			    .subject = "bench: 10 messages from sshd",
			    .body = body,
			    .date = time(NULL),
			};
			mp[k] = &m[k];
		}
		if (spool_submit_batch(s, mp, k, ids, status, &err) != SMTP_OK)
			goto fail;
	}
	spool_close(s);
	free(body);
	return 0;
fail:
	fprintf(stderr, "spool_bench fill: %s\n", err.msg);
	spool_close(s);
	free(body);
	return 1;
}

static int deliver(const char *dir, const char *host, unsigned port, const char *tls,
		   const char *ca)
{
	struct spool *s = NULL;
	struct smtp_err err = {0};
	struct spool_run run = {0};
	unsigned ehlos = 0;
	struct smtp_params p = {
	    .host = host,
	    .port = port,
	    .helo_name = "bench.example",
	    .transcript = count_ehlo,
	    .transcript_arg = &ehlos,
	};
	double t0;

	if (tls != NULL && strcmp(tls, "starttls") == 0) {
		p.tls = SMTP_TLS_STARTTLS;
		p.tls_verify = true;
		p.ca_file = ca;
	}
	if (spool_open(&s, dir, &err) != SMTP_OK)
		goto fail;
	t0 = now();
	if (spool_deliver(s, &p, true, NULL, &run, &err) != SMTP_OK)
		goto fail;
	printf("%u %u %u %.6f %u\n", run.sent, run.deferred, run.failed, now() - t0, ehlos);
	spool_close(s);
	return run.deferred || run.failed;
fail:
	fprintf(stderr, "spool_bench deliver: %s\n", err.msg);
	spool_close(s);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], strtoul(argv[3], NULL, 10),
			    argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 10);
	if (argc >= 5 && strcmp(argv[1], "deliver") == 0)
		return deliver(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10),
			       argc > 5 ? argv[5] : NULL, argc > 6 ? argv[6] : NULL);
	fprintf(stderr, "usage: spool_bench fill DIR N [LINES] | deliver DIR HOST PORT "
			"[starttls CA]\n");
	return 2;
}
