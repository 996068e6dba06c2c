/*
 * tests/unit/test_journal.c: the digest journal (engine/journal.h).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"

static char dir[] = "/tmp/test_journal.XXXXXX";
static char path[256];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" JOURNAL_DIR "/" JOURNAL_NAME, dir);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(journal, .init = setup, .fini = teardown);

#define SEEN_MAX 16

struct seen {
	char to[SEEN_MAX][64], text[SEEN_MAX][128], host[SEEN_MAX][32], program[SEEN_MAX][32];
	int sev[SEEN_MAX], fac[SEEN_MAX];
	time_t ts[SEEN_MAX];
	size_t n, stop_at; /* stop_at: return non-zero after that many (0: never) */
};

static int collect(void *arg, const char *to, const struct digest_msg *m)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, SEEN_MAX);
	snprintf(s->to[s->n], 64, "%s", to);
	cr_assert_eq(strlen(m->text), m->text_len);
	snprintf(s->text[s->n], 128, "%s", m->text);
	snprintf(s->host[s->n], 32, "%s", m->host);
	snprintf(s->program[s->n], 32, "%s", m->program);
	s->sev[s->n] = m->severity;
	s->fac[s->n] = m->facility;
	s->ts[s->n] = m->ts;
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at;
}

static struct digest_msg msg(const char *text)
{
	return (struct digest_msg){.ts = 1782907200,
				   .severity = 3,
				   .facility = 4,
				   .host = "web1",
				   .program = "sshd",
				   .text = text,
				   .text_len = (size_t)-1};
}

static struct journal *open_j(void)
{
	struct journal *j;
	struct journal_err err;

	cr_assert_eq(journal_open(&j, dir, &err), JOURNAL_OK, "%s", err.msg);
	return j;
}

Test(journal, round_trip_with_escapes)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("tab\there\nnew line\\back\rcr");
	struct seen s = {0};
	struct stat st;

	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	m = msg("cut here: not this");
	m.text_len = 8;
	m.host = NULL;
	m.facility = -1;
	cr_assert_eq(journal_add(j, "b@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_size(j), 0, "nothing written before commit");
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_gt(journal_size(j), 0);
	journal_close(j);

	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	j = open_j();
	cr_assert_eq(journal_replay(j, collect, &s, NULL, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.to[0], "a@example.com");
	cr_assert_str_eq(s.text[0], "tab\there\nnew line\\back\rcr");
	cr_assert_str_eq(s.host[0], "web1");
	cr_assert_str_eq(s.program[0], "sshd");
	cr_assert_eq(s.sev[0], 3);
	cr_assert_eq(s.fac[0], 4);
	cr_assert_eq(s.ts[0], 1782907200);
	cr_assert_str_eq(s.text[1], "cut here");
	cr_assert_str_eq(s.host[1], "");
	cr_assert_eq(s.fac[1], -1);
	journal_close(j);
}

Test(journal, partial_last_record_is_cut_and_garbage_skipped)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("whole");
	struct seen s = {0};
	size_t bad;
	FILE *f;

	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	journal_close(j);
	f = fopen(path, "a");
	fputs("garbage line\n1\ta@example.com\t1\t3\t4\th\tp\thalf a rec", f);
	fclose(f);

	j = open_j();
	m = msg("after");
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_replay(j, collect, &s, &bad, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.text[0], "whole");
	cr_assert_str_eq(s.text[1], "after");
	cr_assert_eq(bad, 1);
	journal_close(j);
}

static size_t keep_one_of_a(void *arg, const char *to)
{
	(void)arg;
	return strcmp(to, "a@example.com") == 0   ? 1
	       : strcmp(to, "b@example.com") == 0 ? 0
						  : (size_t)-1;
}

Test(journal, compact_keeps_the_newest_records_per_recipient)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m;
	struct seen s = {0};
	const char *texts[] = {"a1", "b1", "c1", "a2", "b2", "c2"};
	const char *tos[] = {"a@example.com", "b@example.com", "c@example.com"};

	for (int i = 0; i < 6; i++) {
		m = msg(texts[i]);
		cr_assert_eq(journal_add(j, tos[i % 3], &m), JOURNAL_OK);
	}
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_compact(j, keep_one_of_a, NULL, &err), JOURNAL_OK, "%s", err.msg);
	m = msg("a3");
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "appends go to the new file");
	journal_close(j);

	j = open_j();
	cr_assert_eq(journal_replay(j, collect, &s, NULL, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(s.text[0], "c1");
	cr_assert_str_eq(s.text[1], "a2");
	cr_assert_str_eq(s.text[2], "c2");
	cr_assert_str_eq(s.text[3], "a3");
	journal_close(j);
}

Test(journal, clear_and_discard)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("x");
	struct seen s = {0};

	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_clear(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_size(j), 0);
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	journal_discard(j);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_replay(j, collect, &s, NULL, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 0);
	journal_close(j);
}

