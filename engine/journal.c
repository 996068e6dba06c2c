/*
 * engine/journal.c: the write-ahead journal of digest messages (format and
 * contract in engine/journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"
#include "util/util.h"

#define JOURNAL_TMP JOURNAL_NAME ".tmp"

struct journal {
	int dirfd; /* pending/ */
	int fd;    /* pending/journal, O_APPEND */
	off_t size;
	bool dirty; /* written since the last fdatasync */
	char *buf;  /* staged records */
	size_t len, cap;
	char *spool_dir;
};

static void errf(struct journal_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static enum journal_status sys_fail(struct journal_err *err, const char *what,
				    const struct journal *j)
{
	int e = errno;

	errf(err, "journal %s/%s/%s: %s: %s", j->spool_dir, JOURNAL_DIR, JOURNAL_NAME, what,
	     strerror(e));
	return e == ENOMEM ? JOURNAL_ENOMEM : JOURNAL_EIO;
}

/* Read the whole file at fd into a malloc'd buffer. */
static char *read_all(int fd, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return NULL;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* ---- open / close -------------------------------------------------------- */

/* Cut an incomplete last record (a crash in the middle of a write). */
static int cut_partial(struct journal *j)
{
	char *buf;
	size_t len, keep;

	buf = read_all(j->fd, &len);
	if (buf == NULL)
		return -1;
	keep = len;
	while (keep > 0 && buf[keep - 1] != '\n')
		keep--;
	free(buf);
	if (keep != len && ftruncate(j->fd, (off_t)keep) < 0)
		return -1;
	j->size = (off_t)keep;
	return 0;
}

enum journal_status journal_open(struct journal **out, const char *spool_dir,
				 struct journal_err *err)
{
	struct journal *j = calloc(1, sizeof(*j));
	enum journal_status st;
	int spoolfd = -1;

	*out = NULL;
	if (j == NULL || (j->spool_dir = strdup(spool_dir)) == NULL) {
		free(j);
		errf(err, "journal: out of memory");
		return JOURNAL_ENOMEM;
	}
	j->dirfd = j->fd = -1;
	spoolfd = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spoolfd < 0) {
		st = sys_fail(err, "cannot open the spool", j);
		goto fail;
	}
	if (mkdirat(spoolfd, JOURNAL_DIR, 0700) == 0) {
		(void)fsync(spoolfd); /* the new pending/ itself survives a power cut */
	} else if (errno != EEXIST) {
		st = sys_fail(err, "cannot create " JOURNAL_DIR, j);
		goto fail;
	}
	j->dirfd = openat(spoolfd, JOURNAL_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		st = sys_fail(err, "cannot open " JOURNAL_DIR, j);
		goto fail;
	}
	j->fd = openat(j->dirfd, JOURNAL_NAME, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		st = sys_fail(err, "cannot open", j);
		goto fail;
	}
	if (cut_partial(j) < 0) {
		st = sys_fail(err, "cannot read", j);
		goto fail;
	}
	close(spoolfd);
	*out = j;
	return JOURNAL_OK;
fail:
	if (spoolfd >= 0)
		close(spoolfd);
	journal_close(j);
	return st;
}

void journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->buf);
	free(j->spool_dir);
	free(j);
}

off_t journal_size(const struct journal *j)
{
	return j->size;
}

/* ---- staging ------------------------------------------------------------- */

static bool reserve(struct journal *j, size_t more)
{
	size_t cap = j->cap ? j->cap : 4096;
	char *p;

	if (j->len + more <= j->cap)
		return true;
	while (cap < j->len + more)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (p == NULL)
		return false;
	j->buf = p;
	j->cap = cap;
	return true;
}

/* Append s (n octets) escaped, then sep (when not NUL). */
static bool put_field(struct journal *j, const char *s, size_t n, char sep)
{
	if (!reserve(j, 2 * n + 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i], e = 0;

		switch (c) {
		case '\\':
			e = '\\';
			break;
		case '\t':
			e = 't';
			break;
		case '\n':
			e = 'n';
			break;
		case '\r':
			e = 'r';
			break;
		}
		if (e) {
			j->buf[j->len++] = '\\';
			j->buf[j->len++] = e;
		} else {
			j->buf[j->len++] = c;
		}
	}
	if (sep)
		j->buf[j->len++] = sep;
	return true;
}

static bool put_str(struct journal *j, const char *s, char sep)
{
	if (s == NULL)
		s = "";
	return put_field(j, s, strlen(s), sep);
}

