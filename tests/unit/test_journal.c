/*
 * tests/unit/test_journal.c: the digest journal (engine/journal.h).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
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
	int sev[SEEN_MAX], fac[SEEN_MAX], section[SEEN_MAX];
	time_t ts[SEEN_MAX];
	size_t n, stop_at; /* stop_at: return non-zero after that many (0: never) */
};

static int collect(void *arg, const char *to, const struct digest_msg *m)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, SEEN_MAX);
	snprintf(s->to[s->n], 64, "%s", to);
	s->section[s->n] = m->section;
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

/* A state record, seen as to and "state:" and its text. */
static int collect_state(void *arg, const char *to, const char *state, size_t len)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, SEEN_MAX);
	snprintf(s->to[s->n], 64, "%s", to);
	snprintf(s->text[s->n], 128, "state:%.*s", (int)len, state);
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
	cr_assert_eq(journal_replay(j, collect, collect_state, &s, NULL, &err), JOURNAL_OK);
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
	cr_assert_eq(journal_replay(j, collect, collect_state, &s, &bad, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.text[0], "whole");
	cr_assert_str_eq(s.text[1], "after");
	cr_assert_eq(bad, 1);
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
	cr_assert_eq(journal_replay(j, collect, collect_state, &s, NULL, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 0);
	journal_close(j);
}

static off_t file_size(void);

Test(journal, commit_failure_is_reported)
{
	struct rlimit none = {0, 0};
	struct journal *j;
	struct journal_err err;
	struct digest_msg m = msg("x");

	/* Every write fails (EFBIG past RLIMIT_FSIZE, SIGXFSZ ignored), as on a
	 * full disk.  (The journal is never opened through a symbolic link,
	 * so /dev/full cannot stand in for it.) */
	j = open_j();
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
	cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_EIO);
	cr_assert(strstr(err.msg, "File too large") != NULL, "%s", err.msg);
	cr_assert_eq(file_size(), 0, "cut back");
	journal_close(j);
}

/* Replay into a fresh seen; *bad when not NULL. */
static struct seen replayed(struct journal *j, size_t *bad)
{
	struct journal_err err;
	struct seen s = {0};

	cr_assert_eq(journal_replay(j, collect, collect_state, &s, bad, &err), JOURNAL_OK, "%s",
		     err.msg);
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

/* pending/ holds the journal and nothing else (no temporary file of a
 * rewrite left behind). */
static void only_the_journal(void)
{
	char pending[300];
	struct dirent *de;
	DIR *d;

	snprintf(pending, sizeof(pending), "%s/" JOURNAL_DIR, dir);
	cr_assert_not_null(d = opendir(pending));
	while ((de = readdir(d)) != NULL)
		cr_assert(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			      !strcmp(de->d_name, JOURNAL_NAME),
			  "%s left in pending/", de->d_name);
	closedir(d);
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
		   "5\t1\tbad1@x\t1782907201\t6\t1\th\tp\tversion 5\n"
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

/* A message with a logcheck section is a version 4 record, which replays
 * with its section; one without stays version 2; a section out of range
 * is a malformed record. */
Test(journal, sections_are_version_4_records)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("alert");
	const char *ab[] = {"a@x", "b@x"};
	const char *want[] = {"a@x:alert", "b@x:alert", "a@x:plain"};
	struct seen s;
	size_t bad;
	char line[256];
	FILE *f;

	m.section = DIGEST_SECTION_SECURITY_ALERTS;
	cr_assert_eq(journal_add_many(j, ab, 2, &m), JOURNAL_OK);
	m = msg("plain");
	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	journal_close(j);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "4\t3\t2\ta@x\tb@x\t1782907200\t3\t4\tweb1\tsshd\talert\n");
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "2\t1\ta@x\t1782907200\t3\t4\tweb1\tsshd\tplain\n");
	fclose(f);
	append_raw("4\t0\t1\tbad@x\t1782907201\t6\t1\th\tp\tsection 0\n"
		   "4\t4\t1\tbad@x\t1782907201\t6\t1\th\tp\tsection 4\n"
		   "4\t1\tbad@x\t1782907201\t6\t1\th\tp\tno section\n");
	j = open_j();
	s = replayed(j, &bad);
	assert_pairs(&s, want, 3);
	cr_assert_eq(bad, 3);
	cr_assert_eq(s.section[0], DIGEST_SECTION_SECURITY_ALERTS);
	cr_assert_eq(s.section[1], DIGEST_SECTION_SECURITY_ALERTS);
	cr_assert_eq(s.section[2], DIGEST_SECTION_NONE);
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
	cr_assert_eq(journal_replay(j, collect, collect_state, &s, NULL, &err), JOURNAL_OK);
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

