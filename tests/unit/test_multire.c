/*
 * tests/unit/test_multire.c: many regexes in one pass (filters/internal.h).
 *
 * The point of the module is that Vectorscan and PCRE2 give the same
 * answers, so most tests run the same patterns and texts through a default
 * compile (Vectorscan, in a build that has it), a MULTIRE_PCRE2_ONLY compile
 * and each pattern alone with multire_match, and want one answer.
 */
#include "filters/internal.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

struct text {
	const char *s;
	size_t len;
};

#define T(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

static const char *const patterns[] = {
    "^foo",            /* anchors */
    "bar$",            /* $: at the end, or before a final newline */
    "a.c",             /* . is any byte but newline */
    "(?i)CaSe",        /* inline options */
    "[[:digit:]]{3}",  /* POSIX class, bounded repeat */
    "\\bword\\b",      /* word boundaries */
    "(ab)\\1",         /* a back-reference: Vectorscan says no */
    "(?<=x)y",         /* lookbehind: Vectorscan says no */
    "(",               /* broken */
    "",                /* the empty pattern matches everything */
    "a*",              /* ...and so does one that can match nothing */
    "\\s+$",           /* blanks at the end */
    "[^a]b",           /* a negated class matches any other byte */
    "\\xe9t\\xe9",     /* bytes, not characters */
    "^$",              /* the empty text */
    "\\w+@\\w+\\.org", /* \w is ASCII */
    "x\\x00y",         /* a NUL inside the text */
    "(?:a|b)+c{2,}d?", /* alternation, repeats */
    "\\}b?",           /* Debian's Vectorscan 5.4.9 with AVX-512 misses these */
    "a[xy]",           /* past the 64th byte (multire.c's self-test) */
};
#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

static const struct text texts[] = {
    T("foo bar"),
    T("abc"),
    T("A cAsE"),
    T("tel 123"),
    T("a word here"),
    T("abab"),
    T("xy"),
    T("y"),
    T(""),
    T("trailing \t "),
    T("\xe9t\xe9"),
    T("bar\n"),
    T("a\nc"),
    T("\xc3\xa9t\xc3\xa9"),
    T("bb"),
    T("me@host.org"),
    T("x\0y"),
    T("abbacccd"),
    T("Foo"),
    T("\xe9@x.org"),
    T("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}"),
    T("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbax"),
};
#define N_TEXTS (sizeof(texts) / sizeof(texts[0]))

static struct multire *compile(const char *const *p, const unsigned *ids, size_t n, unsigned flags)
{
	struct multire *m = NULL;
	struct conf_err err = {0};

	cr_assert_eq(multire_compile(p, ids, n, flags, &m, &err), 0, "%s", err.msg);
	cr_assert_not_null(m);
	return m;
}

static struct multire_scratch *scratch_for(struct multire *a, struct multire *b)
{
	struct multire_scratch *s = multire_scratch_new();

	cr_assert_not_null(s);
	cr_assert_eq(multire_scratch_fit(s, a), 0);
	cr_assert_eq(multire_scratch_fit(s, b), 0);
	return s;
}

/* Each pattern alone, with PCRE2: the reference. */
static uint64_t reference(struct multire *m, struct multire_scratch *s, const unsigned *ids,
			  size_t n, const struct text *t)
{
	uint64_t hits = 0;

	for (size_t i = 0; i < n; i++)
		if (multire_match(m, s, i, t->s, t->len))
			hits |= 1ull << ids[i];
	return hits;
}

/* Every text through both compiles and the reference: the same ids.
 * Returns how many (pattern id, text) pairs matched, so that a caller can
 * see that the corpus is not all hits or all misses. */