Test(journal, commit_failure_is_reported)
{
	struct journal *j;
	struct journal_err err;
	struct digest_msg m = msg("x");
	char full[300];

	/* /dev/full as the journal: every write fails with ENOSPC */
	snprintf(full, sizeof(full), "%s/" JOURNAL_DIR, dir);
	cr_assert_eq(mkdir(full, 0700), 0);
	cr_assert_eq(symlink("/dev/full", path), 0);
	if (journal_open(&j, dir, &err) != JOURNAL_OK)
		cr_skip_test("cannot open /dev/full: %s", err.msg);
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_EIO);
	cr_assert(strstr(err.msg, "No space left") != NULL, "%s", err.msg);
	journal_close(j);
}

/* Replay into a fresh seen; *bad when not NULL. */
static struct seen replayed(struct journal *j, size_t *bad)
{
	struct journal_err err;
	struct seen s = {0};

	cr_assert_eq(journal_replay(j, collect, &s, bad, &err), JOURNAL_OK, "%s", err.msg);
	return s;
}

/* Assert that s is exactly the pairs "to:text", in order. */
static void assert_pairs(const struct seen *s, const char *const *want, size_t n)
{
	char got[200];

	cr_assert_eq(s->n, n, "%zu pairs replayed, %zu expected", s->n, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(got, sizeof(got), "%s:%s", s->to[i], s->text[i]);
		cr_assert_str_eq(got, want[i], "pair %zu", i);
	}
}

static void append_raw(const char *text)
{
	FILE *f = fopen(path, "a");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static off_t file_size(void)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

Test(journal, add_many_is_one_record_replayed_per_recipient)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("m1");
	const char *abc[] = {"a@x", "b@x", "c@x"}, *b[] = {"b@x"};
	const char *want[] = {"a@x:m1", "b@x:m1", "c@x:m1", "b@x:m2", "a@x:m3"};
	struct seen s;
	char line[256];
	FILE *f;

	cr_assert_eq(journal_add_many(j, abc, 3, &m), JOURNAL_OK);
	m = msg("m2");
	cr_assert_eq(journal_add_many(j, b, 1, &m), JOURNAL_OK);
	cr_assert_eq(journal_add_many(j, abc, 0, &m), JOURNAL_OK, "no recipient: nothing staged");
	m = msg("m3");
	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	journal_close(j);

	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "2\t3\ta@x\tb@x\tc@x\t1782907200\t3\t4\tweb1\tsshd\tm1\n",
			 "one line for the three recipients");
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "2\t1\ta@x\t1782907200\t3\t4\tweb1\tsshd\tm3\n",
			 "journal_add writes version 2 too");
	cr_assert_null(fgets(line, sizeof(line), f));
	fclose(f);

	j = open_j();
	s = replayed(j, NULL);
	assert_pairs(&s, want, 5);
	cr_assert_str_eq(s.host[2], "web1");
	cr_assert_str_eq(s.program[2], "sshd");
	cr_assert_eq(s.ts[2], 1782907200);
	cr_assert_eq(s.sev[2], 3);
	cr_assert_eq(s.fac[2], 4);
	journal_close(j);
}

