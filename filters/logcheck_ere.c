/*
 * filters/logcheck_ere.c: a logcheck rule from GNU ERE to PCRE2 syntax
 * (logcheck_ere_to_pcre, lc_translate), and the growing string it writes.
 *
 * From GNU ERE to PCRE2
 * ---------------------
 * logcheck runs `grep -E -f FILE`.  PCRE2 and Vectorscan read a different
 * dialect, so every rule is translated (logcheck_ere_to_pcre):
 *
 *   - `\<` and `\>` become `\b(?=\w)` and `\b(?<=\w)`, `` \` `` and `\'`
 *     become `\A` and `\z`; `\w \W \s \S \b \B` and back-references `\1`..`\9`
 *     stay; any other backslashed character is that character (`\d` is a
 *     "d" to grep, a digit to PCRE2).
 *   - A bracket expression is the set of bytes it names in the C locale
 *     (classes, ranges, `[.c.]`, `[=c=]`; a backslash inside is a
 *     backslash), written out as a PCRE2 class of `\xHH` ranges.
 *   - A quantifier with nothing before it (at the start, after `(` or `|`)
 *     repeats nothing, as grep does it: it is dropped.  A quantifier after a
 *     quantifier or an anchor applies to what is before it, as in grep:
 *     `a+?` is `(?:a+)?`, not PCRE2's lazy `a+?`.
 *   - `{` that does not start a valid interval is a `{`; `{,n}` is `{0,n}`.
 *   - An unmatched `)` is a `)`.
 */
#include "filters/logcheck-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lc_buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 64) + n;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->nomem = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void lc_buf_str(struct buf *b, const char *s)
{
	lc_buf_put(b, s, strlen(s));
}

static void buf_insert(struct buf *b, size_t at, const char *s)
{
	size_t n = strlen(s), tail = b->n - at;

	lc_buf_put(b, s, n); /* grow by n */
	if (!b->nomem) {
		memmove(b->s + at + n, b->s + at, tail);
		memcpy(b->s + at, s, n);
	}
}

/* ---- bracket expressions ----------------------------------------------------- */

/* The POSIX classes in the C locale. */
static bool class_has(const char *name, size_t len, unsigned c, bool *known)
{
	static const char *const names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
					    "lower", "print", "punct", "space", "upper", "xdigit"};
	bool v[12] = {
	    is_alpha(c) || is_digit(c),
	    is_alpha(c),
	    c == ' ' || c == '\t',
	    c < 0x20 || c == 0x7f,
	    is_digit(c),
	    c > 0x20 && c < 0x7f,
	    c >= 'a' && c <= 'z',
	    c >= 0x20 && c<0x7f, c> 0x20 && c < 0x7f && !is_alpha(c) && !is_digit(c),
	    is_space(c),
	    c >= 'A' && c <= 'Z',
	    is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'),
	};

	for (int i = 0; i < 12; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) {
			*known = true;
			return v[i];
		}
	}
	*known = false;
	return false;
}

/* One element of a bracket at s[*i]: a byte (*c), or a class added to set
 * (returns 1); 0 for a byte; -1 with *why on error. */
static int bracket_element(const char *s, size_t *i, struct byteset *set, unsigned *c,
			   const char **why)
{
	const char *end;
	char kind;

	if (s[*i] != '[' || (s[*i + 1] != ':' && s[*i + 1] != '.' && s[*i + 1] != '=')) {
		*c = (unsigned char)s[(*i)++];
		return 0;
	}
	kind = s[*i + 1];
	end = s + *i + 2;
	while (*end && !(end[0] == kind && end[1] == ']'))
		end++;
	if (!*end) {
		*why = "unmatched [, [^, [:, [., or [=";
		return -1;
	}
	size_t start = *i + 2, len = (size_t)(end - s) - start;

	*i = (size_t)(end - s) + 2;
	if (kind != ':') { /* [.c.] and [=c=]: one byte in the C locale */
		if (len != 1) {
			*why = "invalid collation character";
			return -1;
		}
		*c = (unsigned char)s[start];
		return 0;
	}
	for (unsigned b = 0; b < 256; b++) {
		bool known;

		if (class_has(s + start, len, b, &known))
			set_add(set, b);
		if (!known) {
			*why = "invalid character class name";
			return -1;
		}
	}
	return 1;
}

