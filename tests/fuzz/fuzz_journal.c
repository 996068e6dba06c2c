/*
 * tests/fuzz/fuzz_journal.c: libFuzzer target for the engine's journal
 * reader: journal_open, which cuts a torn last line, and journal_replay,
 * which reads the records (engine/journal.h has the format: message
 * records of versions 1, 2 and 4, state records of version 3).  The
 * journal is a file that a crash may have cut or a disk damaged: nothing
 * in it may crash the reader, and what it hands over must be a record the
 * engine can take.  What the state records hold goes to digest_restore,
 * fuzzed by fuzz_digest_state.c.
 *
 * Input: the bytes of <spool>/pending/journal.  The spool is a temporary
 * folder made once per process, in $TMPDIR, else /dev/shm, else /tmp (on
 * a tmpfs, the fsyncs of journal_commit and journal_rewrite cost nothing).
 *
 * Checks:
 *   - journal_open keeps the input up to its last LF, on disk and in
 *     journal_size: a torn last line is cut, nothing else;
 *   - every (recipient, message) handed over is well formed: recipient
 *     non-empty, severity -1 to 7, facility -1 to 23, section 0 to 3,
 *     host and program strings, text_len the text's length (no NUL inside);
 *     every state: recipient non-empty, state[len] a NUL and none inside;
 *   - every complete line is either counted malformed or handed over (a
 *     state, or a message for at least one recipient);
 *   - a malformed record takes nothing else with it: the complete lines
 *     followed by a known record replay to the same, then the known
 *     record's two recipients, with as many malformed;
 *   - the lines written as journal_add_many and journal_rewrite write them
 *     (a reference reader below, written from engine/journal.h: numbers
 *     in plain decimal, the escapes \\ \t \n \r only, no TAB, CR or NUL
 *     unescaped) read exactly as the format says, none malformed, when
 *     they make a journal alone;
 *   - round trip: the states replayed, written by journal_rewrite, then
 *     the messages, written by journal_add_many and journal_commit, into
 *     a fresh journal replay to the same states (but the empty ones: for
 *     journal_rewrite a state of length 0 is no record), then the same
 *     messages.
 * (Escaped TAB, LF and CR are part of the format, in recipients and text
 * alike, so they are not refused here: the engine drops a recipient that
 * is not configured.)
 */
#include "engine/journal.h"
#include "util/util.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define check(ok) ((ok) ? (void)0 : broken(__LINE__, #ok))

static void broken(int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, line, what);
	__builtin_trap();
}

static char spool[512];

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	check(p != NULL);
	return p;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- the temporary spool -------------------------------------------------- */

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/" JOURNAL_DIR "%s%s", spool, *name ? "/" : "", name);
}

static void remove_spool(void)
{
	char p[600];

	path_in(p, sizeof(p), JOURNAL_NAME);
	(void)unlink(p);
	path_in(p, sizeof(p), JOURNAL_NAME ".tmp");
	(void)unlink(p);
	path_in(p, sizeof(p), "");
	(void)rmdir(p);
	(void)rmdir(spool);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("TMPDIR");
	struct stat st;

	(void)argc;
	(void)argv;
	if (base == NULL || *base == '\0')
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(spool, sizeof(spool), "%s/logmail-fuzz-journal.XXXXXX", base);
	check(mkdtemp(spool) != NULL);
	/* the replay program's children end with _exit: only the parent
	 * removes the spool */
	atexit(remove_spool);
	return 0;
}

/* Make the journal file hold exactly n octets from p. */
static void write_journal(const void *p, size_t n)
{
	char path[600];
	int fd;

	path_in(path, sizeof(path), "");
	(void)mkdir(path, 0700);
	path_in(path, sizeof(path), JOURNAL_NAME);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check(fd >= 0);
	check(util_write_all(fd, p, n) == 0);
	close(fd);
}

/* ---- what a replay hands over --------------------------------------------- */

/* A state (text, len) or a message (m's numbers; host, program, text). */
struct ev {
	bool state;
	char *to, *host, *program, *text;
	size_t len;
	struct digest_msg m;
};

struct evs {
	struct ev *v;
	size_t n, cap;
	size_t states; /* how many of v are states */
};

static struct ev *push(struct evs *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		check(e->v != NULL);
	}
	e->v[e->n] = (struct ev){0};
	return &e->v[e->n++];
}