Test(journal, escapes_in_addresses_and_text_survive)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("t\tx\\y\nz\r");
	const char *to[] = {"we\tird@x", "back\\slash@x", "n\nl@x"};
	struct seen s;

	m.host = "h\\t";
	m.program = "p\tq";
	cr_assert_eq(journal_add_many(j, to, 3, &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	s = replayed(j, NULL);
	cr_assert_eq(s.n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(s.to[i], to[i]);
		cr_assert_str_eq(s.text[i], "t\tx\\y\nz\r");
		cr_assert_str_eq(s.host[i], "h\\t");
		cr_assert_str_eq(s.program[i], "p\tq");
	}
	journal_close(j);
}

Test(journal, version_1_and_2_lines_replay_and_bad_ones_are_skipped_whole)
{
	struct journal *j;
	struct journal_err err;
	struct digest_msg m = msg("new");
	const char *want[] = {"old@x:v1 text", "a@x:v2 text", "b\tc@x:v2 text", "old@x:tail",
			      "a@x:new"};
	struct seen s;
	size_t bad;
	char dirp[300];

	snprintf(dirp, sizeof(dirp), "%s/" JOURNAL_DIR, dir);
	cr_assert_eq(mkdir(dirp, 0700), 0);
	/* the previous release's records, then this one's, then malformed
	 * ones: none of their recipients may be replayed */
	append_raw("1\told@x\t1782907200\t3\t4\th\tp\tv1 text\n"
		   "2\t2\ta@x\tb\\tc@x\t1782907201\t6\t-1\th\tp\tv2 text\n"
		   "2\t0\t1782907201\t6\t1\th\tp\tno recipient\n"
		   "2\t3\tbad1@x\tbad2@x\t1782907201\t6\t1\th\tp\tcount too big\n"
		   "2\t1\tbad1@x\tbad2@x\t1782907201\t6\t1\th\tp\tcount too small\n"
		   "2\t2\tbad1@x\t\t1782907201\t6\t1\th\tp\tempty recipient\n"
		   "2\t-1\tbad1@x\t1782907201\t6\t1\th\tp\tnegative count\n"
		   "2\t1\tbad1@x\t1782907201\t8\t1\th\tp\tseverity 8\n"
		   "3\t1\tbad1@x\t1782907201\t6\t1\th\tp\tversion 3\n"
		   "1\told@x\t1782907202\t3\t4\th\tp\ttail\n");
	j = open_j();
	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	s = replayed(j, &bad);
	assert_pairs(&s, want, 5);
	cr_assert_eq(bad, 7);
	cr_assert_eq(s.sev[1], 6);
	cr_assert_eq(s.fac[2], -1);
	cr_assert_eq(s.ts[2], 1782907201);
	journal_close(j);
}

/* A message of unknown severity (a log file without priorities) and
 * unknown facility replays as it was, not as a malformed record. */
Test(journal, unknown_severity_round_trips)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("no priority");
	struct seen s;
	size_t bad;

	m.severity = -1;
	m.facility = -1;
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	s = replayed(j, &bad);
	cr_assert_eq(bad, 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.sev[0], -1);
	cr_assert_eq(s.fac[0], -1);
	cr_assert_str_eq(s.text[0], "no priority");
	journal_close(j);
}

