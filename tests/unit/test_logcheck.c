/*
 * tests/unit/test_logcheck.c: logcheck's rules (filters/filter.h): the
 * loader (files, comments, errors with file:line), the translation from
 * GNU ERE, and the sections, on rule directories made here.  The
 * comparison with logcheck itself is tests/integration/logcheck-equivalence.sh.
 */
#include "filters/filter.h"
#include "filters/internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define H "^(\\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ "

static char tmpdir[64];

static void rm_rf(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/logmail-lc.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	rm_rf(tmpdir);
}

/* Write DIR/sub/name with content (sub made when missing). */
static void put(const char *sub, const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", tmpdir, sub, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
}

static void dirs(void)
{
	static const char *const names[] = {
	    "cracking.d",        "cracking.ignore.d", "violations.d",        "violations.ignore.d",
	    "ignore.d.paranoid", "ignore.d.server",   "ignore.d.workstation"};
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		mkdir(path, 0755);
	}
}

static struct logcheck_rules *load(int level, unsigned flags, struct logcheck_report *rep)
{
	struct logcheck_rules *r = NULL;
	struct conf_err err = {0};

	cr_assert_eq(logcheck_load(tmpdir, level, flags, &r, rep, &err), 0, "%s", err.msg);
	cr_assert_not_null(r);
	return r;
}

/* The note about file:line, or NULL. */
static const struct logcheck_note *note_at(const struct logcheck_report *rep, const char *sub,
					   const char *name, unsigned line)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s%s%s", tmpdir, sub, name ? "/" : "", name ? name : "");
	for (size_t i = 0; i < rep->n_notes; i++)
		if (strcmp(rep->notes[i].file, path) == 0 && rep->notes[i].line == line)
			return &rep->notes[i];
	return NULL;
}

/* ---- the loader ---------------------------------------------------------------- */

Test(loader, comments_blanks_and_a_broken_rule, .init = setup, .fini = teardown)
{
	struct logcheck_report rep;
	struct logcheck_rules *r;
	const struct logcheck_note *n;

	dirs();
	put("ignore.d.server", "app",
	    "# a comment\n"
	    "\n"
	    "   \t \n" H "app\\[[0-9]+\\]: started$\n"
	    " # not a comment: a rule (grep reads it so)\n" H "app\\[[0-9]+\\]: (unbalanced$\n" H
	    "app\\[[0-9]+\\]: stopped$"); /* no final newline */
	r = load(CONF_LOGCHECK_SERVER, 0, &rep);
	cr_assert_eq(rep.rules[LOGCHECK_IGNORE_SERVER], 3);
	cr_assert_eq(rep.files[LOGCHECK_IGNORE_SERVER], 1);
	cr_assert_eq(rep.failed, 1);
	n = note_at(&rep, "ignore.d.server", "app", 6);
	cr_assert_not_null(n, "no note for app:6");
	cr_assert_eq(n->kind, LOGCHECK_NOTE_ERROR);
	cr_assert_not_null(strstr(n->msg, "unmatched ("), "%s", n->msg);
	cr_assert_not_null(strstr(n->msg, "not loaded"), "%s", n->msg);

	/* the rules around the broken one still apply */
	struct logcheck_worker *w = logcheck_worker_new(r);
	const char *a = "Nov 30 12:00:01 web1 app[1]: started";
	const char *b = "Nov 30 12:00:01 web1 app[1]: stopped";
	const char *c = "Nov 30 12:00:01 web1 app[1]: (unbalanced";

	cr_assert_eq(logcheck_classify(r, w, a, strlen(a), NULL), LOGCHECK_IGNORED);
	cr_assert_eq(logcheck_classify(r, w, b, strlen(b), NULL), LOGCHECK_IGNORED);
	cr_assert_eq(logcheck_classify(r, w, c, strlen(c), NULL), LOGCHECK_SYSTEM_EVENTS);
	logcheck_worker_free(w);
	logcheck_rules_free(r);
	logcheck_report_free(&rep);
}