static void push_msg(struct evs *e, const char *to, const struct digest_msg *m)
{
	struct ev *v = push(e);

	v->to = dup_n(to, strlen(to));
	v->host = dup_n(m->host, strlen(m->host));
	v->program = dup_n(m->program, strlen(m->program));
	v->text = dup_n(m->text, m->text_len);
	v->len = m->text_len;
	v->m = (struct digest_msg){
	    .ts = m->ts, .severity = m->severity, .facility = m->facility, .section = m->section};
}

static void push_state(struct evs *e, const char *to, const char *state, size_t len)
{
	struct ev *v = push(e);

	v->state = true;
	v->to = dup_n(to, strlen(to));
	v->text = dup_n(state, len);
	v->len = len;
	e->states++;
}

static void evs_free(struct evs *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].to);
		free(e->v[i].host);
		free(e->v[i].program);
		free(e->v[i].text);
	}
	free(e->v);
	*e = (struct evs){0};
}

static int on_msg(void *arg, const char *to, const struct digest_msg *m)
{
	check(to != NULL && *to != '\0');
	check(m->severity >= -1 && m->severity <= 7);
	check(m->facility >= -1 && m->facility <= 23);
	check(m->section >= DIGEST_SECTION_NONE && m->section < DIGEST_SECTIONS);
	check(m->host != NULL && m->program != NULL && m->text != NULL);
	check(m->text[m->text_len] == '\0' && strlen(m->text) == m->text_len);
	push_msg(arg, to, m);
	return 0;
}

static int on_state(void *arg, const char *to, const char *state, size_t len)
{
	check(to != NULL && *to != '\0');
	check(state != NULL && state[len] == '\0' && strlen(state) == len);
	push_state(arg, to, state, len);
	return 0;
}

static bool same_msg(const struct ev *a, const struct ev *b)
{
	return a->m.ts == b->m.ts && a->m.severity == b->m.severity &&
	       a->m.facility == b->m.facility && a->m.section == b->m.section &&
	       strcmp(a->host, b->host) == 0 && strcmp(a->program, b->program) == 0 &&
	       a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static bool same_ev(const struct ev *a, const struct ev *b)
{
	if (a->state != b->state || strcmp(a->to, b->to) != 0)
		return false;
	if (a->state)
		return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	return same_msg(a, b);
}

/* got holds want's events from index `from` on, and nothing else. */
static void check_same(const struct evs *got, const struct evs *want, size_t from)
{
	check(got->n == want->n - from);
	for (size_t i = 0; i < got->n; i++)
		check(same_ev(&got->v[i], &want->v[from + i]));
}

/* Write n octets from p as the journal, open it and replay it into e;
 * *bad: the malformed records.  The length journal_open kept. */
static size_t replay(const void *p, size_t n, struct evs *e, size_t *bad)
{
	struct journal *j;
	struct journal_err err;
	size_t kept;

	write_journal(p, n);
	check(journal_open(&j, spool, &err) == JOURNAL_OK);
	kept = (size_t)journal_size(j);
	check(journal_replay(j, on_msg, on_state, e, bad, &err) == JOURNAL_OK);
	journal_close(j);
	return kept;
}

/* ---- a reference reader of the lines the writers write --------------------- */

/* A field (no TAB, LF or NUL: the caller split on them) as put_field
 * escapes it: a backslash starts \\ \t \n \r, a CR is escaped.  Decoded
 * into a new string (*len octets); NULL when the field is not so. */
static char *decode(const char *s, size_t n, size_t *len)
{
	static const char from[] = "\\tnr", to[] = "\\\t\n\r";
	char *d = xmalloc(n + 1);
	const char *e;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			goto bad;
		if (s[i] != '\\') {
			d[k++] = s[i];
			continue;
		}
		if (++i == n || s[i] == '\0' || (e = strchr(from, s[i])) == NULL)
			goto bad;
		d[k++] = to[e - from];
	}
	d[k] = '\0';
	if (len != NULL)
		*len = k;
	return d;
bad:
	free(d);
	return NULL;
}

/* A number as "%d" or PRId64 print it, lo <= it <= hi (at most 18
 * digits: longer ones are not the reference's business). */
static bool decimal(const char *s, size_t n, long long lo, long long hi, long long *v)
{
	bool neg = n > 0 && s[0] == '-';
	long long x = 0;

	if (neg)
		s++, n--;
	if (n == 0 || n > 18 || (s[0] == '0' && (n > 1 || neg)))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = 10 * x + (s[i] - '0');
	}
	*v = neg ? -x : x;
	return *v >= lo && *v <= hi;
}

struct fields {
	const char *p[64];
	size_t len[64], n;
};

