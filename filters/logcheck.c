/*
 * filters/logcheck.c: logcheck's rules, one line at a time (logcheck.h says
 * what logcheck does and what we do).
 */
#include "filters/logcheck-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

/* ---- bytes ------------------------------------------------------------------ */

size_t logcheck_trim(const char *line, size_t len)
{
	while (len && is_space((unsigned char)line[len - 1]))
		len--;
	return len;
}

/* ---- loading ----------------------------------------------------------------- */

static const char *const dir_names[LOGCHECK_N_DIRS] = {
    "cracking.d",        "cracking.ignore.d", "violations.d",        "violations.ignore.d",
    "ignore.d.paranoid", "ignore.d.server",   "ignore.d.workstation"};

const char *logcheck_dir_name(enum logcheck_dir d)
{
	return d < LOGCHECK_N_DIRS ? dir_names[d] : "?";
}

const char *logcheck_section_name(enum logcheck_section s)
{
	static const char *const names[] = {"Ignored", "System Events", "Security Events",
					    "Security Alerts"};

	return s <= LOGCHECK_SECURITY_ALERTS ? names[s] : "?";
}

void logcheck_heading(enum logcheck_section s, const char *file, char *buf, size_t size)
{
	if (file)
		snprintf(buf, size, "%s for %s", logcheck_section_name(s), file);
	else
		snprintf(buf, size, "%s", logcheck_section_name(s));
}

static void *grow(void *v, size_t n, size_t size, bool *nomem)
{
	void *p;

	if (*nomem)
		return NULL;
	if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
		return v; /* there is room */
	p = realloc(v, (n ? 2 * n : 16) * size);
	if (!p)
		*nomem = true;
	return p;
}

void *lc_push(void *vecp, size_t *n, size_t size, bool *nomem)
{
	void *v, *nv;

	memcpy(&v, vecp, sizeof(v));
	if (!(nv = grow(v, *n, size, nomem)))
		return NULL;
	memcpy(vecp, &nv, sizeof(nv));
	memset((char *)nv + *n * size, 0, size);
	return (char *)nv + (*n)++ * size;
}

static void note(struct loader *L, enum logcheck_note_kind kind, const char *file, unsigned line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void note(struct loader *L, enum logcheck_note_kind kind, const char *file, unsigned line,
		 const char *fmt, ...)
{
	struct logcheck_report *rep = L->rep;
	struct logcheck_note *n = lc_push(&rep->notes, &rep->n_notes, sizeof(*n), &L->nomem);
	char msg[512];
	va_list ap;

	if (!n)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*n = (struct logcheck_note){kind, strdup(file), line, strdup(msg)};
	if (!n->file || !n->msg) {
		free(n->file);
		free(n->msg);
		rep->n_notes--;
		L->nomem = true;
	}
}

static char *path_of(const struct loader *L, enum logcheck_dir d, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, name ? "%s/%s/%s" : "%s/%s", L->dir, dir_names[d], name) < 0)
		return NULL;
	return p;
}

/* run-parts' default rule for names: letters, digits, `_` and `-`. */
static bool run_parts_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_word((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return false;
	return true;
}

static void read_rules(struct loader *L, uint32_t file, const char *path, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	while ((len = getline(&line, &cap, f)) >= 0 && !L->nomem) {
		struct rule *r;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] == '#' || blank_line(line, (size_t)len))
			continue;
		if (strlen(line) != (size_t)len) {
			note(L, LOGCHECK_NOTE_ERROR, path, lineno, "NUL byte in rule: not loaded");
			L->rep->failed++;
			continue;
		}
		if (!(r = PUSH(L, rules, n_rules)))
			break;
		*r = (struct rule){.file = file, .line = lineno, .ere = strdup(line)};
		if (!r->ere)
			L->nomem = true;
	}
	if (ferror(f))
		note(L, LOGCHECK_NOTE_ERROR, path, 0, "read error: %s", strerror(errno));
	free(line);
}

