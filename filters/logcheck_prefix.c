/*
 * filters/logcheck_prefix.c: the literal strings a rule's rest can start
 * with, and so the tokens it is filed under (lc_rest_tokens).
 *
 * Grouped by program
 * ------------------
 * After the header comes the program: "sshd[123]: ", "kernel: ".  A line's
 * token is the text after the host name up to the first `[`, `:`, blank or
 * `(`.  When the start of a REST can only be one of a few literal strings,
 * each running into one of those characters ("sshd\[", "(/USR/SBIN/)?CRON\[",
 * "su(\[[0-9]+\])?:"), every line it matches has one of those tokens, and it
 * goes into those tokens' databases (lc_rest_tokens); the others go into one
 * generic database.  A line is scanned by its token's database, the generic
 * one and the whole-line one, not by the rules of the other programs.
 */
#include "filters/logcheck-internal.h"

#include <stdlib.h>
#include <string.h>

static bool strs_all_closed(const struct strs *a)
{
	for (int k = 0; k < a->n; k++)
		if (!a->closed[k])
			return false;
	return true;
}

/* a := a . b (every open string of a followed by each string of b). */
static int strs_cat(struct strs *a, const struct strs *b)
{
	struct strs *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	for (int i = 0; i < a->n; i++) {
		for (int j = 0; j < (a->closed[i] ? 1 : b->n); j++) {
			char *d = r->s[r->n];
			size_t n = a->len[i];
			bool closed = a->closed[i];

			if (r->n == TOK_MAX) {
				free(r);
				return -1;
			}
			memcpy(d, a->s[i], n);
			for (size_t k = 0; !closed && k < b->len[j]; k++) {
				if (n + 1 >= TOK_LEN) {
					free(r);
					return -1;
				}
				d[n++] = b->s[j][k];
				closed = lc_token_end(b->s[j][k]);
			}
			r->len[r->n] = (uint8_t)n;
			r->closed[r->n++] = closed;
		}
	}
	*a = *r;
	free(r);
	return 0;
}

static int strs_union(struct strs *a, const struct strs *b)
{
	if (a->n + b->n > TOK_MAX)
		return -1;
	for (int j = 0; j < b->n; j++) {
		memcpy(a->s[a->n], b->s[j], b->len[j]);
		a->len[a->n] = b->len[j];
		a->closed[a->n++] = b->closed[j];
	}
	return 0;
}

static int strs_add(struct strs *a, unsigned char c)
{
	if (a->n == TOK_MAX)
		return -1;
	a->s[a->n][0] = (char)c;
	a->len[a->n] = 1;
	a->closed[a->n++] = lc_token_end((char)c);
	return 0;
}

/* The empty string, open: what an optional item may also be. */
static int strs_add_empty(struct strs *a)
{
	if (a->n == TOK_MAX)
		return -1;
	a->len[a->n] = 0;
	a->closed[a->n++] = false;
	return 0;
}

#define TOK_DEPTH 8 /* groups inside groups */

static int seq_strings(const char *re, size_t *i, struct strs *out, bool in_group, int depth);

/* The quantifier after an item: what it leaves of out's strings. */
static int item_quantifier(const char *re, size_t *i, struct strs *out)
{
	long lo = 1, hi = 1;
	int n = 1;

	if (re[*i] == '?')
		lo = 0;
	else if (re[*i] == '*')
		lo = 0, hi = -1;
	else if (re[*i] == '+')
		hi = -1;
	else if (re[*i] != '{' || (n = lc_interval(re + *i, &lo, &hi)) == 0)
		return 0; /* none */
	if (n < 0 || (lo == 0 && hi != 1))
		return -1;
	*i += (size_t)n;
	if (re[*i] && (strchr("*+?", re[*i]) || (re[*i] == '{' && lc_interval(re + *i, &lo, &hi))))
		return -1; /* quantifiers on quantifiers: not worth it */
	if (lo == 0)
		return strs_add_empty(out);
	/* at least once: the first time decides, when it ends the token */
	return hi == 1 || out->n == 0 || strs_all_closed(out) ? 0 : -1;
}

