/*
 * digest/journal.c: the write-ahead journal of digest messages (format and
 * contract in digest/journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest/journal.h"

#define JOURNAL_TMP     JOURNAL_NAME ".tmp"
#define JOURNAL_NFIELDS 8

struct journal {
	int dirfd; /* pending/ */
	int fd;    /* pending/journal, O_APPEND */
	off_t size;
	char *buf; /* staged records */
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

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
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
	if (mkdirat(spoolfd, JOURNAL_DIR, 0700) < 0 && errno != EEXIST) {
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

enum journal_status journal_add(struct journal *j, const char *to, const struct digest_msg *m)
{
	size_t mark = j->len, tlen;
	char nums[96];
	const char *text = m->text ? m->text : "";

	tlen = m->text_len == (size_t)-1 || m->text == NULL ? strlen(text) : m->text_len;
	snprintf(nums, sizeof(nums), "%" PRId64 "\t%d\t%d\t", (int64_t)m->ts, m->severity,
		 m->facility);
	if (!put_str(j, "1", '\t') || !put_str(j, to, '\t') || !reserve(j, strlen(nums)))
		goto nomem;
	memcpy(j->buf + j->len, nums, strlen(nums));
	j->len += strlen(nums);
	if (!put_str(j, m->host, '\t') || !put_str(j, m->program, '\t') ||
	    !put_field(j, text, tlen, '\n'))
		goto nomem;
	return JOURNAL_OK;
nomem:
	j->len = mark;
	return JOURNAL_ENOMEM;
}

void journal_discard(struct journal *j)
{
	j->len = 0;
}

enum journal_status journal_commit(struct journal *j, struct journal_err *err)
{
	enum journal_status st;

	if (j->len == 0)
		return JOURNAL_OK;
	if (write_all(j->fd, j->buf, j->len) < 0 || fdatasync(j->fd) < 0) {
		st = sys_fail(err, "cannot write", j);
		/* never leave half a batch: the caller reports it as not taken */
		(void)ftruncate(j->fd, j->size);
		j->len = 0;
		return st;
	}
	j->size += (off_t)j->len;
	j->len = 0;
	return JOURNAL_OK;
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

/* Split one record (NUL-terminated, no LF) in place into its fields;
 * false when malformed. */
static bool parse_record(char *line, char **f)
{
	size_t n = 0;
	char *p = line;

	f[n++] = p;
	while (*p && n < JOURNAL_NFIELDS) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
		p++;
	}
	return n == JOURNAL_NFIELDS && strcmp(f[0], "1") == 0 && *f[1] != '\0';
}

static bool to_msg(char **f, struct digest_msg *m)
{
	char *end;
	long long ts = strtoll(f[2], &end, 10);
	long sev, fac;

	if (*end)
		return false;
	sev = strtol(f[3], &end, 10);
	if (*end || sev < 0 || sev > 7)
		return false;
	fac = strtol(f[4], &end, 10);
	if (*end || fac < -1 || fac > 23)
		return false;
	unescape(f[1]);
	*m = (struct digest_msg){
	    .ts = (time_t)ts,
	    .severity = (int)sev,
	    .facility = (int)fac,
	    .host = f[5],
	    .program = f[6],
	    .text = f[7],
	};
	unescape(f[5]);
	unescape(f[6]);
	m->text_len = unescape(f[7]);
	return true;
}

enum journal_status journal_replay(struct journal *j, journal_fn fn, void *arg, size_t *bad,
				   struct journal_err *err)
{
	char *buf, *line, *nl, *f[JOURNAL_NFIELDS];
	struct digest_msg m;
	size_t len;

	if (bad != NULL)
		*bad = 0;
	buf = read_all(j->fd, &len);
	if (buf == NULL)
		return sys_fail(err, "cannot read", j);
	for (line = buf; (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL;
	     line = nl + 1) {
		*nl = '\0';
		if (!parse_record(line, f) || !to_msg(f, &m)) {
			if (bad != NULL)
				(*bad)++;
			continue;
		}
		if (fn(arg, f[1], &m) != 0)
			break;
	}
	free(buf);
	return JOURNAL_OK;
}

/* ---- compaction ---------------------------------------------------------- */

struct quota {
	char *to;
	size_t left;
};

/* The quota of to, asking keep() the first time.  NULL on ENOMEM. */
static struct quota *quota_of(struct quota **q, size_t *n, const char *to, journal_keep_fn keep,
			      void *arg)
{
	struct quota *v;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*q)[i].to, to) == 0)
			return &(*q)[i];
	v = realloc(*q, (*n + 1) * sizeof(**q));
	if (v == NULL)
		return NULL;
	*q = v;
	v[*n].to = strdup(to);
	if (v[*n].to == NULL)
		return NULL;
	v[*n].left = keep(arg, to);
	return &v[(*n)++];
}

