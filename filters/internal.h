/*
 * filters/internal.h: what the files of filters/ share, private to filters/
 * and to its tests and benchmarks (the contract for everyone else is
 * filters/filter.h): many regular expressions in one pass (multire.c) and,
 * with Vectorscan, its databases kept on disk (hscache.c).  logcheck's own
 * internals are in filters/logcheck-internal.h.
 *
 * ---- many regular expressions, one pass over a text (multire.c) ----------
 *
 * multire_compile takes N patterns in PCRE2 syntax, each with an id chosen
 * by the caller (several patterns may share one), and builds an immutable
 * struct multire.  multire_scan then tells which ids have a pattern that
 * matches a text, as a bitset.
 *
 * With Vectorscan (Debian's libvectorscan-dev, the portable Hyperscan;
 * configure --without-vectorscan leaves it out) every pattern it accepts
 * goes into one database, scanned once whatever the number of patterns.
 * A pattern it rejects (back-references, lookaround, ...) "falls back": it is
 * compiled with PCRE2 (JIT) and run on its own.  A pattern PCRE2 rejects too
 * is "broken" and never matches; multire_why says why.  Without Vectorscan,
 * or with MULTIRE_PCRE2_ONLY, or with LOGMAIL_REGEX_ENGINE=pcre2 in the
 * environment, every pattern runs on its own with PCRE2: slower, and the
 * same answers.
 *
 * The same answers because both engines are used with the same semantics:
 * bytes, not characters (no UTF-8, no Unicode properties: `.` and `[^x]`
 * match any byte but newline, `\w` `\d` `\s` and the POSIX classes are
 * ASCII), case-sensitive unless the pattern says (?i), `$` at the end or
 * before a final newline, a pattern that matches the empty string matches
 * every text.  That is also what grep -E does in the C locale.
 *
 * Threads: a struct multire is shared read-only; each thread scans with its
 * own struct multire_scratch (Vectorscan's scratch space and PCRE2's match
 * data), which must first be fitted to every multire it will scan.
 *
 * Errors: multire_compile fails only when out of memory; a bad pattern is
 * reported per pattern (multire_engine_of, multire_why), never as a failure
 * of the whole set, and a database Vectorscan cannot build at all sends its
 * patterns to PCRE2.
 */
#ifndef LOGMAIL_FILTERS_INTERNAL_H
#define LOGMAIL_FILTERS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"

struct multire;
struct multire_scratch;

/* How one pattern is run. */
enum multire_engine {
	MULTIRE_BATCHED, /* in the Vectorscan database: one pass for all of them */
	MULTIRE_ALONE,   /* on its own with PCRE2 (Vectorscan rejected it, or is not used) */
	MULTIRE_BROKEN,  /* PCRE2 rejects it: never matches */
};

/* Compile flags. */
#define MULTIRE_PCRE2_ONLY 1u /* no Vectorscan, even where there is one */
#define MULTIRE_JIT_ALL    2u /* JIT every pattern, batched ones too: multire_any's hint */

/* Compile patterns[0..n) (NUL-terminated) with ids[i] < 2^24.  0, or -1
 * with *out NULL and err->msg set (out of memory, an id out of range).
 * Broken patterns do not fail the call. */
int multire_compile(const char *const *patterns, const unsigned *ids, size_t n, unsigned flags,
		    struct multire **out, struct conf_err *err);
/* The same, with Vectorscan's database kept in the directory cache between
 * runs (hscache, below; NULL: not kept): the second compile of the same
 * patterns reads it back instead of compiling. */
int multire_compile_cached(const char *const *patterns, const unsigned *ids, size_t n,
			   unsigned flags, const char *cache, struct multire **out,
			   struct conf_err *err);
void multire_free(struct multire *m); /* NULL is safe */

size_t multire_size(const struct multire *m);      /* n */
unsigned multire_id_bits(const struct multire *m); /* 1 + the largest id: bits in a hits set */
enum multire_engine multire_engine_of(const struct multire *m, size_t i);
/* Why pattern i is not batched: Vectorscan's message for an ALONE pattern
 * it rejected, PCRE2's (with the offset) for a BROKEN one; NULL otherwise
 * (batched, or Vectorscan not in use).  Owned by m. */
const char *multire_why(const struct multire *m, size_t i);
/* What multire_compile would make of pattern alone, without building a
 * database (PCRE2's compile and Vectorscan's check of the one pattern):
 * its engine, and in why what multire_why would say ("" for none). */
enum multire_engine multire_check(const char *pattern, unsigned flags, char *why, size_t size);
/* Does this process batch at all (a build with Vectorscan, a CPU it runs on,
 * no LOGMAIL_REGEX_ENGINE=pcre2)? */
