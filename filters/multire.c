/*
 * filters/multire.c: many regexes, one pass (see internal.h).
 *
 * Every pattern is compiled with PCRE2 first: PCRE2 is the reference (it
 * decides what is broken, and multire_match answers with it).  Patterns
 * PCRE2 accepts are offered to Vectorscan one by one (hs_expression_info,
 * cheap) and the accepted ones compiled into one block-mode database; if the
 * database compile still names a pattern, that one falls back and the
 * compile is retried.  Fallback patterns are JIT-compiled.
 *
 * Trust, but check: Debian 12's Vectorscan 5.4.9, on a CPU with AVX-512,
 * misses matches of some patterns ("}", "a[xy]", "}.*": a single byte found
 * by its AVX-512 accelerators) past the 64th byte of the text; and with its
 * AVX2 code too, a two-byte literal that ends a text of 18 to 32 bytes,
 * when the database also holds a pattern with a repeat ({"q[0-9]+r", "ab"}
 * misses "xxxxxxxxxxxxxxxxab"; found by tests/fuzz/fuzz_ere.c).  Its SSE4.2
 * code gets both right.  So before the first use, a self-test
 * (engine_probe, probe_cases) runs such cases through hs_scan and, if they
 * fail, through the scan functions the library's fat runtime exports per
 * CPU family (avx2_hs_scan, then older), with databases compiled for that
 * family; the first that passes is used, and if none does Vectorscan is
 * not used at all (PCRE2 for everything).
 *
 * Vectorscan flags: HS_FLAG_SINGLEMATCH (one callback per id is all we
 * need) and HS_FLAG_ALLOWEMPTY (a pattern that can match the empty string
 * matches every text, as in PCRE2 and grep).  No HS_FLAG_UTF8/UCP, and PCRE2
 * gets PCRE2_NEVER_UTF and PCRE2_NEVER_UCP, so that a `(*UTF)` at the start of
 * a pattern cannot switch one engine to characters behind the other's back.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "filters/internal.h"

#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_VECTORSCAN
#include <dlfcn.h>
#include <hs.h>
#include <pthread.h>

#define HS_FLAGS (HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY)
#endif

#define PCRE2_OPTIONS (PCRE2_NEVER_UTF | PCRE2_NEVER_UCP)
#define JIT_STACK_MAX (1024 * 1024)
#define MAX_ID        ((1u << 24) - 1)

struct mpat {
	pcre2_code *re; /* NULL when broken */
	bool jit;       /* re has JIT code: pcre2_jit_match, without pcre2_match's checks */
	unsigned id;
	enum multire_engine engine;
	char *why;
};

struct multire {
	struct mpat *p;
	size_t n;
	size_t *first_of_id; /* [id]: the first pattern with that id, for hints */
	size_t *alone;       /* indexes of the MULTIRE_ALONE patterns, in order */
	size_t n_alone;
	unsigned id_bits;
#ifdef HAVE_VECTORSCAN
	hs_database_t *db; /* NULL: nothing batched */
#endif
};

struct multire_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *jit;
#ifdef HAVE_VECTORSCAN
	hs_scratch_t *hs;
#endif
};

#ifdef HAVE_VECTORSCAN
typedef hs_error_t (*scan_fn)(const hs_database_t *db, const char *data, unsigned length,
			      unsigned flags, hs_scratch_t *scratch, match_event_handler on_event,
			      void *context);

/* Set once by engine_probe: the scan function that passed the self-test
 * (NULL: do not use Vectorscan) and the platform to compile for (NULL: this
 * CPU's). */
static scan_fn scan_ok;
static hs_platform_info_t platform_storage, *platform;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static int probe_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		     void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(int *)ctx = 1;
	return 0;
}

/* Texts Vectorscan 5.4.9 was seen to get wrong, each with the patterns of
 * one database: a single byte past the 64th (its AVX-512 code), and a
 * two-byte literal ending a text of 18 to 32 bytes beside a pattern with a
 * repeat (its AVX2 code too).  Each text is count fill bytes, then tail;
 * the last pattern must match it, and nothing the fill alone. */
