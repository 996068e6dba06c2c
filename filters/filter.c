/*
 * filters/filter.c: compiling `log email` filters and matching a message.
 *
 * The index
 * ---------
 * Every filter (include or exclude) of every recipient becomes one entry
 * { recipient, pattern } where pattern is -1 (no msgtext) or the number of
 * a deduplicated msgtext (the same substring or regex used by a thousand
 * filters is one pattern, tested at most once per message).
 *
 * Entries are grouped into cells by three keys that cost nothing to check:
 *
 *   bucket    the filter's program: one bucket per distinct program name
 *             (found by an open-addressing hash table on the programname),
 *             and bucket 0 for filters without a program;
 *   kind      include or exclude;
 *   facility  slot 0..23 for `facility F`, slot 24 for filters without one.
 *
 * Inside a cell the entries are sorted by level, least severe first (a
 * filter without level counts as level 8, above debugging).  `level L` holds
 * for severity s when L >= s, so the entries whose level holds form a
 * prefix of the cell, whose length cnt[s] was counted at compile time.
 *
 * A message (severity s, facility f, program p) therefore has as candidates
 * exactly four prefixes: bucket(p) and bucket 0, each in slot f and slot
 * 24.  Every candidate already satisfies level, facility and program; only
 * those with a pattern need a text test, memoized per message.  A message
 * that matches nothing costs one hash probe and four array reads when no
 * candidate has a msgtext, whatever the number of recipients; the hash
 * probe is skipped when no filter naming a program admits (s, f), as for
 * the informational bulk when programs are watched at warnings.
 *
 * Within one level, entries are sorted by pattern, and each entry knows how
 * many following entries share its pattern (run): when the text is not
 * there, the whole run is skipped at once, so a thousand filters on the
 * same msgtext cost one test.  From the second substring a message needs,
 * a test first looks up a few byte pairs of the substring in a bitmap of the
 * message's byte pairs (built once per message); memmem runs only when all
 * are present.
 *
 * Regexes: every distinct `msgtext regex` of the configuration goes into one
 * filters/internal.h set.  The filters whose regex Vectorscan takes are not
 * in the cells: they are listed by regex (rxentry), and a message that any
 * of them could concern (rx_max says, per cell key, the least severe level
 * they admit) gets one Vectorscan pass; only the filters of the regexes
 * that matched are then looked at.  So a thousand recipients with a regex
 * each cost one scan and the few hits, not a thousand tests.  A regex
 * Vectorscan cannot take stays in the cells and runs alone with PCRE2 when
 * needed, as before; the reference evaluator uses PCRE2 for every regex.
 *
 * `host H` is not a key of the index: like a msgtext, it is a test on the
 * candidates that have one (each distinct host pattern at most once per
 * message).  A collector's filters name few hosts, and a host criterion
 * mostly rides along with a level or a program that the index already
 * narrows.
 *
 * Excludes are only looked at when some include matched, and only for the
 * recipients it matched.  Per-message scratch (which recipients were
 * touched, which patterns were tested) lives in the worker and is reset by
 * bumping a generation number, never by clearing arrays.
 */
#include "filters/filter.h"
#include "filters/internal.h"
#include "util/util.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEV_SLOTS   9  /* severities 0..7, and 8 for out of range */
#define FAC_SLOTS   25 /* facilities 0..23, and 24 for "any facility" */
#define FAC_ANY     24
#define LEVEL_ANY   8 /* the level key of a filter without level */
#define FLUSH_EVERY 64

enum { KIND_INCLUDE, KIND_EXCLUDE };

struct fentry {
	uint32_t recipient;
	int32_t pattern; /* -1: no msgtext */
	uint32_t run;    /* entries from here on with this pattern and level: skipped at once */
	int32_t host;    /* -1: no host criterion */
};

/* entries[off .. off + cnt[s]) are the entries whose level admits severity s */
struct cell {
	uint32_t off;
	uint32_t cnt[SEV_SLOTS];
};

struct bucket {
	uint32_t cell[2][FAC_SLOTS]; /* [kind][facility slot]: cell index + 1, 0: empty */
};

/* A filter whose regex is in the Vectorscan database, under its regex. */
struct rxentry {
	uint32_t recipient;
	uint32_t bucket;
	uint8_t kind;
	uint8_t fac;       /* facility slot */
	uint8_t level_key; /* admits severity s when s <= level_key */
	int32_t host;      /* the filter's host pattern, -1: any */
};

struct pattern {
	const char *text; /* borrowed from the conf */
	size_t len;
	bool regex;          /* else a plain substring */
	bool batched;        /* regex in the Vectorscan database */
	uint32_t rx;         /* regex: its number in set->regex */
	const char *address; /* regex: a recipient that uses it, for errors */
	uint16_t bigram[4];  /* substrings: hashed byte pairs that must all be in the text */
	int n_bigrams;
};

/* A `host H` criterion: a name or a glob (lower case, from the conf). */
struct hostpat {
	const char *glob; /* borrowed from the conf */
	bool literal;     /* no glob characters: a plain comparison */
};

/* The byte pairs of a message, hashed into BIGRAM_BITS bits: a substring
 * with one of its pairs missing cannot be in the text.  Built at most once
 * per message, and only when a candidate has a substring. */