bool multire_vectorscan_available(void);

/* Per-thread state.  multire_scratch_fit makes s usable with m (it may grow
 * Vectorscan's scratch space); call it for every multire s will scan, before
 * scanning.  0, or -1 when out of memory. */
struct multire_scratch *multire_scratch_new(void);
int multire_scratch_fit(struct multire_scratch *s, const struct multire *m);
void multire_scratch_free(struct multire_scratch *s); /* NULL is safe */

/* Set bit id (hits[id / 64] bit id % 64) for every id with a pattern that
 * matches text; other bits are left as they are (the caller clears them, and
 * may OR several scans into one set).  A fallback pattern whose id is
 * already set is not run.  Never fails. */
void multire_scan(const struct multire *m, struct multire_scratch *s, const char *text, size_t len,
		  uint64_t *hits);

/* A caller's memory of the patterns that answered multire_any lately,
 * the latest first; SIZE_MAX marks an empty place (multire_hint_init). */
#define MULTIRE_HINTS 4
struct multire_hint {
	size_t last[MULTIRE_HINTS];
};

void multire_hint_init(struct multire_hint *h);

/* Is there a pattern that matches text and whose id keep accepts (keep
 * NULL: any)?  Stops at the first: for a caller that needs no more.
 * hint, when not NULL, is the caller's memory for this m: the patterns in
 * it are tried first, alone, and the one that answers moves to its front.
 * Logs repeat a few kinds of lines, so one of the last patterns that
 * matched is the likeliest next one; with MULTIRE_JIT_ALL trying one costs
 * a JIT call, which for an anchored pattern that fails in its first bytes
 * is far cheaper than a Vectorscan scan.  The answer does not depend on
 * the hint. */
bool multire_any(const struct multire *m, struct multire_scratch *s, const char *text, size_t len,
		 bool (*keep)(unsigned id, void *arg), void *arg, struct multire_hint *hint);

/* Only the Vectorscan database (the batched patterns): for a caller that
 * runs the other patterns itself, lazily, with multire_match. */
void multire_scan_batched(const struct multire *m, struct multire_scratch *s, const char *text,
			  size_t len, uint64_t *hits);

/* Pattern i alone, with PCRE2, whatever its engine (false when broken): the
 * reference the batched answers are checked against. */
bool multire_match(const struct multire *m, struct multire_scratch *s, size_t i, const char *text,
		   size_t len);

static inline bool multire_hit(const uint64_t *hits, unsigned id)
{
	return hits[id / 64] >> (id % 64) & 1;
}

/*
 * ---- Vectorscan databases kept on disk (hscache.c, with Vectorscan only) --
 *
 * Vectorscan databases kept on disk, so that a restart
 * with the same rules does not compile them again.
 *
 * Compiling Debian's logcheck rules takes seconds of CPU (bench/README.md),
 * and rsyslogd reads no log while its configuration loads.  A compiled
 * database is serialized (hs_serialize_database) into a file of the cache
 * directory named by a SHA-256 of everything the compile was given: the
 * library's version, the platform, and each pattern's text, flags and id.
 * So a file is either the database those patterns make, or not found: no
 * stale entry can answer for rules that changed.  A file is checked before
 * use (its own SHA-256 of the bytes that follow the header), and one that
 * fails the check, cannot be read or cannot be deserialized counts as not
 * found: the caller compiles, and hscache_store replaces it.
 *
 * Files are 0600 in a 0700 directory (made when missing; its parent must
 * exist), written by util_replace (util/replace.h) without fsync; neither
 * the directory nor a file in it is followed when it is a symbolic link.  A file used by hscache_load has its time set to now; storing
 * removes the files not used for HSCACHE_DAYS days, so rule edits and
 * library upgrades do not pile up.  Nothing here fails its caller: a cache
 * that cannot be read or written is a cache that misses.
 */
#ifdef HAVE_VECTORSCAN
#include <hs.h>

#define HSCACHE_KEY  32 /* a SHA-256 */
#define HSCACHE_DAYS 30

/* The key of hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, pl). */
void hscache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		 const hs_platform_info_t *pl, unsigned char key[HSCACHE_KEY]);

/* The database stored under key in dir, or NULL. */
hs_database_t *hscache_load(const char *dir, const unsigned char key[HSCACHE_KEY]);

/* Keep db under key in dir (best effort). */
void hscache_store(const char *dir, const unsigned char key[HSCACHE_KEY], const hs_database_t *db);
#endif

#endif
