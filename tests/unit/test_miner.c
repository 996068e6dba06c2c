/*
 * tests/unit/test_miner.c: event kinds (digest/miner.h) on fixed lines:
 * which lines share a kind, the templates and top values shown, the "new
 * kind" answer, eviction, and saving and restoring.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/miner.h"

/* The kind of one line (the test fails when the miner does). */
static struct miner_hit add(struct miner *m, const char *program, const char *text)
{
	struct miner_hit hit;

	cr_assert_eq(miner_add(m, program, text, strlen(text), &hit), 0, "miner_add(%s)", text);
	return hit;
}

static const char *render(struct miner *m, uint32_t id, unsigned flags)
{
	static char buf[1024];
	const struct miner_kind *k = miner_find(m, id);

	cr_assert_not_null(k, "kind %u", (unsigned)id);
	miner_render(k, flags, buf, sizeof(buf));
	return buf;
}

Test(miner, class_words_vary_from_the_first_line)
{
	struct miner *m = miner_new(0);
	struct miner_hit a = add(m, "sshd", "Failed password for root from 192.0.2.7 port 4242 ssh2");
	struct miner_hit b = add(m, "sshd", "Failed password for root from 198.51.100.3 port 22 ssh2");
	struct miner_hit c = add(m, "sshd", "Accepted password for root from 192.0.2.7 port 4242 ssh2");

	cr_expect(a.new_kind);
	cr_expect(!b.new_kind);
	cr_expect_eq(a.id, b.id);
	cr_expect(c.new_kind, "another event is a new kind");
	cr_expect_neq(c.id, a.id);
	cr_expect_str_eq(render(m, a.id, 0), "Failed password for root from <ip> port <n> ssh2");
	cr_expect_eq(miner_kind_count(miner_find(m, a.id)), 2);
	cr_expect_str_eq(miner_kind_example(miner_find(m, a.id)),
			 "Failed password for root from 192.0.2.7 port 4242 ssh2");
	miner_free(m);
}

Test(miner, brackets_and_keys_stay_around_a_class_word)
{
	struct miner *m = miner_new(0);
	struct miner_hit a = add(m, "su", "session opened for user news by (uid=0)");

	add(m, "su", "session opened for user news by (uid=1000)");
	cr_expect_str_eq(render(m, a.id, 0), "session opened for user news by (uid=<n>)");
	a = add(m, "x", "rhost=203.0.113.9 at 12:01:02 in /var/log/x.log on mail.example.org");
	cr_expect_str_eq(render(m, a.id, 0), "rhost=<ip> at <time> in <path> on <host>");
	miner_free(m);
}

Test(miner, a_rare_variant_stays_its_own_kind)
{
	struct miner *m = miner_new(0);
	struct miner_hit root = add(m, "sshd", "authentication failure; rhost=192.0.2.1 user=root"), guest;

	for (int i = 0; i < 30; i++)
		add(m, "sshd", "authentication failure; rhost=192.0.2.1 user=root");
	guest = add(m, "sshd", "authentication failure; rhost=192.0.2.1 user=guest");
	add(m, "sshd", "authentication failure; rhost=192.0.2.1 user=guest");
	cr_expect(guest.new_kind);
	cr_expect_neq(miner_resolve(m, guest.id), miner_resolve(m, root.id));
	cr_expect_eq(miner_kind_count(miner_find(m, root.id)), 31);
	cr_expect_eq(miner_kind_count(miner_find(m, guest.id)), 2);
	miner_free(m);
}

Test(miner, a_word_that_varies_becomes_a_variable)
{
	static const char *const users[] = {"cyrus", "news", "cyrus", "news", "test", "cyrus"};
	struct miner *m = miner_new(0);
	uint32_t ids[6];

	for (size_t i = 0; i < 6; i++) {
		char line[128];

		snprintf(line, sizeof(line), "session closed for user %s", users[i]);
		ids[i] = add(m, "su", line).id;
	}
	for (size_t i = 1; i < 6; i++)
		cr_expect_eq(miner_resolve(m, ids[i]), miner_resolve(m, ids[0]), "line %zu", i);
	cr_expect_eq(miner_kinds(m), 1);
	cr_expect_str_eq(render(m, ids[0], 0), "session closed for user <*>");
	cr_expect_str_eq(render(m, ids[0], MINER_VALUES),
			 "session closed for user cyrus (x3), news (x2), 1 other");
	miner_free(m);
}

