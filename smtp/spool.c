/*
 * smtp/spool.c: the persistent mail queue shared by logmail and omlogmail.
 *
 * The spool's layout, every name in it: smtp/smtp.h.  This file keeps
 * tmp/, queue/, failed/ and lock; spool_counters.c keeps counters and
 * refused, spool_state.c state, spool_debug.c debug, spool_failed.c lists
 * failed/, and spool_deliver.c is the delivery run.
 *
 * A mail-id is the AWP feature guide's YYYYMMDDhhmmss.PID (local time of submission, the
 * submitting process's pid), with ".N" appended when that name is taken in
 * the same second by the same process (e.g. 20180501183635.16737.1).
 *
 * A mail file is a header block of "Key: value" lines ended by LF, an empty
 * line, then the composed RFC 5322 message (smtp_compose output, CRLF):
 *
 *   Version: 1
 *   Id: 20180501183635.16737
 *   From: example@example.com
 *   To: admin@example.com
 *   Subject: The LAN interface is down      (as given, UTF-8)
 *   Message-Id: 20180501183635.16737@host   (also inside the message)
 *   Queued: 1525199795                      (epoch seconds)
 *   Attempts: 0
 *   Next-Try: 1525199795
 *   Last-Error:                             (one line; empty when untried)
 *
 *   Date: ...\r\n
 *
 * Values never hold CR or LF: a mail whose address or subject holds one
 * goes to failed/ at submission with them written as blanks, and a
 * server's reply is flattened to one line.  Unknown
 * keys are ignored, so a later version may add some.
 *
 * Publishing is crash-safe: a file is written in tmp/ (O_EXCL, 0600),
 * fsynced, renamed into queue/, and queue/ is fsynced.  A retry rewrites the
 * file the same way, so queue/ only ever holds whole files.
 *
 * A batch (spool_submit_batch) does the same for each mail, phase by phase:
 * every file written (and its write-back started), then each fsynced, then
 * each renamed, then queue/ fsynced once.  On ext4 the first fsync commits
 * the journal for the whole batch and the later ones find their data
 * written, costing a cache flush each instead of a commit; and one fsync of
 * queue/ serves all the renames.  No file is renamed before its own fsync
 * succeeded, so a crash still leaves each mail whole in queue/ or not there.
 *
 * The mail-id is reserved by creating tmp/ID with O_EXCL and then checking
 * that neither queue/ID nor failed/ID exists (a file only ever moves tmp ->
 * queue -> failed, so checking in that order cannot miss one).  Other
 * temporary files start with a dot and so never collide with a mail-id.
 *
 * Removing: a mail the server accepted is unlinked from queue/ without an
 * fsync of queue/ (spool_remove); the delivery run fsyncs queue/ once when
 * it ends.  A power cut in between can bring such a mail back, and it is
 * then sent a second time, with the same Message-ID (it is in the file), so
 * the recipient's software can tell the copy.  Delivery is at-least-once
 * anyway (a crash between the server's 250 and the unlink does the same),
 * and one fsync per mail cost a disk flush per mail.  (A process crash
 * loses nothing here: the kernel has the unlink.)  Every step whose loss
 * could lose a mail keeps its fsync: submission, the moves to failed/, the
 * rewrite of a deferred mail; and `delete mail` keeps its own, so that a
 * mail the user deleted stays deleted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp/spool-internal.h"
#include "util/address.h"
#include "util/replace.h"
#include "util/trust.h"
#include "util/util.h"

#define SPOOL_MAIL_MAX (64u << 20) /* a larger file in queue/ is corrupt */

