/*
 * digest/miner_state.c: a miner's state as text and back (miner_save,
 * miner_restore; the contract is digest/miner.h), for the journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/miner_impl.h"

/* ---- saving ---------------------------------------------------------------
 * The text, one record a line, fields separated by one blank, the kinds
 * from the least to the most recently seen (restored in that order, so
 * that the same kind is evicted next):
 *   logmail-miner 1 NEXT_ID CLOCK
 *   k ID COUNT SEEN PROGRAM EXAMPLE          a kind; then its positions:
 *   w WORD                                   a constant word
 *   c CLASS PREFIX SUFFIX                    a class word (CLASS 1-8)
 *   v CLASS                                  a variable
 *   s POSITION COUNT ERROR VALUE             a value of a position (0-based)
 *   p COUNT ERROR PROGRAM                    a program that logged it
 *   end
 * Strings are escaped: an octet below '!', above '~', or '%' is %XX; an
 * empty string is a lone %. */

static void put_escaped(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	miner_put(o, " ", 1);
	if (n == 0)
		miner_put(o, "%", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3] = {'%', hex[c >> 4], hex[c & 15]};

		if (c > ' ' && c < 0x7F && c != '%')
			miner_put(o, s + i, 1);
		else
			miner_put(o, e, 3);
	}
}

static void save_kind(struct out *o, const struct miner_kind *k)
{
	char num[96];

	snprintf(num, sizeof(num), "k %lu %llu %llu", (unsigned long)k->id,
		 (unsigned long long)k->count, (unsigned long long)k->seen);
	miner_put_str(o, num);
	put_escaped(o, k->program, strlen(k->program));
	put_escaped(o, k->example, strlen(k->example));
	miner_put(o, "\n", 1);
	for (size_t i = 0; i < k->nwords; i++) {
		const struct pos *p = &k->pos[i];

		if (p->type == P_WORD) {
			miner_put_str(o, "w");
			put_escaped(o, miner_pos_text(k, p), p->len);
		} else if (p->type == P_CLASS) {
			snprintf(num, sizeof(num), "c %u", p->cls);
			miner_put_str(o, num);
			put_escaped(o, miner_pos_text(k, p), p->pre);
			put_escaped(o, miner_pos_text(k, p) + p->pre, (size_t)(p->len - p->pre));
		} else {
			snprintf(num, sizeof(num), "v %u", p->cls);
			miner_put_str(o, num);
		}
		miner_put(o, "\n", 1);
	}
	for (size_t i = 0; i < k->nwords; i++) {
		const struct pos *p = &k->pos[i];

		for (size_t j = 0; p->sk != NO_SKETCH && j < k->sk[p->sk].n; j++) {
			const struct value *v = &k->sk[p->sk].v[j];

			snprintf(num, sizeof(num), "s %zu %llu %llu", i,
				 (unsigned long long)v->count, (unsigned long long)v->err);
			miner_put_str(o, num);
			put_escaped(o, v->s, v->len);
			miner_put(o, "\n", 1);
		}
	}
	for (size_t j = 0; j < k->programs.n; j++) {
		const struct value *v = &k->programs.v[j];

		snprintf(num, sizeof(num), "p %llu %llu", (unsigned long long)v->count,
			 (unsigned long long)v->err);
		miner_put_str(o, num);
		put_escaped(o, v->s, v->len);
		miner_put(o, "\n", 1);
	}
}

int miner_save(const struct miner *m, char **out, size_t *len)
{
	struct out o = {NULL, 0, 0};
	char head[96];

	for (int pass = 0; pass < 2; pass++) {
		o.len = 0;
		snprintf(head, sizeof(head), "logmail-miner 1 %lu %llu\n",
			 (unsigned long)m->next_id, (unsigned long long)m->clock);
		miner_put_str(&o, head);
		for (const struct miner_kind *k = m->oldest; k != NULL; k = k->newer)
			save_kind(&o, k);
		miner_put_str(&o, "end\n");
		if (pass == 0) {
			o.size = o.len + 1;
			if ((o.buf = malloc(o.size)) == NULL)
				return -1;
		}
	}
	*out = o.buf;
	*len = o.len;
	return 0;
}

/* ---- restoring ------------------------------------------------------------ */

struct reader {
	const char *p, *end;
	size_t line;
	char *err;
	size_t errsize;
};

static bool fail(struct reader *r, const char *what)
{
	snprintf(r->err, r->errsize, "miner state, line %zu: %s", r->line, what);
	return false;
}

