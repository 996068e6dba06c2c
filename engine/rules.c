/*
 * engine/rules.c: the logcheck rule sets of a generation (filters/filter.h)
 * and the traditional syslog line their rules are matched against.
 *
 * A generation loads one rule set per distinct (directory, level) among
 * its recipients' `logcheck` filters.  Compiling the server level's rules
 * costs seconds of CPU, so a reload (rsyslog's HUP) takes the previous
 * generation's compiled set as it is while logcheck_signature says that no
 * file it read changed; otherwise the set is read and compiled again
 * (logcheck's "rules are re-read on HUP").  A set is shared by the
 * generations that use it, reference counted.  Across restarts the
 * compiled databases are kept in the engine's cache directory
 * (<spool>/cache by default, filters/internal.h): rsyslogd reads no log
 * while its configuration loads, and with the cache a restart with the
 * same rules loads them in a tenth of the time.
 *
 * A directory that cannot be read at all leaves the set without rules: the
 * filter matches nothing, the error is logged (at each load, while it
 * lasts) and the other recipients work on.  Rules left out (file:line, why)
 * are logged as warnings once per load.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/internal.h"
#include "util/syslog_line.h"
#include "util/util.h"

_Static_assert((int)LOGCHECK_SYSTEM_EVENTS == DIGEST_SECTION_SYSTEM_EVENTS &&
		   (int)LOGCHECK_SECURITY_EVENTS == DIGEST_SECTION_SECURITY_EVENTS &&
		   (int)LOGCHECK_SECURITY_ALERTS == DIGEST_SECTION_SECURITY_ALERTS &&
		   (int)LOGCHECK_IGNORED == DIGEST_SECTION_NONE,
	       "a logcheck section is a digest section");

static const char *dir_of(const char *dir)
{
	return dir != NULL ? dir : LOGCHECK_DEFAULT_DIR;
}

void engine_rules_put(struct engine_rules *rs)
{
	if (rs == NULL || atomic_fetch_sub(&rs->refs, 1) != 1)
		return;
	logcheck_rules_free(rs->rules);
	free(rs->dir);
	free(rs->sig);
	free(rs);
}

/* Say what the load left out, once. */
static void log_report(struct engine *e, const struct engine_rules *rs,
		       const struct logcheck_report *rep)
{
	unsigned rules = 0;

	for (int d = 0; d < LOGCHECK_N_DIRS; d++)
		rules += rep->rules[d];
	for (size_t i = 0; i < rep->n_notes; i++) {
		const struct logcheck_note *n = &rep->notes[i];

		if (n->kind != LOGCHECK_NOTE_ERROR)
			continue;
		if (n->line > 0)
			engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE, "logcheck rules %s:%u: %s",
				   n->file, n->line, n->msg);
		else
			engine_log(e, LOG_WARNING, ENGINE_FAULT_NONE, "logcheck rules %s: %s",
				   n->file, n->msg);
	}
	engine_log(e, LOG_INFO, ENGINE_FAULT_NONE,
		   "logcheck rules %s (%s): %u rules loaded, %u left out, %u run by PCRE2",
		   dir_of(rs->dir), conf_logcheck_name(rs->level), rules, rep->failed,
		   rep->fallbacks);
}

/* Read and compile (dir, level).  NULL only when out of memory; a set
 * without rules when the directory cannot be read (logged). */
static struct engine_rules *rules_load(struct engine *e, const char *dir, int level, char *sig)
{
	struct engine_rules *rs = calloc(1, sizeof(*rs));
	struct logcheck_report rep;
	struct conf_err err;

	if (rs == NULL || (dir != NULL && (rs->dir = strdup(dir)) == NULL)) {
		free(rs);
		free(sig);
		return NULL;
	}
	rs->level = level;
	rs->sig = sig;
	atomic_init(&rs->refs, 1);
	if (logcheck_load_cached(dir, level, 0, e->cache_dir, &rs->rules, &rep, &err) != 0) {
		engine_log(e, LOG_ERR, ENGINE_FAULT_CONFIG,
			   "%s: the logcheck filters on these rules match nothing", err.msg);
		return rs;
	}
	log_report(e, rs, &rep);
	logcheck_report_free(&rep);
	return rs;
}

/* The previous generation's set for (dir, level) when it read the files
 * that are there now (a reference for the caller), else NULL. */