Test(miner, five_values_make_a_variable_even_with_a_majority)
{
	static const char *const users[] = {"root", "root", "root", "root", "root", "root",
					    "root", "ftp",  "git",  "uucp", "mysql"};
	struct miner *m = miner_new(0);
	uint32_t first = 0;

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char line[128];
		struct miner_hit h;

		snprintf(line, sizeof(line), "Failed password for %s from 192.0.2.1", users[i]);
		h = add(m, "sshd", line);
		if (i == 0)
			first = h.id;
		cr_expect_eq(h.new_kind, i == 0 || (i >= 7 && i < 10), "line %zu", i);
	}
	cr_expect_eq(miner_kinds(m), 1);
	cr_expect_eq(miner_kind_count(miner_find(m, first)), 11);
	cr_expect_eq(miner_kind_id(miner_find(m, first)), first, "the largest keeps its id");
	miner_free(m);
}

Test(miner, top_values_with_counts)
{
	struct miner *m = miner_new(0);
	char line[128];
	uint32_t id = 0;

	for (int i = 0; i < 20; i++) {
		const char *ip = i < 12 ? "203.0.113.45" : i < 17 ? "198.51.100.7" : NULL;
		char other[32];

		if (ip == NULL) {
			snprintf(other, sizeof(other), "192.0.2.%d", i);
			ip = other;
		}
		snprintf(line, sizeof(line), "Failed password for root from %s port %d ssh2", ip,
			 40000 + i);
		id = add(m, "sshd", line).id;
	}
	cr_expect_str_eq(render(m, id, MINER_VALUES),
			 "Failed password for root from 203.0.113.45 (x12), 198.51.100.7 (x5), "
			 "3 others port <n> ssh2");
	miner_free(m);
}

Test(miner, a_value_every_line_had_is_shown)
{
	struct miner *m = miner_new(0);
	uint32_t id = add(m, "sshd", "Connection closed by 192.0.2.1 port 22").id;

	add(m, "sshd", "Connection closed by 192.0.2.2 port 22");
	cr_expect_str_eq(render(m, id, MINER_VALUES), "Connection closed by <ip> port 22");
	miner_free(m);
}

Test(miner, the_program_does_not_decide_the_kind)
{
	struct miner *m = miner_new(0);
	uint32_t a = add(m, "su", "check pass; user unknown").id;

	add(m, "su", "check pass; user unknown");
	add(m, "sshd", "check pass; user unknown");
	cr_expect_eq(add(m, "sshd", "check pass; user unknown").id, a);
	cr_expect_str_eq(render(m, a, MINER_PROGRAMS | MINER_VALUES),
			 "su (x2), sshd (x2): check pass; user unknown");
	cr_expect_str_eq(miner_kind_program(miner_find(m, a)), "su");
	miner_free(m);
}

Test(miner, the_least_recently_seen_is_evicted)
{
	struct miner *m = miner_new(3);
	uint32_t a = add(m, "", "alpha starts").id, b = add(m, "", "bravo stops now").id;
	uint32_t c = add(m, "", "charlie waits for it").id, d;

	add(m, "", "alpha starts"); /* b is now the least recently seen */
	d = add(m, "", "delta is something else entirely").id;
	cr_expect_eq(miner_kinds(m), 3);
	cr_expect_null(miner_find(m, b));
	cr_expect_not_null(miner_find(m, a));
	cr_expect_not_null(miner_find(m, c));
	cr_expect_not_null(miner_find(m, d));
	cr_expect(add(m, "", "bravo stops now").new_kind, "an evicted kind is new again");
	miner_free(m);
}

Test(miner, memory_is_bounded_by_long_lines)
{
	struct miner *m = miner_new(2);
	char *line = malloc(100000);
	struct miner_hit h;

	cr_assert_not_null(line);
	for (size_t i = 0; i < 99999; i++)
		line[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 26);
	line[99999] = '\0';
	h = add(m, "x", line);
	cr_expect_eq(strlen(miner_kind_example(miner_find(m, h.id))), MINER_EXAMPLE_MAX - 1);
	cr_expect_eq(add(m, "x", line).id, h.id);
	free(line);
	miner_free(m);
}

/* The lines both miners get after the save. */
static const char *const after[] = {
    "Failed password for root from 192.0.2.99 port 1 ssh2",
    "session closed for user zed",
    "Disconnecting: Too many authentication failures for admin [preauth]",
    "session closed for user amy",
    "a line never seen before",
};