Test(loader, missing_directories, .init = setup, .fini = teardown)
{
	struct logcheck_report rep;
	struct logcheck_rules *r;
	const struct logcheck_note *n;

	put("ignore.d.paranoid", "app", H "app: fine$\n"); /* and nothing else */
	r = load(CONF_LOGCHECK_SERVER, 0, &rep);
	cr_assert(rep.used[LOGCHECK_IGNORE_SERVER]);
	cr_assert(!rep.used[LOGCHECK_IGNORE_WORKSTATION], "server does not read workstation");
	cr_assert(!rep.present[LOGCHECK_CRACKING]);
	cr_assert(rep.present[LOGCHECK_IGNORE_PARANOID]);
	cr_assert_eq(rep.rules[LOGCHECK_IGNORE_PARANOID], 1);
	n = note_at(&rep, "cracking.d", NULL, 0);
	cr_assert_not_null(n, "no note for the missing cracking.d");
	cr_assert_eq(n->kind, LOGCHECK_NOTE_ERROR);
	cr_assert_str_eq(n->msg, "No such file or directory");
	cr_assert_not_null(note_at(&rep, "ignore.d.server", NULL, 0));
	cr_assert_null(note_at(&rep, "ignore.d.workstation", NULL, 0));

	struct logcheck_worker *w = logcheck_worker_new(r);
	const char *a = "Nov 30 12:00:01 web1 app: fine";

	cr_assert_eq(logcheck_classify(r, w, a, strlen(a), NULL), LOGCHECK_IGNORED);
	logcheck_worker_free(w);
	logcheck_rules_free(r);
	logcheck_report_free(&rep);
}

Test(loader, no_rules_directory, .init = setup, .fini = teardown)
{
	struct logcheck_report rep;
	struct logcheck_rules *r = (void *)1;
	struct conf_err err = {0};
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/nowhere", tmpdir);
	cr_assert_eq(logcheck_load(missing, CONF_LOGCHECK_SERVER, 0, &r, &rep, &err), -1);
	cr_assert_null(r);
	cr_assert_not_null(strstr(err.msg, "nowhere: No such file or directory"), "%s", err.msg);
	put("x", "file", "");
	snprintf(missing, sizeof(missing), "%s/x/file", tmpdir);
	cr_assert_eq(logcheck_load(missing, CONF_LOGCHECK_SERVER, 0, &r, &rep, &err), -1);
	cr_assert_not_null(strstr(err.msg, "not a directory"), "%s", err.msg);
	cr_assert_eq(logcheck_load(tmpdir, CONF_LOGCHECK_NONE, 0, &r, &rep, &err), -1);
}

Test(loader, run_parts_names, .init = setup, .fini = teardown)
{
	struct logcheck_report rep;
	struct logcheck_rules *r;

	dirs();
	put("ignore.d.server", "app", H "app: a$\n");
	put("ignore.d.server", "local-mine", H "app: b$\n");
	put("ignore.d.server", "app.dpkg-old", H "app: c$\n");
	put("ignore.d.server", ".hidden", H "app: d$\n");
	put("ignore.d.server", "app~", H "app: e$\n");
	put("ignore.d.server/sub", "app", H "app: f$\n"); /* in a subdirectory */
	r = load(CONF_LOGCHECK_SERVER, 0, &rep);
	cr_assert_eq(rep.files[LOGCHECK_IGNORE_SERVER], 2);
	cr_assert_eq(rep.rules[LOGCHECK_IGNORE_SERVER], 2);

	struct logcheck_worker *w = logcheck_worker_new(r);
	const char *in[] = {"a", "b"}, *out[] = {"c", "d", "e", "f"};
	char line[64];

	for (size_t i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "Nov 30 12:00:01 web1 app: %s", in[i]);
		cr_expect_eq(logcheck_classify(r, w, line, strlen(line), NULL), LOGCHECK_IGNORED,
			     "%s", line);
	}
	for (size_t i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "Nov 30 12:00:01 web1 app: %s", out[i]);
		cr_expect_eq(logcheck_classify(r, w, line, strlen(line), NULL),
			     LOGCHECK_SYSTEM_EVENTS, "%s", line);
	}
	logcheck_worker_free(w);
	logcheck_rules_free(r);
	logcheck_report_free(&rep);
}

