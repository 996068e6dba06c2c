/*
 * cli/test_patterns.c: `logmail test patterns FILE [--by-line]`: the
 * event kinds of a log file, as the digests' miner (digest/miner.h) finds
 * them; nothing else is read (no configuration) and nothing is sent.
 *
 * Each line of FILE (- for standard input) is a syslog line as `test
 * filters` reads it (cli/log_line.c): the kind is mined from the program
 * (the tag up to '[', ':' or '/') and the text after the tag.  A line that
 * is not a syslog line is mined whole, with no program (standard error
 * says how many there were), so that every line gets a kind.
 *
 * Printed, most frequent kind first (ties: the older kind first):
 *
 *      COUNT  KIND  PROGRAM: TEMPLATE WITH TOP VALUES
 *                   e.g. THE KIND'S FIRST LINE
 *   N lines, K kinds
 *
 * With --by-line, exactly one line per input line and nothing else on
 * standard output: "LINENO KIND" (LINENO from 1), KIND the id of the kind
 * the line belongs to at the end of the input (a kind merged into another
 * later in the file gives the id of the one it was merged into).
 */
#include "cli/cli.h"
#include "digest/miner.h"
#include "engine/engine.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

struct mined {
	struct miner *miner;
	uint32_t *ids; /* --by-line: the kind of each line */
	size_t lines, cap, whole;
	bool by_line;
};

/* One line (changed in place) into the miner. */
static int mine_line(struct mined *r, char *line, size_t len, time_t now)
{
	char program[MINER_PROGRAM_MAX];
	struct engine_msg msg;
	struct miner_hit hit;
	bool has_pri;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (cli_parse_log_line(line, now, &msg, &has_pri, program, sizeof(program))) {
		if (miner_add(r->miner, msg.program, msg.text, strlen(msg.text), &hit) != 0)
			return -1;
	} else {
		r->whole++;
		if (miner_add(r->miner, "", line, len, &hit) != 0)
			return -1;
	}
	if (r->by_line) {
		if (!util_reserve((void **)&r->ids, &r->cap, r->lines + 1, sizeof(*r->ids), 1024))
			return -1;
		r->ids[r->lines] = hit.id;
	}
	r->lines++;
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct miner_kind *x = *(const struct miner_kind *const *)a;
	const struct miner_kind *y = *(const struct miner_kind *const *)b;

	if (miner_kind_count(x) != miner_kind_count(y))
		return miner_kind_count(x) > miner_kind_count(y) ? -1 : 1;
	return miner_kind_id(x) < miner_kind_id(y) ? -1 : miner_kind_id(x) > miner_kind_id(y);
}

static int print_kinds(struct cli *cli, struct mined *r)
{
	size_t n = miner_kinds(r->miner), need;
	const struct miner_kind **v = calloc(n ? n : 1, sizeof(*v));
	char tmpl[2048];

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = miner_kind_at(r->miner, i);
	qsort(v, n, sizeof(*v), by_count);
	for (size_t i = 0; i < n; i++) {
		need = miner_render(v[i], MINER_VALUES | MINER_PROGRAMS, tmpl, sizeof(tmpl));
		fprintf(cli->out, "%7llu  %4lu  %s%s\n", (unsigned long long)miner_kind_count(v[i]),
			(unsigned long)miner_kind_id(v[i]), tmpl, need >= sizeof(tmpl) ? "..." : "");
		fprintf(cli->out, "%15s e.g. %s\n", "", miner_kind_example(v[i]));
	}
	fprintf(cli->out, "%zu line%s, %zu kind%s\n", r->lines, r->lines == 1 ? "" : "s", n,
		n == 1 ? "" : "s");
	free(v);
	return 0;
}

int cmd_test_patterns(struct cli *cli, const struct conf_args *a)
{
	const char *name = conf_arg(a, "file")->text;
	bool by_line = conf_arg(a, "--by-line") != NULL;
	struct mined r = {.miner = miner_new(0), .by_line = by_line};
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	time_t now = time(NULL);
	FILE *in;
	int rc = EX_OK;

	in = strcmp(name, "-") == 0 ? stdin : fopen(name, "re");
	if (in == NULL) {
		fprintf(cli->err, "logmail: cannot read %s: %s\n", name, strerror(errno));
		miner_free(r.miner);
		return EX_NOINPUT;
	}
	while (r.miner != NULL && rc == EX_OK && (len = getline(&line, &size, in)) >= 0)
		if (mine_line(&r, line, (size_t)len, now) != 0)
			rc = EX_OSERR;
	if (r.miner == NULL || rc != EX_OK) {
		fprintf(cli->err, "logmail: out of memory\n");
		rc = EX_OSERR;
	} else if (ferror(in)) {
		fprintf(cli->err, "logmail: cannot read %s: %s\n", name, strerror(errno));
		rc = EX_IOERR;
	} else if (by_line) {
		for (size_t i = 0; i < r.lines; i++)
			fprintf(cli->out, "%zu %lu\n", i + 1,
				(unsigned long)miner_resolve(r.miner, r.ids[i]));
	} else if (print_kinds(cli, &r) != 0) {
		fprintf(cli->err, "logmail: out of memory\n");
		rc = EX_OSERR;
	}
	if (r.whole > 0 && rc == EX_OK)
		fprintf(cli->err, "logmail: note: %zu line%s not in syslog form, mined whole\n",
			r.whole, r.whole == 1 ? "" : "s");
	if (in != stdin)
		fclose(in);
	free(line);
	free(r.ids);
	miner_free(r.miner);
	if (fflush(cli->out) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	return rc;
}
