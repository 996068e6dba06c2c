/*
 * filters/logcheck-internal.h: what the files of logcheck's rule database
 * share.  Private to filters/ and its tests; the contract is in
 * filters/filter.h.
 *
 * The files, in the order a rule goes through them:
 *
 *   logcheck_ere.c     a rule from GNU ERE to PCRE2 syntax (lc_translate)
 *   logcheck_head.c    the syslog header of a line, parsed in C, and its token
 *   logcheck_prefix.c  the tokens a rule's rest can start with (lc_rest_tokens)
 *   logcheck_load.c    reading the rule directories into a struct loader;
 *                      logcheck_load itself
 *   logcheck_build.c   from rules to patterns, and the compiled databases
 *   logcheck_sig.c     logcheck_signature: what a load would read, as a string
 *   logcheck.c         classifying one line
 *
 * Two groups
 * ----------
 * The rules of cracking.d, cracking.ignore.d, violations.d and
 * violations.ignore.d (a few dozen) decide the Security sections, and every
 * one of them that matches is wanted.  The ignore.d.* rules (over a
 * thousand) only decide whether a line that none of those reported is a
 * System Event, and one match is enough: they are asked last, token
 * database first, and each database first tries, alone, the few rules that
 * answered yes last (multire_any's hint): logs repeat a few kinds of lines,
 * and most lines are ignored by a rule that ignored one shortly before.
 * With Vectorscan, the whole-line rules of both groups share one database,
 * scanned once for every line: a call costs about as much as the report
 * group's few whole-line rules, so the ignore group's come almost free
 * there, and a line no rule ignores (the System Events, where every
 * database is asked) is spared a call.  (PCRE2 alone runs each rule on its
 * own, and there the ignore group's keep their early stop.)
 * bench/README.md has the numbers.
 *
 * Ids
 * ---
 * In the first group a rule's id is 5 * its file + the header spelling it
 * was written with (0 for rules matched whole); a hit counts for the file
 * when the line's header is one that spelling accepts (`[[:alpha:]]{3}` is
 * not `\w{3}`), and the sections follow from which files matched
 * (logcheck_classify).  In the second group the file does not matter, and
 * the id is 5 * the rule's place in its database + the spelling; in the
 * shared whole-line database it is 5 * (the number of files + its place),
 * and any of them reads as the one file after the last, which no section
 * reports.  (Distinct ids: Vectorscan merges the rules of one id into one
 * automaton, which for a thousand of them takes minutes to build.)
 */
#ifndef LOGMAIL_LOGCHECK_INTERNAL_H
#define LOGMAIL_LOGCHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filters/filter.h"
#include "filters/internal.h"

/* ---- bytes, in the C locale --------------------------------------------- */