/* Append s as it is (no escaping). */
static bool put_raw(struct journal *j, const char *s)
{
	size_t n = strlen(s);

	if (!reserve(j, n))
		return false;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	return true;
}

enum journal_status journal_add_many(struct journal *j, const char *const *to, size_t n,
				     const struct digest_msg *m)
{
	size_t mark = j->len, tlen;
	char head[32], nums[96];
	const char *text = m->text ? m->text : "";

	if (n == 0)
		return JOURNAL_OK;
	tlen = m->text_len == (size_t)-1 || m->text == NULL ? strlen(text) : m->text_len;
	snprintf(head, sizeof(head), "2\t%zu\t", n);
	snprintf(nums, sizeof(nums), "%" PRId64 "\t%d\t%d\t", (int64_t)m->ts, m->severity,
		 m->facility);
	if (!put_raw(j, head))
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (!put_str(j, to[i], '\t'))
			goto nomem;
	if (!put_raw(j, nums) || !put_str(j, m->host, '\t') || !put_str(j, m->program, '\t') ||
	    !put_field(j, text, tlen, '\n'))
		goto nomem;
	return JOURNAL_OK;
nomem:
	j->len = mark;
	return JOURNAL_ENOMEM;
}

enum journal_status journal_add(struct journal *j, const char *to, const struct digest_msg *m)
{
	return journal_add_many(j, &to, 1, m);
}

void journal_discard(struct journal *j)
{
	j->len = 0;
}

enum journal_status journal_write(struct journal *j, struct journal_err *err)
{
	enum journal_status st;

	if (j->len == 0)
		return JOURNAL_OK;
	if (util_write_all(j->fd, j->buf, j->len) < 0) {
		st = sys_fail(err, "cannot write", j);
		/* never leave half a batch: the caller reports it as not taken */
		(void)ftruncate(j->fd, j->size);
		j->len = 0;
		return st;
	}
	j->size += (off_t)j->len;
	j->len = 0;
	j->dirty = true;
	return JOURNAL_OK;
}

enum journal_status journal_sync(struct journal *j, struct journal_err *err)
{
	if (!j->dirty)
		return JOURNAL_OK;
	if (fdatasync(j->fd) < 0)
		return sys_fail(err, "cannot sync", j);
	j->dirty = false;
	return JOURNAL_OK;
}

enum journal_status journal_commit(struct journal *j, struct journal_err *err)
{
	off_t before = j->size;
	enum journal_status st = journal_write(j, err);

	if (st == JOURNAL_OK && (st = journal_sync(j, err)) != JOURNAL_OK)
		(void)ftruncate(j->fd, j->size = before);
	return st;
}

enum journal_status journal_clear(struct journal *j, struct journal_err *err)
{
	if (j->size == 0)
		return JOURNAL_OK;
	if (ftruncate(j->fd, 0) < 0)
		return sys_fail(err, "cannot truncate", j);
	/* no fsync: if the truncation is lost, replay mails twice, never zero */
	j->size = 0;
	return JOURNAL_OK;
}

/* ---- reading ------------------------------------------------------------- */

/* Undo the escapes of a field in place (the result is never longer). */
static size_t unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* One parsed record, its strings pointing into the line.  The n
 * recipients are consecutive NUL-terminated fields from `to`: read them in
 * order with next_to().  m has the numbers; its strings are set (and
 * unescaped) by record_msg(), which compaction does without. */
struct record {
	char *to, *host, *program, *text;
	size_t n;
	struct digest_msg m;
};

/* Cut the field at *p at the next TAB and return it; *p moves past the
 * TAB.  NULL when there is no TAB (the field would be the last one). */
static char *cut(char **p)
{
	char *f = *p, *tab = strchr(f, '\t');

	if (tab == NULL)
		return NULL;
	*tab = '\0';
	*p = tab + 1;
	return f;
}

/* The next recipient of a record, unescaped in place; *p moves past it. */
static char *next_to(char **p)
{
	char *to = *p;

	*p = to + strlen(to) + 1; /* before unescape() shortens it */
	unescape(to);
	return to;
}

static bool parse_count(const char *s, size_t *n)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v == 0 || (size_t)v != v)
		return false;
	*n = (size_t)v;
	return true;
}

/* ts, severity, facility, host, program in f[], then the text. */
static bool parse_msg(char **f, char *text, struct record *r)
{
	char *end;
	long long ts = strtoll(f[0], &end, 10);
	long sev, fac;

	if (*end || *f[0] == '\0')
		return false;
	sev = strtol(f[1], &end, 10);
	if (*end || *f[1] == '\0' || sev < -1 || sev > 7)
		return false;
	fac = strtol(f[2], &end, 10);
	if (*end || *f[2] == '\0' || fac < -1 || fac > 23)
		return false;
	r->m = (struct digest_msg){.ts = (time_t)ts, .severity = (int)sev, .facility = (int)fac};
	r->host = f[3];
	r->program = f[4];
	r->text = text;
	return true;
}

