/*
 * bench/bench_engine.c: what a thread calling engine_accept pays per
 * message, for several configurations over the same lines, in one process:
 * the module's work without rsyslogd around it.
 *
 *   bench_engine [-k ROUNDS] [-b BATCH] [-c CACHE] [-s SPOOL] LINES [NAME=]CONF...
 *
 * LINES holds syslog lines as bench-compare sends them
 * ("<PRI>Mmm dd hh:mm:ss HOST TAG TEXT"); each CONF is a configuration
 * file (logmail.conf(5)), NAME its name in the table (default: CONF).
 * Each round (default 7) sends every line to each configuration's engine
 * in turn, BATCH (default 128) lines to a call, as rsyslogd's worker
 * would; the engines keep their state across rounds (the digests fill,
 * close and go to their spools, under SPOOL, default a new directory in
 * /tmp, removed at the end; their mail server need not answer).  CACHE
 * keeps compiled logcheck rules (the engine's cache_dir; default none).
 *
 * Prints a Markdown table: per configuration, the calling thread's CPU
 * time per message (median of the rounds after the first, which fills
 * the digests), its ratio to the first configuration's, and what the
 * recipient that accepted most did with its messages.  Thread CPU time,
 * not wall time: the engine's other threads (the spool's writes, the
 * deliveries) run beside the caller, as they do beside rsyslogd's worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "engine/engine.h"
#include "bench/line.h"
#include "util/util.h"

#define MAX_CONFS 8
#define MAX_ROUNDS 64

struct lines {
	char *buf;
	struct engine_msg *m;
	char **head; /* per message, the module's head template string, split */
	size_t n;
};

/* The lines of the file at path, split; false (said why) when it has none
 * or cannot be read. */
static bool read_lines(const char *path, struct lines *l)
{
	size_t size, len = 0, k = 0;
	char *s, *save;

	if (util_read_file(AT_FDCWD, path, SIZE_MAX, &l->buf, &size) < 0) {
		fprintf(stderr, "bench_engine: %s: %s\n", path, strerror(errno));
		return false;
	}
	for (size_t i = 0; i < size; i++)
		len += l->buf[i] == '\n';
	l->m = calloc(len + 1, sizeof(*l->m));
	l->head = calloc(len + 1, sizeof(*l->head));
	if (l->m == NULL || l->head == NULL) {
		fprintf(stderr, "bench_engine: %s: out of memory\n", path);
		return false;
	}
	for (s = strtok_r(l->buf, "\n", &save); s != NULL && k <= len; s = strtok_r(NULL, "\n", &save))
		if (bench_line_split(s, &l->m[k], &l->head[k]))
			k++;
		else
			free(l->head[k]);
	if ((l->n = k) == 0)
		fprintf(stderr, "bench_engine: %s: no line of the form <PRI>Mmm dd hh:mm:ss HOST TAG TEXT\n",
			path);
	return k > 0;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->head[i]);
	free(l->head);
	free(l->m);
	free(l->buf);
}

static double thread_cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One send of every line to w; the thread's CPU seconds. */
static double send_all(struct engine_worker *w, const struct lines *l, size_t batch)
{
	double t0 = thread_cpu();

	for (size_t i = 0; i < l->n; i += batch) {
		size_t n = l->n - i < batch ? l->n - i : batch;

		if (engine_accept(w, &l->m[i], n, time(NULL)) != ENGINE_OK) {
			fprintf(stderr, "bench_engine: engine_accept failed\n");
			exit(1);
		}
	}
	return thread_cpu() - t0;
}

static void say(void *arg, int level, enum engine_fault fault, const char *msg)
{
	(void)arg;
	/* the mail server is not expected to answer */
	if (level <= LOG_ERR && fault != ENGINE_FAULT_UNAVAILABLE)
		fprintf(stderr, "engine: %s\n", msg);
}

/* The recipient that accepted most. */
static struct engine_recipient_counters busiest(struct engine *e)
{
	struct engine_recipient_counters c, best = {.accepted = 0};

	for (size_t i = 0; engine_recipient_counters(e, i, &c); i++)
		if (c.accepted >= best.accepted)
			best = c;
	return best;
}