/* ---- rewriting as digest states ------------------------------------------ */

/* The states of a rewrite: to[i] with state[i] (NULL: no record), until
 * n; give_up_at: return -1 there. */
struct states {
	const char *to[8], *state[8];
	size_t n, give_up_at;
};

static int states_fn(void *arg, size_t i, const char **to, const char **state, size_t *len)
{
	struct states *st = arg;

	if (i == st->give_up_at)
		return -1;
	if (i >= st->n)
		return 0;
	*to = st->to[i];
	*state = st->state[i] ? st->state[i] : "";
	*len = st->state[i] ? strlen(st->state[i]) : 0;
	return 1;
}

/* The cut reads the file back from its end a block at a time: a torn
 * record longer than two blocks, after eight whole records (about 1 KB,
 * so the last newline is in the third block read), is cut at the last
 * record's end; a file with no whole record is cut to nothing. */
Test(journal, partial_record_longer_than_a_block_is_cut)
{
	static char tail[10000];
	const char *head = "1\ta@example.com\t1\t3\t4\th\tp\t";
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m;
	struct seen s = {0};
	char text[100];
	size_t bad;
	off_t whole;

	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof(text), "record %d %080d", i, i);
		m = msg(text);
		cr_assert_eq(journal_add(j, "a@example.com", &m), JOURNAL_OK);
	}
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	journal_close(j);
	whole = file_size();
	memset(tail, 'x', sizeof(tail) - 1);
	memcpy(tail, head, strlen(head));
	append_raw(tail);
	cr_assert_gt(file_size() - whole, 8192, "the torn record spans blocks");

	j = open_j();
	cr_assert_eq(file_size(), whole, "cut at the last record's end");
	cr_assert_eq(journal_replay(j, collect, collect_state, &s, &bad, &err), JOURNAL_OK);
	cr_assert_eq(s.n, 8);
	snprintf(text, sizeof(text), "record %d %080d", 7, 7);
	cr_assert_str_eq(s.text[7], text);
	cr_assert_eq(bad, 0);
	journal_close(j);

	cr_assert_eq(truncate(path, 0), 0);
	append_raw(tail);
	j = open_j();
	cr_assert_eq(file_size(), 0, "no whole record: nothing kept");
	journal_close(j);
}

Test(journal, rewrite_replaces_the_records_with_states)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m;
	struct states st = {
	    .to = {"a@x", "b\tc@x", "quiet@x"},
	    .state = {"d1 lines\tand\nmore\\", "d1 5:x y z ", NULL},
	    .n = 3,
	    .give_up_at = (size_t)-1,
	};
	const char *want[] = {"a@x:state:d1 lines\tand\nmore\\", "b\tc@x:state:d1 5:x y z ",
			      "a@x:after"};
	struct seen s;
	char line[256];
	FILE *f;

	for (int i = 0; i < 5; i++) {
		m = msg("before");
		cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	}
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	cr_assert_eq(journal_rewrite(j, states_fn, &st, &err), JOURNAL_OK, "%s", err.msg);
	cr_assert_eq(journal_size(j), file_size());
	m = msg("after");
	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "appends go to the new file");
	cr_assert_eq(journal_size(j), file_size());
	journal_close(j);

	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_str_eq(line, "3\ta@x\td1 lines\\tand\\nmore\\\\\n");
	fclose(f);
	j = open_j();
	s = replayed(j, NULL);
	assert_pairs(&s, want, 3);
	journal_close(j);
	cr_assert_neq(access(path, F_OK), -1);
	only_the_journal();
}

