/*
 * config/declare.c: a command's declaration (the AlliedWare Plus notation
 * of conf.h, one help line per word) compiled into a tree of nodes that
 * cmdtree.c walks, and the declarations read as text: the syntax as
 * logmail(1) prints it, the check a test runs on every table, and whether
 * a word begins a keyword.
 */
#include "config/cmdtree.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- compiled declarations ----------------------------------------------------------- */

static int add_node(struct tree *t, enum node_kind kind)
{
	if (t->count == MAX_NODES) {
		t->err = t->err ? t->err : "too many words";
		return -1;
	}
	t->n[t->count] = (struct node){.kind = kind, .child = -1, .next = -1};
	return t->count++;
}

/* Append node c to parent p's children. */
static void add_child(struct tree *t, int p, int c)
{
	int *link;

	if (p < 0 || c < 0)
		return;
	for (link = &t->n[p].child; *link >= 0; link = &t->n[*link].next)
		;
	*link = c;
}

static void take_help(struct tree *t, struct node *n)
{
	const char *end;

	if (!t->help || !*t->help) {
		t->err = t->err ? t->err : "fewer help lines than words";
		return;
	}
	end = strchrnul(t->help, '\n');
	n->help = t->help;
	n->hlen = (size_t)(end - t->help);
	t->help = *end ? end + 1 : end;
}
static bool parse_range(struct node *n)
{
	char *end;

	if (n->wlen < 5 || n->word[n->wlen - 1] != '>' || !isdigit((unsigned char)n->word[1]))
		return false;
	n->lo = strtoul(n->word + 1, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return false;
	n->hi = strtoul(end + 1, &end, 10);
	return end == n->word + n->wlen - 1 && n->lo <= n->hi;
}

static int parse_word(struct tree *t, const char **p)
{
	const char *s = *p;
	int i = add_node(t, N_KW);
	struct node *n;

	if (i < 0)
		return -1;
	n = &t->n[i];
	while (word_char(**p))
		(*p)++;
	n->word = n->name = s;
	n->wlen = n->nlen = (size_t)(*p - s);
	if (**p == '$') {
		n->name = ++*p;
		while (word_char(**p))
			(*p)++;
		n->nlen = (size_t)(*p - n->name);
	}
	if (n->wlen == 0 || n->nlen == 0)
		t->err = t->err ? t->err : "empty word";
	else if (s[0] == '<') {
		n->kind = N_VAL;
		n->type = &conf_range_type;
		if (!parse_range(n))
			t->err = t->err ? t->err : "bad range";
	} else if (isupper((unsigned char)s[0])) {
		n->kind = N_VAL;
		n->type = conf_vtype_find(s, n->wlen);
		if (!n->type)
			t->err = t->err ? t->err : "unknown placeholder";
	}
	take_help(t, n);
	return i;
}

static int parse_alts(struct tree *t, const char **p, char close);

static void skip_blanks(const char **p)
{
	while (blank(**p))
		(*p)++;
}

/* A run of [..] groups: one N_SET whose members are N_ALTs. */
static int parse_set(struct tree *t, const char **p)
{
	int set = add_node(t, N_SET), members = 0;

	for (;;) {
		const char *q;

		(*p)++; /* '[' */
		add_child(t, set, parse_alts(t, p, ']'));
		if (++members > MAX_MEMBERS)
			t->err = t->err ? t->err : "too many optional groups in a row";
		q = *p;
		skip_blanks(&q);
		if (*q != '[')
			return set;
		*p = q;
	}
}

static int parse_seq(struct tree *t, const char **p)
{
	int seq = add_node(t, N_SEQ);

	for (;;) {
		int item;

		skip_blanks(p);
		if (!**p || strchr("|}]", **p))
			return seq;
		if (**p == '[') {
			item = parse_set(t, p);
		} else if (**p == '{') {
			(*p)++;
			item = parse_alts(t, p, '}');
		} else {
			item = parse_word(t, p);
		}
		if (item < 0 || t->err)
			return seq;
		add_child(t, seq, item);
	}
}

static int parse_alts(struct tree *t, const char **p, char close)
{
	int alt = add_node(t, N_ALT);

	for (;;) {
		add_child(t, alt, parse_seq(t, p));
		if (t->err)
			return alt;
		if (**p == '|') {
			(*p)++;
			continue;
		}
		if (**p == close) {
			(*p)++;
			return alt;
		}
		t->err = "unbalanced brackets";
		return alt;
	}
}

bool conf_tree_compile(const struct conf_cmd *c, struct tree *t)
{
	const char *p = c->syntax;

	t->count = 0;
	t->err = NULL;
	t->help = c->help;
	parse_seq(t, &p);
	if (!t->err && *p)
		t->err = "unbalanced brackets";
	if (!t->err && t->help && *t->help)
		t->err = "more help lines than words";
	return t->err == NULL;
}

const struct conf_cmd *conf_table_cmd(const struct conf_table *t, size_t i)
{
	return (const struct conf_cmd *)((const char *)t->cmds + i * t->size);
}

/* ---- the declarations as text ---------------------------------------------------------- */

void conf_cmd_syntax(const struct conf_cmd *c, char *buf, size_t size)
{
	size_t o = 0;

	for (const char *p = c->syntax; *p && o + 1 < size; p++) {
		if (*p == '$') {
			while (word_char(p[1]))
				p++;
			continue;
		}
		buf[o++] = *p;
	}
	if (size)
		buf[o < size ? o : size - 1] = '\0';
}

int conf_cmd_check(const struct conf_cmd *c, char *why, size_t size)
{
	struct tree *t = malloc(sizeof(*t));
	int rc;

	if (!t) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	rc = conf_tree_compile(c, t) ? 0 : -1;
	if (rc < 0)
		snprintf(why, size, "%s: %s", c->syntax, t->err);
	free(t);
	return rc;
}

/* Keywords are the lower-case words of the syntax strings, outside <...>
 * and $names. */
static bool prefix_in_syntax(const char *s, size_t len, const char *syntax)
{
	const char *p = syntax;

	while (*p) {
		const char *start;

		if (!word_char(*p) || *p == '<' || isupper((unsigned char)*p)) {
			if (*p == '$' || *p == '<' || isupper((unsigned char)*p))
				while (word_char(p[1]))
					p++;
			p++;
			continue;
		}
		start = p;
		while (word_char(*p))
			p++;
		if ((size_t)(p - start) >= len && strncmp(start, s, len) == 0)
			return true;
	}
	return false;
}

bool conf_is_keyword_prefix(const char *s)
{
	size_t len = strlen(s);

	if (len == 0)
		return false;
	for (size_t i = 0; i < conf_commands.n; i++)
		if (prefix_in_syntax(s, len, conf_table_cmd(&conf_commands, i)->syntax))
			return true;
	return false;
}