/* Split line (len octets, no LF) at its TABs; false past 64 fields. */
static bool split(const char *line, size_t len, struct fields *f)
{
	const char *end = line + len, *tab;

	for (f->n = 0; f->n < 64; f->n++) {
		tab = memchr(line, '\t', (size_t)(end - line));
		f->p[f->n] = line;
		f->len[f->n] = tab ? (size_t)(tab - line) : (size_t)(end - line);
		if (tab == NULL) {
			f->n++;
			return true;
		}
		line = tab + 1;
	}
	return false;
}

/* The six fields of a message from f->p[at]: ts, severity, facility,
 * host, program, text; pushed into want for the n recipients before it. */
static bool ref_msg(const struct fields *f, size_t at, size_t n, int section, struct evs *want)
{
	long long ts, sev, fac;
	char *host, *program, *text, *to[64] = {0};
	size_t tlen, i;
	bool ok = false;

	if (f->n != at + 6 || !decimal(f->p[at], f->len[at], INT64_MIN + 1, INT64_MAX, &ts) ||
	    !decimal(f->p[at + 1], f->len[at + 1], -1, 7, &sev) ||
	    !decimal(f->p[at + 2], f->len[at + 2], -1, 23, &fac))
		return false;
	host = decode(f->p[at + 3], f->len[at + 3], NULL);
	program = decode(f->p[at + 4], f->len[at + 4], NULL);
	text = decode(f->p[at + 5], f->len[at + 5], &tlen);
	for (i = 0; i < n; i++)
		if (f->len[at - n + i] == 0 ||
		    (to[i] = decode(f->p[at - n + i], f->len[at - n + i], NULL)) == NULL)
			break;
	if (host && program && text && i == n) {
		struct digest_msg m = {.ts = (time_t)ts,
				       .severity = (int)sev,
				       .facility = (int)fac,
				       .host = host,
				       .program = program,
				       .text = text,
				       .text_len = tlen,
				       .section = section};

		for (i = 0; i < n; i++)
			push_msg(want, to[i], &m);
		ok = true;
	}
	for (i = 0; i < n; i++)
		free(to[i]);
	free(host);
	free(program);
	free(text);
	return ok;
}

/* Whether line (len octets, no LF) is a record as the writers write it;
 * if so its events are pushed into want. */
static bool ref_line(const char *line, size_t len, struct evs *want)
{
	struct fields f;
	long long n, section = 0;
	char *to, *state;
	size_t slen, h;

	if (memchr(line, '\0', len) != NULL || !split(line, len, &f) || f.len[0] != 1)
		return false;
	switch (f.p[0][0]) {
	case '1':
		return ref_msg(&f, 2, 1, 0, want);
	case '4':
		if (f.n < 2 || !decimal(f.p[1], f.len[1], 1, DIGEST_SECTIONS - 1, &section))
			return false;
		/* fall through */
	case '2':
		h = section != 0 ? 2 : 1; /* the count's field */
		if (f.n <= h || !decimal(f.p[h], f.len[h], 1, 57, &n))
			return false;
		return ref_msg(&f, h + 1 + (size_t)n, (size_t)n, (int)section, want);
	case '3':
		if (f.n != 3 || f.len[1] == 0 || (to = decode(f.p[1], f.len[1], NULL)) == NULL)
			return false;
		state = decode(f.p[2], f.len[2], &slen);
		if (state != NULL)
			push_state(want, to, state, slen);
		free(to);
		free(state);
		return state != NULL;
	}
	return false;
}

/* ---- the checks ------------------------------------------------------------ */

#define SENTINEL                                                                                   \
	"2\t2\tsentinel-a@example.com\tsentinel-b@example.com\t1782907200\t3\t4\tweb1\tsshd\t"     \
	"after whatever came before\n"

/* The complete lines, then SENTINEL: the same events as `before`, then
 * the sentinel's two. */
static void check_sentinel(const uint8_t *data, size_t kept, const struct evs *before,
			   size_t bad_before)
{
	char *buf = xmalloc(kept + sizeof(SENTINEL));
	struct evs after = {0};
	size_t bad;

	memcpy(buf, data, kept);
	memcpy(buf + kept, SENTINEL, sizeof(SENTINEL) - 1);
	replay(buf, kept + sizeof(SENTINEL) - 1, &after, &bad);
	check(bad == bad_before);
	check(after.n == before->n + 2);
	after.n -= 2;
	check_same(&after, before, 0);
	after.n += 2;
	check(strcmp(after.v[after.n - 2].to, "sentinel-a@example.com") == 0);
	check(strcmp(after.v[after.n - 1].to, "sentinel-b@example.com") == 0);
	check(same_msg(&after.v[after.n - 2], &after.v[after.n - 1]));
	check(strcmp(after.v[after.n - 1].text, "after whatever came before") == 0);
	evs_free(&after);
	free(buf);
}