Test(journal, replay_stops_inside_a_record)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("m");
	const char *to[] = {"a@x", "b@x", "c@x"};
	struct seen s = {.stop_at = 2};

	cr_assert_eq(journal_add_many(j, to, 3, &m), JOURNAL_OK);
	cr_assert_eq(journal_add_many(j, to, 3, &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(journal_replay(j, collect, &s, NULL, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 2);
	journal_close(j);
}

Test(journal, partial_last_version_2_record_is_cut)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("whole");
	const char *to[] = {"a@x", "b@x"};
	const char *want[] = {"a@x:whole", "b@x:whole", "a@x:after", "b@x:after"};
	struct seen s;
	size_t bad;
	off_t whole;

	cr_assert_eq(journal_add_many(j, to, 2, &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	journal_close(j);
	whole = file_size();
	append_raw("2\t2\ta@x\tb@x\t1782907200\t3\t4\th\tp\thalf a rec");

	j = open_j();
	cr_assert_eq(journal_size(j), whole);
	cr_assert_eq(file_size(), whole, "the incomplete record is cut off the file");
	m = msg("after");
	cr_assert_eq(journal_add_many(j, to, 2, &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	s = replayed(j, &bad);
	assert_pairs(&s, want, 4);
	cr_assert_eq(bad, 0);
	journal_close(j);
}

/* keep(): a=1 b=1 c=0, anything else all; counts the calls per letter. */
struct keeps {
	size_t a, b, c, calls[3];
};

static size_t keep_abc(void *arg, const char *to)
{
	struct keeps *k = arg;

	if (strcmp(to, "a@x") == 0)
		return k->calls[0]++, k->a;
	if (strcmp(to, "b\tb@x") == 0) /* arrives unescaped */
		return k->calls[1]++, k->b;
	if (strcmp(to, "c@x") == 0)
		return k->calls[2]++, k->c;
	return (size_t)-1;
}

/* Stage and commit records: each a NULL-terminated list of recipients,
 * the message text "r<index + 1>". */
static void add_records(struct journal *j, const char *const (*tos)[4], size_t n)
{
	struct journal_err err;
	struct digest_msg m;
	char text[8];
	size_t k;

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "r%zu", i + 1);
		m = msg(text);
		for (k = 0; tos[i][k] != NULL; k++)
			;
		cr_assert_eq(journal_add_many(j, tos[i], k, &m), JOURNAL_OK);
	}
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
}

#define A "a@x"
#define B "b\tb@x"
#define C "c@x"

Test(journal, compact_keeps_a_record_any_recipient_needs)
{
	struct journal *j = open_j();
	struct journal_err err;
	const char *const tos[][4] = {{A, B, NULL}, {B, NULL}, {A, C, NULL}, {C, NULL}};
	const char *want[] = {B ":r2", A ":r3", C ":r3", A ":r5"};
	struct keeps k = {.a = 1, .b = 1, .c = 0};
	struct digest_msg m = msg("r5");
	struct seen s;

	add_records(j, tos, 4);
	cr_assert_eq(journal_compact(j, keep_abc, &k, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(journal_size(j), file_size());
	for (int i = 0; i < 3; i++)
		cr_assert_eq(k.calls[i], 1, "keep() once per recipient, not %zu", k.calls[i]);
	cr_assert_eq(journal_add(j, A, &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "appends go to the new file");
	journal_close(j);

	j = open_j();
	s = replayed(j, NULL);
	assert_pairs(&s, want, 4);
	journal_close(j);
}

Test(journal, compact_spends_the_quota_of_every_recipient)
{
	struct journal *j = open_j();
	struct journal_err err;
	/* r2 is a's and b's newest: b's only quota goes to it, not to r1 */
	const char *const tos[][4] = {{B, NULL}, {A, B, NULL}, {C, NULL}, {C, NULL}};
	const char *want[] = {A ":r2", B ":r2", C ":r4"};
	struct keeps k = {.a = 1, .b = 1, .c = 1};
	struct seen s;

	add_records(j, tos, 4);
	cr_assert_eq(journal_compact(j, keep_abc, &k, &err), JOURNAL_OK, "%s", err.msg);
	s = replayed(j, NULL);
	assert_pairs(&s, want, 3);
	journal_close(j);
}

/* keep(): a@x 2, z@x 1, anything else 0; counts the calls. */
static size_t keep_az(void *arg, const char *to)
{
	size_t *calls = arg;

	(*calls)++;
	return strcmp(to, "a@x") == 0 ? 2 : strcmp(to, "z@x") == 0 ? 1 : 0;
}

Test(journal, compact_mixed_versions_and_many_recipients)
{
	struct journal *j;
	struct journal_err err;
	const char *want[] = {"a@x:v1 second", "a@x:v2", "z@x:v2", "z@x:v1 third"};
	char dirp[300], line[128];
	struct seen s;
	size_t bad, calls = 0;
	FILE *f;

	snprintf(dirp, sizeof(dirp), "%s/" JOURNAL_DIR, dir);
	cr_assert_eq(mkdir(dirp, 0700), 0);
	append_raw("1\ta@x\t1\t3\t4\th\tp\tv1 first\n"
		   "1\ta@x\t1\t3\t4\th\tp\tv1 second\n"
		   "garbage\n"
		   "2\t2\ta@x\tz@x\t1\t3\t4\th\tp\tv2\n"
		   "1\tz@x\t1\t3\t4\th\tp\tv1 third\n");
	/* 200 more recipients, none needed: the lookup table must grow */
	for (int i = 0; i < 200; i++) {
		snprintf(line, sizeof(line), "2\t2\tc@x\tu%d@x\t1\t3\t4\th\tp\tunneeded\n", i);
		append_raw(line);
	}
	j = open_j();
	cr_assert_eq(journal_compact(j, keep_az, &calls, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(calls, 203, "keep() once per distinct recipient, not %zu times", calls);
	s = replayed(j, &bad);
	assert_pairs(&s, want, 4);
	cr_assert_eq(bad, 0, "the malformed line is dropped");
	journal_close(j);

	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "1\ta@x\t1\t3\t4\th\tp\tv1 second\n", "kept records stay as-is");
	fclose(f);
}

Test(journal, compact_keeping_everything_leaves_the_file_alone)
{
	struct journal *j = open_j();
	struct journal_err err;
	const char *const tos[][4] = {{A, B, NULL}, {C, NULL}};
	struct keeps k = {.a = 5, .b = 5, .c = 5};
	struct stat before, after;

	add_records(j, tos, 2);
	cr_assert_eq(stat(path, &before), 0);
	cr_assert_eq(journal_compact(j, keep_abc, &k, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino, "not rewritten");
	cr_assert_eq(journal_size(j), before.st_size);
	k = (struct keeps){0};
	cr_assert_eq(journal_compact(j, keep_abc, &k, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(journal_size(j), 0);
	cr_assert_eq(file_size(), 0, "nothing needed: emptied");
	journal_close(j);
}