/* The strings one item at re[*i] can match (a byte, an escaped byte, a
 * bracket of at most 8 bytes, a group of such) with its quantifier; -1 when
 * it is anything else. */
static int item_strings(const char *re, size_t *i, struct strs *out, int depth)
{
	unsigned char c = (unsigned char)re[*i];
	struct byteset set;
	const char *why;
	long lo, hi;

	out->n = 0;
	if (c == '\\') {
		unsigned char e = (unsigned char)re[*i + 1];

		if (!e || strchr("wWsSbB<>`'123456789", e) || strs_add(out, e) < 0)
			return -1;
		*i += 2;
	} else if (c == '[') {
		(*i)++;
		if (lc_bracket(re, i, &set, &why) < 0 || set_count(&set) > 8)
			return -1;
		for (unsigned b = 0; b < 256; b++)
			if (set_has(&set, b) && strs_add(out, (unsigned char)b) < 0)
				return -1;
	} else if (c == '(') {
		(*i)++;
		if (depth >= TOK_DEPTH || seq_strings(re, i, out, true, depth + 1) < 0)
			return -1;
	} else if (c == '{' && lc_interval(re + *i, &lo, &hi) == 0) {
		strs_add(out, c);
		(*i)++;
	} else if (c && !strchr(".*+?{|^$()", c)) {
		strs_add(out, c);
		(*i)++;
	} else {
		return -1;
	}
	return item_quantifier(re, i, out);
}

/* Past the rest of a group's alternative, to its `|` or `)`. */
static int skip_alternative(const char *re, size_t *i)
{
	struct byteset set;
	const char *why;
	int depth = 0;

	for (;;) {
		char c = re[*i];

		if (c == '\0')
			return -1;
		if (c == '\\') {
			if (!re[*i + 1])
				return -1;
			*i += 2;
			continue;
		}
		if (c == '[') {
			(*i)++;
			if (lc_bracket(re, i, &set, &why) < 0)
				return -1;
			continue;
		}
		if ((c == ')' || c == '|') && depth == 0)
			return 0;
		depth += c == '(' ? 1 : c == ')' ? -1 : 0;
		(*i)++;
	}
}

/* The strings a sequence can start with: a group's alternatives (in_group:
 * up to its `)`, which is consumed) or the rule's whole rest.  Once every
 * string of an alternative has reached a token end, what follows does not
 * matter and is skipped. */
static int seq_strings(const char *re, size_t *i, struct strs *out, bool in_group, int depth)
{
	struct strs *alt = calloc(1, sizeof(*alt)), *item = calloc(1, sizeof(*item));
	int rc = -1;

	out->n = 0;
	if (!alt || !item)
		goto out;
	alt->n = 1; /* the empty string, open */
	for (;;) {
		char c = re[*i];
		size_t at = *i;

		if (in_group && (c == '|' || c == ')')) {
			(*i)++;
			if (strs_union(out, alt) < 0)
				goto out;
			if (c == ')')
				break;
			memset(alt, 0, sizeof(*alt));
			alt->n = 1;
			continue;
		}
		if (c == '\0') {
			if (in_group || strs_union(out, alt) < 0)
				goto out;
			break;
		}
		if (item_strings(re, i, item, depth) == 0) {
			if (strs_cat(alt, item) < 0)
				goto out;
			continue;
		}
		if (!strs_all_closed(alt))
			goto out;
		if (!in_group) {
			if (strs_union(out, alt) < 0)
				goto out;
			break;
		}
		*i = at;
		if (skip_alternative(re, i) < 0)
			goto out;
	}
	rc = 0;
out:
	free(alt);
	free(item);
	return rc;
}

int lc_rest_tokens(const char *rest, struct strs *tokens)
{
	size_t i = 0;

	if (seq_strings(rest, &i, tokens, false, 0) < 0 || tokens->n == 0 ||
	    !strs_all_closed(tokens))
		return -1;
	for (int k = 0; k < tokens->n; k++)
		tokens->len[k] = (uint8_t)lc_token_len(tokens->s[k], tokens->len[k]);
	return 0;
}
