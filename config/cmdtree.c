/*
 * config/cmdtree.c: the command tree.  Commands are declared as strings in
 * the AlliedWare Plus notation (conf.h explains it); words.c splits a line
 * into words, declare.c compiles a declaration into a tree of nodes and
 * vtypes.c checks values; this file matches the words against the trees
 * for the parser, `?`, Tab completion and the errors.
 *
 * Matching walks every reading of the line that a declaration allows
 * (alternatives, optional groups in any order) and gives each word a score:
 * 3 for a keyword typed in full, 2 for an abbreviated keyword, 1 for a
 * value.  Readings are compared word by word, the first difference
 * deciding, and one that got further beats one that stopped earlier; the
 * best readings (there may be several equal ones) decide the outcome.  The
 * declarations are compiled again for every line: there are a few dozen,
 * and a compiled form kept in a global would need a lock in rsyslogd.
 */
#include "config/cmdtree.h"
#include "util/util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- readings ----------------------------------------------------------------------- */

enum outcome_kind { O_FULL, O_INCOMPLETE, O_FAIL };
enum fail_kind { F_NONE, F_WORD, F_END, F_TYPE, F_TWICE };

/* What a reading took a word for. */
struct bind {
	const char *word; /* the keyword (or the placeholder) */
	size_t wlen;
	const char *name;
	size_t nlen;
	unsigned char score;
	bool rest, secret, value;
};

/* A node as outcomes keep it: the declaration's strings are static. */
struct item {
	enum node_kind kind; /* N_KW or N_VAL; N_SEQ for "end of command" */
	const char *word;
	size_t wlen;
	const char *help;
	size_t hlen;
	const struct vtype *type;
};

struct outcome {
	enum outcome_kind kind;
	enum fail_kind fail;
	size_t table, index;
	size_t len; /* words consumed */
	struct item next;
	char msg[200];
	struct bind b[CONF_MAX_WORDS];
};

struct result {
	unsigned char best[CONF_MAX_WORDS];
	size_t best_len;
	struct outcome *v; /* the readings as good as best */
	size_t n, cap;
	bool nomem;
};

struct walker {
	const struct tree *t;
	const struct conf_line *l;
	size_t nwords;
	size_t table, index;
	struct bind b[CONF_MAX_WORDS]; /* the reading being walked */
	struct result *res;
};

struct frame {
	int at;        /* the node to match next; -1: the sequence is done */
	unsigned used; /* when at is an N_SET: the members taken */
	const struct frame *up;
};

static int compare(const struct result *r, const struct bind *b, size_t len)
{
	size_t m = len < r->best_len ? len : r->best_len;

	for (size_t i = 0; i < m; i++)
		if (b[i].score != r->best[i])
			return b[i].score < r->best[i] ? -1 : 1;
	return len < r->best_len ? -1 : len > r->best_len ? 1 : 0;
}

static struct outcome *record(struct walker *w, enum outcome_kind kind, size_t len)
{
	struct result *r = w->res;
	struct outcome *o;
	int c = r->n || r->best_len ? compare(r, w->b, len) : 1;

	if (r->nomem || c < 0)
		return NULL;
	if (c > 0) {
		r->n = 0;
		r->best_len = len;
		for (size_t i = 0; i < len; i++)
			r->best[i] = w->b[i].score;
	}
	if (!util_reserve((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v), 16)) {
		r->nomem = true;
		return NULL;
	}
	o = &r->v[r->n++];
	memset(o, 0, offsetof(struct outcome, b));
	o->kind = kind;
	o->table = w->table;
	o->index = w->index;
	o->len = len;
	memcpy(o->b, w->b, len * sizeof(w->b[0]));
	return o;
}

static void set_item(struct item *it, const struct node *n)
{
	if (!n) {
		*it = (struct item){.kind = N_SEQ};
		return;
	}
	*it = (struct item){n->kind, n->word, n->wlen, n->help, n->hlen, n->type};
}

static void walk(struct walker *w, const struct frame *f, size_t pos);