/* Write the kept lines to pending/journal.tmp, fsync, rename over the
 * journal, fsync pending/; then use the new file. */
static enum journal_status replace(struct journal *j, char *const *lines, const size_t *lens,
				   size_t n, struct journal_err *err)
{
	enum journal_status st;
	off_t size = 0;
	int fd;

	(void)unlinkat(j->dirfd, JOURNAL_TMP, 0);
	fd = openat(j->dirfd, JOURNAL_TMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_fail(err, "cannot create " JOURNAL_TMP, j);
	for (size_t i = 0; i < n; i++) {
		if (write_all(fd, lines[i], lens[i]) < 0 || write_all(fd, "\n", 1) < 0)
			goto fail;
		size += (off_t)lens[i] + 1;
	}
	if (fsync(fd) < 0 || renameat(j->dirfd, JOURNAL_TMP, j->dirfd, JOURNAL_NAME) < 0)
		goto fail;
	(void)fsync(j->dirfd);
	close(fd);
	fd = openat(j->dirfd, JOURNAL_NAME, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(err, "cannot reopen", j);
	close(j->fd);
	j->fd = fd;
	j->size = size;
	return JOURNAL_OK;
fail:
	st = sys_fail(err, "cannot rewrite", j);
	close(fd);
	(void)unlinkat(j->dirfd, JOURNAL_TMP, 0);
	return st;
}

enum journal_status journal_compact(struct journal *j, journal_keep_fn keep, void *arg,
				    struct journal_err *err)
{
	enum journal_status st = JOURNAL_ENOMEM;
	char *buf = NULL, *copy = NULL, **lines = NULL, *f[JOURNAL_NFIELDS];
	size_t len, n = 0, cap = 0, nq = 0, *lens = NULL, kept = 0;
	struct quota *q = NULL, *qq;
	bool *take = NULL;

	buf = read_all(j->fd, &len);
	if (buf == NULL)
		return sys_fail(err, "cannot read", j);
	for (char *line = buf, *nl; (nl = memchr(line, '\n', len - (size_t)(line - buf)));
	     line = nl + 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			char **l2 = realloc(lines, cap * sizeof(*lines));
			size_t *n2 = realloc(lens, cap * sizeof(*lens));

			if (l2)
				lines = l2;
			if (n2)
				lens = n2;
			if (!l2 || !n2)
				goto nomem;
		}
		lines[n] = line;
		lens[n++] = (size_t)(nl - line);
	}
	take = calloc(n ? n : 1, sizeof(*take));
	if (take == NULL)
		goto nomem;
	for (size_t i = n; i-- > 0;) { /* newest first: spend each quota */
		free(copy);
		copy = strndup(lines[i], lens[i]);
		if (copy == NULL)
			goto nomem;
		if (!parse_record(copy, f))
			continue;
		unescape(f[1]);
		qq = quota_of(&q, &nq, f[1], keep, arg);
		if (qq == NULL)
			goto nomem;
		if (qq->left > 0) {
			take[i] = true;
			if (qq->left != (size_t)-1)
				qq->left--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (take[i]) {
			lines[kept] = lines[i];
			lens[kept++] = lens[i];
		}
	st = kept == 0 ? journal_clear(j, err) : replace(j, lines, lens, kept, err);
	goto out;
nomem:
	errf(err, "journal: out of memory");
out:
	for (size_t i = 0; i < nq; i++)
		free(q[i].to);
	free(q);
	free(copy);
	free(take);
	free(lines);
	free(lens);
	free(buf);
	return st;
}