/* The lines the reference reader takes, alone in a journal, replay to
 * its events. */
static void check_reference(const uint8_t *data, size_t kept)
{
	char *buf = xmalloc(kept), *line = (char *)data, *nl;
	struct evs want = {0}, got = {0};
	size_t len = 0, bad;

	for (; (nl = memchr(line, '\n', kept - (size_t)(line - (char *)data))) != NULL;
	     line = nl + 1) {
		if (!ref_line(line, (size_t)(nl - line), &want))
			continue;
		memcpy(buf + len, line, (size_t)(nl - line + 1));
		len += (size_t)(nl - line + 1);
	}
	replay(buf, len, &got, &bad);
	check(bad == 0);
	check_same(&got, &want, 0);
	evs_free(&got);
	evs_free(&want);
	free(buf);
}

/* journal_rewrite's records: the states of e, in order. */
struct states {
	const struct evs *e;
	size_t at; /* the index in e->v of the last state given */
};

static int give_state(void *arg, size_t i, const char **to, const char **state, size_t *len)
{
	struct states *s = arg;
	size_t k = i == 0 ? 0 : s->at + 1;

	while (k < s->e->n && !s->e->v[k].state)
		k++;
	if (k == s->e->n)
		return 0;
	s->at = k;
	*to = s->e->v[k].to;
	*state = s->e->v[k].text;
	*len = s->e->v[k].len;
	return 1;
}

/* Write e's messages, those of one message together (one record for
 * them all); the round trip must not depend on how they were grouped. */
static void add_messages(struct journal *j, const struct evs *e)
{
	const char **to = xmalloc(e->n * sizeof(*to));

	for (size_t i = 0, n; i < e->n; i += n ? n : 1) {
		const struct ev *v = &e->v[i];
		struct digest_msg m = v->m;

		n = 0;
		if (v->state)
			continue;
		while (i + n < e->n && !e->v[i + n].state && same_msg(v, &e->v[i + n])) {
			to[n] = e->v[i + n].to;
			n++;
		}
		m.host = v->host;
		m.program = v->program;
		m.text = v->text;
		m.text_len = v->len;
		check(journal_add_many(j, to, n, &m) == JOURNAL_OK);
	}
	free(to);
}

static void check_round_trip(const struct evs *e)
{
	struct states s = {.e = e};
	struct evs want = {0}, got = {0};
	struct journal *j;
	struct journal_err err;
	size_t bad;

	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].state && e->v[i].len > 0)
			push_state(&want, e->v[i].to, e->v[i].text, e->v[i].len);
	for (size_t i = 0; i < e->n; i++)
		if (!e->v[i].state) {
			struct digest_msg m = e->v[i].m;

			m.host = e->v[i].host;
			m.program = e->v[i].program;
			m.text = e->v[i].text;
			m.text_len = e->v[i].len;
			push_msg(&want, e->v[i].to, &m);
		}
	write_journal("", 0);
	check(journal_open(&j, spool, &err) == JOURNAL_OK);
	check(journal_rewrite(j, give_state, &s, &err) == JOURNAL_OK);
	add_messages(j, e);
	check(journal_commit(j, &err) == JOURNAL_OK);
	check(journal_replay(j, on_msg, on_state, &got, &bad, &err) == JOURNAL_OK);
	journal_close(j);
	check(bad == 0);
	check_same(&got, &want, 0);
	evs_free(&got);
	evs_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evs e = {0};
	size_t kept = size, bad, lines = 0, msgs;
	struct stat st;
	char path[600];

	while (kept > 0 && data[kept - 1] != '\n')
		kept--;
	for (size_t i = 0; i < kept; i++)
		lines += data[i] == '\n';
	check(replay(data, size, &e, &bad) == kept);
	path_in(path, sizeof(path), JOURNAL_NAME);
	check(stat(path, &st) == 0 && (size_t)st.st_size == kept);
	/* lines = bad + states + message records, each message record
	 * handing over at least one recipient */
	check(bad + e.states <= lines);
	msgs = e.n - e.states;
	check(msgs >= lines - bad - e.states);
	check(msgs == 0 || lines - bad - e.states > 0);
	check_sentinel(data, kept, &e, bad);
	check_reference(data, kept);
	check_round_trip(&e);
	evs_free(&e);
	return 0;
}
