/*
 * tests/fuzz/fuzz_miner_state.c: libFuzzer target for miner_restore, the
 * reader of the event kinds' state that the journal will keep
 * (digest/miner.c, "saving", has the format).  It is data from disk that a
 * crash may have cut or a disk damaged: nothing in it may crash the
 * reader, and what it accepts must be a miner that works.
 *
 * Input: a state, as miner_save writes it, restored into a miner of 8
 * kinds (so that eviction runs while restoring).
 *
 * Checks, when it is accepted:
 *   - saved, it restores into a fresh miner, and saving that gives the
 *     same text (the state read is the state kept);
 *   - every kind renders, with and without values and programs, to a
 *     NUL-terminated string of the length miner_render says, and to a
 *     short buffer without overflow;
 *   - the same lines then added to both miners give the same kinds, the
 *     same "new kind" answers and the same templates.
 * When it is refused: the error is one non-empty line and the miner is
 * as before (empty: the lines after it make new kinds from id 1).
 */
#include "digest/miner.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static const char *const lines[] = {
    "Failed password for root from 192.0.2.7 port 4242 ssh2",
    "session closed for user cyrus",
    "session closed for user news",
    "session closed for user test",
    "a",
    "",
    "Disconnecting: Too many authentication failures for admin [preauth]",
};

static void check_render(const struct miner_kind *k)
{
	static const unsigned flags[] = {0, MINER_VALUES, MINER_VALUES | MINER_PROGRAMS};
	char big[8192], small[7];

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		size_t need = miner_render(k, flags[i], big, sizeof(big));

		check(need < sizeof(big) ? strlen(big) == need : strlen(big) == sizeof(big) - 1);
		memset(small, 'x', sizeof(small));
		miner_render(k, flags[i], small, sizeof(small));
		check(memchr(small, '\0', sizeof(small)) != NULL);
	}
	check(strlen(miner_kind_example(k)) < MINER_EXAMPLE_MAX);
	check(strlen(miner_kind_program(k)) < MINER_PROGRAM_MAX);
	check(miner_kind_count(k) > 0);
}

static void accepted(struct miner *m)
{
	struct miner *again = miner_new(8);
	char *a = NULL, *b = NULL, err[256];
	size_t alen, blen;

	check(again != NULL);
	check(miner_save(m, &a, &alen) == 0 && strlen(a) == alen);
	check(miner_restore(again, a, alen, err, sizeof(err)) == 0);
	check(miner_save(again, &b, &blen) == 0);
	check(alen == blen && memcmp(a, b, alen) == 0);
	for (size_t i = 0; i < miner_kinds(m); i++)
		check_render(miner_kind_at(m, i));
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct miner_hit x, y;
		char tx[1024], ty[1024];

		check(miner_add(m, "sshd", lines[i], strlen(lines[i]), &x) == 0);
		check(miner_add(again, "sshd", lines[i], strlen(lines[i]), &y) == 0);
		check(x.id == y.id && x.new_kind == y.new_kind);
		miner_render(x.kind, MINER_VALUES | MINER_PROGRAMS, tx, sizeof(tx));
		miner_render(y.kind, MINER_VALUES | MINER_PROGRAMS, ty, sizeof(ty));
		check(strcmp(tx, ty) == 0);
		check(miner_find(m, x.id) == x.kind);
	}
	free(a);
	free(b);
	miner_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct miner *m = miner_new(8);
	struct miner_hit hit;
	char err[256];

	check(m != NULL);
	err[0] = '\0';
	if (miner_restore(m, (const char *)data, size, err, sizeof(err)) == 0) {
		accepted(m);
	} else {
		check(err[0] != '\0' && strchr(err, '\n') == NULL);
		check(miner_kinds(m) == 0);
		check(miner_add(m, "x", "a line", 6, &hit) == 0 && hit.id == 1 && hit.new_kind);
	}
	miner_free(m);
	return 0;
}
