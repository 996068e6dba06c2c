/*
 * engine/journal.c: the write-ahead journal of digest messages (format and
 * contract in engine/journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"
#include "util/replace.h"
#include "util/trust.h"

/* Records being built, before they are written. */
struct jbuf {
	char *buf;
	size_t len, cap;
};

struct journal {
	int dirfd; /* pending/ */
	int fd;    /* pending/journal, O_APPEND */
	off_t size;
	bool dirty;        /* written since the last fdatasync */
	bool torn;         /* the file may hold a failed write past size */
	struct jbuf stage; /* staged records */
	char *spool_dir;
	char note[512]; /* journal_note */
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

/* ---- open / close -------------------------------------------------------- */

/* Cut an incomplete last record (a crash in the middle of a write): the
 * file ends after its last '\n'.  Read back from the end a block at a
 * time: the journal may be large, and its tail is all that matters. */
static int cut_partial(struct journal *j)
{
	char block[4096];
	struct stat st;
	off_t keep, from;

	if (fstat(j->fd, &st) < 0)
		return -1;
	for (keep = st.st_size; keep > 0; keep = from) {
		size_t n;
		const char *nl;

		from = keep > (off_t)sizeof(block) ? keep - (off_t)sizeof(block) : 0;
		n = (size_t)(keep - from);
		if (util_pread_all(j->fd, block, n, from) != (ssize_t)n)
			return -1;
		if ((nl = memrchr(block, '\n', n)) != NULL) {
			keep = from + (nl - block) + 1;
			break;
		}
	}
	if (keep != st.st_size && ftruncate(j->fd, keep) < 0)
		return -1;
	j->size = keep;
	return 0;
}

/* Is the directory open at fd (sub of the spool, or "" for the spool
 * itself) trusted (util/trust.h)?  err says why not. */
static bool trusted_dir(struct journal *j, int fd, const char *sub, struct journal_err *err)
{
	char path[4096 + 16], why[sizeof(err->msg)];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", j->spool_dir, *sub ? "/" : "", sub);
	if (fstat(fd, &st) < 0) {
		errf(err, "journal: cannot stat %s: %s", path, strerror(errno));
		return false;
	}
	if (!util_trusted(&st, path, why, sizeof(why))) {
		errf(err, "journal: spool directory %s is %s", path, why);
		return false;
	}
	return true;
}

/* Is fd a regular file?  (errno EINVAL when not.) */
static bool regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	errno = EINVAL;
	return S_ISREG(st.st_mode);
}

