/*
 * filters/logcheck_load.c: logcheck_load: the rule directories of a level
 * read into a struct loader (the files run-parts would run, in byte order;
 * a rule per line), handed to logcheck_build.c, and what went wrong
 * reported (filter.h says what logcheck does and where we differ).
 */
#include "filters/logcheck-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