/* 3 typed in full, 2 abbreviated, 0 not this keyword. */
static unsigned keyword_score(const struct node *n, const struct conf_word *cw)
{
	size_t len = strlen(cw->text);

	if (cw->quoted || len == 0 || len > n->wlen || strncmp(cw->text, n->word, len) != 0)
		return 0;
	return len == n->wlen ? 3 : 2;
}

/* Is the word a value of n's type?  Else msg says why. */
static bool value_ok(const struct node *n, const struct conf_word *cw, char *msg, size_t size)
{
	const char *s = cw->text;
	size_t len = strlen(s);
	unsigned long v;

	if (n->type != &conf_range_type)
		return n->type->check(cw, msg, size);
	if (len > 0 && len <= 10 && strspn(s, "0123456789") == len &&
	    (v = strtoul(s, NULL, 10)) >= n->lo && v <= n->hi)
		return true;
	snprintf(msg, size, "expected a %c%.*s %lu-%lu, got \"%.100s\"",
		 tolower((unsigned char)n->help[0]), (int)(n->hlen ? n->hlen - 1 : 0), n->help + 1,
		 n->lo, n->hi, s);
	return false;
}

static void bind_word(struct walker *w, size_t pos, const struct node *n, unsigned score)
{
	w->b[pos] = (struct bind){n->word,
				  n->wlen,
				  n->name,
				  n->nlen,
				  (unsigned char)score,
				  n->kind == N_VAL && n->type->rest,
				  n->kind == N_VAL && n->type->secret,
				  n->kind == N_VAL};
}

static void walk_word(struct walker *w, const struct frame *f, size_t pos)
{
	const struct node *n = &w->t->n[f->at];
	struct frame next = {n->next, 0, f->up};
	char msg[sizeof(((struct outcome *)0)->msg)];
	struct outcome *o;
	unsigned score;

	if (pos == w->nwords) {
		o = record(w, O_INCOMPLETE, pos);
		if (o)
			set_item(&o->next, n);
		return;
	}
	if (n->kind == N_KW) {
		score = keyword_score(n, &w->l->w[pos]);
		if (!score) {
			o = record(w, O_FAIL, pos);
			if (o) {
				o->fail = F_WORD;
				set_item(&o->next, n);
			}
			return;
		}
		bind_word(w, pos, n, score);
		walk(w, &next, pos + 1);
		return;
	}
	if (!value_ok(n, &w->l->w[pos], msg, sizeof(msg))) {
		o = record(w, O_FAIL, pos);
		if (o) {
			o->fail = F_TYPE;
			set_item(&o->next, n);
			snprintf(o->msg, sizeof(o->msg), "%s", msg);
		}
		return;
	}
	bind_word(w, pos, n, 1);
	if (!n->type->rest) {
		walk(w, &next, pos + 1);
		return;
	}
	for (size_t i = pos + 1; i < w->nwords; i++) {
		bind_word(w, i, n, 1);
		w->b[i].nlen = 0; /* only the first word carries the name */
	}
	walk(w, &next, w->nwords);
}

/* A keyword of an optional group already given, typed again. */
static void check_twice(struct walker *w, const struct node *set, unsigned used, size_t pos)
{
	int m = set->child;

	for (unsigned i = 0; m >= 0; i++, m = w->t->n[m].next) {
		if (!(used & (1u << i)))
			continue;
		for (int a = w->t->n[m].child; a >= 0; a = w->t->n[a].next) {
			int first = w->t->n[a].child;
			const struct node *k = first >= 0 ? &w->t->n[first] : NULL;
			struct outcome *o;

			if (!k || k->kind != N_KW || !keyword_score(k, &w->l->w[pos]))
				continue;
			o = record(w, O_FAIL, pos);
			if (o) {
				o->fail = F_TWICE;
				snprintf(o->msg, sizeof(o->msg), "\"%.*s\" given twice",
					 (int)k->wlen, k->word);
			}
			return;
		}
	}
}