int lc_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule files of directory d, in byte order. */
static char **list_files(struct loader *L, enum logcheck_dir d, const char *path, size_t *n)
{
	char **names = NULL;
	DIR *dp = opendir(path);
	struct dirent *e;

	*n = 0;
	if (!dp) {
		note(L, LOGCHECK_NOTE_ERROR, path, 0, "%s", strerror(errno));
		return NULL;
	}
	L->rep->present[d] = true;
	while ((e = readdir(dp)) && !L->nomem) {
		char *full = path_of(L, d, e->d_name), **slot;
		struct stat st;

		if (!full) {
			L->nomem = true;
			break;
		}
		if (run_parts_name(e->d_name) && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    (slot = lc_push(&names, n, sizeof(*names), &L->nomem)) &&
		    !(*slot = strdup(e->d_name))) {
			(*n)--;
			L->nomem = true;
		}
		free(full);
	}
	closedir(dp);
	if (*n)
		qsort(names, *n, sizeof(*names), lc_name_cmp);
	return names;
}

static void read_dir(struct loader *L, enum logcheck_dir d)
{
	char *path = path_of(L, d, NULL);
	size_t n = 0;
	char **names = path ? list_files(L, d, path, &n) : NULL;

	L->rep->used[d] = true;
	for (size_t i = 0; i < n; i++) {
		char *full = path_of(L, d, names[i]);
		struct lc_file *lf = PUSH(L, files, n_files);
		FILE *f;

		if (!full || !lf) {
			L->nomem = true;
			free(full);
			free(names[i]);
			continue;
		}
		*lf = (struct lc_file){names[i], d};
		L->rep->files[d]++;
		if ((f = fopen(full, "re"))) {
			read_rules(L, (uint32_t)(L->n_files - 1), full, f);
			fclose(f);
		} else {
			note(L, LOGCHECK_NOTE_ERROR, full, 0, "%s: its rules are not loaded",
			     strerror(errno));
		}
		free(full);
	}
	if (!path)
		L->nomem = true;
	free(names);
	free(path);
}

/* Notes and counts from the rules' states, in file and line order. */
static void report_rules(struct loader *L)
{
	for (size_t k = 0; k < L->n_rules && !L->nomem; k++) {
		struct rule *r = &L->rules[k];
		const struct lc_file *f = &L->files[r->file];
		char *path = path_of(L, f->dir, f->name);

		if (!path) {
			L->nomem = true;
			break;
		}
		if (r->state == RULE_FAILED) {
			L->rep->failed++;
			note(L, LOGCHECK_NOTE_ERROR, path, r->line,
			     "does not compile: %s; not loaded", r->msg ? r->msg : "out of memory");
		} else {
			L->rep->rules[f->dir]++;
		}
		if (r->state == RULE_FALLBACK) {
			L->rep->fallbacks++;
			note(L, LOGCHECK_NOTE_FALLBACK, path, r->line,
			     "run by PCRE2: Vectorscan says: %s", r->msg ? r->msg : "?");
		}
		free(path);
	}
}

void logcheck_report_free(struct logcheck_report *rep)
{
	for (size_t i = 0; i < rep->n_notes; i++) {
		free(rep->notes[i].file);
		free(rep->notes[i].msg);
	}
	free(rep->notes);
	memset(rep, 0, sizeof(*rep));
}

static void loader_free(struct loader *L)
{
	for (size_t f = 0; f < L->n_files; f++)
		free(L->files[f].name);
	free(L->files);
	for (size_t k = 0; k < L->n_rules; k++) {
		free(L->rules[k].ere);
		free(L->rules[k].msg);
	}
	free(L->rules);
	for (size_t i = 0; i < L->n_pats; i++)
		free(L->pats[i].re);
	free(L->pats);
	free(L->toks);
}

static int load_fail(struct conf_err *err, const char *dir, const char *why)
{
	if (err)
		snprintf(err->msg, sizeof(err->msg), "logcheck rules %s: %s", dir, why);
	return -1;
}

int logcheck_load(const char *dir, int level, unsigned flags, struct logcheck_rules **out,
		  struct logcheck_report *rep, struct conf_err *err)
{
	return logcheck_load_cached(dir, level, flags, NULL, out, rep, err);
}

int logcheck_load_cached(const char *dir, int level, unsigned flags, const char *cache,
			 struct logcheck_rules **out, struct logcheck_report *rep,
			 struct conf_err *err)
{
	struct loader L = {
	    .dir = dir ? dir : LOGCHECK_DEFAULT_DIR, .flags = flags, .cache = cache, .rep = rep};
	struct logcheck_rules *r = NULL;
	struct stat st;