#define BIGRAM_BITS  4096
#define BIGRAM_WORDS (BIGRAM_BITS / 64)

/* One filter as written, for filter_match_linear. */
struct lfilter {
	uint32_t recipient;
	bool exclude;
	int level;
	int facility;
	const char *program; /* NULL: any */
	size_t program_len;
	int32_t pattern;
	int32_t host;
};

struct hslot {
	uint32_t hash;
	uint32_t bucket; /* 0: empty slot (bucket 0 is never in the table) */
	const char *name;
	size_t len;
};

struct rcounters {
	_Atomic uint64_t accepted;
	_Atomic uint64_t mailed;
	_Atomic int64_t last_mail;
	_Atomic int64_t since; /* atomics: a reload carries counts into a set in use */
};

/* The only mutable part of a set, behind a pointer so that matching can take
 * the set as const. */
struct counters {
	_Atomic uint64_t evaluated;
	_Atomic uint64_t received_base; /* carried over by filter_stats_restore */
	_Atomic int64_t since;
	struct rcounters *r;
};

struct filter_set {
	const struct conf *conf;
	size_t n_recipients;
	struct counters *ctr;
	struct pattern *patterns;
	size_t n_patterns;
	struct hostpat *hosts;
	size_t n_hosts;
	struct multire *regex; /* the regexes among the patterns, by rx */
	size_t n_regex;
	struct rxentry *rx_entries; /* the batched filters, by regex: */
	uint32_t *rx_off;           /* regex rx's are rx_entries[rx_off[rx] .. rx_off[rx + 1]) */
	int8_t *rx_max; /* [bucket][kind][facility slot]: the largest level_key there, -1: none */
	struct lfilter *filters;
	size_t n_filters;
	struct fentry *entries;
	struct cell *cells;
	size_t n_cells;
	struct bucket *buckets; /* [0]: filters without program */
	size_t n_buckets;
	struct hslot *table;
	size_t mask;
	/* [s][f]: some include filter naming a program admits severity s and
	 * facility slot f; when not, includes need no program lookup */
	bool program_matters[SEV_SLOTS][FAC_SLOTS];
};

struct filter_worker {
	const struct filter_set *set;
	struct multire_scratch *scratch;
	uint64_t *rx_hits; /* the batched regexes that match this message... */
	uint32_t rx_gen;   /* ...when == gen */
	uint32_t gen;
	uint32_t *rgen;         /* per recipient: == gen when touched by this message */
	uint8_t *rexcl;         /* per recipient: an exclude matched */
	uint32_t *touched;      /* recipients included by this message */
	uint32_t *pgen;         /* per pattern: == gen when tested for this message */
	uint8_t *pval;          /* per pattern: the result of that test */
	uint32_t *hgen;         /* per host pattern: == gen when tested for this message */
	uint8_t *hval;          /* per host pattern: the result of that test */
	uint64_t pending;       /* evaluated messages not yet added to the set */
	uint32_t first_sub_gen; /* == gen once a substring was tested for this message */
	uint32_t bigrams_gen;   /* == gen when bigrams holds this message's pairs */
	uint64_t bigrams[BIGRAM_WORDS];
};

/* ---- small helpers -------------------------------------------------------- */

/* Program names match whatever the case of their ASCII letters: Debian
 * logs cron as CRON, and an admin writes `program cron`.  bucket_of's
 * hash folds the case too. */
static bool same_program(const char *a, size_t a_len, const char *b, size_t b_len)
{
	return a_len == b_len && strncasecmp(a, b, a_len) == 0;
}

/* The bucket of program p, or 0 when no filter names it. */
static uint32_t bucket_of(const struct filter_set *set, const char *p, size_t len)
{
	uint32_t h;
	size_t i;

	if (len == 0 || !p)
		return 0;
	h = util_hash_nocase(p, len);
	for (i = h & set->mask; set->table[i].bucket; i = (i + 1) & set->mask) {
		const struct hslot *s = &set->table[i];

		if (s->hash == h && same_program(s->name, s->len, p, len))
			return s->bucket;
	}
	return 0;
}

static uint16_t bigram_hash(unsigned char a, unsigned char b)
{
	return (uint16_t)(((unsigned)a * 251u + b) & (BIGRAM_BITS - 1));
}

/* Up to four byte pairs spread over the substring (start, end, between). */
static void pattern_bigrams(struct pattern *p)
{
	const unsigned char *t = (const unsigned char *)p->text;

	p->n_bigrams = 0;
	if (p->regex || p->len < 2)
		return;
	for (size_t k = 0; k < 4; k++) {
		size_t i = k * (p->len - 2) / 3;
		uint16_t h = bigram_hash(t[i], t[i + 1]);

		if (p->n_bigrams == 0 || p->bigram[p->n_bigrams - 1] != h)
			p->bigram[p->n_bigrams++] = h;
	}
}

static void bigrams_build(uint64_t *set, const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *)text;

	memset(set, 0, BIGRAM_WORDS * sizeof(*set));
	for (size_t i = 0; i + 1 < len; i++) {
		uint16_t h = bigram_hash(t[i], t[i + 1]);

		set[h / 64] |= 1ull << (h % 64);
	}
}