static void walk_set(struct walker *w, const struct frame *f, size_t pos)
{
	const struct node *n = &w->t->n[f->at];
	struct frame leave = {n->next, 0, f->up};
	int m = n->child;

	walk(w, &leave, pos);
	if (pos < w->nwords && f->used)
		check_twice(w, n, f->used, pos);
	for (unsigned i = 0; m >= 0; i++, m = w->t->n[m].next) {
		struct frame back = {f->at, f->used | (1u << i), f->up};

		if (f->used & (1u << i))
			continue;
		for (int a = w->t->n[m].child; a >= 0; a = w->t->n[a].next) {
			struct frame in = {w->t->n[a].child, 0, &back};

			walk(w, &in, pos);
		}
	}
}

static void walk(struct walker *w, const struct frame *f, size_t pos)
{
	const struct node *n;
	struct outcome *o;

	if (!f) {
		o = record(w, pos == w->nwords ? O_FULL : O_FAIL, pos);
		if (o && pos < w->nwords) {
			o->fail = F_END;
			set_item(&o->next, NULL);
		}
		return;
	}
	if (f->at < 0) {
		walk(w, f->up, pos);
		return;
	}
	n = &w->t->n[f->at];
	switch (n->kind) {
	case N_KW:
	case N_VAL:
		walk_word(w, f, pos);
		break;
	case N_SEQ: {
		struct frame in = {n->child, 0, f->up};

		walk(w, &in, pos);
		break;
	}
	case N_ALT: {
		struct frame after = {n->next, 0, f->up};

		for (int a = n->child; a >= 0; a = w->t->n[a].next) {
			struct frame in = {w->t->n[a].child, 0, &after};

			walk(w, &in, pos);
		}
		break;
	}
	case N_SET:
		walk_set(w, f, pos);
		break;
	}
}

static void read_all(const struct conf_table *tables, size_t ntables, const struct conf_line *l,
		     size_t nwords, bool hidden, struct result *res)
{
	struct walker *w = calloc(1, sizeof(*w));
	struct tree *t = malloc(sizeof(*t));

	if (!w || !t) {
		res->nomem = true;
		goto out;
	}
	w->t = t;
	w->l = l;
	w->nwords = nwords < l->n ? nwords : l->n;
	w->res = res;
	for (size_t ti = 0; ti < ntables; ti++) {
		for (size_t ci = 0; ci < tables[ti].n; ci++) {
			const struct conf_cmd *c = conf_table_cmd(&tables[ti], ci);
			struct frame root = {0, 0, NULL};

			if ((!hidden && (c->flags & CONF_CMD_HIDDEN)) || !conf_tree_compile(c, t))
				continue;
			w->table = ti;
			w->index = ci;
			walk(w, &root, 0);
		}
	}
out:
	free(w);
	free(t);
}

/* ---- outcomes into a match ------------------------------------------------------------- */

static bool same_item(const struct item *a, const struct item *b)
{
	return a->kind == b->kind && a->wlen == b->wlen &&
	       (a->wlen == 0 || memcmp(a->word, b->word, a->wlen) == 0);
}

/* The first word typed as an abbreviation of two different keywords. */
static long ambiguous_at(const struct result *r)
{
	for (size_t i = 0; i < r->best_len; i++) {
		if (r->best[i] != 2)
			continue;
		for (size_t k = 1; k < r->n; k++)
			if (r->v[k].b[i].wlen != r->v[0].b[i].wlen ||
			    memcmp(r->v[k].b[i].word, r->v[0].b[i].word, r->v[0].b[i].wlen) != 0)
				return (long)i;
	}
	return -1;
}

/* "a, b or c" of the distinct keywords expected by outcomes of kind k. */
static void keyword_list(const struct result *r, enum outcome_kind k, char *buf, size_t size)
{
	size_t used = 0, count = 0, total = 0;

	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n; i++) {
			const struct item *it = &r->v[i].next;
			bool dup = false;

			if (r->v[i].kind != k || it->kind != N_KW)
				continue;
			for (size_t j = 0; j < i && !dup; j++)
				dup = r->v[j].kind == k && same_item(&r->v[j].next, it);
			if (dup)
				continue;
			if (pass == 0) {
				total++;
				continue;
			}
			if (used >= size)
				return; /* cut: enough to point the way */
			count++;
			used += (size_t)snprintf(buf + used, size - used, "%s%.*s",
						 count == 1       ? ""
						 : count == total ? " or "
								  : ", ",
						 (int)it->wlen, it->word);
		}
	}
}