static struct engine_rules *rules_reuse(const struct engine_gen *old, const char *dir, int level,
					const char *sig)
{
	for (size_t i = 0; old != NULL && i < old->n_lc; i++) {
		struct engine_rules *rs = old->lc[i];

		if (rs->level == level && strcmp(dir_of(rs->dir), dir_of(dir)) == 0 &&
		    rs->rules != NULL && rs->sig != NULL && sig != NULL &&
		    strcmp(rs->sig, sig) == 0) {
			atomic_fetch_add(&rs->refs, 1);
			return rs;
		}
	}
	return NULL;
}

/* The index in g->lc of the set for (dir, level), -1 when none yet. */
static long rules_find(const struct engine_gen *g, const char *dir, int level)
{
	for (size_t i = 0; i < g->n_lc; i++)
		if (g->lc[i]->level == level && strcmp(dir_of(g->lc[i]->dir), dir_of(dir)) == 0)
			return (long)i;
	return -1;
}

/* Add the set for (dir, level) to g: reused from old, else loaded.  Its
 * index, or -1 when out of memory. */
static long rules_add(struct engine *e, struct engine_gen *g, const struct engine_gen *old,
		      const char *dir, int level)
{
	char *sig = logcheck_signature(dir, level);
	struct engine_rules *rs = rules_reuse(old, dir, level, sig);

	if (rs != NULL)
		free(sig);
	else if ((rs = rules_load(e, dir, level, sig)) == NULL)
		return -1;
	g->lc[g->n_lc] = rs;
	return (long)g->n_lc++;
}

int engine_rules_build(struct engine *e, struct engine_gen *g, const struct engine_gen *old)
{
	const struct conf *c = g->conf;
	size_t n = c->n_recipients;

	g->lc_of = malloc((n ? n : 1) * sizeof(*g->lc_of));
	g->lc = calloc(n ? n : 1, sizeof(*g->lc));
	g->lc_rcpt = malloc((n ? n : 1) * sizeof(*g->lc_rcpt));
	if (g->lc_of == NULL || g->lc == NULL || g->lc_rcpt == NULL)
		return -1;
	for (size_t r = 0; r < n; r++) {
		const struct conf_recipient *rc = &c->recipients[r];
		long k = -1;

		if (rc->logcheck != CONF_LOGCHECK_NONE &&
		    (k = rules_find(g, rc->logcheck_rules, rc->logcheck)) < 0 &&
		    (k = rules_add(e, g, old, rc->logcheck_rules, rc->logcheck)) < 0)
			return -1;
		g->lc_of[r] = (int32_t)k;
		if (k >= 0)
			g->lc_rcpt[g->n_lc_rcpt++] = r;
	}
	return 0;
}

void engine_rules_free(struct engine_gen *g)
{
	for (size_t i = 0; i < g->n_lc; i++)
		engine_rules_put(g->lc[i]);
	free(g->lc);
	free(g->lc_of);
	free(g->lc_rcpt);
}

/* ---- the traditional line ------------------------------------------------ */

static void put(struct engine_line *l, const char *s, size_t n)
{
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

bool engine_line_render(struct engine_line *l, const struct engine_msg *m, time_t ts)
{
	const char *host = m->host != NULL ? m->host : "";
	const char *tag = m->tag != NULL ? m->tag : "";
	const char *text = m->text != NULL ? m->text : "";
	size_t hn = strlen(host), tn = strlen(tag), xn = strlen(text);
	size_t lead = m->lead_spaces > 1 ? m->lead_spaces : 1;

	if (xn > 0 && text[xn - 1] == '\n') /* %msg:::drop-last-lf% */
		xn--;
	if (!util_reserve((void **)&l->buf, &l->cap, 15 + 1 + hn + 1 + tn + lead + xn, 1, 64))
		return false;
	if (ts != l->ts_cached || l->ts_text[0] == '\0') {
		syslog_time_rfc3164_render(ts, l->ts_text);
		l->ts_cached = ts;
	}
	l->len = 0;
	put(l, l->ts_text, strlen(l->ts_text));
	put(l, " ", 1);
	put(l, host, hn);
	put(l, " ", 1);
	put(l, tag, tn);
	for (size_t i = 0; i < lead; i++) /* %msg:::sp-if-no-1st-sp%, then msg's own */
		put(l, " ", 1);
	put(l, text, xn);
	return true;
}