void spool_errf(struct smtp_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->code = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

enum smtp_status spool_sys_fail(struct smtp_err *err, const char *what, const char *name)
{
	int e = errno;

	spool_errf(err, "spool: %s %s: %s", what, name, strerror(e));
	return e == ENOMEM ? SMTP_ENOMEM : SMTP_EIO;
}

/* queue/ for reading; *fd is the directory's descriptor, valid until
 * closedir.  NULL with errno set on failure. */
static DIR *open_queue_dir(struct spool *s, int *fd)
{
	DIR *d;
	int e;

	*fd = openat(s->dirfd, SPOOL_NAME_QUEUE, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return NULL;
	d = fdopendir(*fd);
	if (!d) {
		e = errno;
		close(*fd);
		errno = e;
	}
	return d;
}

/* A mail-id as a file name: no slash, no leading dot, not empty, fits. */
static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < SPOOL_ID_MAX && id[0] != '.' && !strchr(id, '/');
}

/* ---- open / close -------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Is dir (the spool) or its sub (NULL: itself) trusted (util/trust.h)?  A
 * sub that does not exist (pending/ and cache/ until first used) is. */
static enum smtp_status check_trusted(struct spool *s, const char *dir, const char *sub,
				      struct smtp_err *err)
{
	char path[4096 + 16], why[sizeof(err->msg)];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	if (fstatat(s->dirfd, sub ? sub : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT && sub ? SMTP_OK : spool_sys_fail(err, "cannot stat", path);
	if (!S_ISDIR(st.st_mode)) {
		spool_errf(err, "spool: %s is not a directory (a symbolic link is not followed); "
				"remove it", path);
		return SMTP_EIO;
	}
	if (!util_trusted(&st, path, why, sizeof(why))) {
		spool_errf(err, "spool: directory %s is %s", path, why);
		return SMTP_EIO;
	}
	return SMTP_OK;
}

enum smtp_status spool_open(struct spool **out, const char *dir, struct smtp_err *err)
{
	static const char *const subdirs[] = {SPOOL_NAME_TMP, SPOOL_NAME_QUEUE, SPOOL_NAME_FAILED};
	static const char *const others[] = {SPOOL_NAME_PENDING, SPOOL_NAME_CACHE};
	struct spool *s = NULL;
	enum smtp_status st;

	*out = NULL;
	if (!dir || !*dir)
		dir = SPOOL_DEFAULT_DIR;
	s = calloc(1, sizeof(*s));
	if (!s) {
		spool_errf(err, "spool: out of memory");
		return SMTP_ENOMEM;
	}
	s->dirfd = -1;
	pthread_mutex_init(&s->id_lock, NULL);
	if (mkdir_p(dir) < 0) {
		st = spool_sys_fail(err, "cannot create", dir);
		goto fail;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		st = spool_sys_fail(err, "cannot open", dir);
		goto fail;
	}
	if ((st = check_trusted(s, dir, NULL, err)) != SMTP_OK)
		goto fail;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		if (mkdirat(s->dirfd, subdirs[i], 0700) < 0 && errno != EEXIST) {
			st = spool_sys_fail(err, "cannot create", subdirs[i]);
			goto fail;
		}
		if ((st = check_trusted(s, dir, subdirs[i], err)) != SMTP_OK)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if ((st = check_trusted(s, dir, others[i], err)) != SMTP_OK)
			goto fail;
	atomic_init(&s->seq, 0);
	*out = s;
	return SMTP_OK;
fail:
	spool_close(s);
	return st;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	pthread_mutex_destroy(&s->id_lock);
	free(s);
}

/* ---- files --------------------------------------------------------------- */

/* Open a new file in tmp/ with a name no one else uses; *name gets SPOOL_NAME_TMP "/.N". */
static int open_tmp(struct spool *s, char *name, size_t size)
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned long n = atomic_fetch_add(&s->seq, 1);
		int fd;

		snprintf(name, size, SPOOL_NAME_TMP "/.%ld.%lu.%ld", (long)getpid(), n, (long)time(NULL));
		fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* Read a whole file below the spool into a malloc'd, NUL-terminated buffer
 * (EFBIG: not a regular file, or larger than any mail). */
int spool_read_file(struct spool *s, const char *name, char **out, size_t *len)
{
	return util_read_file(s->dirfd, name, SPOOL_MAIL_MAX, out, len);
}

enum smtp_status spool_read_lines(struct spool *s, const char *name,
				  void (*fn)(void *arg, const char *line), void *arg,
				  struct smtp_err *err)
{
	char *buf, *line, *save = NULL;
	size_t len;

	if (spool_read_file(s, name, &buf, &len) < 0)
		return errno == ENOENT ? SMTP_OK : spool_sys_fail(err, "cannot read", name);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fn(arg, line);
	free(buf);
	return SMTP_OK;
}

/* Write a value on one line: CR, LF and other control bytes become spaces. */
static void put_value(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s: ", key);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
	fputc('\n', f);
}

static int put_header(const struct spool_mail *m, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -1;
	fprintf(f, "Version: %d\n", SPOOL_VERSION);
	put_value(f, "Id", m->id);
	put_value(f, "From", m->from);
	put_value(f, "To", m->to);
	put_value(f, "Subject", m->subject);
	put_value(f, "Message-Id", m->message_id);
	fprintf(f, "Queued: %jd\n", (intmax_t)m->queued);
	fprintf(f, "Attempts: %u\n", m->attempts);
	fprintf(f, "Next-Try: %jd\n", (intmax_t)m->next_try);
	put_value(f, "Last-Error", m->last_error);
	fputc('\n', f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Write m (header and message) to fd, without fsync: the caller fsyncs,
 * alone (sync_mail) or after a batch of writes. */
static enum smtp_status write_mail(int fd, const struct spool_mail *m, const char *name,
				   struct smtp_err *err)
{
	char *hdr = NULL;
	size_t hlen = 0;

	if (put_header(m, &hdr, &hlen) < 0) {
		free(hdr);
		spool_errf(err, "spool: out of memory");
		return SMTP_ENOMEM;
	}
	if (util_write_all(fd, hdr, hlen) < 0 || util_write_all(fd, m->msg, m->len) < 0) {
		free(hdr);
		return spool_sys_fail(err, "cannot write", name);
	}
	free(hdr);
	return SMTP_OK;
}

/* fsync a file written by write_mail; a failure reads as a failed write
 * (the data may not be on the disk). */
static enum smtp_status sync_mail(int fd, const char *name, struct smtp_err *err)
{
	if (fsync(fd) < 0)
		return spool_sys_fail(err, "cannot write", name);
	return SMTP_OK;
}

/* Replace dst (a name in the spool) by text: util_replace (util/replace.h),
 * 0600; a symbolic link at dst is replaced, never followed. */
enum smtp_status spool_publish_text(struct spool *s, const char *text, const char *dst,
				     struct smtp_err *err)
{
	char why[sizeof(err->msg)];

	if (util_replace_write(s->dirfd, dst, 0600, 0, text, strlen(text), why, sizeof(why)) < 0) {
		int e = errno;

		spool_errf(err, "spool: %s: %s", dst, why);
		return e == ENOMEM ? SMTP_ENOMEM : SMTP_EIO;
	}
	return SMTP_OK;
}

/* ---- the OAuth token cache ----------------------------------------------- */

#define OAUTH_CACHE_MAX (SMTP_TOKEN_MAX + 512)

enum smtp_status spool_oauth_load(struct spool *s, char **text, struct smtp_err *err)
{
	size_t len;

	if (util_read_file(s->dirfd, SPOOL_NAME_OAUTH, OAUTH_CACHE_MAX, text, &len) == 0)
		return SMTP_OK;
	if (errno == ENOENT)
		return SMTP_ENOENT;
	return spool_sys_fail(err, "cannot read", SPOOL_NAME_OAUTH);
}

/* spool_publish_text's temporary file is created 0600 with O_EXCL: the token is
 * never readable by others, not even for a moment. */
enum smtp_status spool_oauth_save(struct spool *s, const char *text, struct smtp_err *err)
{
	return spool_publish_text(s, text, SPOOL_NAME_OAUTH, err);
}

/* ---- parsing ------------------------------------------------------------- */

static bool parse_num(const char *v, uintmax_t *out)
{
	char *end;

	if (!*v || *v == '-')
		return false;
	errno = 0;
	*out = strtoumax(v, &end, 10);
	return errno == 0 && *end == '\0';
}

bool spool_mail_parse(struct spool_mail *m, char *buf, size_t len, char *why, size_t whysize)
{
	char *p = buf, *end = buf + len;
	bool version = false, queued = false;
	char *id = NULL;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *colon, *v;
		uintmax_t n;

		if (!nl) {
			snprintf(why, whysize, "no end of the header block");
			return false;
		}
		*nl = '\0';
		if (p == nl) {
			p = nl + 1;
			break;
		}
		colon = strchr(p, ':');
		if (!colon || colon[1] != ' ') {
			snprintf(why, whysize, "bad header line \"%.40s\"", p);
			return false;
		}
		*colon = '\0';
		v = colon + 2;
		if (!strcmp(p, "Version")) {
			if (!parse_num(v, &n) || n != SPOOL_VERSION) {
				snprintf(why, whysize, "unknown version \"%.20s\"", v);
				return false;
			}
			version = true;
		} else if (!strcmp(p, "Id")) {
			id = v;
		} else if (!strcmp(p, "From")) {
			m->from = v;
		} else if (!strcmp(p, "To")) {
			m->to = v;
		} else if (!strcmp(p, "Subject")) {
			m->subject = v;
		} else if (!strcmp(p, "Message-Id")) {
			m->message_id = v;
		} else if (!strcmp(p, "Last-Error")) {
			m->last_error = v;
		} else if (!strcmp(p, "Queued") || !strcmp(p, "Next-Try") ||
			   !strcmp(p, "Attempts")) {
			if (!parse_num(v, &n)) {
				snprintf(why, whysize, "bad number in %s", p);
				return false;
			}
			if (p[0] == 'Q') {
				m->queued = (time_t)n;
				queued = true;
			} else if (p[0] == 'N') {
				m->next_try = (time_t)n;
			} else {
				m->attempts = n > 1000000 ? 1000000 : (unsigned)n;
			}
		}
		p = nl + 1;
	}
	if (!version || !id || !m->from || !m->to || !m->message_id || !queued) {
		snprintf(why, whysize, "missing %s",
			 !version         ? "Version"
			 : !id            ? "Id"
			 : !m->from       ? "From"
			 : !m->to         ? "To"
			 : !m->message_id ? "Message-Id"
					  : "Queued");
		return false;
	}
	if (!valid_id(id)) {
		snprintf(why, whysize, "bad Id");
		return false;
	}
	if (p == end) {
		snprintf(why, whysize, "no message");
		return false;
	}
	snprintf(m->id, sizeof(m->id), "%s", id);
	if (!m->subject)
		m->subject = "";
	if (!m->last_error)
		m->last_error = "";
	m->msg = p;
	m->len = (size_t)(end - p);
	return true;
}

void spool_mail_free(struct spool_mail *m)
{
	if (!m)
		return;
	free(m->buf);
	m->buf = NULL;
}

/* ---- scanning ------------------------------------------------------------ */

int spool_cmp_mail(const void *a, const void *b)
{
	const struct spool_mail *x = a, *y = b;

	if (x->queued != y->queued)
		return x->queued < y->queued ? -1 : 1;
	return strverscmp(x->id, y->id);
}

enum smtp_status spool_set_push(struct spool_set *set, size_t *cap, struct spool_mail *m,
				struct smtp_err *err)
{
	if (!util_reserve((void **)&set->v, cap, set->n + 1, sizeof(*set->v), 16)) {
		spool_errf(err, "spool: out of memory");
		return SMTP_ENOMEM;
	}
	set->v[set->n++] = *m;
	return SMTP_OK;
}

/* Read queue/name; a file that vanished meanwhile is not an error. */
static enum smtp_status scan_one(struct spool *s, const char *name, bool quarantine,
				 struct spool_set *set, size_t *cap, unsigned *corrupt,
				 struct smtp_err *err)
{
	char path[300], why[200], reason[300];
	struct spool_mail m;
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), SPOOL_NAME_QUEUE "/%s", name);
	if (spool_read_file(s, path, &buf, &len) < 0) {
		if (errno == ENOENT)
			return SMTP_OK;
		if (errno == ENOMEM)
			return spool_sys_fail(err, "cannot read", path);
		snprintf(why, sizeof(why), "%s",
			 errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
	} else if (spool_mail_parse(&m, buf, len, why, sizeof(why))) {
		if (strcmp(m.id, name) != 0) {
			snprintf(why, sizeof(why), "Id %s does not match the file name", m.id);
		} else {
			enum smtp_status st = spool_set_push(set, cap, &m, err);

			if (st != SMTP_OK)
				spool_mail_free(&m);
			return st;
		}
		spool_mail_free(&m);
	} else {
		free(buf);
	}
	if (!quarantine)
		return SMTP_OK;
	snprintf(reason, sizeof(reason), "corrupt spool file: %s", why);
	if (spool_fail(s, name, reason, err) == SMTP_OK && corrupt)
		(*corrupt)++;
	return SMTP_OK;
}

enum smtp_status spool_scan(struct spool *s, bool quarantine, struct spool_set *set,
			    unsigned *corrupt, struct smtp_err *err)
{
	enum smtp_status st = SMTP_OK;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd;

	set->v = NULL;
	set->n = 0;
	d = open_queue_dir(s, &fd);
	if (!d)
		return spool_sys_fail(err, "cannot open", SPOOL_NAME_QUEUE "/");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		st = scan_one(s, de->d_name, quarantine, set, &cap, corrupt, err);
		if (st != SMTP_OK)
			break;
	}
	closedir(d);
	if (st != SMTP_OK) {
		spool_set_free(set);
		return st;
	}
	if (set->n > 1)
		qsort(set->v, set->n, sizeof(set->v[0]), spool_cmp_mail);
	return SMTP_OK;
}

void spool_set_free(struct spool_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		spool_mail_free(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static enum smtp_status no_such_mail(const char *id, struct smtp_err *err)
{
	spool_errf(err, "no mail with mail-id %s in the queue", id);
	return SMTP_ENOENT;
}

/* Move dir/name (dir: queue, or tmp for a mail refused at submission) to
 * failed/name, its reason first in failed/name.reason. */
static enum smtp_status move_to_failed(struct spool *s, const char *dir, const char *name,
				       const char *reason, struct smtp_err *err)
{
	char src[300], dst[300], why[300], text[600];
	enum smtp_status st;

	snprintf(src, sizeof(src), "%s/%s", dir, name);
	snprintf(dst, sizeof(dst), SPOOL_NAME_FAILED "/%s", name);
	snprintf(why, sizeof(why), SPOOL_NAME_FAILED "/%s.reason", name);
	snprintf(text, sizeof(text), "%s\n", reason);
	for (char *p = text; p[1]; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	/* The reason first: a crash between the two steps leaves the mail
	 * queued (tried again), never failed without its reason.  (From tmp/,
	 * a mail being submitted: it was not taken yet, its producer still
	 * holds it, e.g. the module's journal.) */
	st = spool_publish_text(s, text, why, err);
	if (st != SMTP_OK)
		return st;
	if (renameat(s->dirfd, src, s->dirfd, dst) < 0) {
		int e = errno;

		unlinkat(s->dirfd, why, 0);
		errno = e;
		if (e == ENOENT)
			return no_such_mail(name, err);
		return spool_sys_fail(err, "cannot move to", dst);
	}
	(void)util_fsync_dir(s->dirfd, SPOOL_NAME_FAILED);
	(void)util_fsync_dir(s->dirfd, dir);
	return SMTP_OK;
}

/* ---- submit -------------------------------------------------------------- */

static void remember_id(struct spool *s, time_t now, unsigned next)
{
	pthread_mutex_lock(&s->id_lock);
	if (s->id_second != now || s->id_next < next) {
		s->id_second = now;
		s->id_next = next;
	}
	pthread_mutex_unlock(&s->id_lock);
}

/* Reserve a mail-id: create tmp/ID (O_EXCL) for an ID that is in neither
 * queue/ nor failed/.  *fd receives the open descriptor. */
static enum smtp_status reserve_id(struct spool *s, time_t now, char id[SPOOL_ID_MAX], int *fd,
				   struct smtp_err *err)
{
	char base[24], path[SPOOL_ID_MAX + 16];
	struct tm tm;

	unsigned first;

	localtime_r(&now, &tm);
	strftime(base, sizeof(base), "%Y%m%d%H%M%S", &tm);
	pthread_mutex_lock(&s->id_lock);
	first = s->id_second == now ? s->id_next : 0;
	pthread_mutex_unlock(&s->id_lock);
	for (unsigned n = first; n < first + 100000; n++) {
		if (n == 0)
			snprintf(id, SPOOL_ID_MAX, "%.14s.%u", base, (unsigned)getpid());
		else
			snprintf(id, SPOOL_ID_MAX, "%.14s.%u.%u", base, (unsigned)getpid(), n);
		snprintf(path, sizeof(path), SPOOL_NAME_TMP "/%s", id);
		*fd = openat(s->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (*fd < 0 && errno == EEXIST)
			continue;
		if (*fd < 0)
			return spool_sys_fail(err, "cannot create", path);
		snprintf(path, sizeof(path), SPOOL_NAME_QUEUE "/%s", id);
		if (faccessat(s->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(path, sizeof(path), SPOOL_NAME_FAILED "/%s", id);
			if (faccessat(s->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
				remember_id(s, now, n + 1);
				return SMTP_OK;
			}
		}
		close(*fd);
		*fd = -1;
		snprintf(path, sizeof(path), SPOOL_NAME_TMP "/%s", id);
		unlinkat(s->dirfd, path, 0);
	}
	spool_errf(err, "spool: no free mail-id for %s", base);
	return SMTP_EIO;
}

/* The Message-ID's right-hand side: m->domain, else this host's domain,
 * looked up once per spool. */
static void message_domain(struct spool *s, const struct smtp_message *m, char *out, size_t size)
{
	if (m->domain && *m->domain) {
		snprintf(out, size, "%s", m->domain);
		return;
	}
	pthread_mutex_lock(&s->id_lock);
	if (!s->host[0])
		smtp_local_domain(NULL, s->host, sizeof(s->host));
	snprintf(out, size, "%s", s->host);
	pthread_mutex_unlock(&s->id_lock);
}

/* A mail that can never be sent (spool_unsendable or smtp_compose refused
 * it, err saying why), kept so that nothing the spool was given is lost:
 * its header block, with the reason as Last-Error, and its body as given
 * are written to tmp (open at fd) and fsync'd; tmp then moves to failed/
 * with the reason and is counted as failed.  SMTP_EPERM with err the
 * reason; or the local error that kept it out of failed/, tmp left for the
 * caller to remove (the mail was not taken: the caller tries again). */
static enum smtp_status refuse(struct spool *s, int fd, struct spool_mail *sm, const char *body,
			       const char *tmp, struct smtp_err *err)
{
	char reason[sizeof(err->msg)];
	enum smtp_status st;

	snprintf(reason, sizeof(reason), "%s", err->msg);
	sm->last_error = reason;
	sm->msg = body && *body ? body : "\n"; /* a mail file has a message part */
	sm->len = strlen(sm->msg);
	st = write_mail(fd, sm, tmp, err);
	if (st == SMTP_OK)
		st = sync_mail(fd, tmp, err);
	if (st == SMTP_OK)
		st = move_to_failed(s, SPOOL_NAME_TMP, sm->id, reason, err);
	if (st != SMTP_OK)
		return st;
	spool_count_refused(s, sm->id);
	spool_errf(err, "%s", reason);
	return SMTP_EPERM;
}

bool spool_unsendable(const char *from, const char *to, const char *subject,
		      struct smtp_err *err)
{
	const char *why;

	if ((why = util_address_check(from, strlen(from))))
		spool_errf(err, "the sender address is not valid (%s)", why);
	else if ((why = util_address_check(to, strlen(to))))
		spool_errf(err, "the recipient address is not valid (%s)", why);
	else if (subject && strpbrk(subject, "\r\n"))
		spool_errf(err, "the subject contains a line break (CR or LF)");
	else
		return false;
	return true;
}

/* Phase 1 of a submission: reserve m's mail-id (tmp/ID, left open in *fd),
 * compose it and write it there, not yet fsync'd.  A mail that can never
 * be sent (spool_unsendable, or smtp_compose refuses it) goes to failed/ at once
 * (refuse): SMTP_EPERM, its mail-id in id, *fd -1.  On any other failure
 * nothing is left in tmp/ and *fd is -1. */
static enum smtp_status write_one(struct spool *s, const struct smtp_message *m, time_t now,
				  char id[SPOOL_ID_MAX], int *fd, struct smtp_err *err)
{
	struct smtp_message msg = *m;
	struct spool_mail sm = {0};
	char tmp[SPOOL_ID_MAX + 8], mid[SPOOL_ID_MAX + 260], domain[256];
	char *text = NULL;
	size_t len = 0;
	enum smtp_status st;

	*fd = -1;
	st = reserve_id(s, now, sm.id, fd, err);
	if (st != SMTP_OK)
		return st;
	snprintf(tmp, sizeof(tmp), SPOOL_NAME_TMP "/%s", sm.id);
	message_domain(s, m, domain, sizeof(domain));
	snprintf(mid, sizeof(mid), "%s@%s", sm.id, domain);
	msg.message_id = mid;
	if (!msg.date)
		msg.date = now;
	sm.from = (char *)(m->from ? m->from : "");
	sm.to = (char *)(m->to ? m->to : "");
	sm.subject = (char *)(m->subject ? m->subject : "");
	sm.message_id = mid;
	sm.last_error = "";
	sm.queued = now;
	sm.next_try = now;
	st = spool_unsendable(sm.from, sm.to, sm.subject, err) ? SMTP_EINVAL
							      : smtp_compose(&msg, &text, &len, err);
	if (st == SMTP_OK) {
		sm.msg = text;
		sm.len = len;
		st = write_mail(*fd, &sm, tmp, err);
	} else if (st == SMTP_EINVAL) {
		st = refuse(s, *fd, &sm, m->body, tmp, err);
	}
	free(text);
	if (st == SMTP_EPERM) {
		close(*fd);
		*fd = -1;
		memcpy(id, sm.id, SPOOL_ID_MAX);
		return st;
	}
	if (st != SMTP_OK) {
		close(*fd);
		*fd = -1;
		unlinkat(s->dirfd, tmp, 0);
		return st;
	}
	/* Start the write-back now, while the next mails are composed: the
	 * fsyncs of phase 2 then find the data on its way or on the disk, and
	 * the first one commits the journal for all of them.  Only a hint. */
	sync_file_range(*fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	memcpy(id, sm.id, SPOOL_ID_MAX);
	return SMTP_OK;
}

/* Mails written before any is fsync'd: bounds the descriptors held open. */
#define SPOOL_BATCH_CHUNK 64

/* The first failure of a batch, by position, is the one reported. */
struct batch_err {
	size_t at;            /* its position in the batch; SIZE_MAX: none yet */
	struct smtp_err *err; /* the caller's, receives its detail (may be NULL) */
};

static void batch_note(struct batch_err *b, size_t i, const struct smtp_err *e)
{
	if (i >= b->at)
		return;
	b->at = i;
	if (b->err)
		*b->err = *e;
}

/* Submit msgs[0..n) (n <= SPOOL_BATCH_CHUNK, base the position of msgs[0]
 * in the caller's batch) in the phases described at spool_submit_batch.
 * Every status[i] is set. */
static void submit_chunk(struct spool *s, const struct smtp_message *const *msgs, size_t n,
			 size_t base, char (*ids)[SPOOL_ID_MAX], enum smtp_status *status,
			 struct batch_err *b)
{
	int fds[SPOOL_BATCH_CHUNK];
	char tmp[SPOOL_ID_MAX + 8], dst[SPOOL_ID_MAX + 8];
	struct smtp_err e;
	time_t now = time(NULL);
	bool renamed = false;
	size_t i;

	for (i = 0; i < n; i++) {
		status[i] = write_one(s, msgs[i], now, ids[i], &fds[i], &e);
		if (status[i] != SMTP_OK)
			batch_note(b, base + i, &e);
	}
	for (i = 0; i < n; i++) {
		if (status[i] != SMTP_OK)
			continue;
		snprintf(tmp, sizeof(tmp), SPOOL_NAME_TMP "/%s", ids[i]);
		status[i] = sync_mail(fds[i], tmp, &e);
		close(fds[i]);
		if (status[i] != SMTP_OK) {
			unlinkat(s->dirfd, tmp, 0);
			batch_note(b, base + i, &e);
		}
	}
	for (i = 0; i < n; i++) {
		if (status[i] != SMTP_OK)
			continue;
		snprintf(tmp, sizeof(tmp), SPOOL_NAME_TMP "/%s", ids[i]);
		snprintf(dst, sizeof(dst), SPOOL_NAME_QUEUE "/%s", ids[i]);
		if (renameat(s->dirfd, tmp, s->dirfd, dst) < 0) {
			status[i] = spool_sys_fail(&e, "cannot rename to", dst);
			unlinkat(s->dirfd, tmp, 0);
			batch_note(b, base + i, &e);
			continue;
		}
		renamed = true;
	}
	/* Not reported when it fails: the mails are in queue/ already, and
	 * calling them not queued would have the caller queue them twice. */
	if (renamed)
		(void)util_fsync_dir(s->dirfd, SPOOL_NAME_QUEUE);
	for (i = 0; i < n; i++)
		if (status[i] != SMTP_OK && status[i] != SMTP_EPERM) /* EPERM: in failed/ */
			ids[i][0] = '\0';
}

enum smtp_status spool_submit_batch(struct spool *s, const struct smtp_message *const *msgs,
				    size_t n, char (*ids)[SPOOL_ID_MAX], enum smtp_status *status,
				    struct smtp_err *err)
{
	struct batch_err b = {.at = SIZE_MAX, .err = err};

	for (size_t done = 0; done < n; done += SPOOL_BATCH_CHUNK) {
		size_t k = n - done < SPOOL_BATCH_CHUNK ? n - done : SPOOL_BATCH_CHUNK;

		submit_chunk(s, msgs + done, k, done, ids + done, status + done, &b);
	}
	return b.at == SIZE_MAX ? SMTP_OK : status[b.at];
}

enum smtp_status spool_submit(struct spool *s, const struct smtp_message *m, char id[SPOOL_ID_MAX],
			      struct smtp_err *err)
{
	enum smtp_status st;

	return spool_submit_batch(s, &m, 1, (char(*)[SPOOL_ID_MAX])id, &st, err);
}

/* ---- list / delete ------------------------------------------------------- */

enum smtp_status spool_list(struct spool *s, int (*fn)(void *arg, const struct spool_entry *e),
			    void *arg, struct smtp_err *err)
{
	struct spool_set set;
	enum smtp_status st = spool_scan(s, false, &set, NULL, err);

	if (st != SMTP_OK)
		return st;
	for (size_t i = 0; i < set.n; i++) {
		const struct spool_mail *m = &set.v[i];
		struct spool_entry e = {
		    .to = m->to,
		    .subject = m->subject,
		    .message_id = m->message_id,
		    .queued = m->queued,
		    .next_try = m->next_try,
		    .attempts = m->attempts,
		    .last_error = m->last_error,
		};

		memcpy(e.id, m->id, sizeof(e.id));
		if (fn(arg, &e) != 0)
			break;
	}
	spool_set_free(&set);
	return SMTP_OK;
}

/* A failed mail: failed/ID and its reason. */
static enum smtp_status delete_failed(struct spool *s, const char *id, struct smtp_err *err)
{
	char path[SPOOL_ID_MAX + 16];

	snprintf(path, sizeof(path), SPOOL_NAME_FAILED "/%s", id);
	if (unlinkat(s->dirfd, path, 0) < 0) {
		if (errno == ENOENT)
			return no_such_mail(id, err);
		return spool_sys_fail(err, "cannot delete", path);
	}
	snprintf(path, sizeof(path), SPOOL_NAME_FAILED "/%s.reason", id);
	unlinkat(s->dirfd, path, 0);
	util_fsync_dir(s->dirfd, SPOOL_NAME_FAILED);
	return SMTP_OK;
}

enum smtp_status spool_delete(struct spool *s, const char *id, struct smtp_err *err)
{
	char path[SPOOL_ID_MAX + 8];

	if (!id || !valid_id(id))
		return no_such_mail(id ? id : "", err);
	snprintf(path, sizeof(path), SPOOL_NAME_QUEUE "/%s", id);
	if (unlinkat(s->dirfd, path, 0) < 0) {
		if (errno == ENOENT)
			return delete_failed(s, id, err);
		return spool_sys_fail(err, "cannot delete", path);
	}
	(void)util_fsync_dir(s->dirfd, SPOOL_NAME_QUEUE);
	return SMTP_OK;
}

/* Every file of queue/ or failed/ (not the dot files of writers). */
static enum smtp_status delete_dir(struct spool *s, const char *sub, struct smtp_err *err)
{
	enum smtp_status st = SMTP_OK;
	struct dirent *de;
	int fd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return spool_sys_fail(err, "cannot open", sub);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			st = spool_sys_fail(err, "cannot delete", de->d_name);
	}
	fsync(fd);
	closedir(d);
	return st;
}

enum smtp_status spool_delete_all(struct spool *s, struct smtp_err *err)
{
	enum smtp_status st = delete_dir(s, SPOOL_NAME_QUEUE, err);

	return st != SMTP_OK ? st : delete_dir(s, SPOOL_NAME_FAILED, err);
}

/* ---- used by the delivery run -------------------------------------------- */

enum smtp_status spool_mail_update(struct spool *s, const struct spool_mail *m,
				   struct smtp_err *err)
{
	char tmp[128], dst[SPOOL_ID_MAX + 8];
	enum smtp_status st;
	int fd = open_tmp(s, tmp, sizeof(tmp));

	if (fd < 0)
		return spool_sys_fail(err, "cannot create", tmp);
	st = write_mail(fd, m, tmp, err);
	if (st == SMTP_OK)
		st = sync_mail(fd, tmp, err);
	close(fd);
	if (st != SMTP_OK)
		goto fail;
	snprintf(dst, sizeof(dst), SPOOL_NAME_QUEUE "/%s", m->id);
	/* Exchange, not rename: a mail deleted meanwhile must stay deleted. */
	if (renameat2(s->dirfd, tmp, s->dirfd, dst, RENAME_EXCHANGE) < 0) {
		if (errno == ENOENT) {
			st = no_such_mail(m->id, err);
			goto fail;
		}
		if (errno != EINVAL && errno != ENOSYS) {
			st = spool_sys_fail(err, "cannot rename to", dst);
			goto fail;
		}
		/* No RENAME_EXCHANGE on this file system: check, then rename. */
		if (faccessat(s->dirfd, dst, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			st = no_such_mail(m->id, err);
			goto fail;
		}
		if (renameat(s->dirfd, tmp, s->dirfd, dst) < 0) {
			st = spool_sys_fail(err, "cannot rename to", dst);
			goto fail;
		}
	}
	unlinkat(s->dirfd, tmp, 0); /* the old content, after an exchange */
	(void)util_fsync_dir(s->dirfd, SPOOL_NAME_QUEUE);
	return SMTP_OK;
fail:
	unlinkat(s->dirfd, tmp, 0);
	return st;
}

enum smtp_status spool_fail(struct spool *s, const char *name, const char *reason,
			    struct smtp_err *err)
{
	return move_to_failed(s, SPOOL_NAME_QUEUE, name, reason, err);
}

enum smtp_status spool_remove(struct spool *s, const char *id, struct smtp_err *err)
{
	char path[SPOOL_ID_MAX + 8];

	snprintf(path, sizeof(path), SPOOL_NAME_QUEUE "/%s", id);
	if (unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
		return spool_sys_fail(err, "cannot delete", path);
	return SMTP_OK; /* not fsync'd: see "Removing" at the top */
}

void spool_sync_queue(struct spool *s)
{
	(void)util_fsync_dir(s->dirfd, SPOOL_NAME_QUEUE);
}

/* Remove the files of sub (dot files only when dot_only: util_replace's
 * temporaries) older than SPOOL_TMP_STALE_SEC. */
static void clean_stale(struct spool *s, const char *sub, bool dot_only, time_t now)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (dot_only && de->d_name[0] != '.'))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
		    now - st.st_mtime > SPOOL_TMP_STALE_SEC)
			unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
}

void spool_clean_tmp(struct spool *s, time_t now)
{
	clean_stale(s, SPOOL_NAME_TMP, false, now);
	/* what a crash left of a replacement of counters, state, debug, a reason */
	clean_stale(s, ".", true, now);
	clean_stale(s, SPOOL_NAME_FAILED, true, now);
}

unsigned spool_backoff(unsigned attempts)
{
	unsigned sec = SPOOL_BACKOFF_MIN_SEC;

	for (unsigned i = 1; i < attempts && sec < SPOOL_BACKOFF_MAX_SEC; i++)
		sec *= 2;
	return sec < SPOOL_BACKOFF_MAX_SEC ? sec : SPOOL_BACKOFF_MAX_SEC;
}

/* ---- the delivery lock, notes ---------------------------------------------- */

int spool_lock(struct spool *s, struct smtp_err *err)
{
	int fd = openat(s->dirfd, SPOOL_NAME_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		int e = errno;

		spool_errf(err, "spool: cannot open lock: %s",
			   e == ELOOP ? "a symbolic link, not followed: remove it" : strerror(e));
		errno = e;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EWOULDBLOCK)
			spool_errf(err, "another process is delivering the queue");
		else
			spool_errf(err, "spool: cannot lock: %s", strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

enum smtp_status spool_note(struct spool *s, const char *id, const char *reason,
			    struct smtp_err *err)
{
	char path[SPOOL_ID_MAX + 8], why[200], *buf = NULL;
	struct spool_mail m;
	enum smtp_status st;
	size_t len;
	int lock;

	if (!valid_id(id))
		return no_such_mail(id, err);
	lock = spool_lock(s, err);
	if (lock < 0)
		return errno == EWOULDBLOCK ? SMTP_EBUSY : SMTP_EIO;
	snprintf(path, sizeof(path), SPOOL_NAME_QUEUE "/%s", id);
	if (spool_read_file(s, path, &buf, &len) < 0) {
		st = errno == ENOENT ? no_such_mail(id, err) : spool_sys_fail(err, "cannot read", path);
	} else if (!spool_mail_parse(&m, buf, len, why, sizeof(why))) {
		free(buf);
		spool_errf(err, "spool: %s: %s", path, why);
		st = SMTP_EIO;
	} else {
		m.last_error = (char *)reason;
		st = spool_mail_update(s, &m, err);
		m.last_error = NULL;
		spool_mail_free(&m);
	}
	close(lock);
	return st;
}