	memset(rep, 0, sizeof(*rep));
	if (out)
		*out = NULL;
	if (err)
		err->msg[0] = '\0';
	if (level < CONF_LOGCHECK_PARANOID || level > CONF_LOGCHECK_WORKSTATION)
		return load_fail(err, L.dir, "unknown level");
	if (stat(L.dir, &st) < 0)
		return load_fail(err, L.dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return load_fail(err, L.dir, "not a directory");
	for (int d = LOGCHECK_CRACKING; d <= LOGCHECK_IGNORE_PARANOID + level - 1; d++)
		read_dir(&L, (enum logcheck_dir)d);
	for (size_t k = 0; k < L.n_rules && !L.nomem; k++)
		lc_rule_patterns(&L, (uint32_t)k);
	if (L.nomem)
		goto fail;
	if (flags & LOGCHECK_NO_COMPILE || !out)
		lc_check_patterns(&L);
	else if (!(r = calloc(1, sizeof(*r))) || lc_build_groups(&L, r, err) < 0)
		goto fail;
	report_rules(&L);
	if (L.nomem)
		goto fail;
	if (r) {
		r->files = L.files;
		r->n_files = L.n_files;
		L.files = NULL;
		L.n_files = 0;
		if (lc_build_masks(r) < 0)
			goto fail;
		*out = r;
	}
	loader_free(&L);
	return 0;
fail:
	if (err && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "out of memory loading logcheck rules");
	logcheck_rules_free(r);
	loader_free(&L);
	logcheck_report_free(rep);
	return -1;
}

/* ---- classifying --------------------------------------------------------------- */

struct logcheck_worker {
	const struct logcheck_rules *r;
	struct multire_scratch *s;
	uint64_t *hits;  /* pattern ids */
	uint64_t *match; /* files */
	struct multire_hint *hint; /* the ignore group's: generic, whole, rest and line per bucket */
};

static int fit(struct multire_scratch *s, const struct multire *m)
{
	return m ? multire_scratch_fit(s, m) : 0;
}

struct logcheck_worker *logcheck_worker_new(const struct logcheck_rules *r)
{
	struct logcheck_worker *w = calloc(1, sizeof(*w));
	bool ok;