static void match_fail(const struct result *r, const struct conf_line *l, struct conf_match *m)
{
	const struct conf_word *w = &l->w[r->best_len];
	const struct outcome *type = NULL, *twice = NULL;
	bool after_secret = r->best_len > 0 && r->v[0].b[r->best_len - 1].secret;
	char list[200];

	m->kind = CONF_MATCH_INVALID;
	m->col = w->col;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].fail == F_TYPE && !type)
			type = &r->v[i];
		if (r->v[i].fail == F_TWICE && !twice)
			twice = &r->v[i];
	}
	keyword_list(r, O_FAIL, list, sizeof(list));
	if (type)
		snprintf(m->msg, sizeof(m->msg), "%s", type->msg);
	else if (twice)
		snprintf(m->msg, sizeof(m->msg), "%s", twice->msg);
	else if (r->best_len == 0)
		snprintf(m->msg, sizeof(m->msg), "unknown command \"%.100s\"", w->text);
	else if (after_secret)
		snprintf(m->msg, sizeof(m->msg),
			 "unexpected word after the password (quote a password that contains "
			 "blanks)");
	else if (!list[0])
		snprintf(m->msg, sizeof(m->msg), "unexpected word \"%.100s\"", w->text);
	else
		snprintf(m->msg, sizeof(m->msg), "unknown word \"%.100s\" (expected %s)", w->text,
			 list);
}

static void match_incomplete(const struct result *r, const struct conf_line *l, size_t nwords,
			     struct conf_match *m)
{
	const struct conf_word *last = &l->w[nwords - 1];
	const struct vtype *value = NULL;
	char list[200];

	m->kind = CONF_MATCH_INCOMPLETE;
	m->col = last->end;
	for (size_t i = 0; i < r->n && !value; i++)
		if (r->v[i].kind == O_INCOMPLETE && r->v[i].next.kind == N_VAL)
			value = r->v[i].next.type;
	keyword_list(r, O_INCOMPLETE, list, sizeof(list));
	if (r->v[0].b[nwords - 1].secret)
		snprintf(m->msg, sizeof(m->msg), "expected %s after the password",
			 value ? value->noun : list);
	else
		snprintf(m->msg, sizeof(m->msg), "expected %s after \"%.100s\"",
			 value ? value->noun : list, last->text);
}

static void match_ok(const struct outcome *o, const struct conf_line *l, struct conf_match *m)
{
	m->kind = CONF_MATCH_OK;
	m->table = o->table;
	m->index = o->index;
	m->args.line = l;
	m->args.n = o->len;
	for (size_t i = 0; i < o->len; i++) {
		m->args.w[i].name = o->b[i].name;
		m->args.w[i].nlen = (unsigned char)o->b[i].nlen;
		m->args.w[i].rest = o->b[i].rest;
		m->args.w[i].value = o->b[i].value;
		m->secret |= o->b[i].secret;
	}
}

/* The result of reading the words: fills m unless it is OK (choices). */
static bool judge(const struct result *r, const struct conf_line *l, size_t nwords,
		  struct conf_match *m, const struct outcome **full)
{
	long amb = ambiguous_at(r);
	const struct outcome *f = NULL;
	bool incomplete = false;

	*full = NULL;
	if (r->nomem || r->n == 0) {
		m->kind = CONF_MATCH_INVALID;
		snprintf(m->msg, sizeof(m->msg), r->nomem ? "out of memory" : "empty command");
		return false;
	}
	if (amb >= 0) {
		m->kind = CONF_MATCH_AMBIGUOUS;
		m->col = l->w[amb].col;
		snprintf(m->msg, sizeof(m->msg), "ambiguous word \"%.100s\"", l->w[amb].text);
		return false;
	}
	if (r->best_len < nwords) {
		match_fail(r, l, m);
		return false;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].kind == O_INCOMPLETE)
			incomplete = true;
		if (r->v[i].kind != O_FULL)
			continue;
		if (f && (f->table != r->v[i].table || f->index != r->v[i].index)) {
			m->kind = CONF_MATCH_AMBIGUOUS;
			m->col = l->n ? l->w[0].col : 1;
			snprintf(m->msg, sizeof(m->msg), "ambiguous command");
			return false;
		}
		f = f ? f : &r->v[i];
	}
	*full = f;
	if (!f && incomplete && nwords > 0) {
		match_incomplete(r, l, nwords, m);
		return false;
	}
	return true;
}