static const struct probe_case {
	const char *patterns[2]; /* one or two */
	char fill;
	unsigned count;
	const char *tail;
} probe_cases[] = {
    {{"}"}, 'a', 100, "}"},
    {{"}b?"}, 'a', 100, "}"},
    {{"a[xy]"}, 'b', 100, "ax"},
    {{"}.*"}, 'a', 100, "}"},
    {{"zy"}, 'a', 100, "zy"},
    {{"q[0-9]+r", "ab"}, 'x', 16, "ab"},
};

static bool probe_one(scan_fn scan, const hs_platform_info_t *pl, const struct probe_case *c)
{
	static const unsigned flags[] = {HS_FLAGS, HS_FLAGS}, ids[] = {0, 1};
	unsigned n = c->patterns[1] ? 2 : 1;
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;
	hs_scratch_t *sc = NULL;
	char text[128];
	int hit = 0, miss = 0;
	bool ok = false;

	memset(text, c->fill, c->count);
	snprintf(text + c->count, sizeof(text) - c->count, "%s", c->tail);
	if (hs_compile_multi(c->patterns, flags, ids, n, HS_MODE_BLOCK, pl, &db, &ce) !=
	    HS_SUCCESS) {
		hs_free_compile_error(ce);
		return false;
	}
	if (hs_alloc_scratch(db, &sc) == HS_SUCCESS &&
	    scan(db, text, (unsigned)strlen(text), 0, sc, probe_hit, &hit) == HS_SUCCESS &&
	    scan(db, text, c->count, 0, sc, probe_hit, &miss) == HS_SUCCESS)
		ok = hit && !miss;
	hs_free_scratch(sc);
	hs_free_database(db);
	return ok;
}

static bool probe(scan_fn scan, const hs_platform_info_t *pl)
{
	for (size_t i = 0; scan && i < sizeof(probe_cases) / sizeof(probe_cases[0]); i++)
		if (!probe_one(scan, pl, &probe_cases[i]))
			return false;
	return scan != NULL;
}

static void engine_probe(void)
{
	/* the fat runtime's scan per CPU family, and the features its
	 * databases may use */
	static const struct {
		const char *scan;
		unsigned long long drop;
	} fallbacks[] = {
	    {"avx2_hs_scan", HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI},
	    {"corei7_hs_scan",
	     HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI},
	    {"core2_hs_scan",
	     HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI},
	};
	hs_platform_info_t here;

	if (hs_valid_platform() != HS_SUCCESS)
		return;
	if (probe(hs_scan, NULL)) {
		scan_ok = hs_scan;
		return;
	}
	if (hs_populate_platform(&here) != HS_SUCCESS)
		return;
	for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
		scan_fn f;
		void *sym = dlsym(RTLD_DEFAULT, fallbacks[i].scan);

		memcpy(&f, &sym, sizeof(f)); /* a data pointer to a function pointer */
		platform_storage = here;
		platform_storage.cpu_features &= ~fallbacks[i].drop;
		if (probe(f, &platform_storage)) {
			scan_ok = f;
			platform = &platform_storage;
			return;
		}
	}
}
#endif

bool multire_vectorscan_available(void)
{
#ifdef HAVE_VECTORSCAN
	const char *e = getenv("LOGMAIL_REGEX_ENGINE");

	if (e && strcmp(e, "pcre2") == 0)
		return false;
	pthread_once(&probe_once, engine_probe);
	return scan_ok != NULL;
#else
	return false;
#endif
}

static void set_err(struct conf_err *err, const char *msg)
{
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

/* ---- PCRE2, the reference ------------------------------------------------ */

static int pcre2_pass(struct multire *m, const char *const *patterns)
{
	for (size_t i = 0; i < m->n; i++) {
		struct mpat *p = &m->p[i];
		PCRE2_UCHAR msg[200];
		PCRE2_SIZE off;
		char why[300];
		int code;

		p->re = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED, PCRE2_OPTIONS,
				      &code, &off, NULL);
		p->engine = p->re ? MULTIRE_ALONE : MULTIRE_BROKEN;
		if (p->re)
			continue;
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(why, sizeof(why), "%s at offset %zu", (char *)msg, (size_t)off);
		if (!(p->why = strdup(why)))
			return -1;
	}
	return 0;
}

