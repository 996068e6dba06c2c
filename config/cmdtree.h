/*
 * config/cmdtree.h: what the files of the command tree share (words.c,
 * vtypes.c, declare.c, cmdtree.c) and nobody else sees: the value types of
 * placeholders and the compiled form of one declaration.
 */
#ifndef LOGMAIL_CONF_CMDTREE_H
#define LOGMAIL_CONF_CMDTREE_H

#include "config/internal.h"

#include <string.h>

#define MAX_NODES   96
#define MAX_MEMBERS 16 /* optional groups in one run */

static inline bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* A character of a declaration's word (or of its $name). */
static inline bool word_char(char ch)
{
	return ch && !blank(ch) && !strchr("|{}[]$", ch);
}

/* ---- value types (vtypes.c) ---- */

struct vtype {
	const char *name;
	const char *noun;           /* "expected NOUN after ..." */
	bool secret;                /* never stored in the history */
	bool rest;                  /* takes the rest of the line */
	const char *const *choices; /* "word\thelp": what `?` and Tab offer */
	/* false with msg filled when w is not a value of this type */
	bool (*check)(const struct conf_word *w, char *msg, size_t size);
};

/* <lo-hi>: its noun is its help line, "Port number" -> "a port number". */
extern const struct vtype conf_range_type;

/* The placeholder name[0..len) (WORD, ADDRESS, LEVEL ...), or NULL. */
const struct vtype *conf_vtype_find(const char *name, size_t len);

/* ---- one declaration compiled into a tree (declare.c) ---- */

enum node_kind { N_KW, N_VAL, N_SEQ, N_ALT, N_SET };

struct node {
	enum node_kind kind;
	int child, next; /* -1: none */
	const char *word;
	size_t wlen;
	const char *name; /* $name, else word */
	size_t nlen;
	const char *help; /* N_KW, N_VAL: its help line */
	size_t hlen;
	const struct vtype *type; /* N_VAL */
	unsigned long lo, hi;     /* N_VAL <lo-hi> */
};

struct tree {
	struct node n[MAX_NODES];
	int count;
	const char *help; /* the next help line */
	const char *err;  /* the first compile error */
};

/* Compile c into t; node 0 is the root N_SEQ.  False with t->err set when
 * the declaration is malformed. */
bool conf_tree_compile(const struct conf_cmd *c, struct tree *t);

#endif