Test(loader, report_only, .init = setup, .fini = teardown)
{
	struct logcheck_report rep;
	struct conf_err err = {0};

	dirs();
	put("ignore.d.server", "app",
	    H "app: (x$\n" H "app: [z-a]$\n" H "app: y$\n" H "app: (x)\\2$\n");
	cr_assert_eq(
	    logcheck_load(tmpdir, CONF_LOGCHECK_SERVER, LOGCHECK_NO_COMPILE, NULL, &rep, &err), 0);
	cr_assert_eq(rep.rules[LOGCHECK_IGNORE_SERVER], 2);
	cr_assert_eq(rep.failed, 2);
	cr_assert_not_null(note_at(&rep, "ignore.d.server", "app", 1));
	cr_assert_not_null(
	    strstr(note_at(&rep, "ignore.d.server", "app", 2)->msg, "invalid range end"));
	cr_assert_null(note_at(&rep, "ignore.d.server", "app", 3));
	if (multire_vectorscan_available()) { /* a back-reference: PCRE2 runs it */
		const struct logcheck_note *n = note_at(&rep, "ignore.d.server", "app", 4);

		cr_assert_not_null(n);
		cr_assert_eq(n->kind, LOGCHECK_NOTE_FALLBACK);
		cr_assert_eq(rep.fallbacks, 1);
	}
	logcheck_report_free(&rep);
}

/* ---- from GNU ERE ----------------------------------------------------------------- */

/* ERE, text, does grep -E (LC_ALL=C, grep 3.8) match: cases checked against
 * grep when written; tests/integration/logcheck-ere.sh checks more against
 * the installed grep. */
static const struct {
	const char *ere, *text;
	bool match;
} ere_cases[] = {
    {"a\\dc", "adc", true},
    {"a\\dc", "a1c", false},
    {"*y", "y", true},
    {"(*a)", "a", true},
    {"^b+?c$", "c", true},
    {"^ba*+c$", "bc", true},
    {"a{1", "a{1", true},
    {"a{1,2", "a{1,2", true},
    {"^a{,2}$", "aa", true},
    {"^a{,2}$", "aaa", false},
    {"^a{2}{2}$", "aaaa", true},
    {"^a{2}{2}$", "aaa", false},
    {"(?:a)", "(?:a)", true},
    {"(?:a)", "a", false},
    {"a)", "a)", true},
    {"a)", "a", false},
    {"\\<bar\\>", "foo bar", true},
    {"\\<bar", "foobar", false},
    {"a\\>", "ab", false},
    {"[\\w]", "\\", true},
    {"[\\w]", "s", false},
    {"[]a]", "]", true},
    {"[^]a]", "b", true},
    {"[^]a]", "]", false},
    {"[a-]", "-", true},
    {"[[.-.]]", "-", true},
    {"[[=a=]]", "a", true},
    {"[[:alpha:]]x", "\xe9x", false},
    {"a.b",
     "a\xe9"
     "b",
     true},
    {"x{ 1}", "x{ 1}", true},
    {"^*b", "b", true},
    {"^+x", "yx", false},
    {"a|*b", "b", true},
    {"\\`a", "a", true},
    {"\\`a", "ba", false},
    {"a\\'", "ba", true},
    {"a\\'", "ab", false},
    {"[\\:]", "\\", true},
    {"$", "", true},
    {"{1}a", "a", true},
    {"^{2}", "x", true},
    {"a$b", "a$b", false},
    {"[[[:digit:]]+]", "[12]", true},
    {"x\\.y", "xzy", false},
    {"(a)(b)\\2", "abb", true},
};