/* JIT for the patterns that run on their own (all with MULTIRE_JIT_ALL);
 * the interpreter is the fallback when there is no JIT. */
static int alone_index(struct multire *m, unsigned flags)
{
	m->alone = calloc(m->n ? m->n : 1, sizeof(*m->alone));
	m->first_of_id = calloc(m->id_bits ? m->id_bits : 1, sizeof(*m->first_of_id));
	if (!m->alone || !m->first_of_id)
		return -1;
	for (size_t i = m->n; i-- > 0;)
		m->first_of_id[m->p[i].id] = i;
	for (size_t i = 0; i < m->n; i++) {
		if (m->p[i].engine == MULTIRE_BROKEN ||
		    (m->p[i].engine == MULTIRE_BATCHED && !(flags & MULTIRE_JIT_ALL)))
			continue;
		m->p[i].jit = pcre2_jit_compile(m->p[i].re, PCRE2_JIT_COMPLETE) == 0;
		if (m->p[i].engine == MULTIRE_ALONE)
			m->alone[m->n_alone++] = i;
	}
	return 0;
}

/* ---- Vectorscan ------------------------------------------------------------ */

#ifdef HAVE_VECTORSCAN
static int fall_back(struct mpat *p, const char *why)
{
	p->engine = MULTIRE_ALONE;
	free(p->why);
	return (p->why = strdup(why)) ? 0 : -1;
}

/* Counted repeats above this go to PCRE2: in some shapes Vectorscan's
 * compile time grows faster than the square of the count (the rule
 * fuzz_ere made, ^(u{3} [ :\[b]\]{N}|)a+[-_]+ s+\]:? a{2,}b?, compiled in
 * 0.14 s with N 255, 0.87 s with 600, 3.3 s with 1,000), and one rule
 * would hold up rsyslogd's start.  Debian's logcheck rules count to 43,
 * but for one of ssh's, `.{0,256}`, whose sshd lines are common: it must
 * stay with Vectorscan. */
#define HS_MAX_COUNT 256

/* The largest count of a counted repeat ({n}, {n,}, {n,m}) in a PCRE2
 * pattern, escapes and bracket expressions skipped (roughly: a count read
 * where there is none only costs speed, the pattern going to PCRE2). */
static unsigned long largest_count(const char *re)
{
	unsigned long max = 0;

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1] != '\0') {
			const char *close = p[2] == '{' ? strchr(p + 2, '}') : NULL;

			p = close && strchr("xogkNpP", p[1]) ? close : p + 1; /* \x{41} and such */
		} else if (*p == '[') {
			p += 1 + (p[1] == '^') + (p[1 + (p[1] == '^')] == ']');
			while (*p && *p != ']')
				p += *p == '\\' && p[1] ? 2 : 1;
			if (!*p)
				break;
		} else if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
			char *end;
			unsigned long n = strtoul(p + 1, &end, 10), m = 0;

			if (*end == ',' && end[1] >= '0' && end[1] <= '9')
				m = strtoul(end + 1, &end, 10);
			else if (*end == ',')
				end++;
			if (*end == '}' && (n > max || m > max))
				max = n > m ? n : m;
		}
	}
	return max;
}