static unsigned same_answers(const char *const *p, const unsigned *ids, size_t n,
			     const struct text *t, size_t nt)
{
	struct multire *fast = compile(p, ids, n, 0);
	struct multire *slow = compile(p, ids, n, MULTIRE_PCRE2_ONLY);
	struct multire_scratch *s = scratch_for(fast, slow);
	unsigned pairs = 0;

	for (size_t k = 0; k < nt; k++) {
		uint64_t a = 0, b = 0, ref = reference(slow, s, ids, n, &t[k]);
		struct multire_hint hint;

		multire_hint_init(&hint);
		pairs += (unsigned)__builtin_popcountll(ref);
		multire_scan(fast, s, t[k].s, t[k].len, &a);
		multire_scan(slow, s, t[k].s, t[k].len, &b);
		cr_expect_eq(a, ref, "text %zu (%.*s): default %#llx, reference %#llx", k,
			     (int)t[k].len, t[k].s, (unsigned long long)a, (unsigned long long)ref);
		cr_expect_eq(b, ref, "text %zu: PCRE2 only %#llx, reference %#llx", k,
			     (unsigned long long)b, (unsigned long long)ref);
		cr_expect_eq(multire_any(fast, s, t[k].s, t[k].len, NULL, NULL, &hint), ref != 0,
			     "text %zu: multire_any", k);
		cr_expect_eq(multire_any(fast, s, t[k].s, t[k].len, NULL, NULL, &hint), ref != 0,
			     "text %zu: multire_any with the hint it left", k);
	}
	multire_scratch_free(s);
	multire_free(fast);
	multire_free(slow);
	return pairs;
}

Test(multire, both_engines_one_answer)
{
	unsigned ids[N_PATTERNS];

	for (size_t i = 0; i < N_PATTERNS; i++)
		ids[i] = (unsigned)i;
	unsigned pairs = same_answers(patterns, ids, N_PATTERNS, texts, N_TEXTS);

	cr_assert(pairs > N_TEXTS && pairs < N_TEXTS * N_PATTERNS / 2, "%u matches", pairs);
}

Test(multire, shared_ids)
{
	unsigned ids[N_PATTERNS];

	for (size_t i = 0; i < N_PATTERNS; i++)
		ids[i] = (unsigned)(i % 3) * 7; /* 0, 7, 14: and gaps */
	same_answers(patterns, ids, N_PATTERNS, texts, N_TEXTS);
}

/* Random patterns over a small alphabet against random texts: whatever the
 * grammar of a pattern, the engines agree.  Half the texts are short, half
 * run up to 39 bytes, past the 16- and 32-byte vectors where Vectorscan's
 * bugs were. */
static void random_pattern(char *out, size_t size, unsigned *seed, int depth)
{
	static const char *const atoms[] = {"a",   "b",   ".",     "[ab]",       "[^a]",
					    "\\b", "\\w", "\\s",   " ",          "^",
					    "$",   "ab",  "(?i)A", "[[:space:]]"};
	static const char *const quants[] = {"", "", "", "*", "+", "?", "{2}", "{1,3}"};
	size_t n = 0;
	int items = 1 + rand_r(seed) % 4;

	out[0] = '\0';
	for (int i = 0; i < items && n + 32 < size; i++) {
		char sub[64];
		const char *atom;

		if (depth < 2 && rand_r(seed) % 5 == 0) {
			char alt[64];

			random_pattern(sub, sizeof(sub) / 2, seed, depth + 1);
			random_pattern(alt, sizeof(alt) / 2, seed, depth + 1);
			n += (size_t)snprintf(out + n, size - n, "(%s|%s)", sub, alt);
		} else {
			atom = atoms[rand_r(seed) % (sizeof(atoms) / sizeof(atoms[0]))];
			n += (size_t)snprintf(out + n, size - n, "%s", atom);
			if (atom[0] == '\\' && (atom[1] == 'b'))
				continue; /* no quantified assertions */
			if (strcmp(atom, "^") == 0 || strcmp(atom, "$") == 0 ||
			    strcmp(atom, "(?i)A") == 0)
				continue;
		}
		n += (size_t)snprintf(out + n, size - n, "%s",
				      quants[rand_r(seed) % (sizeof(quants) / sizeof(quants[0]))]);
	}
}