int lc_bracket(const char *s, size_t *i, struct byteset *set, const char **why)
{
	bool neg = s[*i] == '^', first = true;

	memset(set, 0, sizeof(*set));
	if (neg)
		(*i)++;
	for (;; first = false) {
		unsigned lo, hi;
		int k;

		if (s[*i] == '\0') {
			*why = "unmatched [, [^, [:, [., or [=";
			return -1;
		}
		if (s[*i] == ']' && !first) {
			(*i)++;
			break;
		}
		if ((k = bracket_element(s, i, set, &lo, why)) < 0)
			return -1;
		if (k == 1) {
			if (s[*i] == '-' && s[*i + 1] && s[*i + 1] != ']') {
				*why = "invalid range end";
				return -1;
			}
			continue;
		}
		hi = lo;
		if (s[*i] == '-' && s[*i + 1] && s[*i + 1] != ']') {
			(*i)++;
			if ((k = bracket_element(s, i, set, &hi, why)) < 0)
				return -1;
			if (k == 1 || hi < lo) {
				*why = "invalid range end";
				return -1;
			}
		}
		for (unsigned b = lo; b <= hi; b++)
			set_add(set, b);
	}
	if (neg)
		for (int w = 0; w < 4; w++)
			set->w[w] = ~set->w[w];
	return 0;
}

static void put_byte(struct buf *b, unsigned c)
{
	char tmp[8];

	if (is_alpha(c) || is_digit(c))
		snprintf(tmp, sizeof(tmp), "%c", (char)c);
	else
		snprintf(tmp, sizeof(tmp), "\\x%02x", c);
	lc_buf_str(b, tmp);
}

/* A set as a PCRE2 class of ranges. */
static void put_set(struct buf *b, const struct byteset *set)
{
	if (set_count(set) == 0) {
		lc_buf_str(b, "[^\\x00-\\xff]");
		return;
	}
	lc_buf_str(b, "[");
	for (unsigned c = 0; c < 256; c++) {
		unsigned end = c;

		if (!set_has(set, c))
			continue;
		while (end + 1 < 256 && set_has(set, end + 1))
			end++;
		put_byte(b, c);
		if (end > c) {
			if (end > c + 1)
				lc_buf_str(b, "-");
			put_byte(b, end);
		}
		c = end;
	}
	lc_buf_str(b, "]");
}

/* ---- intervals --------------------------------------------------------------- */

#define RE_DUP_MAX_GNU 32767

int lc_interval(const char *s, long *lo, long *hi)
{
	const char *p = s + 1;
	char *end;

	*lo = 0;
	*hi = -1;
	if (is_digit((unsigned char)*p)) {
		*lo = strtol(p, &end, 10);
		p = end;
		*hi = *lo;
	} else if (*p == '}') {
		return -1; /* "{}" */
	} else if (*p != ',') {
		return 0;
	}
	if (*p == ',') {
		p++;
		*hi = -1;
		if (is_digit((unsigned char)*p)) {
			*hi = strtol(p, &end, 10);
			p = end;
		}
	}
	if (*p != '}')
		return 0;
	if (*lo > RE_DUP_MAX_GNU || *hi > RE_DUP_MAX_GNU || (*hi >= 0 && *hi < *lo))
		return -1;
	return (int)(p + 1 - s);
}

/* ---- ERE to PCRE2 ------------------------------------------------------------- */

#define XL_DEPTH 64

struct xl {
	struct buf out;
	size_t atom;  /* where the last atom starts in out */
	size_t quant; /* where its last quantifier is, when QUANTIFIED */
	enum { NOTHING, ATOM, QUANTIFIED, ASSERTION } last;
	size_t group[XL_DEPTH];
	int depth;
	unsigned flags;
	const char *why;
};

static void xl_atom(struct xl *x, const char *s, bool assertion)
{
	x->atom = x->out.n;
	x->last = assertion ? ASSERTION : ATOM;
	lc_buf_str(&x->out, s);
}

static void xl_char(struct xl *x, unsigned c)
{
	x->atom = x->out.n;
	x->last = ATOM;
	put_byte(&x->out, c);
}

/* Two of ?, * and + in a row are one: ++ is +, ?? is ?, any other pair is
 * *.  (Wrapping them instead would nest a group per quantifier, and a
 * pattern such as a++++++++... takes Vectorscan seconds to compile.) */
static bool xl_merge(struct xl *x, const char *q)
{
	char *prev = x->out.s ? &x->out.s[x->quant] : NULL;

	if (x->last != QUANTIFIED || !prev || x->quant + 1 != x->out.n || !strchr("?*+", *prev) ||
	    q[1] || !strchr("?*+", q[0]))
		return false;
	if (*prev != q[0])
		*prev = '*';
	return true;
}