/* Patterns Vectorscan takes one by one; the others fall back. */
static int hs_screen(struct multire *m, const char *const *patterns)
{
	for (size_t i = 0; i < m->n; i++) {
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;

		if (m->p[i].engine == MULTIRE_BROKEN)
			continue;
		if (largest_count(patterns[i]) > HS_MAX_COUNT) {
			if (fall_back(&m->p[i],
				      "a count above 256 (slow to compile for Vectorscan)") < 0)
				return -1;
			continue;
		}
		if (hs_expression_info(patterns[i], HS_FLAGS, &info, &ce) == HS_SUCCESS) {
			m->p[i].engine = MULTIRE_BATCHED;
			free(info);
			continue;
		}
		int rc = fall_back(&m->p[i], ce ? ce->message : "rejected by Vectorscan");

		hs_free_compile_error(ce);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Compile the batched patterns into one database, or take it from cache
 * (filters/internal.h) when it was compiled before.  A pattern the full
 * compile still rejects falls back and the compile is retried; a failure
 * that names no pattern sends them all to PCRE2.  (Such a database is not
 * cached: the key names the patterns the first compile was given.) */
static int hs_build(struct multire *m, const char *const *patterns, const char *cache)
{
	const char **exprs = calloc(m->n ? m->n : 1, sizeof(*exprs));
	unsigned *flags = calloc(m->n ? m->n : 1, sizeof(*flags));
	unsigned *ids = calloc(m->n ? m->n : 1, sizeof(*ids));
	size_t *which = calloc(m->n ? m->n : 1, sizeof(*which));
	unsigned char key[HSCACHE_KEY];
	bool first = true; /* the patterns hs_screen passed, as the key names them */
	int rc = -1;

	if (!exprs || !flags || !ids || !which)
		goto out;
	for (;;) {
		hs_compile_error_t *ce = NULL;
		unsigned k = 0;

		for (size_t i = 0; i < m->n; i++) {
			if (m->p[i].engine != MULTIRE_BATCHED)
				continue;
			exprs[k] = patterns[i];
			flags[k] = HS_FLAGS;
			ids[k] = m->p[i].id;
			which[k++] = i;
		}
		if (first && k > 0 && cache) {
			hscache_key(exprs, flags, ids, k, platform, key);
			if ((m->db = hscache_load(cache, key)) != NULL) {
				rc = 0;
				break;
			}
		}
		if (k == 0 || hs_compile_multi(exprs, flags, ids, k, HS_MODE_BLOCK, platform,
					       &m->db, &ce) == HS_SUCCESS) {
			if (first && k > 0 && cache)
				hscache_store(cache, key, m->db);
			rc = 0;
			break;
		}
		first = false;
		if (ce && ce->expression >= 0 && (unsigned)ce->expression < k) {
			rc = fall_back(&m->p[which[ce->expression]], ce->message);
		} else {
			char why[300];

			snprintf(why, sizeof(why), "Vectorscan could not build the database: %s",
				 ce ? ce->message : "unknown error");
			rc = 0;
			for (size_t i = 0; i < m->n && rc == 0; i++)
				if (m->p[i].engine == MULTIRE_BATCHED)
					rc = fall_back(&m->p[i], why);
		}
		hs_free_compile_error(ce);
		if (rc < 0)
			break;
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	free(which);
	return rc;
}
#endif

enum multire_engine multire_check(const char *pattern, unsigned flags, char *why, size_t size)
{
	struct multire m = {.n = 1};
	struct mpat p = {0};
	enum multire_engine e;

	m.p = &p;
	if (pcre2_pass(&m, &pattern) < 0) {
		snprintf(why, size, "out of memory");
		return MULTIRE_BROKEN;
	}
#ifdef HAVE_VECTORSCAN
	if (!(flags & MULTIRE_PCRE2_ONLY) && multire_vectorscan_available())
		(void)hs_screen(&m, &pattern); /* out of memory: why stays empty */
#else
	(void)flags;
#endif
	e = p.engine;
	snprintf(why, size, "%s", e != MULTIRE_BATCHED && p.why ? p.why : "");
	pcre2_code_free(p.re);
	free(p.why);
	return e;
}

/* ---- compile ---------------------------------------------------------------- */

int multire_compile(const char *const *patterns, const unsigned *ids, size_t n, unsigned flags,
		    struct multire **out, struct conf_err *err)
{
	return multire_compile_cached(patterns, ids, n, flags, NULL, out, err);
}

int multire_compile_cached(const char *const *patterns, const unsigned *ids, size_t n,
			   unsigned flags, const char *cache, struct multire **out,
			   struct conf_err *err)
{
	struct multire *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->p = calloc(n ? n : 1, sizeof(*m->p))))
		goto nomem;
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] > MAX_ID) {
			set_err(err, "pattern id out of range");
			multire_free(m);
			return -1;
		}
		m->p[i].id = ids[i];
		if (ids[i] + 1 > m->id_bits)
			m->id_bits = ids[i] + 1;
	}
	if (pcre2_pass(m, patterns) < 0)
		goto nomem;