	if (!w)
		return NULL;
	w->r = r;
	w->s = multire_scratch_new();
	w->hits = calloc(r->id_bits / 64 + 1, sizeof(uint64_t));
	w->match = calloc(r->words, sizeof(uint64_t));
	w->hint = malloc((2 + 2 * r->group[GROUP_IGNORE].n_buckets) * sizeof(*w->hint));
	ok = w->s && w->hits && w->match && w->hint && fit(w->s, r->whole) == 0 &&
	     fit(w->s, r->ignore_whole) == 0;
	for (size_t i = 0; ok && i < 2 + 2 * r->group[GROUP_IGNORE].n_buckets; i++)
		multire_hint_init(&w->hint[i]);
	for (int g = 0; ok && g < N_GROUPS; g++) {
		const struct group *gr = &r->group[g];

		ok = fit(w->s, gr->generic) == 0;
		for (size_t b = 0; ok && b < gr->n_buckets; b++)
			ok = fit(w->s, gr->buckets[b].rest) == 0 &&
			     fit(w->s, gr->buckets[b].line) == 0;
	}
	if (!ok) {
		logcheck_worker_free(w);
		return NULL;
	}
	return w;
}

void logcheck_worker_free(struct logcheck_worker *w)
{
	if (!w)
		return;
	multire_scratch_free(w->s);
	free(w->hits);
	free(w->match);
	free(w->hint);
	free(w);
}

static const struct bucket *bucket_find(const struct group *g, const char *t, size_t len,
					 uint32_t h)
{
	if (!g->table)
		return NULL;
	for (size_t i = h & g->mask; g->table[i]; i = (i + 1) & g->mask) {
		const struct bucket *b = &g->buckets[g->table[i] - 1];

		if (b->hash == h && b->len == len && memcmp(b->token, t, len) == 0)
			return b;
	}
	return NULL;
}

/* Which files have a rule that matches: from the pattern ids that hit, those
 * written with a header spelling the line's header satisfies. */
static void files_matched(struct logcheck_worker *w, unsigned accept)
{
	const struct logcheck_rules *r = w->r;

	memset(w->match, 0, r->words * sizeof(uint64_t));
	for (size_t k = 0; k <= r->id_bits / 64; k++) {
		for (uint64_t bits = w->hits[k]; bits; bits &= bits - 1) {
			unsigned id = (unsigned)(k * 64) + (unsigned)__builtin_ctzll(bits);
			unsigned v = id % N_VARIANTS;

			if (v == 0 || accept >> v & 1)
				set_bit(w->match, id / N_VARIANTS < r->n_files ? id / N_VARIANTS
										: r->n_files);
		}
	}
}

static void scan(const struct multire *m, struct logcheck_worker *w, const char *s, size_t n)
{
	if (m)
		multire_scan(m, w->s, s, n, w->hits);
}

/* The line's header, when it has one of the known forms. */
struct head {
	bool ok;
	unsigned accept; /* the header spellings (variants) it satisfies */
	const char *rest;
	size_t rest_len;
	const char *token;
	size_t token_len;
	uint32_t token_hash;
};

/* Every pattern of group g that matches the text after the host name or is
 * filed under a token, into w->hits. */
static void scan_all(const struct group *g, struct logcheck_worker *w, const char *line, size_t len,
		     const struct head *h)
{
	if (h->ok) {
		const struct bucket *b = bucket_find(g, h->token, h->token_len, h->token_hash);

		if (b) {
			scan(b->rest, w, h->rest, h->rest_len);
			scan(b->line, w, line, len);
		}
		scan(g->generic, w, h->rest, h->rest_len);
	}
}

static bool accepted(unsigned id, void *arg)
{
	const unsigned *accept = arg;

	return id % N_VARIANTS == 0 || *accept >> (id % N_VARIANTS) & 1;
}

static bool any(const struct multire *m, struct logcheck_worker *w, size_t hint, const char *s,
		size_t n, unsigned accept)
{
	return m && multire_any(m, w->s, s, n, accepted, &accept, &w->hint[hint]);
}

/* Does some rule of the ignore group match (those of the shared whole-line
 * database already asked)?  The likeliest databases first. */
static bool match_any(const struct group *g, struct logcheck_worker *w, const char *line,
		      size_t len, const struct head *h)
{
	if (h->ok) {
		const struct bucket *b = bucket_find(g, h->token, h->token_len, h->token_hash);
		size_t k = b ? 2 + 2 * (size_t)(b - g->buckets) : 0;

		if (b && (any(b->rest, w, k, h->rest, h->rest_len, h->accept) ||
			  any(b->line, w, k + 1, line, len, h->accept)))
			return true;
		if (any(g->generic, w, 0, h->rest, h->rest_len, h->accept))
			return true;
	}
	return any(w->r->ignore_whole, w, 1, line, len, h->accept);
}

/* The first file of raise set k that reports the matched line, or -1. */
static long reporter(const struct logcheck_rules *r, const uint64_t *match, int k)
{
	for (size_t i = 0; i < r->n_raise[k]; i++) {
		const struct raise *rs = &r->raise[k][i];

		if (get_bit(match, rs->file) && !sets_meet(match, rs->quiet, r->words))
			return (long)rs->file;
	}
	return -1;
}

enum logcheck_section logcheck_classify(const struct logcheck_rules *r, struct logcheck_worker *w,
					const char *line, size_t len, const char **file)
{
	struct head h = {0};
	size_t rest;
	long f;

	if (file)
		*file = NULL;
	len = logcheck_trim(line, len);
	if (lc_head_parse(line, len, &rest, &h.accept)) {
		h.ok = true;
		h.rest = h.token = line + rest;
		h.rest_len = len - rest;
		h.token_len = lc_token_len(h.token, h.rest_len);
		h.token_hash = util_hash(h.token, h.token_len);
	}
	memset(w->hits, 0, (r->id_bits / 64 + 1) * sizeof(uint64_t));
	scan(r->whole, w, line, len);
	scan_all(&r->group[GROUP_REPORT], w, line, len, &h);
	files_matched(w, h.accept);
	if (sets_meet(w->match, r->cracking, r->words)) {
		if ((f = reporter(r, w->match, 0)) < 0)
			return LOGCHECK_IGNORED;
	} else if (sets_meet(w->match, r->violations, r->words)) {
		if ((f = reporter(r, w->match, 1)) < 0)
			return LOGCHECK_IGNORED;
	} else {
		return get_bit(w->match, r->n_files) ||
			       match_any(&r->group[GROUP_IGNORE], w, line, len, &h)
			   ? LOGCHECK_IGNORED
			   : LOGCHECK_SYSTEM_EVENTS;
	}
	if (file && strcmp(r->files[f].name, "logcheck") != 0)
		*file = r->files[f].name;
	return r->files[f].dir == LOGCHECK_CRACKING ? LOGCHECK_SECURITY_ALERTS
						    : LOGCHECK_SECURITY_EVENTS;
}