static inline bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_word(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

/* [[:space:]] in the C locale */
static inline bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* A growing string; nomem once a growth failed (then nothing more is added). */
struct buf {
	char *s;
	size_t n, cap;
	bool nomem;
};

void lc_buf_put(struct buf *b, const char *s, size_t n);
void lc_buf_str(struct buf *b, const char *s);

/* A set of bytes. */
struct byteset {
	uint64_t w[4];
};

static inline void set_add(struct byteset *s, unsigned c)
{
	s->w[c / 64] |= 1ull << (c % 64);
}

static inline bool set_has(const struct byteset *s, unsigned c)
{
	return s->w[c / 64] >> (c % 64) & 1;
}

static inline int set_count(const struct byteset *s)
{
	int n = 0;

	for (int i = 0; i < 4; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

/* Sets of files, of r->words words. */
static inline void set_bit(uint64_t *set, size_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}

static inline bool get_bit(const uint64_t *set, size_t i)
{
	return set[i / 64] >> (i % 64) & 1;
}

static inline bool sets_meet(const uint64_t *a, const uint64_t *b, size_t words)
{
	for (size_t i = 0; i < words; i++)
		if (a[i] & b[i])
			return true;
	return false;
}

/* ---- the ERE translator (logcheck_ere.c) ---------------------------------- */

#define XL_ANCHOR  1u /* `^` or \` : anchored to the start of the text */
#define XL_BACKREF 2u
#define XL_TOP_ALT 4u /* `|` outside any group */

/* The translation of ere with its XL_* flags in *flags: a malloc'd string,
 * or NULL with why filled. */
char *lc_translate(const char *ere, unsigned *flags, char *why, size_t why_size);

/* The bracket expression at s[*i] (just after its `[`) into set; *i moves
 * past its `]`.  0, or -1 with *why. */
int lc_bracket(const char *s, size_t *i, struct byteset *set, const char **why);

/* A GNU interval at s (its `{`): its length with *lo, *hi (-1: no upper
 * bound); 0 when s starts no interval (the `{` is a character); -1 when it
 * is an invalid one. */
int lc_interval(const char *s, long *lo, long *hi);

/* ---- the syslog header (logcheck_head.c) ---------------------------------- */

/* Header spellings: variant 1 + 2 * alpha + !rfc, so 1..4. */
struct header {
	const char *ere;
	bool alpha; /* [[:alpha:]]{3} rather than \w{3} */
	bool rfc;   /* |[0-9T:.+-]{32}: the RFC 3339 timestamp too */
};

#define LC_N_HEADERS 8
#define N_VARIANTS   5 /* 0: whole line; 1..4: a header spelling */

extern const struct header lc_headers[LC_N_HEADERS];

static inline unsigned variant_of(const struct header *h)
{
	return 1 + 2 * h->alpha + !h->rfc;
}

/* Where the text after the host name starts, and which variants accept the
 * line's header (bit v); false when no header spelling matches. */
bool lc_head_parse(const char *s, size_t n, size_t *rest, unsigned *accept);

/* Where a token ends, and the length of the token at s (see logcheck_head.c). */
bool lc_token_end(char c);
size_t lc_token_len(const char *s, size_t n);

/* ---- the tokens a rule's rest can start with (logcheck_prefix.c) ----------- */

#define TOK_MAX 32 /* strings followed at once */
#define TOK_LEN 64

/* Literal strings; a "closed" one has reached a token end, and what follows
 * it does not matter. */
struct strs {
	char s[TOK_MAX][TOK_LEN];
	uint8_t len[TOK_MAX];
	bool closed[TOK_MAX];
	int n;
};

/* The tokens a line must have for rest (an ERE matched from the start of the
 * text after the host name) to match it: 0 with them in *tokens, each cut at
 * its token end, or -1 when there is no such short list. */
int lc_rest_tokens(const char *rest, struct strs *tokens);

/* ---- the loader (logcheck_load.c, logcheck_build.c) ------------------------ */

struct lc_file {
	char *name; /* its name in its directory */
	enum logcheck_dir dir;
};

enum rule_state { RULE_OK, RULE_FAILED, RULE_FALLBACK };

struct rule {
	uint32_t file;
	unsigned line;
	char *ere;
	enum rule_state state;
	char *msg; /* why FAILED or FALLBACK */
};

/* One pattern handed to multire: a rule, whole or from after its header. */
struct pat {
	char *re;    /* PCRE2 syntax */
	unsigned id; /* 5 * file + header spelling (0: the pattern checks the header itself) */
	uint32_t rule;
	bool rest;   /* matched against the text after the host name, else the whole line */
	bool tokens; /* in the token databases (tok_entry), else in the shared one */
	int group;   /* GROUP_REPORT or GROUP_IGNORE */
};

/* The rules that decide the Security sections, all evaluated; the ignore.d.*
 * rules, of which one match is enough. */
enum { GROUP_REPORT, GROUP_IGNORE, N_GROUPS };

struct tok_entry {
	int group;
	char token[TOK_LEN];
	uint8_t len;
	uint32_t pat;
};

struct loader {
	const char *dir;
	unsigned flags;
	const char *cache; /* for Vectorscan's databases (multire_compile_cached) */
	struct logcheck_report *rep;
	struct lc_file *files;
	size_t n_files;
	struct rule *rules;
	size_t n_rules;
	struct pat *pats;
	size_t n_pats;
	struct tok_entry *toks;
	size_t n_toks;
	bool nomem;
};

/* Room for one more element at the end of the vector whose pointer is at
 * vecp and whose length is *n: the new element, zeroed and counted; NULL
 * (and *nomem) when out of memory, the vector left as it was. */
void *lc_push(void *vecp, size_t *n, size_t size, bool *nomem);

#define PUSH(L, vec, cnt) lc_push(&(L)->vec, &(L)->cnt, sizeof(*(L)->vec), &(L)->nomem)

/* strcmp for qsort over an array of char *. */
int lc_name_cmp(const void *a, const void *b);

/* Rule k's patterns into L->pats (and L->toks); a rule that does not
 * translate is marked RULE_FAILED. */
void lc_rule_patterns(struct loader *L, uint32_t k);

/* What the engines would make of every pattern, without building anything
 * (LOGCHECK_NO_COMPILE): the rules' states. */
void lc_check_patterns(struct loader *L);

/* ---- the compiled rules (logcheck_build.c, logcheck.c) -------------------- */

struct bucket {
	char *token;
	size_t len;
	uint32_t hash;
	struct multire *rest; /* matched against the text after the host name */
	struct multire *line; /* against the whole line (the rules with a back-reference) */
};

/* The databases of a group of rules. */
struct group {
	struct multire *generic; /* matched against the text after the host name */
	struct bucket *buckets;  /* ...for lines with this token */
	size_t n_buckets;
	uint32_t *table; /* bucket index + 1 by token hash; 0: empty */
	size_t mask;
};

/* A cracking.d or violations.d file, and the files whose match keeps it
 * from reporting a line. */
struct raise {
	uint32_t file;
	uint64_t *quiet;
};

struct logcheck_rules {
	struct lc_file *files;
	size_t n_files;
	size_t words;           /* uint64_t words in a set of files */
	uint64_t *cracking;     /* the cracking.d files */
	uint64_t *violations;   /* the violations.d files */
	struct raise *raise[2]; /* [0] cracking.d, [1] violations.d, in byte order */
	size_t n_raise[2];
	struct group group[N_GROUPS];
	struct multire *whole;        /* the rules matched against whole lines: both groups' */
	struct multire *ignore_whole; /* ...or, without Vectorscan, the ignore group's here */
	unsigned id_bits;
};

/* The databases of both groups from L's patterns (and the rules' states
 * from what the engines made of them).  0, or -1 (err set when the engines
 * said why). */
int lc_build_groups(struct loader *L, struct logcheck_rules *r, struct conf_err *err);

/* r's sets of files (r->files set): which report, which keep which quiet. */
int lc_build_masks(struct logcheck_rules *r);

#endif