void conf_match(const struct conf_table *tables, size_t ntables, const struct conf_line *l,
		size_t nwords, struct conf_match *m)
{
	struct result r = {0};
	const struct outcome *full;

	memset(m, 0, sizeof(*m));
	nwords = nwords < l->n ? nwords : l->n;
	read_all(tables, ntables, l, nwords, true, &r);
	if (judge(&r, l, nwords, m, &full)) {
		if (full) {
			match_ok(full, l, m);
		} else {
			m->kind = CONF_MATCH_INCOMPLETE;
			snprintf(m->msg, sizeof(m->msg), "empty command");
		}
	}
	free(r.v);
}
/* ---- choices: `?` and Tab ----------------------------------------------------------------- */

static int add_choice(struct conf_choices *c, const char *word, size_t wlen, const char *help,
		      size_t hlen, bool keyword)
{
	struct conf_choice *v;

	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i].word) == wlen && strncmp(c->v[i].word, word, wlen) == 0)
			return 0;
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->v = v;
	v = &c->v[c->n++];
	snprintf(v->word, sizeof(v->word), "%.*s", (int)wlen, word);
	v->help = help;
	v->hlen = hlen;
	v->keyword = keyword;
	return 0;
}

static int add_item(struct conf_choices *c, const struct item *it)
{
	if (it->kind == N_KW)
		return add_choice(c, it->word, it->wlen, it->help, it->hlen, true);
	if (!it->type->choices)
		return add_choice(c, it->word, it->wlen, it->help, it->hlen, false);
	for (const char *const *ch = it->type->choices; *ch; ch++) {
		const char *tab = strchr(*ch, '\t');

		if (add_choice(c, *ch, (size_t)(tab - *ch), tab + 1, strlen(tab + 1),
			       (*ch)[0] != '<') < 0)
			return -1;
	}
	return 0;
}

/* Values in the order declared, then keywords alphabetically. */
static bool goes_before(const struct conf_choice *a, const struct conf_choice *b)
{
	if (a->keyword != b->keyword)
		return !a->keyword;
	return a->keyword && strcmp(a->word, b->word) < 0;
}

static void sort_choices(struct conf_choice *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct conf_choice c = v[i];
		size_t j = i;

		for (; j > 0 && goes_before(&c, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = c;
	}
}

int conf_choices(const struct conf_table *tables, size_t ntables, const struct conf_line *l,
		 size_t nwords, struct conf_choices *out, struct conf_match *m)
{
	struct result r = {0};
	const struct outcome *full;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(m, 0, sizeof(*m));
	nwords = nwords < l->n ? nwords : l->n;
	read_all(tables, ntables, l, nwords, false, &r);
	if (nwords == 0 && !r.nomem && r.n == 0) {
		free(r.v);
		return 0;
	}
	/* An incomplete line is fine here: its next words are the answer. */
	if (!judge(&r, l, nwords, m, &full) && m->kind != CONF_MATCH_INCOMPLETE) {
		free(r.v);
		return -1;
	}
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < r.n && rc == 0; i++) {
		const struct outcome *o = &r.v[i];

		for (size_t k = 0; k < o->len; k++)
			out->secret |= o->b[k].secret;
		if (o->kind == O_INCOMPLETE)
			rc = add_item(out, &o->next);
		if (o->kind != O_FULL)
			continue;
		out->cr = true;
		out->show |=
		    (conf_table_cmd(&tables[o->table], o->index)->flags & CONF_CMD_SHOW) != 0;
	}
	free(r.v);
	if (rc < 0) {
		conf_choices_free(out);
		m->kind = CONF_MATCH_INVALID;
		snprintf(m->msg, sizeof(m->msg), "out of memory");
		return -1;
	}
	sort_choices(out->v, out->n);
	return 0;
}

void conf_choices_free(struct conf_choices *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}
