/*
 * digest/miner_impl.h: what the miner's files (miner.c: mining and
 * rendering; miner_state.c: saving and restoring) share and nobody else
 * sees.  The contract is digest/miner.h.
 */
#ifndef LOGMAIL_MINER_IMPL_H
#define LOGMAIL_MINER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest/miner.h"

enum pos_type { P_WORD, P_CLASS, P_VAR };

/* The classes of a variable word, by its core. */
enum word_class { C_NONE, C_NUM, C_IP, C_HEX, C_TIME, C_HOST, C_PATH, C_DATE, C_ANY, C_COUNT };

#define NO_SKETCH 0xFF

struct value {
	uint32_t count, err; /* count over-estimates by at most err (both saturate) */
	uint8_t len;
	char s[MINER_VALUE_MAX];
};

struct sketch {
	uint8_t n;
	struct value v[MINER_TOP];
};

struct pos {
	uint8_t type; /* enum pos_type */
	uint8_t cls;  /* P_CLASS, P_VAR: enum word_class of the placeholder */
	uint8_t sk;   /* index in kind->sk, or NO_SKETCH */
	uint16_t off; /* P_WORD: the word; P_CLASS: prefix then suffix, at text + off */
	uint16_t len; /* their length */
	uint16_t pre; /* P_CLASS: the prefix's length */
};

struct miner_kind {
	uint32_t id;
	uint32_t group;                   /* hash of nwords */
	size_t slot;                      /* index in m->slots */
	struct miner_kind *next;          /* in its bucket */
	struct miner_kind *older, *newer; /* in the order last seen */
	uint64_t count, seen;             /* lines, m->clock at the last one */
	uint8_t nwords, nsk;
	struct pos *pos; /* nwords, then the text they point into */
	char *text;
	struct sketch *sk;               /* nsk */
	struct sketch programs;          /* the programs that logged it */
	char program[MINER_PROGRAM_MAX]; /* the first one */
	char *example;                   /* after the text, in the same allocation */
};

struct alias {
	uint32_t from, to; /* from 0: empty */
};

struct miner {
	size_t max, n; /* kinds at most, kinds live (slots[0..n)) */
	struct miner_kind **slots;
	struct miner_kind *oldest, *newest; /* the least and the most recently seen */
	struct miner_kind **buckets;        /* nbuckets, a power of two */
	size_t nbuckets;
	struct alias *aliases; /* naliases (power of two), used of them */
	size_t naliases, used;
	uint32_t next_id;
	uint64_t clock;  /* lines added, ever */
	uint64_t merges; /* merges made, ever (miner_merges) */
};

/* Text built with a size limit (as snprintf: len counts what would not fit). */
struct out {
	char *buf;
	size_t size, len;
};

/* (inline: every octet of every line is classified) */
static inline bool miner_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool miner_is_hex(unsigned char c)
{
	return miner_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
/* Space-Saving: count c more of the value v, known within err. */
void miner_sketch_count(struct sketch *s, const char *v, size_t n, uint64_t c, uint64_t err);
/* A new sketch of k (NO_SKETCH when MINER_TRACKED are in use). */
uint8_t miner_sketch_new(struct miner_kind *k);
uint32_t miner_group_of(size_t nwords);
const char *miner_pos_text(const struct miner_kind *k, const struct pos *p);
/* A kind of nwords words, its text and example room, NULL on ENOMEM. */
struct miner_kind *miner_kind_alloc(const char *program, size_t nwords, size_t text_len,
				    const char *example, size_t example_len);
void miner_link_kind(struct miner *m, struct miner_kind *k);
void miner_evict_oldest(struct miner *m);
void miner_put(struct out *o, const char *s, size_t n);
void miner_put_str(struct out *o, const char *s);

#endif