/* The next field of the current line into buf (unescaped, *n octets):
 * false at the end of the line. */
static bool field(struct reader *r, char *buf, size_t size, size_t *n)
{
	const char *s = r->p;

	*n = 0;
	buf[0] = '\0';
	if (s >= r->end || *s == '\n')
		return false;
	if (*s == ' ')
		s++;
	if (s < r->end && *s == '%' && (s + 1 == r->end || s[1] == ' ' || s[1] == '\n')) {
		r->p = s + 1; /* empty */
		return true;
	}
	while (s < r->end && *s != ' ' && *s != '\n') {
		unsigned c = (unsigned char)*s;

		if (c == '%') {
			unsigned v = 0;

			if (r->end - s < 3 || !miner_is_hex((unsigned char)s[1]) ||
			    !miner_is_hex((unsigned char)s[2]))
				return false;
			for (int i = 1; i <= 2; i++)
				v = v * 16 + (unsigned)(miner_is_digit((unsigned char)s[i])
							    ? s[i] - '0'
							    : (s[i] | 0x20) - 'a' + 10);
			c = v;
			s += 2;
		} else if (c <= ' ' || c >= 0x7F) {
			return false;
		}
		if (*n + 1 >= size)
			return false;
		buf[(*n)++] = (char)c;
		s++;
	}
	buf[*n] = '\0';
	r->p = s;
	return true;
}

static bool number(struct reader *r, uint64_t *v, uint64_t max)
{
	char buf[32], *end;
	size_t n;

	if (!field(r, buf, sizeof(buf), &n) || n == 0 || !miner_is_digit((unsigned char)buf[0]))
		return false;
	*v = strtoull(buf, &end, 10);
	return *end == '\0' && *v <= max;
}

/* At the end of the current line: step to the next. */
static bool end_line(struct reader *r)
{
	if (r->p >= r->end || *r->p != '\n')
		return false;
	r->p++;
	r->line++;
	return true;
}

/* The record's letter(s) at the start of the line. */
static bool record(struct reader *r, const char *tag)
{
	size_t n = strlen(tag);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, tag, n) != 0 ||
	    (r->p + n < r->end && r->p[n] != ' ' && r->p[n] != '\n'))
		return false;
	r->p += n;
	return true;
}

struct pending {
	struct pos pos[MINER_MAX_WORDS];
	char text[2 * MINER_TEXT_MAX];
	size_t n, text_len;
};

static bool read_position(struct reader *r, struct pending *k)
{
	struct pos *p = &k->pos[k->n];
	char a[MINER_TEXT_MAX + 1], b[MINER_TEXT_MAX + 1];
	size_t na, nb;
	uint64_t cls;

	if (k->n == MINER_MAX_WORDS)
		return fail(r, "too many words");
	*p = (struct pos){.sk = NO_SKETCH, .off = (uint16_t)k->text_len};
	if (record(r, "w")) {
		if (!field(r, a, sizeof(a), &na))
			return fail(r, "a word expected");
		p->type = P_WORD;
		nb = 0;
	} else if (record(r, "c")) {
		if (!number(r, &cls, C_ANY) || cls == C_NONE || !field(r, a, sizeof(a), &na) ||
		    !field(r, b, sizeof(b), &nb))
			return fail(r, "c CLASS PREFIX SUFFIX expected");
		p->type = P_CLASS;
		p->cls = (uint8_t)cls;
		p->pre = (uint16_t)na;
	} else if (record(r, "v")) {
		if (!number(r, &cls, C_ANY) || cls == C_NONE)
			return fail(r, "v CLASS expected");
		p->type = P_VAR;
		p->cls = (uint8_t)cls;
		na = nb = 0;
	} else {
		return false; /* not a position: the caller goes on */
	}
	if (k->text_len + na + nb > MINER_TEXT_MAX)
		return fail(r, "words too long");
	memcpy(k->text + k->text_len, a, na);
	memcpy(k->text + k->text_len + na, b, nb);
	p->len = (uint16_t)(na + nb);
	k->text_len += na + nb;
	k->n++;
	return end_line(r) || fail(r, "end of line expected");
}

/* COUNT ERROR VALUE of a sketch's line, into s. */
static bool read_counted(struct reader *r, struct sketch *s)
{
	char v[MINER_VALUE_MAX + 1];
	uint64_t count, err;
	size_t n;

	if (!number(r, &count, UINT32_MAX) || count == 0 || !number(r, &err, count - 1) ||
	    !field(r, v, sizeof(v), &n) || !end_line(r))
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].len == n && memcmp(s->v[i].s, v, n) == 0)
			return fail(r, "a value twice");
	if (s->n == MINER_TOP)
		return fail(r, "too many values");
	miner_sketch_count(s, v, n, count, err);
	return true;
}

