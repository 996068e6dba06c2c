/*
 * digest/miner.h: event kinds.  An online template miner: every log line
 * it is given gets a *kind*, a template (the words that stay the same and
 * the positions that vary) with the programs that logged it, so that a
 * storm of 5,000 lines reads as a handful of kinds with counts and their
 * commonest values.  One configuration for all logs: nothing to tune per
 * source.
 *
 * How a line finds its kind (digest/miner.c has the details):
 *   - The text is cut into words at blanks.  A word whose core (without
 *     brackets, quotes, trailing punctuation and a leading "key=") holds a
 *     digit (but is not a name, letters then letters and digits: "ssh2",
 *     "eth0"), or is a path, a dotted host name, a long hex run or a month
 *     or weekday name, is variable at once (a *class* word: "port 4242",
 *     "rhost=203.0.113.7", "(uid=0)").  Every other word is a constant.
 *   - Kinds are grouped by number of words.  A line takes the first kind
 *     of its group whose constants it has, word for word.  The program
 *     does not decide the kind (the same text from su and sshd is one
 *     event, as loghub labels it): each kind counts its programs, in a
 *     sketch like its values, and shows them (MINER_PROGRAMS).
 *   - A line that matches none becomes a new kind, and is then compared
 *     with the closest kind of its group: the one that differs from it in
 *     the fewest positions (at most a third of them).  The kinds that
 *     differ from that one only in those positions are variants of one
 *     another, and merge into one kind with those positions variable only
 *     when every such position really varies: at least MINER_DISTINCT
 *     distinct values among them, or no value holding half of their lines.
 *     So "user=root" (351 lines) beside "user=guest" (17) stays two kinds,
 *     while "for user cyrus|news|test" becomes "for user <*>".  A kind is
 *     compared again each time its count reaches a power of two, so that
 *     variation that shows only later still merges.
 * A merge keeps the id of the largest of the kinds it merges (the oldest
 * among equals); the others' ids then resolve to it (miner_resolve).
 *
 * Values: each variable position of a kind (the first MINER_TRACKED of
 * them) keeps its most frequent values in a Space-Saving sketch of
 * MINER_TOP counters (counts exact while a position has seen at most
 * MINER_TOP values, else known within a range; they stop at 2^32 - 1),
 * which miner_render shows: "Failed password for root from 203.0.113.45
 * (x12), 198.51.100.7 (x5), 3 others port <n> ssh2".
 *
 * Memory: at most max_kinds kinds (miner_new; the least recently seen is
 * evicted to make room, also for a line that matches no kind and then
 * merges into one), each at most MINER_KIND_BYTES octets: a line's
 * first MINER_TEXT_MAX octets and MINER_MAX_WORDS words are mined (the
 * rest of a longer line is its last word), values are cut to
 * MINER_VALUE_MAX octets, the example line to MINER_EXAMPLE_MAX.  Merged
 * ids are remembered for the last 4 * max_kinds merges.
 *
 * Threads: none inside, and no lock.  A miner belongs to one owner (one per
 * recipient is the intended use); a caller that shares one between threads
 * holds its own lock around every call.  Different miners are independent.
 *
 * Ownership: strings passed in are copied; pointers returned (kinds, their
 * program and example) are the miner's, valid until the next call that
 * adds, restores or frees.  Nothing here does I/O.
 */
#ifndef LOGMAIL_MINER_H
#define LOGMAIL_MINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINER_DEFAULT_KINDS 512
#define MINER_MAX_KINDS     (1u << 20) /* a larger max_kinds is taken as this */
#define MINER_MAX_WORDS     48
#define MINER_TEXT_MAX      1024
#define MINER_PROGRAM_MAX   64
#define MINER_VALUE_MAX     32
#define MINER_EXAMPLE_MAX   256
#define MINER_TOP           6 /* Space-Saving counters per variable position */
#define MINER_TRACKED       8 /* variable positions of a kind with values */
#define MINER_DISTINCT      5 /* distinct values that make a position variable */
/* The most one kind holds (words, text, sketches, example), for budgets
 * (checked in miner.c); a kind of 10 words with two variable positions
 * takes about 1.2 KiB. */
#define MINER_KIND_BYTES                                                                      \
	(256 + MINER_PROGRAM_MAX + MINER_MAX_WORDS * 16 + MINER_TEXT_MAX + MINER_EXAMPLE_MAX +     \
	 (MINER_TRACKED + 1) * (8 + MINER_TOP * (12 + MINER_VALUE_MAX)))

struct miner;
struct miner_kind;

/* What miner_add found. */
struct miner_hit {
	uint32_t id;                   /* the line's kind, stable (never reused) */
	bool new_kind;                 /* the kind was made by this line: never seen before */
	const struct miner_kind *kind; /* valid until the next call that changes the miner */
};