static int open_nofollow(struct journal *j)
{
	return openat(j->dirfd, JOURNAL_NAME,
		      O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Open pending/journal, never through a symbolic link: it would be
 * written and cut (ftruncate).  A link there (which only root or this user
 * could plant: the spool is trusted) is removed, not followed, and a new
 * journal started, so that messages go on being accepted; j->note says
 * so for the log. */
static enum journal_status open_file(struct journal *j, struct journal_err *err)
{
	char to[256];
	ssize_t n;

	j->fd = open_nofollow(j);
	if (j->fd < 0 && errno == ELOOP) {
		n = readlinkat(j->dirfd, JOURNAL_NAME, to, sizeof(to) - 1);
		to[n > 0 ? n : 0] = '\0';
		if (unlinkat(j->dirfd, JOURNAL_NAME, 0) < 0)
			return sys_fail(err, "a symbolic link, not followed, cannot be removed", j);
		snprintf(j->note, sizeof(j->note),
			 "journal %s/%s/%s was a symbolic link (to %s): not followed, removed, and a "
			 "new journal started",
			 j->spool_dir, JOURNAL_DIR, JOURNAL_NAME, to);
		j->fd = open_nofollow(j);
	}
	if (j->fd < 0)
		return sys_fail(err, "cannot open", j);
	if (!regular(j->fd))
		return sys_fail(err, "not a regular file, not used; remove it", j);
	return JOURNAL_OK;
}

const char *journal_note(const struct journal *j)
{
	return j->note;
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
	if (!trusted_dir(j, spoolfd, "", err)) {
		st = JOURNAL_EIO;
		goto fail;
	}
	if (mkdirat(spoolfd, JOURNAL_DIR, 0700) == 0) {
		(void)fsync(spoolfd); /* the new pending/ itself survives a power cut */
	} else if (errno != EEXIST) {
		st = sys_fail(err, "cannot create " JOURNAL_DIR, j);
		goto fail;
	}
	j->dirfd = openat(spoolfd, JOURNAL_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (j->dirfd < 0) {
		st = sys_fail(err, "cannot open " JOURNAL_DIR, j);
		goto fail;
	}
	if (!trusted_dir(j, j->dirfd, JOURNAL_DIR, err)) {
		st = JOURNAL_EIO;
		goto fail;
	}
	if ((st = open_file(j, err)) != JOURNAL_OK)
		goto fail;
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
	free(j->stage.buf);
	free(j->spool_dir);
	free(j);
}

off_t journal_size(const struct journal *j)
{
	return j->size;
}

/* ---- staging ------------------------------------------------------------- */

static bool reserve(struct jbuf *b, size_t more)
{
	return util_reserve((void **)&b->buf, &b->cap, b->len + more, 1, 4096);
}

/* Append s (n octets) escaped, then sep (when not NUL).  Runs without a
 * character to escape are copied whole: a digest's state is long and has
 * almost none. */
static bool put_field(struct jbuf *b, const char *s, size_t n, char sep)
{
	static const char esc[256] = {['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};
	size_t i = 0, run;

	if (!reserve(b, 2 * n + 1))
		return false;
	while (i < n) {
		for (run = i; run < n && !esc[(unsigned char)s[run]]; run++)
			;
		memcpy(b->buf + b->len, s + i, run - i);
		b->len += run - i;
		if (run == n)
			break;
		b->buf[b->len++] = '\\';
		b->buf[b->len++] = esc[(unsigned char)s[run]];
		i = run + 1;
	}
	if (sep)
		b->buf[b->len++] = sep;
	return true;
}

static bool put_str(struct jbuf *b, const char *s, char sep)
{
	if (s == NULL)
		s = "";
	return put_field(b, s, strlen(s), sep);
}

/* Append s as it is (no escaping). */
static bool put_raw(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (!reserve(b, n))
		return false;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	return true;
}

/* Append v in decimal, then sep.  (A record has five numbers, and a storm
 * writes a record for every message: no snprintf.) */
static bool put_num(struct jbuf *b, long long v, char sep)
{
	char tmp[24], *p;

	tmp[sizeof(tmp) - 1] = sep;
	p = util_decimal(tmp + sizeof(tmp) - 1, v);
	if (!reserve(b, sizeof(tmp)))
		return false;
	memcpy(b->buf + b->len, p, (size_t)(tmp + sizeof(tmp) - p));
	b->len += (size_t)(tmp + sizeof(tmp) - p);
	return true;
}

enum journal_status journal_add_many(struct journal *j, const char *const *to, size_t n,
				     const struct digest_msg *m)
{
	struct jbuf *b = &j->stage;
	size_t mark = b->len, tlen;
	const char *text = m->text ? m->text : "";
	int section = m->section > 0 && m->section < DIGEST_SECTIONS ? m->section
								     : DIGEST_SECTION_NONE;
	bool ok, tagged = m->tag != NULL && *m->tag != '\0';

	if (n == 0)
		return JOURNAL_OK;
	tlen = m->text_len == (size_t)-1 || m->text == NULL ? strlen(text) : m->text_len;
	if (tagged)
		ok = put_raw(b, "5\t") && put_num(b, section, '\t');
	else if (section != DIGEST_SECTION_NONE)
		ok = put_raw(b, "4\t") && put_num(b, section, '\t');
	else
		ok = put_raw(b, "2\t");
	ok = ok && put_num(b, (long long)n, '\t');
	for (size_t i = 0; ok && i < n; i++)
		ok = put_str(b, to[i], '\t');
	if (!ok || !put_num(b, (long long)m->ts, '\t') || !put_num(b, m->severity, '\t') ||
	    !put_num(b, m->facility, '\t') || !put_str(b, m->host, '\t') ||
	    !put_str(b, m->program, '\t') || (tagged && !put_str(b, m->tag, '\t')) ||
	    !put_field(b, text, tlen, '\n'))
		goto nomem;
	return JOURNAL_OK;
nomem:
	b->len = mark;
	return JOURNAL_ENOMEM;
}

enum journal_status journal_add(struct journal *j, const char *to, const struct digest_msg *m)
{
	return journal_add_many(j, &to, 1, m);
}

void journal_discard(struct journal *j)
{
	j->stage.len = 0;
}

/* Cut a failed write off the end, so that nothing appends after half a
 * batch (the file is O_APPEND).  While that fails, so does every write. */
static bool untorn(struct journal *j)
{
	if (j->torn && ftruncate(j->fd, j->size) == 0)
		j->torn = false;
	return !j->torn;
}

enum journal_status journal_write(struct journal *j, struct journal_err *err)
{
	enum journal_status st;

	if (j->stage.len == 0)
		return JOURNAL_OK;
	if (!untorn(j) || util_write_all(j->fd, j->stage.buf, j->stage.len) < 0) {
		st = sys_fail(err, j->torn ? "cannot truncate a failed write" : "cannot write", j);
		/* never leave half a batch: the caller reports it as not taken */
		j->torn = true;
		untorn(j);
		j->stage.len = 0;
		return st;
	}
	j->size += (off_t)j->stage.len;
	j->stage.len = 0;
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

	if (st == JOURNAL_OK && (st = journal_sync(j, err)) != JOURNAL_OK) {
		j->size = before;
		j->torn = true;
		untorn(j);
	}
	return st;
}

enum journal_status journal_clear(struct journal *j, struct journal_err *err)
{
	if (j->size == 0 && !j->torn)
		return JOURNAL_OK;
	if (ftruncate(j->fd, 0) < 0)
		return sys_fail(err, "cannot truncate", j);
	/* no fsync: if the truncation is lost, replay mails twice, never zero */
	j->size = 0;
	j->torn = false;
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
 * order with next_to().  A message record (versions 1 and 2) has m with
 * the numbers, its strings set (and unescaped) by record_msg(); a state
 * record (version 3) has one recipient and the state in text. */
struct record {
	char *to, *host, *program, *tag, *text;
	size_t n;
	bool state;
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
	if (r->tag != NULL) {
		unescape(r->tag);
		r->m.tag = r->tag;
	}
	r->m.text = r->text;
	r->m.text_len = unescape(r->text);
	return &r->m;
}

/* A version 4 record's section: "1" to "3" (version 5: "0" too). */
static bool parse_section(const char *s, int *section, bool none_too)
{
	if (s == NULL || s[0] < (none_too ? '0' : '1') || s[0] >= '0' + DIGEST_SECTIONS ||
	    s[1] != '\0')
		return false;
	*section = s[0] - '0';
	return true;
}

/* Split one record (NUL-terminated, no LF) in place, version 1 to 4;
 * false when malformed.  The text (the state) is the rest of the line. */
static bool parse_record(char *line, struct record *r)
{
	char *p = line, *v, *c, *t, *f[6];
	int section = DIGEST_SECTION_NONE;
	bool tagged;

	v = cut(&p);
	if (v == NULL)
		return false;
	r->state = strcmp(v, "3") == 0;
	tagged = strcmp(v, "5") == 0;
	r->tag = NULL;
	if ((strcmp(v, "4") == 0 || tagged) && !parse_section(cut(&p), &section, tagged))
		return false;
	if (strcmp(v, "1") == 0 || r->state)
		r->n = 1;
	else if ((strcmp(v, "2") != 0 && strcmp(v, "4") != 0 && !tagged) ||
		 (c = cut(&p)) == NULL || !parse_count(c, &r->n))
		return false;
	r->to = p;
	for (size_t i = 0; i < r->n; i++)
		if ((t = cut(&p)) == NULL || *t == '\0')
			return false;
	if (r->state) {
		r->text = p;
		return true;
	}
	for (size_t i = 0; i < (tagged ? 6u : 5u); i++)
		if ((f[i] = cut(&p)) == NULL)
			return false;
	if (!parse_msg(f, p, r))
		return false;
	if (tagged)
		r->tag = f[5];
	r->m.section = section;
	return true;
}

enum journal_status journal_replay(struct journal *j, journal_fn fn, journal_state_fn state_fn,
				   void *arg, size_t *bad, struct journal_err *err)
{
	char *buf, *line, *nl, *to;
	const struct digest_msg *m;
	struct record r;
	size_t len;
	int stop = 0;

	if (bad != NULL)
		*bad = 0;
	if (util_read_fd(j->fd, SIZE_MAX - 1, &buf, &len) < 0)
		return sys_fail(err, "cannot read", j);
	for (line = buf; !stop && (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL;
	     line = nl + 1) {
		*nl = '\0';
		if (!parse_record(line, &r)) {
			if (bad != NULL)
				(*bad)++;
			continue;
		}
		to = r.to;
		if (r.state) {
			to = next_to(&to);
			stop = state_fn(arg, to, r.text, unescape(r.text));
			continue;
		}
		m = record_msg(&r);
		for (size_t i = 0; i < r.n && !stop; i++)
			stop = fn(arg, next_to(&to), m);
	}
	free(buf);
	return JOURNAL_OK;
}

/* ---- rewriting ------------------------------------------------------------ */

#define REWRITE_CHUNK (64 * 1024) /* written to the new file in pieces this big */

/* Write what b holds to fd and empty it; -1 (errno) on failure. */
static int flush_to(int fd, struct jbuf *b)
{
	int rc = util_write_all(fd, b->buf, b->len);

	b->len = 0;
	return rc;
}

/* Fill the new file (fd) with fn's records: 1 when done, 0 when fn
 * abandoned, -1 on a write error (errno), -2 out of memory. */
static int fill(int fd, journal_snapshot_fn fn, void *arg, off_t *size)
{
	struct jbuf b = {0};
	const char *to, *state;
	size_t len, i;
	int more = 0;

	*size = 0;
	for (i = 0; (more = fn(arg, i, &to, &state, &len)) == 1; i++) {
		if (len == 0)
			continue;
		if (!put_raw(&b, "3\t") || !put_str(&b, to, '\t') ||
		    !put_field(&b, state, len, '\n')) {
			free(b.buf);
			return -2;
		}
		if (b.len >= REWRITE_CHUNK) {
			*size += (off_t)b.len;
			if (flush_to(fd, &b) < 0)
				goto fail;
		}
	}
	if (more < 0) {
		free(b.buf);
		return 0;
	}
	*size += (off_t)b.len;
	if (flush_to(fd, &b) < 0)
		goto fail;
	free(b.buf);
	return 1;
fail:
	free(b.buf);
	return -1;
}

/* The new journal is built by util_replace (util/replace.h) in pending/,
 * opened as the journal is used (O_APPEND): after the rename it is the
 * journal, and this descriptor goes on appending to it. */
enum journal_status journal_rewrite(struct journal *j, journal_snapshot_fn fn, void *arg,
				    struct journal_err *err)
{
	struct util_replace r;
	enum journal_status st = JOURNAL_OK;
	off_t size = 0;
	int done = -1;

	if (util_replace_open(&r, j->dirfd, JOURNAL_NAME, 0600, UTIL_REPLACE_APPEND) == 0)
		done = fill(r.fd, fn, arg, &size);
	if (done == 1 && util_replace_commit(&r) < 0 && !r.committed)
		done = -1;
	if (done == -1) {
		st = errno == ENOMEM ? JOURNAL_ENOMEM : JOURNAL_EIO;
		errf(err, "journal %s/%s/%s: cannot rewrite: %s", j->spool_dir, JOURNAL_DIR,
		     JOURNAL_NAME, r.why[0] ? r.why : strerror(errno));
	} else if (done == -2) {
		errf(err, "journal: out of memory");
		st = JOURNAL_ENOMEM;
	} else if (done == 0) {
		errf(err, "journal: rewrite abandoned");
		st = JOURNAL_EAGAIN;
	} else { /* renamed: the new file is the journal, even if pending/'s fsync failed */
		close(j->fd);
		j->fd = r.fd;
		r.fd = -1;
		j->size = size;
		j->dirty = false;
		j->torn = false;
	}
	util_replace_close(&r);
	return st;
}