Test(multire, random_patterns)
{
	enum { NP = 60, NT = 300 };
	static char pbuf[NP][128], tbuf[NT][40];
	const char *p[NP];
	unsigned ids[NP];
	struct text t[NT];
	unsigned seed = 20261130;

	for (int i = 0; i < NP; i++) {
		random_pattern(pbuf[i], sizeof(pbuf[i]), &seed, 0);
		p[i] = pbuf[i];
		ids[i] = (unsigned)i;
	}
	for (int k = 0; k < NT; k++) {
		size_t len = (size_t)(rand_r(&seed) % (k % 2 ? 12 : 40));

		for (size_t j = 0; j < len; j++)
			tbuf[k][j] = "ab A\n\t-x"[rand_r(&seed) % 8];
		t[k] = (struct text){tbuf[k], len};
	}
	unsigned pairs = same_answers(p, ids, NP, t, NT);

	cr_assert(pairs > NT && pairs < NT * NP / 2, "%u matches", pairs);
}

/* Each pattern alone, against texts longer than an AVX-512 vector: where
 * Debian's Vectorscan 5.4.9 misses matches unless multire's self-test
 * picked a scan function that does not. */
Test(multire, alone_past_64_bytes)
{
	static const char *const risky[] = {"}", "\\}b?", "}.*", "a[xy]", "}[xy]", "z?}"};
	char text[160];
	unsigned id = 0;

	for (size_t i = 0; i < sizeof(risky) / sizeof(risky[0]); i++) {
		for (size_t n = 0; n < 130; n += 7) {
			struct text t = {text, 0};

			memset(text, i == 3 ? 'b' : 'a', n);
			strcpy(text + n, i == 3 ? "ax" : i == 4 ? "}x" : "}");
			t.len = strlen(text);
			same_answers(&risky[i], &id, 1, &t, 1);
		}
	}
}

/* Two patterns in one database, the literal one ending texts of every
 * length up to 71: Debian's Vectorscan 5.4.9, with its AVX2 code (and its
 * AVX-512 code), misses it in texts of 18 to 32 bytes unless multire's
 * self-test picked a scan function that does not. */
Test(multire, two_byte_literal_at_the_end)
{
	static const char *const pairs[][2] = {
	    {"q[0-9]+r", "ab"}, {"sshd\\[[0-9]+\\]: Accepted", "ok"}, {"qa+b", "zL"}};
	static const unsigned ids[] = {0, 1};
	char text[80];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		for (size_t n = 0; n < 70; n++) {
			struct text t = {text, n + 2};

			memset(text, 'x', n);
			memcpy(text + n, pairs[i][1], 3);
			same_answers(pairs[i], ids, 2, &t, 1);
		}
}

/* A counted repeat above 256 goes to PCRE2 (Vectorscan compiled the first
 * pattern for 12 s); 256 and below (one of Debian's ssh rules counts to
 * 256) stay with Vectorscan, and so do braces in a bracket expression or
 * escaped.  The answers are the same either way, and multire_check says
 * what the compile does. */
Test(multire, large_counts_go_to_pcre2)
{
	static const char *const p[] = {"^(u{3} [ :\\[b]\\]{1111}|)a+", "x]{256}y", "[{1000}]z",
					"\\{1000}w", "a{2,257}b", "c{300,}d"};
	static const bool alone[] = {true, false, false, false, true, true};
	static const unsigned ids[] = {0, 1, 2, 3, 4, 5};
	static char runs[2][400];
	struct text t[3] = {{"aaa", 3}, {runs[0], 0}, {runs[1], 0}};
	struct multire *m;
	char why[300];

	memset(runs[0], 'c', 300);
	strcpy(runs[0] + 300, "d 0w");
	t[1].len = strlen(runs[0]);
	runs[1][0] = 'x';
	memset(runs[1] + 1, ']', 256);
	strcpy(runs[1] + 257, "y {z");
	t[2].len = strlen(runs[1]);
	m = compile(p, ids, 6, 0);
	for (size_t i = 0; i < 6 && multire_vectorscan_available(); i++) {
		cr_expect_eq(multire_engine_of(m, i), alone[i] ? MULTIRE_ALONE : MULTIRE_BATCHED,
			     "pattern %zu", i);
		cr_expect_eq(multire_check(p[i], 0, why, sizeof(why)), multire_engine_of(m, i),
			     "pattern %zu", i);
		if (alone[i])
			cr_expect_not_null(strstr(multire_why(m, i), "count above 256"),
					   "%zu: %s", i, multire_why(m, i));
	}
	multire_free(m);
	cr_assert_gt(same_answers(p, ids, 6, t, 3), 3);
}