#ifdef HAVE_VECTORSCAN
	if (!(flags & MULTIRE_PCRE2_ONLY) && multire_vectorscan_available() &&
	    (hs_screen(m, patterns) < 0 || hs_build(m, patterns, cache) < 0))
		goto nomem;
#else
	(void)cache; /* nothing compiled to keep */
#endif
	if (alone_index(m, flags) < 0)
		goto nomem;
	*out = m;
	return 0;
nomem:
	set_err(err, "out of memory compiling regular expressions");
	multire_free(m);
	return -1;
}

void multire_free(struct multire *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->p && i < m->n; i++) {
		pcre2_code_free(m->p[i].re);
		free(m->p[i].why);
	}
#ifdef HAVE_VECTORSCAN
	hs_free_database(m->db);
#endif
	free(m->p);
	free(m->alone);
	free(m->first_of_id);
	free(m);
}

size_t multire_size(const struct multire *m)
{
	return m->n;
}

unsigned multire_id_bits(const struct multire *m)
{
	return m->id_bits;
}

enum multire_engine multire_engine_of(const struct multire *m, size_t i)
{
	return m->p[i].engine;
}

const char *multire_why(const struct multire *m, size_t i)
{
	return m->p[i].engine == MULTIRE_BATCHED ? NULL : m->p[i].why;
}

/* ---- scratch ---------------------------------------------------------------- */

struct multire_scratch *multire_scratch_new(void)
{
	struct multire_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->md = pcre2_match_data_create(1, NULL); /* we ask whether, never where */
	s->mc = pcre2_match_context_create(NULL);
	s->jit = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	if (!s->md || !s->mc) {
		multire_scratch_free(s);
		return NULL;
	}
	if (s->jit) /* without a JIT there is no JIT stack to give */
		pcre2_jit_stack_assign(s->mc, NULL, s->jit);
	return s;
}

int multire_scratch_fit(struct multire_scratch *s, const struct multire *m)
{
#ifdef HAVE_VECTORSCAN
	if (m->db && hs_alloc_scratch(m->db, &s->hs) != HS_SUCCESS)
		return -1;
#else
	(void)s;
	(void)m;
#endif
	return 0;
}

void multire_scratch_free(struct multire_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->jit);
#ifdef HAVE_VECTORSCAN
	hs_free_scratch(s->hs);
#endif
	free(s);
}

/* ---- scanning --------------------------------------------------------------- */

static void hit_set(uint64_t *hits, unsigned id)
{
	hits[id / 64] |= 1ull << (id % 64);
}

static bool pcre2_test(const struct mpat *p, struct multire_scratch *s, const char *text,
		       size_t len)
{
	PCRE2_SPTR t = (PCRE2_SPTR)(text ? text : "");

	if (!p->re)
		return false;
	/* rc 0: it matched and the ovector was too small to say where */
	if (p->jit)
		return pcre2_jit_match(p->re, t, len, 0, 0, s->md, s->mc) >= 0;
	return pcre2_match(p->re, t, len, 0, 0, s->md, s->mc) >= 0;
}

bool multire_match(const struct multire *m, struct multire_scratch *s, size_t i, const char *text,
		   size_t len)
{
	return pcre2_test(&m->p[i], s, text, len);
}