Test(miner, save_then_restore_gives_the_same_kinds)
{
	static const char *const before[] = {
	    "Failed password for root from 192.0.2.7 port 4242 ssh2",
	    "session closed for user cyrus",
	    "session closed for user news",
	    "session closed for user test",
	    "Disconnecting: Too many authentication failures for root [preauth]",
	    "Disconnecting: Too many authentication failures for root [preauth]",
	    "odd \x01 bytes % and\ttabs",
	};
	struct miner *m = miner_new(0), *r = miner_new(0);
	char *text = NULL, *again = NULL, err[256];
	size_t len = 0, len2 = 0;

	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		add(m, i % 2 ? "su" : "sshd", before[i]);
	cr_assert_eq(miner_save(m, &text, &len), 0);
	cr_assert_eq(strlen(text), len);
	cr_assert_eq(miner_restore(r, text, len, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(miner_kinds(r), miner_kinds(m));
	cr_assert_eq(miner_save(r, &again, &len2), 0);
	cr_expect_str_eq(again, text, "saved again, the same text");
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		struct miner_hit x = add(m, "sshd", after[i]), y = add(r, "sshd", after[i]);
		char a[512], b[512];

		cr_expect_eq(x.id, y.id, "%s", after[i]);
		cr_expect_eq(x.new_kind, y.new_kind, "%s", after[i]);
		miner_render(x.kind, MINER_VALUES | MINER_PROGRAMS, a, sizeof(a));
		miner_render(y.kind, MINER_VALUES | MINER_PROGRAMS, b, sizeof(b));
		cr_expect_str_eq(a, b);
	}
	free(text);
	free(again);
	miner_free(m);
	miner_free(r);
}

Test(miner, a_bad_state_is_refused_and_changes_nothing)
{
	static const char *const bad[] = {
	    "",
	    "logmail-miner 2 1 0\nend\n",
	    "logmail-miner 1 5 10\nk 9 1 1 x y\nw a\nend\n", /* id beyond next */
	    "logmail-miner 1 5 10\nk 1 1 1 x y\nend\n",      /* no words */
	    "logmail-miner 1 5 10\nk 1 1 1 x y\nw a\ns 0 1 0 v\nend\n",
	    "logmail-miner 1 5 10\nk 1 1 1 x y\nw a\nk 1 1 1 x y\nw a\nend\n",
	    "logmail-miner 1 5 10\nk 1 1 1 x y\nw a%2\nend\n",
	    "logmail-miner 1 5 10\nk 1 1 1 x y\nw a\nend\ntrailing",
	};
	struct miner *m = miner_new(0);
	uint32_t id = add(m, "sshd", "a line before").id;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(miner_restore(m, bad[i], strlen(bad[i]), err, sizeof(err)), -1, "%zu", i);
		cr_expect_neq(err[0], '\0', "%zu: a message", i);
	}
	cr_expect_eq(miner_kinds(m), 1);
	cr_expect_eq(add(m, "sshd", "a line before").id, id);
	miner_free(m);
}

Test(miner, a_rare_value_is_not_shown)
{
	struct miner *m = miner_new(0);
	char line[128];
	uint32_t id = 0;

	for (int i = 0; i < 50; i++) {
		const char *ip = i < 45 ? "203.0.113.45" : i < 47 ? "198.51.100.7" : NULL;
		char other[32];

		if (ip == NULL) {
			snprintf(other, sizeof(other), "192.0.2.%d", i);
			ip = other;
		}
		snprintf(line, sizeof(line), "Connection closed by %s [preauth]", ip);
		id = add(m, "sshd", line).id;
	}
	/* 198.51.100.7 is in two lines, fewer than one in twenty */
	cr_expect_str_eq(render(m, id, MINER_VALUES),
			 "Connection closed by 203.0.113.45 (x45), 5 others [preauth]");
	miner_free(m);
}

Test(miner, variation_that_shows_later_still_merges)
{
	/* the line without a host comes while the hosts are one value: no
	 * evidence; the hosts then vary without a line that matches no kind,
	 * and the host kind is compared again when its count reaches 4 */
	static const char *const hosts[] = {"(a.example.org)", "()", "(b.example.org)",
					    "(c.example.org)", "(d.example.org)", "()"};
	struct miner *m = miner_new(0);
	uint32_t ids[6];

	for (size_t i = 0; i < 6; i++) {
		char line[128];

		snprintf(line, sizeof(line), "connection from 192.0.2.1 %s at noon", hosts[i]);
		ids[i] = add(m, "ftpd", line).id;
	}
	cr_expect_neq(ids[1], ids[0], "kept apart at first");
	cr_expect_eq(miner_kinds(m), 1);
	cr_expect_eq(miner_resolve(m, ids[1]), ids[0]);
	cr_expect_eq(miner_kind_count(miner_find(m, ids[0])), 6);
	miner_free(m);
}