static void print_table(char *const *name, double t[][MAX_ROUNDS], size_t n_conf,
			size_t rounds, struct engine **e, size_t n_lines)
{
	double first = 0;

	printf("| configuration | us a message | x the first | fastest, slowest round"
	       " | its busiest recipient | accepted | shown or folded | not shown |\n"
	       "|---|---:|---:|---|---|---:|---:|---:|\n");
	for (size_t k = 0; k < n_conf; k++) {
		double *v = &t[k][1], med, us = 1e6 / (double)n_lines;
		struct engine_recipient_counters b = busiest(e[k]);

		qsort(v, rounds - 1, sizeof(*v), bench_cmp_double);
		med = v[(rounds - 2) / 2];
		if (k == 0)
			first = med;
		printf("| %s | %.3f | %.2f | %.3f, %.3f | %s | %lu | %lu | %lu |\n", name[k],
		       med * us, med / first, v[0] * us, v[rounds - 2] * us, b.address,
		       (unsigned long)b.accepted, (unsigned long)(b.accepted - b.not_shown),
		       (unsigned long)b.not_shown);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_engine [-k ROUNDS] [-b BATCH] [-c CACHE] [-s SPOOL] LINES "
			"[NAME=]CONF...\n");
	exit(2);
}

/* rm -rf the spools' directory this run made (a mkdtemp name: no quoting
 * needed); 0, or 1 when that failed. */
static int remove_spools(const char *dir)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}

/* The engine of one configuration, its spool top/N. */
static struct engine_worker *start(struct engine **e, const char *conf, const char *top, size_t n,
				   const char *cache)
{
	char spool[PATH_MAX];
	struct conf_err err;
	struct engine_params p = {
	    .config_path = conf, .spool_dir = spool, .cache_dir = cache, .log = say};
	struct engine_worker *w;

	snprintf(spool, sizeof(spool), "%s/%zu", top, n);
	if (engine_new(e, &p, &err) != ENGINE_OK) {
		char msg[1024];

		conf_err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "bench_engine: %s\n", msg);
		return NULL;
	}
	if (engine_start(*e) != ENGINE_OK || (w = engine_worker_new(*e)) == NULL) {
		fprintf(stderr, "bench_engine: %s: the engine does not start\n", conf);
		return NULL;
	}
	return w;
}

int main(int argc, char **argv)
{
	struct engine *e[MAX_CONFS];
	struct engine_worker *w[MAX_CONFS];
	char *name[MAX_CONFS], *conf[MAX_CONFS], *eq;
	static double t[MAX_CONFS][MAX_ROUNDS];
	char top_tmp[] = "/tmp/bench_engine.XXXXXX";
	const char *top = NULL, *cache = "";
	size_t batch = 128, rounds = 7, n_conf;
	struct lines l;
	int c;

	while ((c = getopt(argc, argv, "k:b:c:s:")) != -1) {
		if (c == 'k')
			rounds = strtoul(optarg, NULL, 10);
		else if (c == 'b')
			batch = strtoul(optarg, NULL, 10);
		else if (c == 'c')
			cache = optarg;
		else if (c == 's')
			top = optarg;
		else
			usage();
	}
	n_conf = (size_t)(argc - optind - 1);
	if (argc - optind < 2 || n_conf > MAX_CONFS || rounds < 2 || rounds > MAX_ROUNDS ||
	    batch == 0)
		usage();
	if (!read_lines(argv[optind], &l))
		return 1;
	if (top == NULL && (top = mkdtemp(top_tmp)) == NULL) {
		perror("bench_engine: mkdtemp");
		return 1;
	}
	for (size_t k = 0; k < n_conf; k++) {
		name[k] = conf[k] = argv[optind + 1 + k];
		if ((eq = strchr(conf[k], '=')) != NULL) {
			*eq = '\0';
			conf[k] = eq + 1;
		}
		if ((w[k] = start(&e[k], conf[k], top, k, cache)) == NULL) {
			if (top == top_tmp)
				(void)remove_spools(top_tmp);
			return 1;
		}
	}
	for (size_t r = 0; r < rounds; r++)
		for (size_t k = 0; k < n_conf; k++)
			t[k][r] = send_all(w[k], &l, batch);
	print_table(name, t, n_conf, rounds, e, l.n);
	for (size_t k = 0; k < n_conf; k++) {
		engine_worker_free(w[k]);
		engine_stop(e[k]);
		engine_free(e[k]);
	}
	lines_free(&l);
	return top == top_tmp ? remove_spools(top_tmp) : 0;
}