Test(multire, engines_and_reasons)
{
	unsigned ids[N_PATTERNS];
	struct multire *m;
	char why[300];

	for (size_t i = 0; i < N_PATTERNS; i++)
		ids[i] = (unsigned)i;
	m = compile(patterns, ids, N_PATTERNS, 0);
	cr_assert_eq(multire_size(m), N_PATTERNS);
	cr_assert_eq(multire_id_bits(m), N_PATTERNS);
	cr_assert_eq(multire_engine_of(m, 8), MULTIRE_BROKEN);
	cr_assert_not_null(strstr(multire_why(m, 8), "offset"), "%s", multire_why(m, 8));
	if (multire_vectorscan_available()) {
		cr_assert_eq(multire_engine_of(m, 0), MULTIRE_BATCHED);
		cr_assert_null(multire_why(m, 0));
		cr_assert_eq(multire_engine_of(m, 6), MULTIRE_ALONE);
		cr_assert_not_null(strstr(multire_why(m, 6), "Back-reference"), "%s",
				   multire_why(m, 6));
		cr_assert_eq(multire_engine_of(m, 7), MULTIRE_ALONE);
	} else {
		cr_assert_eq(multire_engine_of(m, 0), MULTIRE_ALONE);
		cr_assert_null(multire_why(m, 0));
	}
	for (size_t i = 0; i < N_PATTERNS; i++) /* what a check alone says, compile says */
		cr_expect_eq(multire_check(patterns[i], 0, why, sizeof(why)),
			     multire_engine_of(m, i), "pattern %zu", i);
	multire_free(m);
	m = compile(patterns, ids, N_PATTERNS, MULTIRE_PCRE2_ONLY);
	for (size_t i = 0; i < N_PATTERNS; i++)
		cr_expect_neq(multire_engine_of(m, i), MULTIRE_BATCHED);
	multire_free(m);
}

Test(multire, environment_switch)
{
	unsigned id = 0;
	const char *p = "^foo";
	struct multire *m;

	setenv("LOGMAIL_REGEX_ENGINE", "pcre2", 1);
	cr_assert(!multire_vectorscan_available());
	m = compile(&p, &id, 1, 0);
	cr_assert_eq(multire_engine_of(m, 0), MULTIRE_ALONE);
	multire_free(m);
	unsetenv("LOGMAIL_REGEX_ENGINE");
}

static bool only_odd(unsigned id, void *arg)
{
	(void)arg;
	return id % 2 == 1;
}

_Static_assert(MULTIRE_HINTS == 4, "any_with_keep_and_hint fills the hint exactly");

static void expect_hint(const struct multire_hint *h, const size_t *want, size_t n)
{
	for (size_t k = 0; k < MULTIRE_HINTS; k++)
		cr_expect_eq(h->last[k], k < n ? want[k] : SIZE_MAX, "hint place %zu: %zu", k,
			     h->last[k]);
}

