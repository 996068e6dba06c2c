/*
 * bench/bench_miner.c: event kinds per second on one core
 * (digest/miner.h's miner_add), over a replicated corpus.
 *
 *   bench/bench_miner [LINES [ROUNDS [FILE...|different]]]
 *
 * The corpus: LINES lines (default 1,000,000) drawn in turn from the
 * lines of the FILEs (syslog lines: the text after the tag is mined, the
 * program is the tag's), or, without FILEs, from bench/corpus.c's
 * server-like mix, or with "different" from 200,000 lines of 4 to 10
 * words drawn from 20 (a third of them with a digit after), nearly all
 * different: the worst case, where lines keep making kinds that are
 * compared with the others of their length, merged and evicted.  Each round feeds them all to a fresh miner of the
 * default size (so the first lines of a round make the kinds, and the
 * rest find them, as in a storm); the figure is the median round, CPU
 * time of the thread.  Prints lines/s and the kinds found.
 */
#include "bench/corpus.h"
#include "digest/miner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
	char program[MINER_PROGRAM_MAX];
	const char *text;
	size_t len;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "Jun 14 15:16:01 host prog[1]: text": program and text, or false. */
static bool split_syslog(char *s, struct line *l)
{
	char *host, *tag, *text;

	if (strlen(s) < 16 || s[15] != ' ')
		return false;
	host = s + 16;
	if ((tag = strchr(host, ' ')) == NULL)
		return false;
	tag++;
	if ((text = strchr(tag, ' ')) == NULL || text[-1] != ':')
		return false;
	snprintf(l->program, sizeof(l->program), "%.*s", (int)strcspn(tag, "[:/"), tag);
	l->text = text + 1;
	l->len = strlen(l->text);
	return true;
}

static size_t read_files(char **names, int n, struct line **out)
{
	struct line *v = NULL;
	size_t count = 0, cap = 0, size = 0;
	char *buf = NULL;

	for (int i = 0; i < n; i++) {
		FILE *f = fopen(names[i], "r");
		ssize_t len;

		if (f == NULL) {
			perror(names[i]);
			exit(1);
		}
		while ((len = getline(&buf, &size, f)) > 0) {
			struct line l;

			buf[strcspn(buf, "\r\n")] = '\0';
			if (!split_syslog(buf, &l))
				continue;
			l.text = strdup(l.text);
			if (count == cap && (v = realloc(v, (cap = cap ? 2 * cap : 4096) * sizeof(*v))) == NULL)
				exit(1);
			v[count++] = l;
		}
		fclose(f);
	}
	free(buf);
	*out = v;
	return count;
}

static size_t make_different(struct line **out)
{
	static const char *const words[] = {
	    "alpha", "bravo", "charlie", "delta",    "echo",  "foxtrot", "golf",
	    "hotel", "india", "juliet",  "kilo",     "lima",  "mike",    "november",
	    "oscar", "papa",  "quebec",  "romeo",    "sierra", "tango"};
	size_t n = 200000;
	struct line *v = calloc(n, sizeof(*v));

	for (size_t i = 0; v != NULL && i < n; i++) {
		char text[256];
		size_t len = 0;
		uint32_t count = 4 + bench_rnd(7);

		for (uint32_t w = 0; w < count; w++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", w ? " " : "",
						words[bench_rnd(20)]);
		if (bench_rnd(3) == 0)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%u", bench_rnd(10));
		snprintf(v[i].program, sizeof(v[i].program), "app");
		v[i].text = strdup(text);
		v[i].len = len;
	}
	*out = v;
	return v != NULL ? n : 0;
}

int main(int argc, char **argv)
{
	size_t lines = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, n = 0, kinds = 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct bench_corpus c = {0};
	struct line *src = NULL;
	double *t;

	if (lines == 0 || rounds < 1 || (t = calloc((size_t)rounds, sizeof(*t))) == NULL) {
		fprintf(stderr, "usage: bench_miner [LINES [ROUNDS [FILE...]]]\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[3], "different") == 0) {
		n = make_different(&src);
	} else if (argc > 3) {
		n = read_files(argv + 3, argc - 3, &src);
	} else {
		if (bench_corpus_make(&c, 200000) != 0)
			return 1;
		src = calloc(c.n, sizeof(*src));
		for (n = 0; src != NULL && n < c.n; n++) {
			snprintf(src[n].program, sizeof(src[n].program), "%s", c.m[n].program);
			src[n].text = c.m[n].text;
			src[n].len = c.m[n].text_len;
		}
	}
	if (src == NULL || n == 0) {
		fprintf(stderr, "bench_miner: no lines\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		struct miner *m = miner_new(0);
		struct miner_hit hit;
		double t0 = cpu_now();

		for (size_t i = 0; i < lines; i++)
			if (miner_add(m, src[i % n].program, src[i % n].text, src[i % n].len, &hit) != 0)
				return 1;
		t[r] = cpu_now() - t0;
		kinds = miner_kinds(m);
		miner_free(m);
	}
	printf("%zu lines (%zu source lines, repeated), %d rounds: %.0f lines/s, %zu kinds\n", lines,
	       n, rounds, (double)lines / bench_median(t, rounds), kinds);
	free(t);
	return 0;
}