Test(journal, rewrite_given_up_leaves_the_journal_as_it_was)
{
	struct journal *j = open_j();
	struct journal_err err;
	struct digest_msg m = msg("kept");
	struct states st = {.to = {"a@x", "b@x"}, .state = {"d1 ", "d1 "}, .n = 2, .give_up_at = 1};
	const char *want[] = {"a@x:kept"};
	struct seen s;
	off_t size;

	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK);
	size = file_size();
	cr_assert_eq(journal_rewrite(j, states_fn, &st, &err), JOURNAL_EAGAIN);
	cr_assert_eq(file_size(), size);
	cr_assert_eq(journal_size(j), size);
	only_the_journal();
	s = replayed(j, NULL);
	assert_pairs(&s, want, 1);
	/* nothing to write: an empty journal */
	st = (struct states){.n = 0, .give_up_at = (size_t)-1};
	cr_assert_eq(journal_rewrite(j, states_fn, &st, &err), JOURNAL_OK);
	cr_assert_eq(file_size(), 0);
	cr_assert_eq(journal_size(j), 0);
	journal_close(j);
}

/* Versions 1, 2 and 3 in one journal (a release's journal replayed by the
 * next); a state record without its recipient or state is skipped. */
Test(journal, states_and_messages_of_every_version_replay_in_order)
{
	struct journal *j;
	const char *want[] = {"old@x:v1", "a@x:state:d1 x", "b@x:v2", "a@x:state:"};
	struct seen s;
	size_t bad;
	FILE *f;

	j = open_j();
	journal_close(j);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("1\told@x\t1782907200\t3\t4\th\tp\tv1\n"
	      "3\ta@x\td1 x\n"
	      "3\t\tno recipient\n"
	      "3\tno state\n"
	      "2\t1\tb@x\t1782907200\t3\t4\th\tp\tv2\n"
	      "3\ta@x\t\n",
	      f);
	fclose(f);
	j = open_j();
	s = replayed(j, &bad);
	assert_pairs(&s, want, 4);
	cr_assert_eq(bad, 2);
	journal_close(j);
}

/* A symbolic link planted at pending/journal is never followed: what it
 * points to keeps its content and time; the link is replaced by a new
 * journal, and the note says so. */
Test(journal, a_planted_link_is_not_followed)
{
	char victim[300], pending[300];
	struct journal *j;
	struct journal_err err;
	struct digest_msg m = msg("kept");
	struct stat before, after, st;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(pending, sizeof(pending), "%s/" JOURNAL_DIR, dir);
	cr_assert_eq(mkdir(pending, 0700), 0);
	{
		FILE *f = fopen(victim, "w");

		cr_assert_not_null(f);
		fputs("precious, no newline at the end", f); /* open would cut this */
		fclose(f);
	}
	cr_assert_eq(stat(victim, &before), 0);
	cr_assert_eq(symlink(victim, path), 0);
	j = open_j();
	cr_assert_not_null(strstr(journal_note(j), "was a symbolic link (to "), "%s",
			   journal_note(j));
	cr_assert_not_null(strstr(journal_note(j), "not followed, removed"));
	cr_assert_eq(journal_add(j, "a@x", &m), JOURNAL_OK);
	cr_assert_eq(journal_commit(j, &err), JOURNAL_OK, "%s", err.msg);
	journal_close(j);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(stat(victim, &after), 0);
	cr_assert_eq(after.st_size, before.st_size);
	cr_assert_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	j = open_j();
	cr_assert_str_eq(journal_note(j), "");
	journal_close(j);
}

/* A spool another user could change is refused, naming what to do. */
Test(journal, an_untrusted_spool_is_refused)
{
	struct journal *j = NULL;
	struct journal_err err;
	char pending[300];

	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(journal_open(&j, dir, &err), JOURNAL_EIO);
	cr_assert_null(j);
	cr_assert_not_null(strstr(err.msg, "with mode 0777: not trusted"), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "chmod go-w"), "%s", err.msg);
	cr_assert_eq(chmod(dir, 0700), 0);
	snprintf(pending, sizeof(pending), "%s/" JOURNAL_DIR, dir);
	cr_assert_eq(mkdir(pending, 0770), 0);
	cr_assert_eq(chmod(pending, 0770), 0);
	cr_assert_eq(journal_open(&j, dir, &err), JOURNAL_EIO);
	cr_assert_not_null(strstr(err.msg, "/" JOURNAL_DIR " is owned by"), "%s", err.msg);
	cr_assert_eq(chmod(pending, 0700), 0);
	j = open_j();
	journal_close(j);
}