static bool read_program(struct reader *r, struct miner_kind *k)
{
	return read_counted(r, &k->programs) ||
	       (r->err[0] == '\0' && fail(r, "p COUNT ERROR PROGRAM expected"));
}

static bool read_value(struct reader *r, struct miner_kind *k)
{
	uint64_t p;

	if (!number(r, &p, k->nwords - 1u))
		return fail(r, "s POSITION COUNT ERROR VALUE expected");
	if (k->pos[p].type == P_WORD)
		return fail(r, "a value of a constant word");
	if (k->pos[p].sk == NO_SKETCH && (k->pos[p].sk = miner_sketch_new(k)) == NO_SKETCH)
		return fail(r, "too many variable positions with values");
	return read_counted(r, &k->sk[k->pos[p].sk]) ||
	       (r->err[0] == '\0' && fail(r, "s POSITION COUNT ERROR VALUE expected"));
}

static bool read_kind(struct reader *r, struct miner *m, struct pending *pk)
{
	char program[MINER_PROGRAM_MAX], example[MINER_EXAMPLE_MAX];
	uint64_t id, count, seen;
	struct miner_kind *k;
	size_t n, n_example;

	if (!number(r, &id, m->next_id - 1u) || id == 0 || !number(r, &count, UINT64_MAX / 4) ||
	    count == 0 || !number(r, &seen, m->clock) || !field(r, program, sizeof(program), &n) ||
	    strlen(program) != n || !field(r, example, sizeof(example), &n_example) || !end_line(r))
		return fail(r, "k ID COUNT SEEN PROGRAM EXAMPLE expected");
	for (size_t i = 0; i < m->n; i++)
		if (m->slots[i]->id == id)
			return fail(r, "a kind id twice");
	pk->n = pk->text_len = 0;
	while (read_position(r, pk))
		;
	if (r->err[0] != '\0')
		return false;
	if (pk->n == 0)
		return fail(r, "a kind without words");
	if ((k = miner_kind_alloc(program, pk->n, pk->text_len, example, n_example)) == NULL)
		return fail(r, "out of memory");
	memcpy(k->pos, pk->pos, pk->n * sizeof(*pk->pos));
	memcpy(k->text, pk->text, pk->text_len);
	k->text[pk->text_len] = '\0';
	k->id = (uint32_t)id;
	k->count = count;
	k->seen = seen;
	k->group = miner_group_of(k->nwords);
	if (m->n == m->max)
		miner_evict_oldest(m);
	miner_link_kind(m, k);
	for (;;) {
		if (record(r, "s")) {
			if (!read_value(r, k))
				return false;
		} else if (record(r, "p")) {
			if (!read_program(r, k))
				return false;
		} else {
			return true;
		}
	}
}

static bool read_all(struct reader *r, struct miner *m)
{
	struct pending *pk;
	uint64_t version, next, clock;
	bool ok = true;

	if (!record(r, "logmail-miner") || !number(r, &version, 1) || version != 1 ||
	    !number(r, &next, UINT32_MAX) || next == 0 || !number(r, &clock, UINT64_MAX / 4) ||
	    !end_line(r))
		return fail(r, "not a miner state (logmail-miner 1 NEXT CLOCK)");
	m->next_id = (uint32_t)next;
	m->clock = clock;
	if ((pk = malloc(sizeof(*pk))) == NULL)
		return fail(r, "out of memory");
	while (ok && record(r, "k"))
		ok = read_kind(r, m, pk);
	free(pk);
	if (!ok)
		return false;
	if (!record(r, "end") || !end_line(r) || r->p != r->end)
		return fail(r, "end expected");
	return true;
}

int miner_restore(struct miner *m, const char *text, size_t len, char *err, size_t errsize)
{
	char spare[1];
	struct reader r = {text, text + len, 1, errsize > 0 ? err : spare,
			   errsize > 0 ? errsize : sizeof(spare)};
	struct miner *fresh = miner_new(m->max), tmp;

	r.err[0] = '\0';
	if (fresh == NULL) {
		fail(&r, "out of memory");
		return -1;
	}
	if (!read_all(&r, fresh)) {
		miner_free(fresh);
		return -1;
	}
	tmp = *m;
	*m = *fresh;
	*fresh = tmp;
	miner_free(fresh);
	return 0;
}