/* The message of r, unescaped in place (once). */
static const struct digest_msg *record_msg(struct record *r)
{
	unescape(r->host);
	unescape(r->program);
	r->m.host = r->host;
	r->m.program = r->program;
	r->m.text = r->text;
	r->m.text_len = unescape(r->text);
	return &r->m;
}

/* Split one record (NUL-terminated, no LF) in place, version 1 or 2;
 * false when malformed.  The text is the rest of the line. */
static bool parse_record(char *line, struct record *r)
{
	char *p = line, *v, *c, *t, *f[5];

	v = cut(&p);
	if (v == NULL)
		return false;
	if (strcmp(v, "1") == 0)
		r->n = 1;
	else if (strcmp(v, "2") != 0 || (c = cut(&p)) == NULL || !parse_count(c, &r->n))
		return false;
	r->to = p;
	for (size_t i = 0; i < r->n; i++)
		if ((t = cut(&p)) == NULL || *t == '\0')
			return false;
	for (size_t i = 0; i < 5; i++)
		if ((f[i] = cut(&p)) == NULL)
			return false;
	return parse_msg(f, p, r);
}

enum journal_status journal_replay(struct journal *j, journal_fn fn, void *arg, size_t *bad,
				   struct journal_err *err)
{
	char *buf, *line, *nl, *to;
	const struct digest_msg *m;
	struct record r;
	size_t len;
	int stop = 0;

	if (bad != NULL)
		*bad = 0;
	buf = read_all(j->fd, &len);
	if (buf == NULL)
		return sys_fail(err, "cannot read", j);
	for (line = buf; !stop && (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL;
	     line = nl + 1) {
		*nl = '\0';
		if (!parse_record(line, &r)) {
			if (bad != NULL)
				(*bad)++;
			continue;
		}
		m = record_msg(&r);
		to = r.to;
		for (size_t i = 0; i < r.n && !stop; i++)
			stop = fn(arg, next_to(&to), m);
	}
	free(buf);
	return JOURNAL_OK;
}

/* ---- compaction ---------------------------------------------------------- */

/* What each recipient still needs, in an open-addressing hash table keyed
 * by address: a compaction looks up every recipient of every record. */
struct quota {
	char *to; /* owned */
	size_t left;
};

struct quotas {
	struct quota *v;
	size_t cap, n; /* cap is a power of two, n <= cap / 2 */
	journal_keep_fn keep;
	void *arg;
};

static struct quota *slot(struct quota *v, size_t cap, const char *to)
{
	size_t i = util_hash(to, strlen(to)) & (cap - 1);