#ifdef HAVE_VECTORSCAN
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	hit_set(ctx, id);
	return 0;
}
#endif

void multire_scan_batched(const struct multire *m, struct multire_scratch *s, const char *text,
			  size_t len, uint64_t *hits)
{
#ifdef HAVE_VECTORSCAN
	if (!m->db)
		return;
	if (len <= UINT_MAX &&
	    scan_ok(m->db, text ? text : "", (unsigned)len, 0, s->hs, on_match, hits) == HS_SUCCESS)
		return;
	/* Not expected (a scratch not fitted, a text over 4 GiB): answer with
	 * PCRE2 rather than not at all. */
	for (size_t i = 0; i < m->n; i++)
		if (m->p[i].engine == MULTIRE_BATCHED && !multire_hit(hits, m->p[i].id) &&
		    pcre2_test(&m->p[i], s, text, len))
			hit_set(hits, m->p[i].id);
#else
	(void)m;
	(void)s;
	(void)text;
	(void)len;
	(void)hits;
#endif
}

struct any {
	bool (*keep)(unsigned id, void *arg);
	void *arg;
	unsigned id; /* the one found */
};

#ifdef HAVE_VECTORSCAN
static int on_match_any(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
			void *ctx)
{
	struct any *a = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (a->keep && !a->keep(id, a->arg))
		return 0;
	a->id = id;
	return 1; /* stop: found */
}
#endif

static bool any_test(const struct multire *m, struct multire_scratch *s, size_t i,
		     const struct any *a, const char *text, size_t len)
{
	const struct mpat *p = &m->p[i];

	return (!a->keep || a->keep(p->id, a->arg)) && pcre2_test(p, s, text, len);
}

void multire_hint_init(struct multire_hint *h)
{
	for (size_t k = 0; k < MULTIRE_HINTS; k++)
		h->last[k] = SIZE_MAX;
}

/* Pattern i answered: to the front of hint, the others moving back. */
static bool found(struct multire_hint *hint, size_t i)
{
	size_t k = 0;

	if (!hint)
		return true;
	while (k < MULTIRE_HINTS - 1 && hint->last[k] != i)
		k++;
	memmove(&hint->last[1], &hint->last[0], k * sizeof(hint->last[0]));
	hint->last[0] = i;
	return true;
}

bool multire_any(const struct multire *m, struct multire_scratch *s, const char *text, size_t len,
		 bool (*keep)(unsigned id, void *arg), void *arg, struct multire_hint *hint)
{
	struct any a = {keep, arg, 0};

	for (size_t k = 0; hint && k < MULTIRE_HINTS && hint->last[k] < m->n; k++)
		if (any_test(m, s, hint->last[k], &a, text, len))
			return found(hint, hint->last[k]);
#ifdef HAVE_VECTORSCAN
	if (m->db) {
		hs_error_t rc = len <= UINT_MAX ? scan_ok(m->db, text ? text : "", (unsigned)len, 0,
							  s->hs, on_match_any, &a)
						: HS_INVALID;

		if (rc == HS_SCAN_TERMINATED)
			return found(hint, m->first_of_id[a.id]);
		if (rc != HS_SUCCESS) /* not expected: answer with PCRE2 */
			for (size_t i = 0; i < m->n; i++)
				if (m->p[i].engine == MULTIRE_BATCHED &&
				    any_test(m, s, i, &a, text, len))
					return found(hint, i);
	}
#endif
	for (size_t k = 0; k < m->n_alone; k++)
		if (any_test(m, s, m->alone[k], &a, text, len))
			return found(hint, m->alone[k]);
	return false;
}

void multire_scan(const struct multire *m, struct multire_scratch *s, const char *text, size_t len,
		  uint64_t *hits)
{
	multire_scan_batched(m, s, text, len, hits);
	for (size_t k = 0; k < m->n_alone; k++) {
		const struct mpat *p = &m->p[m->alone[k]];

		if (!multire_hit(hits, p->id) && pcre2_test(p, s, text, len))
			hit_set(hits, p->id);
	}
}
