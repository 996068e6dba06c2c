/*
 * tests/unit/test_journal.c: the digest journal (digest/journal.h).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest/journal.h"

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

struct seen {
	char to[8][64], text[8][128], host[8][32], program[8][32];
	int sev[8], fac[8];
	time_t ts[8];
	size_t n;
};

static int collect(void *arg, const char *to, const struct digest_msg *m)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, 8);
	snprintf(s->to[s->n], 64, "%s", to);
	cr_assert_eq(strlen(m->text), m->text_len);
	snprintf(s->text[s->n], 128, "%s", m->text);
	snprintf(s->host[s->n], 32, "%s", m->host);
	snprintf(s->program[s->n], 32, "%s", m->program);
	s->sev[s->n] = m->severity;
	s->fac[s->n] = m->facility;
	s->ts[s->n] = m->ts;
	s->n++;
	return 0;
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