	while (v[i].to != NULL && strcmp(v[i].to, to) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static bool quotas_grow(struct quotas *q)
{
	size_t cap = q->cap ? 2 * q->cap : 64;
	struct quota *v = calloc(cap, sizeof(*v));

	if (v == NULL)
		return false;
	for (size_t i = 0; i < q->cap; i++)
		if (q->v[i].to != NULL)
			*slot(v, cap, q->v[i].to) = q->v[i];
	free(q->v);
	q->v = v;
	q->cap = cap;
	return true;
}

/* The quota of to, asking keep() the first time.  NULL on ENOMEM. */
static struct quota *quota_of(struct quotas *q, const char *to)
{
	struct quota *e;

	if (2 * (q->n + 1) > q->cap && !quotas_grow(q))
		return NULL;
	e = slot(q->v, q->cap, to);
	if (e->to == NULL) {
		if ((e->to = strdup(to)) == NULL)
			return NULL;
		e->left = q->keep(q->arg, to);
		q->n++;
	}
	return e;
}

static void quotas_free(struct quotas *q)
{
	for (size_t i = 0; i < q->cap; i++)
		free(q->v[i].to);
	free(q->v);
}

/* Spend one of the quota of each of r's recipients (all of them: r counts
 * among each one's newest records): 1 when any still needed r, 0 when
 * none did, -1 on ENOMEM. */
static int needed(struct quotas *q, struct record *r)
{
	struct quota *e;
	char *p = r->to;
	bool need = false;

	for (size_t i = 0; i < r->n; i++) {
		e = quota_of(q, next_to(&p));
		if (e == NULL)
			return -1;
		if (e->left == 0)
			continue;
		need = true;
		if (e->left != (size_t)-1)
			e->left--;
	}
	return need;
}

struct span {
	const char *p;
	size_t len; /* without the LF */
};

/* Write the kept lines to pending/journal.tmp, fsync, rename over the
 * journal, fsync pending/; then use the new file. */
static enum journal_status replace(struct journal *j, const struct span *lines, size_t n,
				   struct journal_err *err)
{
	enum journal_status st;
	off_t size = 0;
	char *text, *p;
	int fd;

	for (size_t i = 0; i < n; i++)
		size += (off_t)lines[i].len + 1;
	p = text = malloc((size_t)size + 1);
	if (text == NULL) {
		errf(err, "journal: out of memory");
		return JOURNAL_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) { /* one write, not one per line */
		memcpy(p, lines[i].p, lines[i].len);
		p += lines[i].len;
		*p++ = '\n';
	}
	(void)unlinkat(j->dirfd, JOURNAL_TMP, 0);
	fd = openat(j->dirfd, JOURNAL_TMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		st = sys_fail(err, "cannot create " JOURNAL_TMP, j);
		free(text);
		return st;
	}
	if (util_write_all(fd, text, (size_t)size) < 0 || fsync(fd) < 0 ||
	    renameat(j->dirfd, JOURNAL_TMP, j->dirfd, JOURNAL_NAME) < 0)
		goto fail;
	free(text);
	(void)fsync(j->dirfd);
	close(fd);
	fd = openat(j->dirfd, JOURNAL_NAME, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(err, "cannot reopen", j);
	close(j->fd);
	j->fd = fd;
	j->size = size;
	j->dirty = false;
	return JOURNAL_OK;
fail:
	st = sys_fail(err, "cannot rewrite", j);
	free(text);
	close(fd);
	(void)unlinkat(j->dirfd, JOURNAL_TMP, 0);
	return st;
}

/* The lines of buf (len octets); a last line without LF is left out. */
static struct span *split_lines(const char *buf, size_t len, size_t *n)
{
	struct span *v = NULL, *v2;
	size_t cap = 0;
	const char *line = buf, *nl;

	*n = 0;
	for (; (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL; line = nl + 1) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			v2 = realloc(v, cap * sizeof(*v));
			if (v2 == NULL) {
				free(v);
				return NULL;
			}
			v = v2;
		}
		v[(*n)++] = (struct span){.p = line, .len = (size_t)(nl - line)};
	}
	return v != NULL ? v : malloc(sizeof(*v));
}

/* Copy line (len octets) NUL-terminated into *buf, growing it. */
static char *scratch(char **buf, size_t *cap, const char *line, size_t len)
{
	char *p;

	if (len + 1 > *cap) {
		p = realloc(*buf, len + 1);
		if (p == NULL)
			return NULL;
		*buf = p;
		*cap = len + 1;
	}
	memcpy(*buf, line, len);
	(*buf)[len] = '\0';
	return *buf;
}

enum journal_status journal_compact(struct journal *j, journal_keep_fn keep, void *arg,
				    struct journal_err *err)
{
	enum journal_status st = JOURNAL_ENOMEM;
	char *buf, *line = NULL, *copy = NULL;
	struct quotas q = {.keep = keep, .arg = arg};
	struct span *lines = NULL;
	struct record r;
	bool *take = NULL;
	size_t len, n = 0, kept = 0, cap = 0;
	int need;

	buf = read_all(j->fd, &len);
	if (buf == NULL)
		return sys_fail(err, "cannot read", j);
	lines = split_lines(buf, len, &n);
	take = calloc(n ? n : 1, sizeof(*take));
	if (lines == NULL || take == NULL)
		goto nomem;
	for (size_t i = n; i-- > 0;) { /* newest first: spend the quotas */
		/* parse a copy: a kept line is written from buf as it was */
		line = scratch(&copy, &cap, lines[i].p, lines[i].len);
		if (line == NULL)
			goto nomem;
		if (!parse_record(line, &r))
			continue;
		need = needed(&q, &r);
		if (need < 0)
			goto nomem;
		take[i] = need;
	}
	for (size_t i = 0; i < n; i++)
		if (take[i])
			lines[kept++] = lines[i];
	if (kept == n)
		st = JOURNAL_OK; /* nothing to drop: spare the rewrite */
	else
		st = kept == 0 ? journal_clear(j, err) : replace(j, lines, kept, err);
	goto out;
nomem:
	errf(err, "journal: out of memory");
out:
	quotas_free(&q);
	free(take);
	free(lines);
	free(copy);
	free(buf);
	return st;
}