static void xl_quant(struct xl *x, const char *q)
{
	if (x->last == NOTHING)
		return; /* grep: a repetition of nothing matches the empty string */
	if (xl_merge(x, q))
		return;
	if (x->last != ATOM) {
		buf_insert(&x->out, x->atom, "(?:");
		lc_buf_str(&x->out, ")");
	}
	x->quant = x->out.n;
	lc_buf_str(&x->out, q);
	x->last = QUANTIFIED;
}

static int xl_backslash(struct xl *x, unsigned char c)
{
	char tmp[4] = {'\\', (char)c, 0};

	if (c == '\0') {
		x->why = "trailing backslash";
		return -1;
	}
	if (strchr("wWsS", c)) {
		xl_atom(x, tmp, false);
	} else if (c == 'b' || c == 'B') {
		xl_atom(x, tmp, true);
	} else if (c == '<') {
		xl_atom(x, "\\b(?=\\w)", true);
	} else if (c == '>') {
		xl_atom(x, "\\b(?<=\\w)", true);
	} else if (c == '`') {
		xl_atom(x, "\\A", true);
		x->flags |= XL_ANCHOR;
	} else if (c == '\'') {
		xl_atom(x, "\\z", true);
	} else if (c >= '1' && c <= '9') {
		xl_atom(x, tmp, false);
		x->flags |= XL_BACKREF;
	} else {
		xl_char(x, c); /* a stray backslash: the character itself */
	}
	return 0;
}

static int xl_interval(struct xl *x, const char *s, size_t *i)
{
	long lo, hi;
	int n = lc_interval(s + *i, &lo, &hi);
	char q[48];

	if (n < 0) {
		x->why = "invalid content of \\{\\}";
		return -1;
	}
	if (n == 0) {
		xl_char(x, '{');
		(*i)++;
		return 0;
	}
	if (hi < 0)
		snprintf(q, sizeof(q), "{%ld,}", lo);
	else if (hi == lo)
		snprintf(q, sizeof(q), "{%ld}", lo);
	else
		snprintf(q, sizeof(q), "{%ld,%ld}", lo, hi);
	xl_quant(x, q);
	*i += (size_t)n;
	return 0;
}

static int xl_step(struct xl *x, const char *s, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];
	struct byteset set;

	switch (c) {
	case '\\':
		*i += 2;
		return xl_backslash(x, (unsigned char)s[*i - 1]);
	case '[':
		(*i)++;
		if (lc_bracket(s, i, &set, &x->why) < 0)
			return -1;
		x->atom = x->out.n;
		x->last = ATOM;
		put_set(&x->out, &set);
		return 0;
	case '(':
		if (x->depth == XL_DEPTH) {
			x->why = "parentheses nested too deeply";
			return -1;
		}
		x->group[x->depth++] = x->out.n;
		lc_buf_str(&x->out, "(");
		x->last = NOTHING;
		break;
	case ')':
		if (x->depth == 0) {
			xl_char(x, ')');
			break;
		}
		x->atom = x->group[--x->depth];
		x->last = ATOM;
		lc_buf_str(&x->out, ")");
		break;
	case '|':
		if (x->depth == 0)
			x->flags |= XL_TOP_ALT;
		lc_buf_str(&x->out, "|");
		x->last = NOTHING;
		break;
	case '^':
		xl_atom(x, "^", true);
		x->flags |= XL_ANCHOR;
		break;
	case '$':
		xl_atom(x, "$", true);
		break;
	case '.':
		xl_atom(x, ".", false);
		break;
	case '*':
	case '+':
	case '?': {
		char q[2] = {(char)c, 0};

		xl_quant(x, q);
		break;
	}
	case '{':
		return xl_interval(x, s, i);
	default:
		xl_char(x, c);
		break;
	}
	(*i)++;
	return 0;
}

/* The translation of ere with its XL_* flags in *flags. */
char *lc_translate(const char *ere, unsigned *flags, char *why, size_t why_size)
{
	struct xl x = {.last = NOTHING};
	size_t i = 0;

	while (ere[i] && !x.why)
		if (xl_step(&x, ere, &i) < 0)
			break;
	if (!x.why && x.depth > 0)
		x.why = "unmatched ( or \\(";
	if (!x.why && x.out.nomem)
		x.why = "out of memory";
	if (!x.why && !x.out.s)
		lc_buf_str(&x.out, ""); /* the empty ERE matches everything */
	if (x.why || x.out.nomem) {
		snprintf(why, why_size, "%s", x.why ? x.why : "out of memory");
		free(x.out.s);
		return NULL;
	}
	*flags = x.flags;
	return x.out.s;
}

char *logcheck_ere_to_pcre(const char *ere, char *why, size_t why_size)
{
	unsigned flags;

	return lc_translate(ere, &flags, why, why_size);
}