Test(multire, any_with_keep_and_hint)
{
	const char *p[] = {"cat", "dog", "bird", "(a)\\1", "eel", "fox"};
	unsigned ids[] = {0, 1, 2, 3, 4, 5};
	struct multire *m = compile(p, ids, 6, 0);
	struct multire_scratch *s = scratch_for(m, m);
	struct multire_hint hint;

	multire_hint_init(&hint);
	cr_assert(!multire_any(m, s, "a cat", 5, only_odd, NULL, &hint));
	expect_hint(&hint, NULL, 0);
	cr_assert(multire_any(m, s, "a cat", 5, NULL, NULL, &hint));
	expect_hint(&hint, (size_t[]){0}, 1);
	cr_assert(multire_any(m, s, "hot dog", 7, only_odd, NULL, &hint));
	expect_hint(&hint, (size_t[]){1, 0}, 2);
	cr_assert(multire_any(m, s, "aa", 2, only_odd, NULL, &hint)); /* the fallback */
	expect_hint(&hint, (size_t[]){3, 1, 0}, 3);
	cr_assert(!multire_any(m, s, "fish", 4, NULL, NULL, &hint));
	expect_hint(&hint, (size_t[]){3, 1, 0}, 3); /* a miss leaves the hint alone */
	cr_assert(multire_any(m, s, "a cat", 5, NULL, NULL, &hint));
	expect_hint(&hint, (size_t[]){0, 3, 1}, 3); /* an answer moves to the front */
	cr_assert(!multire_any(m, s, "a cat", 5, only_odd, NULL, &hint),
		  "a hinted pattern that keep refuses does not answer");
	cr_assert(multire_any(m, s, "eel", 3, NULL, NULL, &hint));
	cr_assert(multire_any(m, s, "fox", 3, NULL, NULL, &hint));
	expect_hint(&hint, (size_t[]){5, 4, 0, 3}, MULTIRE_HINTS); /* the oldest, 1, dropped */
	multire_scratch_free(s);
	multire_free(m);
}

Test(multire, nothing_to_compile)
{
	struct multire *m = compile(NULL, NULL, 0, 0);
	struct multire_scratch *s = scratch_for(m, m);
	uint64_t hits = 0;

	multire_scan(m, s, "x", 1, &hits);
	cr_assert_eq(hits, 0);
	cr_assert(!multire_any(m, s, "x", 1, NULL, NULL, NULL));
	multire_scratch_free(s);
	multire_free(m);
}

Test(multire, id_out_of_range)
{
	const char *p = "x";
	unsigned id = 1u << 24;
	struct multire *m = NULL;
	struct conf_err err = {0};

	cr_assert_eq(multire_compile(&p, &id, 1, 0, &m, &err), -1);
	cr_assert_null(m);
	cr_assert_str_eq(err.msg, "pattern id out of range");
}

/* ---- the database cache (filters/internal.h) ---------------------------------------- */

#ifdef HAVE_VECTORSCAN

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char cache_root[] = "/tmp/test_multire.XXXXXX";
static char cache[sizeof(cache_root) + 32];

static void cache_setup(void)
{
	cr_assert_not_null(mkdtemp(cache_root));
	snprintf(cache, sizeof(cache), "%s/cache", cache_root);
}

static void cache_teardown(void)
{
	char cmd[sizeof(cache_root) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_root);
	cr_expect_eq(system(cmd), 0);
}

/* The one file in the cache; its name is the key in hex. */
static void only_file(char name[2 * HSCACHE_KEY + 1])
{
	DIR *d = opendir(cache);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d, "the cache directory was made");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || n++ > 0)
			continue;
		cr_assert_eq(strlen(de->d_name), 2 * HSCACHE_KEY, "%s: named by its key",
			     de->d_name);
		memcpy(name, de->d_name, 2 * HSCACHE_KEY + 1);
	}
	closedir(d);
	cr_assert_eq(n, 1, "one database, one file");
}

static uint64_t scan_cached(const char *const *p, const unsigned *ids, size_t n, const char *text)
{
	struct multire *m = NULL;
	struct multire_scratch *s;
	uint64_t hits = 0;

	cr_assert_eq(multire_compile_cached(p, ids, n, 0, cache, &m, NULL), 0);
	s = scratch_for(m, m);
	multire_scan(m, s, text, strlen(text), &hits);
	multire_scratch_free(s);
	multire_free(m);
	return hits;
}

