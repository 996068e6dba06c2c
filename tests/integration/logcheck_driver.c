/*
 * tests/integration/logcheck_driver.c: filters/filter.h over a file of
 * syslog lines, for the comparison with logcheck itself
 * (tests/integration/logcheck-lib.sh).
 *
 *   logcheck_driver [-p] [-1] [-r DIR] LEVEL FILE
 *       the report as `logcheck -o` prints it (without header.txt): each
 *       heading once, underlined as logcheck does, its lines in file order
 *   logcheck_driver -t [-p] [-1] [-r DIR] LEVEL FILE
 *       one "HEADING<TAB>LINE" per reported line, in file order
 *   logcheck_driver -n [-p] [-r DIR] LEVEL
 *       load only: per directory the files and rules, then the notes
 *
 *   logcheck_driver -x
 *       each line of stdin, a GNU ERE, translated to PCRE2 syntax (or
 *       "error: why")
 *   logcheck_driver -v
 *       "vectorscan" when rules run with Vectorscan here (a build with it,
 *       a CPU it runs on), else "pcre2"
 *
 *   -p  PCRE2 only (no Vectorscan)     -1  one database (no header split,
 *                                          no grouping by program)
 *   -c DIR  keep the compiled rules in DIR (logcheck_load_cached)
 *
 * LEVEL is paranoid, server or workstation; DIR defaults to /etc/logcheck.
 * Lines are read whole (up to the newline); a line with a NUL byte is
 * classified up to it, as grep would not see past it either.  Exit 0, 1
 * when the rules cannot be loaded, 2 on usage errors.
 */
#include "filters/filter.h"
#include "filters/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct reported {
	enum logcheck_section section;
	const char *file;
	char *line;
	size_t len;
};

static void underline(const char *heading)
{
	size_t n = strlen(heading);

	printf("%s\n", heading);
	for (size_t i = 0; i < n; i++)
		putchar(i % 2 ? '-' : '=');
	putchar('\n');
}

/* logcheck's order: Security Alerts, Security Events, System Events; within
 * a section the headings in the order their first line came. */
static void print_report(const struct reported *v, size_t n)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	char heading[256], other[256];

	for (int s = LOGCHECK_SECURITY_ALERTS; done && s >= LOGCHECK_SYSTEM_EVENTS; s--) {
		for (size_t i = 0; i < n; i++) {
			if (done[i] || (int)v[i].section != s)
				continue;
			logcheck_heading(v[i].section, v[i].file, heading, sizeof(heading));
			underline(heading);
			for (size_t j = i; j < n; j++) {
				if (done[j] || v[j].section != v[i].section)
					continue;
				logcheck_heading(v[j].section, v[j].file, other, sizeof(other));
				if (strcmp(heading, other) != 0)
					continue;
				printf("%.*s\n", (int)v[j].len, v[j].line);
				done[j] = true;
			}
			putchar('\n');
		}
	}
	free(done);
}

static void print_load(const struct logcheck_report *rep)
{
	for (int d = 0; d < LOGCHECK_N_DIRS; d++) {
		if (!rep->used[d])
			continue;
		printf("%s: %s%u files, %u rules\n", logcheck_dir_name(d),
		       rep->present[d] ? "" : "missing, ", rep->files[d], rep->rules[d]);
	}
	printf("failed: %u, run by PCRE2: %u\n", rep->failed, rep->fallbacks);
	for (size_t i = 0; i < rep->n_notes; i++) {
		const struct logcheck_note *nt = &rep->notes[i];

		if (nt->line)
			printf("%s %s:%u: %s\n", nt->kind == LOGCHECK_NOTE_ERROR ? "error" : "note",
			       nt->file, nt->line, nt->msg);
		else
			printf("%s %s: %s\n", nt->kind == LOGCHECK_NOTE_ERROR ? "error" : "note",
			       nt->file, nt->msg);
	}
}

static int translate_stdin(void)
{
	char *line = NULL, why[256];
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		char *re;

		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if ((re = logcheck_ere_to_pcre(line, why, sizeof(why))))
			printf("%s\n", re);
		else
			printf("error: %s\n", why);
		free(re);
	}
	free(line);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: logcheck_driver [-t|-n] [-p] [-1] [-r DIR] [-c DIR] LEVEL [FILE]\n");
	return 2;
}

static int classify_file(const struct logcheck_rules *r, FILE *in, bool pairs)
{
	struct logcheck_worker *w = logcheck_worker_new(r);
	struct reported *v = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	char *line = NULL, heading[256];
	ssize_t len;

	if (!w)
		return 1;
	while ((len = getline(&line, &lcap, in)) >= 0) {
		const char *file;
		enum logcheck_section s;
		size_t l = strlen(line);

		if (l && line[l - 1] == '\n')
			l--;
		s = logcheck_classify(r, w, line, l, &file);
		if (s == LOGCHECK_IGNORED)
			continue;
		l = logcheck_trim(line, l);
		if (pairs) {
			logcheck_heading(s, file, heading, sizeof(heading));
			printf("%s\t%.*s\n", heading, (int)l, line);
			continue;
		}
		if (n == cap && !(v = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v))))
			return 1;
		v[n++] = (struct reported){s, file, strndup(line, l), l};
	}
	if (!pairs)
		print_report(v, n);
	for (size_t i = 0; i < n; i++)
		free(v[i].line);
	free(v);
	free(line);
	logcheck_worker_free(w);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *cache = NULL;
	unsigned flags = 0;
	bool pairs = false, load_only = false;
	struct logcheck_rules *r = NULL;
	struct logcheck_report rep;
	struct conf_err err = {0};
	int level, opt, rc;
	FILE *in;

	while ((opt = getopt(argc, argv, "tnp1r:c:xv")) != -1) {
		switch (opt) {
		case 'v':
			puts(multire_vectorscan_available() ? "vectorscan" : "pcre2");
			return 0;
		case 'c':
			cache = optarg;
			break;
		case 'x':
			return translate_stdin();
		case 't':
			pairs = true;
			break;
		case 'n':
			load_only = true;
			break;
		case 'p':
			flags |= LOGCHECK_PCRE2_ONLY;
			break;
		case '1':
			flags |= LOGCHECK_ONE_DB;
			break;
		case 'r':
			dir = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || (level = conf_logcheck_parse(argv[optind])) == CONF_LOGCHECK_NONE ||
	    argc - optind != (load_only ? 1 : 2))
		return usage();
	if (load_only)
		flags |= LOGCHECK_NO_COMPILE;
	if (logcheck_load_cached(dir, level, flags, cache, load_only ? NULL : &r, &rep, &err) < 0) {
		fprintf(stderr, "logcheck_driver: %s\n", err.msg);
		return 1;
	}
	if (load_only) {
		print_load(&rep);
		logcheck_report_free(&rep);
		return 0;
	}
	for (size_t i = 0; i < rep.n_notes; i++)
		fprintf(stderr, "%s:%u: %s\n", rep.notes[i].file, rep.notes[i].line,
			rep.notes[i].msg);
	logcheck_report_free(&rep);
	in = strcmp(argv[optind + 1], "-") == 0 ? stdin : fopen(argv[optind + 1], "re");
	if (!in) {
		perror(argv[optind + 1]);
		logcheck_rules_free(r);
		return 1;
	}
	rc = classify_file(r, in, pairs);
	if (in != stdin)
		fclose(in);
	logcheck_rules_free(r);
	return rc;
}