static bool bigrams_possible(const struct pattern *p, const uint64_t *set)
{
	for (int i = 0; i < p->n_bigrams; i++)
		if (!(set[p->bigram[i] / 64] & (1ull << (p->bigram[i] % 64))))
			return false;
	return true;
}

/* The reference test: a regex alone with PCRE2, a substring with memmem. */
static bool pattern_test(const struct filter_set *set, struct filter_worker *w,
			 const struct pattern *p, const char *text, size_t len)
{
	if (p->regex)
		return multire_match(set->regex, w->scratch, p->rx, text, len);
	if (p->len == 0)
		return true;
	if (p->len > len)
		return false;
	return memmem(text, len, p->text, p->len) != NULL;
}

static bool host_test(const struct hostpat *h, const char *host)
{
	if (!host)
		host = "";
	if (h->literal)
		return strcasecmp(h->glob, host) == 0;
	return fnmatch(h->glob, host, FNM_CASEFOLD) == 0;
}

static int sev_slot(int severity)
{
	return severity >= 0 && severity <= 7 ? severity : LEVEL_ANY;
}

static int fac_slot(int facility)
{
	return facility >= 0 && facility <= 23 ? facility : -1;
}

/* ---- compiling ------------------------------------------------------------ */

static void err_set(struct conf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void err_set(struct conf_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int32_t pattern_add(struct filter_set *set, const struct conf_filter *f, const char *address)
{
	struct pattern *p;

	for (size_t i = 0; i < set->n_patterns; i++) {
		p = &set->patterns[i];
		if (p->regex == f->msgtext_regex && strcmp(p->text, f->msgtext) == 0)
			return (int32_t)i;
	}
	p = &set->patterns[set->n_patterns];
	p->text = f->msgtext;
	p->len = strlen(f->msgtext);
	p->regex = f->msgtext_regex;
	if (p->regex) { /* compiled with the others, by regex_compile */
		p->rx = (uint32_t)set->n_regex++;
		p->address = address;
	}
	pattern_bigrams(p);
	return (int32_t)set->n_patterns++;
}

static int32_t host_add(struct filter_set *set, const char *glob)
{
	for (size_t i = 0; i < set->n_hosts; i++)
		if (strcmp(set->hosts[i].glob, glob) == 0)
			return (int32_t)i;
	set->hosts[set->n_hosts] = (struct hostpat){glob, strpbrk(glob, "*?[\\") == NULL};
	return (int32_t)set->n_hosts++;
}

/* All the regexes in one multire set; a regex that does not compile is an
 * error of the configuration (the parser checks them with the same PCRE2). */
static enum filter_status regex_compile(struct filter_set *set, struct conf_err *err)
{
	const char **re = calloc(set->n_regex ? set->n_regex : 1, sizeof(*re));
	unsigned *ids = calloc(set->n_regex ? set->n_regex : 1, sizeof(*ids));
	struct conf_err merr = {0};
	enum filter_status st = FILTER_ENOMEM;

	if (re && ids) {
		for (size_t i = 0; i < set->n_patterns; i++) {
			if (!set->patterns[i].regex)
				continue;
			re[set->patterns[i].rx] = set->patterns[i].text;
			ids[set->patterns[i].rx] = set->patterns[i].rx;
		}
		if (multire_compile(re, ids, set->n_regex, 0, &set->regex, &merr) == 0)
			st = FILTER_OK;
	}
	for (size_t i = 0; st == FILTER_OK && i < set->n_patterns; i++) {
		struct pattern *p = &set->patterns[i];

		if (!p->regex)
			continue;
		p->batched = multire_engine_of(set->regex, p->rx) == MULTIRE_BATCHED;
		if (multire_engine_of(set->regex, p->rx) == MULTIRE_BROKEN) {
			err_set(err, "log email %s: msgtext regex \"%s\": %s", p->address, p->text,
				multire_why(set->regex, p->rx));
			st = FILTER_EREGEX;
		}
	}
	free(re);
	free(ids);
	return st;
}

static enum filter_status filter_add(struct filter_set *set, uint32_t r, bool exclude,
				     const struct conf_filter *f, struct conf_err *err)
{
	const char *address = set->conf->recipients[r].address;
	struct lfilter *lf = &set->filters[set->n_filters];

	if (f->level < CONF_LEVEL_ANY || f->level > CONF_LEVEL_DEBUGGING ||
	    f->facility < CONF_FACILITY_ANY || f->facility > 23) {
		err_set(err, "log email %s: level %d or facility %d out of range", address,
			f->level, f->facility);
		return FILTER_EINVAL;
	}
	lf->recipient = r;
	lf->exclude = exclude;
	lf->level = f->level;
	lf->facility = f->facility;
	lf->program = f->program;
	lf->program_len = f->program ? strlen(f->program) : 0;
	lf->host = f->host ? host_add(set, f->host) : -1;
	lf->pattern = f->msgtext ? pattern_add(set, f, address) : -1;
	set->n_filters++;
	return FILTER_OK;
}

/* Give every distinct program a bucket number (1...) in the hash table. */
static enum filter_status programs_index(struct filter_set *set)
{
	size_t size = 8;

	while (size < 2 * set->n_filters)
		size *= 2;
	set->table = calloc(size, sizeof(*set->table));
	if (!set->table)
		return FILTER_ENOMEM;
	set->mask = size - 1;
	set->n_buckets = 1;
	for (size_t i = 0; i < set->n_filters; i++) {
		struct lfilter *lf = &set->filters[i];
		uint32_t h;
		size_t j;

		if (!lf->program || lf->program_len == 0 ||
		    bucket_of(set, lf->program, lf->program_len))
			continue;
		h = util_hash_nocase(lf->program, lf->program_len);
		for (j = h & set->mask; set->table[j].bucket; j = (j + 1) & set->mask)
			;
		set->table[j] =
		    (struct hslot){h, (uint32_t)set->n_buckets++, lf->program, lf->program_len};
	}
	set->buckets = calloc(set->n_buckets, sizeof(*set->buckets));
	return set->buckets ? FILTER_OK : FILTER_ENOMEM;
}

/* Sort keys of one filter: its cell, then level (least severe first). */
struct placed {
	uint32_t bucket, kind, fac, level_key;
	int32_t pattern;
	uint32_t order;
};

static void placed_of(const struct filter_set *set, const struct lfilter *lf, struct placed *p)
{
	p->bucket = bucket_of(set, lf->program, lf->program_len);
	p->kind = lf->exclude ? KIND_EXCLUDE : KIND_INCLUDE;
	p->fac = lf->facility < 0 ? FAC_ANY : (uint32_t)lf->facility;
	p->level_key = lf->level < 0 ? LEVEL_ANY : (uint32_t)lf->level;
}

static int placed_cmp(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->fac != y->fac)
		return x->fac < y->fac ? -1 : 1;
	if (x->level_key != y->level_key)
		return x->level_key > y->level_key ? -1 : 1;
	if (x->pattern != y->pattern)
		return x->pattern < y->pattern ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool batched(const struct filter_set *set, const struct lfilter *lf)
{
	return lf->pattern >= 0 && set->patterns[lf->pattern].batched;
}

static enum filter_status cells_build(struct filter_set *set)
{
	size_t n = 0;
	struct placed *pl = calloc(set->n_filters ? set->n_filters : 1, sizeof(*pl));

	set->entries = calloc(set->n_filters ? set->n_filters : 1, sizeof(*set->entries));
	set->cells = calloc(set->n_filters ? set->n_filters : 1, sizeof(*set->cells));
	if (!pl || !set->entries || !set->cells) {
		free(pl);
		return FILTER_ENOMEM;
	}
	for (size_t i = 0; i < set->n_filters; i++) {
		const struct lfilter *lf = &set->filters[i];

		if (batched(set, lf))
			continue; /* rx_build */
		placed_of(set, lf, &pl[n]);
		pl[n].pattern = lf->pattern;
		pl[n++].order = (uint32_t)i;
	}
	qsort(pl, n, sizeof(*pl), placed_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct lfilter *lf = &set->filters[pl[i].order];
		struct bucket *b = &set->buckets[pl[i].bucket];
		uint32_t *slot = &b->cell[pl[i].kind][pl[i].fac];
		struct cell *c;

		if (*slot == 0) {
			set->cells[set->n_cells].off = (uint32_t)i;
			*slot = (uint32_t)++set->n_cells;
		}
		c = &set->cells[*slot - 1];
		for (uint32_t s = 0; s <= pl[i].level_key; s++)
			c->cnt[s]++;
		set->entries[i] = (struct fentry){lf->recipient, lf->pattern, 1, lf->host};
	}
	for (size_t i = n; i-- > 1;) {
		const struct placed *a = &pl[i - 1], *b = &pl[i];

		if (a->bucket == b->bucket && a->kind == b->kind && a->fac == b->fac &&
		    a->level_key == b->level_key && a->pattern == b->pattern && a->pattern >= 0)
			set->entries[i - 1].run = set->entries[i].run + 1;
	}
	free(pl);
	return FILTER_OK;
}

/* The batched filters by regex, and rx_max. */
static enum filter_status rx_build(struct filter_set *set)
{
	size_t nm = set->n_buckets * 2 * FAC_SLOTS;

	set->rx_off = calloc(set->n_regex + 2, sizeof(*set->rx_off));
	set->rx_entries = calloc(set->n_filters ? set->n_filters : 1, sizeof(*set->rx_entries));
	set->rx_max = malloc(nm);
	if (!set->rx_off || !set->rx_entries || !set->rx_max)
		return FILTER_ENOMEM;
	memset(set->rx_max, -1, nm);
	for (size_t i = 0; i < set->n_filters; i++) /* counting sort by regex */
		if (batched(set, &set->filters[i]))
			set->rx_off[set->patterns[set->filters[i].pattern].rx + 2]++;
	for (size_t rx = 0; rx < set->n_regex; rx++)
		set->rx_off[rx + 2] += set->rx_off[rx + 1];
	for (size_t i = 0; i < set->n_filters; i++) {
		const struct lfilter *lf = &set->filters[i];
		struct placed p;
		int8_t *max;

		if (!batched(set, lf))
			continue;
		placed_of(set, lf, &p);
		set->rx_entries[set->rx_off[set->patterns[lf->pattern].rx + 1]++] =
		    (struct rxentry){lf->recipient,        p.bucket,
				     (uint8_t)p.kind,      (uint8_t)p.fac,
				     (uint8_t)p.level_key, lf->host};
		max = &set->rx_max[(p.bucket * 2 + p.kind) * FAC_SLOTS + p.fac];
		if (*max < (int8_t)p.level_key)
			*max = (int8_t)p.level_key;
	}
	return FILTER_OK;
}

static enum filter_status set_alloc(struct filter_set *set, const struct conf *c)
{
	size_t n = 0;

	for (size_t r = 0; r < c->n_recipients; r++)
		n += c->recipients[r].n_filters + c->recipients[r].n_excludes;
	set->conf = c;
	set->n_recipients = c->n_recipients;
	set->filters = calloc(n ? n : 1, sizeof(*set->filters));
	set->patterns = calloc(n ? n : 1, sizeof(*set->patterns));
	set->hosts = calloc(n ? n : 1, sizeof(*set->hosts));
	set->ctr = calloc(1, sizeof(*set->ctr));
	if (!set->filters || !set->patterns || !set->hosts || !set->ctr)
		return FILTER_ENOMEM;
	set->ctr->r = calloc(c->n_recipients ? c->n_recipients : 1, sizeof(*set->ctr->r));
	if (!set->ctr->r)
		return FILTER_ENOMEM;
	set->ctr->since = time(NULL);
	for (size_t r = 0; r < c->n_recipients; r++)
		set->ctr->r[r].since = atomic_load(&set->ctr->since);
	return FILTER_OK;
}

static void program_matters_build(struct filter_set *set)
{
	for (size_t i = 0; set->rx_entries && i < set->rx_off[set->n_regex]; i++) {
		const struct rxentry *e = &set->rx_entries[i];

		for (int s = 0; e->bucket && e->kind == KIND_INCLUDE && s <= e->level_key; s++)
			for (int f = 0; f < FAC_SLOTS; f++)
				if (e->fac == FAC_ANY || e->fac == f)
					set->program_matters[s][f] = true;
	}
	for (size_t b = 1; b < set->n_buckets; b++) {
		for (int slot = 0; slot < FAC_SLOTS; slot++) {
			uint32_t ci = set->buckets[b].cell[KIND_INCLUDE][slot];

			for (int s = 0; ci && s < SEV_SLOTS; s++) {
				if (!set->cells[ci - 1].cnt[s])
					continue;
				for (int f = 0; f < FAC_SLOTS; f++)
					if (slot == FAC_ANY || slot == f)
						set->program_matters[s][f] = true;
			}
		}
	}
}

enum filter_status filter_compile(const struct conf *c, struct filter_set **out,
				  struct conf_err *err)
{
	struct filter_set *set = calloc(1, sizeof(*set));
	enum filter_status st = FILTER_ENOMEM;

	*out = NULL;
	if (!set || (st = set_alloc(set, c)) != FILTER_OK)
		goto fail;
	for (size_t r = 0; r < c->n_recipients; r++) {
		const struct conf_recipient *rc = &c->recipients[r];

		for (size_t i = 0; i < rc->n_filters; i++)
			if ((st = filter_add(set, (uint32_t)r, false, &rc->filters[i], err)))
				goto fail;
		for (size_t i = 0; i < rc->n_excludes; i++)
			if ((st = filter_add(set, (uint32_t)r, true, &rc->excludes[i], err)))
				goto fail;
	}
	if ((st = regex_compile(set, err)) != FILTER_OK ||
	    (st = programs_index(set)) != FILTER_OK || (st = cells_build(set)) != FILTER_OK ||
	    (st = rx_build(set)) != FILTER_OK)
		goto fail;
	program_matters_build(set);
	*out = set;
	return FILTER_OK;
fail:
	if (st == FILTER_ENOMEM)
		err_set(err, "out of memory compiling the log email filters");
	filter_set_free(set);
	return st;
}

void filter_set_free(struct filter_set *set)
{
	if (!set)
		return;
	multire_free(set->regex);
	free(set->rx_entries);
	free(set->rx_off);
	free(set->rx_max);
	free(set->patterns);
	free(set->hosts);
	free(set->filters);
	free(set->entries);
	free(set->cells);
	free(set->buckets);
	free(set->table);
	if (set->ctr)
		free(set->ctr->r);
	free(set->ctr);
	free(set);
}

size_t filter_set_recipients(const struct filter_set *set)
{
	return set->n_recipients;
}

const char *filter_set_address(const struct filter_set *set, size_t recipient)
{
	return recipient < set->n_recipients ? set->conf->recipients[recipient].address : NULL;
}

/* ---- workers -------------------------------------------------------------- */

struct filter_worker *filter_worker_new(const struct filter_set *set)
{
	struct filter_worker *w = calloc(1, sizeof(*w));
	size_t nr = set->n_recipients ? set->n_recipients : 1;
	size_t np = set->n_patterns ? set->n_patterns : 1;
	size_t nh = set->n_hosts ? set->n_hosts : 1;

	if (!w)
		return NULL;
	w->set = set;
	w->gen = 1;
	w->scratch = multire_scratch_new();
	w->rx_hits = calloc(set->n_regex / 64 + 1, sizeof(*w->rx_hits));
	w->rgen = calloc(nr, sizeof(*w->rgen));
	w->rexcl = calloc(nr, sizeof(*w->rexcl));
	w->touched = calloc(nr, sizeof(*w->touched));
	w->pgen = calloc(np, sizeof(*w->pgen));
	w->pval = calloc(np, sizeof(*w->pval));
	w->hgen = calloc(nh, sizeof(*w->hgen));
	w->hval = calloc(nh, sizeof(*w->hval));
	if (!w->scratch || !w->rx_hits || !w->rgen || !w->rexcl || !w->touched || !w->pgen ||
	    !w->pval || !w->hgen || !w->hval || multire_scratch_fit(w->scratch, set->regex) < 0) {
		filter_worker_free(w);
		return NULL;
	}
	return w;
}

void filter_worker_flush(struct filter_worker *w)
{
	if (w->pending) {
		atomic_fetch_add_explicit(&w->set->ctr->evaluated, w->pending,
					  memory_order_relaxed);
		w->pending = 0;
	}
}

void filter_worker_free(struct filter_worker *w)
{
	if (!w)
		return;
	filter_worker_flush(w);
	multire_scratch_free(w->scratch);
	free(w->rx_hits);
	free(w->rgen);
	free(w->rexcl);
	free(w->touched);
	free(w->pgen);
	free(w->pval);
	free(w->hgen);
	free(w->hval);
	free(w);
}

/* Start a new message: everything stamped with an older gen is stale. */
static void worker_next(struct filter_worker *w)
{
	if (++w->gen == 0) {
		memset(w->rgen, 0, w->set->n_recipients * sizeof(*w->rgen));
		memset(w->pgen, 0, w->set->n_patterns * sizeof(*w->pgen));
		memset(w->hgen, 0, w->set->n_hosts * sizeof(*w->hgen));
		w->bigrams_gen = 0;
		w->first_sub_gen = 0;
		w->rx_gen = 0;
		w->gen = 1;
	}
}

static bool worker_pattern(struct filter_worker *w, int32_t p, const struct filter_msg *m)
{
	const struct pattern *pat = &w->set->patterns[p];

	if (w->pgen[p] == w->gen)
		return w->pval[p];
	w->pgen[p] = w->gen;
	if (pat->n_bigrams && w->first_sub_gen != w->gen) {
		w->first_sub_gen = w->gen; /* one substring: memmem beats the bitmap */
	} else if (pat->n_bigrams) {
		if (w->bigrams_gen != w->gen) {
			bigrams_build(w->bigrams, m->text, m->text_len);
			w->bigrams_gen = w->gen;
		}
		if (!bigrams_possible(pat, w->bigrams)) {
			w->pval[p] = false;
			return false;
		}
	}
	w->pval[p] = pattern_test(w->set, w, pat, m->text, m->text_len);
	return w->pval[p];
}

static bool worker_host(struct filter_worker *w, int32_t h, const struct filter_msg *m)
{
	if (w->hgen[h] != w->gen) {
		w->hgen[h] = w->gen;
		w->hval[h] = host_test(&w->set->hosts[h], m->host);
	}
	return w->hval[h];
}

/* ---- matching ------------------------------------------------------------- */

struct span {
	const struct fentry *e;
	uint32_t n;
};

/* The candidate prefixes of one kind: at most four spans. */
static int candidates(const struct filter_set *set, uint32_t bucket, int kind, int s, int f,
		      struct span out[4])
{
	uint32_t bs[2] = {0, bucket};
	int n = 0;

	for (int i = 0; i < (bucket ? 2 : 1); i++) {
		const struct bucket *b = &set->buckets[bs[i]];
		int slots[2] = {FAC_ANY, f};

		for (int j = 0; j < (f >= 0 ? 2 : 1); j++) {
			uint32_t ci = b->cell[kind][slots[j]];
			const struct cell *c;

			if (!ci)
				continue;
			c = &set->cells[ci - 1];
			if (c->cnt[s])
				out[n++] = (struct span){set->entries + c->off, c->cnt[s]};
		}
	}
	return n;
}

static size_t includes(struct filter_worker *w, const struct filter_msg *m, const struct span *sp,
		       int nsp)
{
	size_t n = 0;

	for (int i = 0; i < nsp; i++) {
		for (uint32_t k = 0; k < sp[i].n; k++) {
			const struct fentry *e = &sp[i].e[k];

			if (e->pattern >= 0 && !worker_pattern(w, e->pattern, m)) {
				k += e->run - 1; /* the same text is not there for them either */
				continue;
			}
			if (e->host >= 0 && !worker_host(w, e->host, m))
				continue;
			if (w->rgen[e->recipient] == w->gen)
				continue; /* already in */
			w->rgen[e->recipient] = w->gen;
			w->rexcl[e->recipient] = 0;
			w->touched[n++] = e->recipient;
		}
	}
	return n;
}

static void excludes(struct filter_worker *w, const struct filter_msg *m, const struct span *sp,
		     int nsp)
{
	for (int i = 0; i < nsp; i++) {
		for (uint32_t k = 0; k < sp[i].n; k++) {
			const struct fentry *e = &sp[i].e[k];

			if (w->rgen[e->recipient] != w->gen || w->rexcl[e->recipient])
				continue; /* not included, or already out */
			if (e->pattern >= 0 && !worker_pattern(w, e->pattern, m)) {
				k += e->run - 1;
				continue;
			}
			if (e->host >= 0 && !worker_host(w, e->host, m))
				continue;
			w->rexcl[e->recipient] = 1;
		}
	}
}

/* ---- the batched regexes --------------------------------------------------- */

/* Could a batched-regex filter of kind in the candidate cells admit s? */
static bool rx_wanted(const struct filter_set *set, uint32_t bucket, int kind, int s, int f)
{
	uint32_t bs[2] = {0, bucket};

	for (int i = 0; set->rx_max && i < (bucket ? 2 : 1); i++) {
		const int8_t *max = &set->rx_max[(bs[i] * 2 + (uint32_t)kind) * FAC_SLOTS];

		if (max[FAC_ANY] >= s || (f >= 0 && max[f] >= s))
			return true;
	}
	return false;
}

/* The batched regexes that match the message: one pass, once per message. */
static const uint64_t *rx_hits(struct filter_worker *w, const struct filter_msg *m)
{
	if (w->rx_gen != w->gen) {
		memset(w->rx_hits, 0, (w->set->n_regex / 64 + 1) * sizeof(*w->rx_hits));
		multire_scan_batched(w->set->regex, w->scratch, m->text, m->text_len, w->rx_hits);
		w->rx_gen = w->gen;
	}
	return w->rx_hits;
}

/* Call fn for each filter of kind, in a candidate cell and admitting s, of
 * a regex that matched. */
static size_t rx_each(struct filter_worker *w, const struct filter_msg *m, uint32_t bucket,
		      int kind, int s, int f,
		      size_t (*fn)(struct filter_worker *, uint32_t, size_t), size_t n)
{
	const struct filter_set *set = w->set;
	const uint64_t *hits = rx_hits(w, m);

	for (size_t k = 0; k <= set->n_regex / 64; k++) {
		for (uint64_t bits = hits[k]; bits; bits &= bits - 1) {
			size_t rx = k * 64 + (size_t)__builtin_ctzll(bits);

			for (uint32_t i = set->rx_off[rx]; i < set->rx_off[rx + 1]; i++) {
				const struct rxentry *e = &set->rx_entries[i];

				if (e->kind == kind && (e->bucket == 0 || e->bucket == bucket) &&
				    (e->fac == FAC_ANY || (int)e->fac == f) && e->level_key >= s &&
				    (e->host < 0 || worker_host(w, e->host, m)))
					n = fn(w, e->recipient, n);
			}
		}
	}
	return n;
}

static size_t rx_include(struct filter_worker *w, uint32_t r, size_t n)
{
	if (w->rgen[r] == w->gen)
		return n; /* already in */
	w->rgen[r] = w->gen;
	w->rexcl[r] = 0;
	w->touched[n] = r;
	return n + 1;
}

static size_t rx_exclude(struct filter_worker *w, uint32_t r, size_t n)
{
	if (w->rgen[r] == w->gen)
		w->rexcl[r] = 1;
	return n;
}

static void sort_indexes(size_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t x = v[i], j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

size_t filter_match(const struct filter_set *set, struct filter_worker *w,
		    const struct filter_msg *msg, size_t *out)
{
	return filter_match_with(set, w, msg, NULL, 0, out);
}

size_t filter_match_with(const struct filter_set *set, struct filter_worker *w,
			 const struct filter_msg *msg, const size_t *held, size_t n_held,
			 size_t *out)
{
	int s = sev_slot(msg->severity), f = fac_slot(msg->facility), nsp;
	bool looked_up = set->program_matters[s][f < 0 ? FAC_ANY : f];
	uint32_t bucket = looked_up ? bucket_of(set, msg->program, msg->program_len) : 0;
	struct span sp[4];
	size_t n, k = 0;
	bool rx;

	if (++w->pending >= FLUSH_EVERY)
		filter_worker_flush(w);
	nsp = candidates(set, bucket, KIND_INCLUDE, s, f, sp);
	rx = rx_wanted(set, bucket, KIND_INCLUDE, s, f);
	if (nsp == 0 && !rx && n_held == 0)
		return 0;
	worker_next(w);
	n = includes(w, msg, sp, nsp);
	if (rx)
		n = rx_each(w, msg, bucket, KIND_INCLUDE, s, f, rx_include, n);
	for (size_t i = 0; i < n_held; i++)
		if (held[i] < set->n_recipients)
			n = rx_include(w, (uint32_t)held[i], n);
	if (n == 0)
		return 0;
	if (!looked_up) /* excludes may name the program */
		bucket = bucket_of(set, msg->program, msg->program_len);
	nsp = candidates(set, bucket, KIND_EXCLUDE, s, f, sp);
	excludes(w, msg, sp, nsp);
	if (rx_wanted(set, bucket, KIND_EXCLUDE, s, f))
		rx_each(w, msg, bucket, KIND_EXCLUDE, s, f, rx_exclude, 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t r = w->touched[i];

		if (w->rexcl[r])
			continue;
		out[k++] = r;
		atomic_fetch_add_explicit(&set->ctr->r[r].accepted, 1, memory_order_relaxed);
	}
	sort_indexes(out, k);
	return k;
}

/* ---- the reference evaluator ---------------------------------------------- */

static bool lfilter_holds(const struct filter_set *set, struct filter_worker *w,
			  const struct lfilter *lf, const struct filter_msg *m)
{
	if (lf->level >= 0 && !(m->severity >= 0 && m->severity <= lf->level))
		return false;
	if (lf->facility >= 0 && m->facility != lf->facility)
		return false;
	if (lf->program && lf->program_len > 0 &&
	    !same_program(m->program, m->program_len, lf->program, lf->program_len))
		return false;
	if (lf->pattern >= 0 &&
	    !pattern_test(set, w, &set->patterns[lf->pattern], m->text, m->text_len))
		return false;
	if (lf->host >= 0 && !host_test(&set->hosts[lf->host], m->host))
		return false;
	return true;
}

size_t filter_match_linear(const struct filter_set *set, struct filter_worker *w,
			   const struct filter_msg *msg, size_t *out)
{
	size_t k = 0, i = 0;

	for (size_t r = 0; r < set->n_recipients; r++) {
		bool in = false, ex = false;

		/* filters of r are consecutive in set->filters, includes first */
		for (; i < set->n_filters && set->filters[i].recipient == r; i++) {
			const struct lfilter *lf = &set->filters[i];

			if (lf->exclude ? ex : in)
				continue;
			if (lfilter_holds(set, w, lf, msg))
				*(lf->exclude ? &ex : &in) = true;
		}
		if (in && !ex)
			out[k++] = r;
	}
	return k;
}

/* ---- counters ------------------------------------------------------------- */

void filter_stats_get(const struct filter_set *set, size_t recipient, struct filter_stats *out)
{
	const struct rcounters *rc = &set->ctr->r[recipient];

	out->accepted = atomic_load_explicit(&rc->accepted, memory_order_relaxed);
	out->mailed = atomic_load_explicit(&rc->mailed, memory_order_relaxed);
	out->since = (time_t)atomic_load_explicit(&rc->since, memory_order_relaxed);
	out->last_mail = (time_t)atomic_load_explicit(&rc->last_mail, memory_order_relaxed);
}

void filter_stats_received(const struct filter_set *set, struct filter_received *out)
{
	out->received = atomic_load_explicit(&set->ctr->received_base, memory_order_relaxed) +
			atomic_load_explicit(&set->ctr->evaluated, memory_order_relaxed);
	out->since = (time_t)atomic_load_explicit(&set->ctr->since, memory_order_relaxed);
}

/* *v = max(*v, t): a later last mail. */
static void raise_to(_Atomic int64_t *v, time_t t)
{
	int64_t seen = atomic_load_explicit(v, memory_order_relaxed);

	while (t > seen && !atomic_compare_exchange_weak(v, &seen, (int64_t)t))
		;
}

/* *v = min(*v, t), where 0 is "not known": an earlier start of counting. */
static void lower_to(_Atomic int64_t *v, time_t t)
{
	int64_t seen = atomic_load_explicit(v, memory_order_relaxed);

	while (t != 0 && (seen == 0 || t < seen) &&
	       !atomic_compare_exchange_weak(v, &seen, (int64_t)t))
		;
}

void filter_stats_add_mailed(const struct filter_set *set, size_t recipient, uint64_t n,
			     time_t when)
{
	struct rcounters *rc;

	if (recipient >= set->n_recipients)
		return;
	rc = &set->ctr->r[recipient];
	atomic_fetch_add_explicit(&rc->mailed, n, memory_order_relaxed);
	raise_to(&rc->last_mail, when);
}

static void counters_set(struct rcounters *rc, const struct filter_stats *st)
{
	atomic_store(&rc->accepted, st->accepted);
	atomic_store(&rc->mailed, st->mailed);
	atomic_store(&rc->last_mail, (int64_t)st->last_mail);
	rc->since = st->since;
}

void filter_stats_set(struct filter_set *set, size_t recipient, const struct filter_stats *st)
{
	if (recipient < set->n_recipients)
		counters_set(&set->ctr->r[recipient], st);
}

void filter_stats_set_received(struct filter_set *set, const struct filter_received *st)
{
	atomic_store(&set->ctr->received_base, st->received);
	atomic_store(&set->ctr->evaluated, 0);
	set->ctr->since = st->since;
}

/* Add st to rc (filter_stats_carry). */
static void counters_add(struct rcounters *rc, const struct filter_stats *st)
{
	atomic_fetch_add(&rc->accepted, st->accepted);
	atomic_fetch_add(&rc->mailed, st->mailed);
	lower_to(&rc->since, st->since);
	raise_to(&rc->last_mail, st->last_mail);
}

void filter_stats_carry(struct filter_set *dst, const struct filter_set *src)
{
	struct filter_received rcv;

	if (!src)
		return;
	filter_stats_received(src, &rcv);
	atomic_fetch_add(&dst->ctr->received_base, rcv.received);
	lower_to(&dst->ctr->since, rcv.since);
	for (size_t r = 0; r < dst->n_recipients; r++) {
		const char *address = dst->conf->recipients[r].address;

		for (size_t i = 0; i < src->n_recipients; i++) {
			struct filter_stats st;

			if (strcmp(src->conf->recipients[i].address, address) != 0)
				continue;
			filter_stats_get(src, i, &st);
			counters_add(&dst->ctr->r[r], &st);
			break;
		}
	}
}