Test(ere, matches_as_grep_does)
{
	for (size_t i = 0; i < sizeof(ere_cases) / sizeof(ere_cases[0]); i++) {
		char why[256], *re = logcheck_ere_to_pcre(ere_cases[i].ere, why, sizeof(why));
		const char *text = ere_cases[i].text;
		struct conf_err err = {0};

		cr_assert_not_null(re, "%s: %s", ere_cases[i].ere, why);
		for (unsigned flags = 0; flags <= MULTIRE_PCRE2_ONLY; flags += MULTIRE_PCRE2_ONLY) {
			struct multire *m = NULL;
			struct multire_scratch *s = multire_scratch_new();
			const char *p = re;
			unsigned id = 0;
			uint64_t hit = 0;

			cr_assert_eq(multire_compile(&p, &id, 1, flags, &m, &err), 0);
			cr_assert_eq(multire_scratch_fit(s, m), 0);
			multire_scan(m, s, text, strlen(text), &hit);
			cr_expect_eq(hit != 0, ere_cases[i].match, "%s as %s on \"%s\"%s",
				     ere_cases[i].ere, re, text, flags ? " (PCRE2)" : "");
			multire_scratch_free(s);
			multire_free(m);
		}
		free(re);
	}
}

Test(ere, errors)
{
	static const char *const bad[][2] = {
	    {"a\\", "trailing backslash"},   {"[a", "unmatched ["},
	    {"(a", "unmatched ("},           {"[[:foo:]]", "invalid character class name"},
	    {"[z-a]", "invalid range end"},  {"[[:alpha:]-z]", "invalid range end"},
	    {"a{2,1}", "invalid content"},   {"a{}", "invalid content"},
	    {"a{99999}", "invalid content"}, {"[[.space.]]", "invalid collation character"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[256], *re = logcheck_ere_to_pcre(bad[i][0], why, sizeof(why));

		cr_expect_null(re, "%s translated to %s", bad[i][0], re ? re : "");
		cr_expect_not_null(strstr(why, bad[i][1]), "%s: %s", bad[i][0], why);
		free(re);
	}
}

/* ---- the sections ----------------------------------------------------------------- */

static void section_rules(void)
{
	dirs();
	put("cracking.d", "kernel", "kernel: Oversized packet\n");
	put("cracking.d", "attack", H "attack\\[[0-9]+\\]: .*$\n");
	put("cracking.ignore.d", "attack", H "attack\\[[0-9]+\\]: drill$\n");
	put("violations.d", "su", H "su(\\[[0-9]+\\])?: .*$\n");
	put("violations.d", "logcheck", H "(app|su)\\[[0-9]+\\]: SECURITY .*$\n");
	put("violations.ignore.d", "logcheck-su", H "su(\\[[0-9]+\\])?: \\(to root\\) .*$\n");
	put("violations.ignore.d", "local-x", H "su(\\[[0-9]+\\])?: local quiet$\n");
	put("ignore.d.paranoid", "app", H "app\\[[0-9]+\\]: routine$\n");
	put("ignore.d.server", "app", H "app\\[[0-9]+\\]: server noise$\n");
	put("ignore.d.workstation", "app", H "app\\[[0-9]+\\]: desktop noise$\n");
	put("ignore.d.paranoid", "alpha",
	    "^([[:alpha:]]{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ alpha\\[[0-9]+\\]: "
	    "x$\n");
	put("ignore.d.paranoid", "ref", H "ref\\[[0-9]+\\]: (a+) \\2$\n");
	put("ignore.d.paranoid", "alt", H "alt: x$|^zzz\n");
}

#define N "Nov 30 12:00:01 web1 "
#define R "2026-11-30T12:00:01.123456+01:00 web1 "
#define I LOGCHECK_IGNORED
#define S LOGCHECK_SYSTEM_EVENTS
#define E LOGCHECK_SECURITY_EVENTS
#define A LOGCHECK_SECURITY_ALERTS

static const struct {
	const char *line;
	enum logcheck_section at[3]; /* paranoid, server, workstation */
	const char *file;            /* the heading's file */
} section_cases[] = {
    {N "kernel: Oversized packet from 192.0.2.1", {A, A, A}, "kernel"},
    {N "attack[1]: go", {A, A, A}, "attack"},
    {N "attack[1]: drill", {I, I, I}, NULL},
    {N "su[2]: FAILED SU (to root) x on pts/1", {E, E, E}, "su"},
    {N "su[2]: (to root) x on pts/1", {I, I, I}, NULL},
    {R "su: local quiet", {I, I, I}, NULL},
    {N "app[3]: SECURITY token replay", {E, E, E}, NULL},
    {N "su[4]: SECURITY override", {E, E, E}, "su"},
    {N "app[3]: routine", {I, I, I}, NULL},
    {R "app[3]: routine", {I, I, I}, NULL},
    {N "app[3]: routine  \t ", {I, I, I}, NULL},
    {N "app[3]: server noise", {S, I, I}, NULL},
    {N "app[3]: desktop noise", {S, S, I}, NULL},
    {N "app[3]: other", {S, S, S}, NULL},
    {N "alpha[1]: x", {I, I, I}, NULL},
    {"N0v 30 12:00:01 web1 alpha[1]: x", {S, S, S}, NULL},
    {R "alpha[1]: x", {I, I, I}, NULL},
    {N "ref[1]: aa aa", {I, I, I}, NULL},
    {N "ref[1]: aa a", {S, S, S}, NULL},
    {N "alt: x", {I, I, I}, NULL},
    {N "alt: y", {S, S, S}, NULL},
    {"zzz without a header", {I, I, I}, NULL},
    /* both groups' whole-line rules share a database: the report group's still wins */
    {"zzz kernel: Oversized packet", {A, A, A}, "kernel"},
    {"", {S, S, S}, NULL},
};

Test(sections, each_level_each_engine, .init = setup, .fini = teardown)
{
	static const unsigned modes[] = {0, LOGCHECK_PCRE2_ONLY, LOGCHECK_ONE_DB};

	section_rules();
	for (int level = CONF_LOGCHECK_PARANOID; level <= CONF_LOGCHECK_WORKSTATION; level++) {
		for (size_t m = 0; m < 3; m++) {
			struct logcheck_report rep;
			struct logcheck_rules *r = load(level, modes[m], &rep);
			struct logcheck_worker *w = logcheck_worker_new(r);

			cr_assert_eq(rep.failed, 0);
			for (size_t i = 0; i < sizeof(section_cases) / sizeof(section_cases[0]);
			     i++) {
				const char *line = section_cases[i].line, *file = "x";
				enum logcheck_section s =
				    logcheck_classify(r, w, line, strlen(line), &file);
				enum logcheck_section want = section_cases[i].at[level - 1];

				cr_expect_eq(s, want, "%s, mode %u: \"%s\": %s, not %s",
					     conf_logcheck_name(level), modes[m], line,
					     logcheck_section_name(s), logcheck_section_name(want));
				if (s == want && section_cases[i].file)
					cr_expect_str_eq(file ? file : "(none)",
							 section_cases[i].file);
				else if (s == want)
					cr_expect_null(file, "\"%s\": heading file %s", line, file);
			}
			logcheck_worker_free(w);
			logcheck_rules_free(r);
			logcheck_report_free(&rep);
		}
	}
}

Test(sections, headings)
{
	char buf[64];

	logcheck_heading(LOGCHECK_SECURITY_ALERTS, "kernel", buf, sizeof(buf));
	cr_assert_str_eq(buf, "Security Alerts for kernel");
	logcheck_heading(LOGCHECK_SECURITY_EVENTS, NULL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Security Events");
	logcheck_heading(LOGCHECK_SYSTEM_EVENTS, NULL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "System Events");
	cr_assert_eq(logcheck_trim("a \t\r\n", 5), 1);
	cr_assert_str_eq(logcheck_dir_name(LOGCHECK_IGNORE_SERVER), "ignore.d.server");
}