/* A miner of at most max_kinds kinds (0: MINER_DEFAULT_KINDS); NULL when
 * out of memory.  miner_free(NULL) is safe. */
struct miner *miner_new(size_t max_kinds);
void miner_free(struct miner *m);

/* The kind of one line: program (may be "" or NULL) and its text (len
 * octets, not NUL-terminated; any octets).  Counts it in that kind.
 * 0, or -1 when out of memory (then the line is counted nowhere and the
 * miner is as before). */
int miner_add(struct miner *m, const char *program, const char *text, size_t len,
	      struct miner_hit *hit);

/* The id a kind id stands for now: id itself, or the id of the kind it was
 * merged into (for the last 4 * max_kinds merges). */
uint32_t miner_resolve(const struct miner *m, uint32_t id);

/* How many merges the miner has made, ever: a caller that keeps kind ids
 * resolves them again (miner_resolve) when this changed. */
uint64_t miner_merges(const struct miner *m);

/* A word (n octets) as the miner reads it: its core is s[*pre .. n - *suf)
 * (without the brackets and quotes before it, a "key=", and the brackets,
 * quotes and punctuation after it), and the placeholder of the core's
 * class is returned ("<n>", "<ip>", ..., "<*>" for any other word). */
const char *miner_word(const char *s, size_t n, size_t *pre, size_t *suf);

/* The live kinds, in no particular order: i from 0 to miner_kinds()-1. */
size_t miner_kinds(const struct miner *m);
const struct miner_kind *miner_kind_at(const struct miner *m, size_t i);
/* The live kind of that id (resolved), or NULL (evicted or unknown). */
const struct miner_kind *miner_find(const struct miner *m, uint32_t id);

uint32_t miner_kind_id(const struct miner_kind *k);
uint64_t miner_kind_count(const struct miner_kind *k);
const char *miner_kind_program(const struct miner_kind *k);
/* The program of the kind's first line (cut to MINER_PROGRAM_MAX - 1),
 * and that line's text as it came (cut to MINER_EXAMPLE_MAX - 1). */
const char *miner_kind_example(const struct miner_kind *k);

/* The template into buf (size octets, always NUL-terminated when size > 0),
 * words joined by one blank, control octets escaped as rsyslog does
 * ("#011").  A variable position is a placeholder, <n>
 * (a number), <ip>, <hex>, <time>, <host>, <path>, <date> or <*> (anything
 * else), around which its class word's brackets and "key=" stay.  With
 * MINER_VALUES, a position whose values are known is shown by them
 * instead: the one value when every line had it ("ssh2", a constant pid),
 * else up to three values seen at least twice, each with its count, and
 * how many other lines there were: "203.0.113.45 (x12), 198.51.100.7 (x5),
 * 3 others" (values in fewer than two lines or one in twenty are not
 * shown).  With MINER_PROGRAMS, the programs go first the same way, then
 * ": " (nothing when the kind's only program is "").  Returns the length
 * the whole template needs (as snprintf). */
#define MINER_VALUES   1u
#define MINER_PROGRAMS 2u
size_t miner_render(const struct miner_kind *k, unsigned flags, char *buf, size_t size);

/* Which of n values (n <= 8; count[i] over-estimates by at most err[i], as
 * a Space-Saving sketch counts) a template shows for a position of total
 * lines: at most three, the most frequent first, each surely in two lines
 * or more and in one line in twenty (with all: any of them).  Their indexes
 * go into top; returns how many.  miner_render's rule, shared with the
 * digests' lines (digest/render.c). */
unsigned miner_top_values(const uint32_t *count, const uint32_t *err, unsigned n, uint64_t total,
			  bool all, unsigned top[3]);

/* ---- Saving and restoring (for the journal) ------------------------------
 * miner_save writes the miner's state as text into a malloc'd buffer
 * (*out, NUL-terminated, *len octets; escaping makes it at most
 * 4 * MINER_KIND_BYTES octets a kind): kinds, counts, values, ids, in the
 * order last seen, so that a restored miner gives the next lines the
 * kinds, ids and "new kind" answers the saved one would have, and evicts
 * the same kind next (merged ids aside: they are not saved).  0, or -1
 * when out of memory.
 *
 * miner_restore replaces m's state with the saved text (len octets, any
 * octets: it is data from disk, checked in full).  0; or -1 with one line
 * in err (errsize octets) saying where and what, and m unchanged.  Kinds
 * beyond m's max_kinds are dropped, the least recently seen first. */
int miner_save(const struct miner *m, char **out, size_t *len);
int miner_restore(struct miner *m, const char *text, size_t len, char *err, size_t errsize);

#endif