Test(cache, used_checked_and_replaced, .init = cache_setup, .fini = cache_teardown)
{
	const char *cats[] = {"cat", "dog"}, *birds[] = {"bird"};
	unsigned ids[] = {0, 1};
	char name[2 * HSCACHE_KEY + 1], path[200];
	unsigned char key[HSCACHE_KEY];
	hs_database_t *other;
	hs_compile_error_t *ce = NULL;
	struct stat st;
	FILE *f;

	if (!multire_vectorscan_available())
		cr_skip_test("Vectorscan does not run on this CPU");
	cr_assert_eq(scan_cached(cats, ids, 2, "a cat"), 1);
	only_file(name);
	snprintf(path, sizeof(path), "%s/%s", cache, name);
	cr_assert_eq(stat(cache, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(scan_cached(cats, ids, 2, "a dog"), 2, "the same answers from the cache");

	/* Under the key of {cat, dog}, a database of other patterns: answers that
	 * come from it prove the file is read. */
	for (size_t i = 0; i < HSCACHE_KEY; i++)
		cr_assert_eq(sscanf(name + 2 * i, "%2hhx", &key[i]), 1);
	cr_assert_eq(hs_compile_multi(birds, (unsigned[]){HS_FLAG_SINGLEMATCH}, ids, 1,
				      HS_MODE_BLOCK, NULL, &other, &ce),
		     HS_SUCCESS);
	hscache_store(cache, key, other);
	hs_free_database(other);
	cr_assert_eq(scan_cached(cats, ids, 2, "a bird"), 1, "the cached database answers");

	/* One byte of the database changed: the file is refused, the patterns
	 * compiled again and the file written anew. */
	cr_assert_not_null(f = fopen(path, "r+b"));
	cr_assert_eq(fseek(f, -1, SEEK_END), 0);
	cr_assert_eq(fputc(0x5a ^ 0xff, f), 0x5a ^ 0xff);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(scan_cached(cats, ids, 2, "a bird"), 0, "a damaged file is not used");
	cr_assert_eq(scan_cached(cats, ids, 2, "a cat"), 1);
	only_file(name);
}

/* A file of the cache dir with its time n days ago. */
static void cache_file(const char *name, int days)
{
	char path[200];
	struct timespec t[2] = {{time(NULL) - days * 86400L, 0}, {time(NULL) - days * 86400L, 0}};
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cache, name);
	cr_assert_not_null(f = fopen(path, "w"));
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool cache_has(const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", cache, name);
	return access(path, F_OK) == 0;
}

Test(cache, unused_files_pruned, .init = cache_setup, .fini = cache_teardown)
{
	const char *cats[] = {"cat"};
	unsigned char key[HSCACHE_KEY] = {1};
	hs_database_t *db;
	hs_compile_error_t *ce = NULL;
	char old[80], recent[80], tmp[90];

	memset(old, 'a', 64), old[64] = '\0';
	memset(recent, 'b', 64), recent[64] = '\0';
	snprintf(tmp, sizeof(tmp), ".%s.123", old);
	cr_assert_eq(mkdir(cache, 0700), 0);
	cache_file(old, HSCACHE_DAYS + 1);
	cache_file(tmp, HSCACHE_DAYS + 1);
	cache_file(recent, HSCACHE_DAYS - 1);
	cache_file("notes.txt", HSCACHE_DAYS + 1);
	cr_assert_eq(hs_compile_multi(cats, (unsigned[]){HS_FLAG_SINGLEMATCH}, (unsigned[]){0}, 1,
				      HS_MODE_BLOCK, NULL, &db, &ce),
		     HS_SUCCESS);
	hscache_store(cache, key, db);
	hs_free_database(db);
	cr_expect(!cache_has(old), "a database not used for %d days is removed", HSCACHE_DAYS);
	cr_expect(!cache_has(tmp), "so is a crash's temporary file");
	cr_expect(cache_has(recent), "a database used lately stays");
	cr_expect(cache_has("notes.txt"), "a file that is not ours stays");
}

Test(cache, none_to_be_had, .init = cache_setup, .fini = cache_teardown)
{
	const char *cats[] = {"cat"};
	unsigned ids[] = {0};
	struct multire *m = NULL;

	if (!multire_vectorscan_available())
		cr_skip_test("Vectorscan does not run on this CPU");
	snprintf(cache, sizeof(cache), "%s/no/such/dir", cache_root);
	cr_assert_eq(scan_cached(cats, ids, 1, "a cat"), 1, "a cache that cannot be made misses");
	cr_assert_eq(multire_compile_cached(cats, ids, 1, MULTIRE_PCRE2_ONLY, cache, &m, NULL), 0);
	multire_free(m);
}
#endif
