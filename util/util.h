/*
 * util/util.h: the few helpers that several libraries share, so that each
 * exists once: writing a whole buffer, reading a whole file, making a
 * directory entry durable,
 * hashing a string, making a background thread nicer, writing the two
 * digits of a time field, an RFC 5322 date, growing an array.
 *
 * Two siblings, header only too: util/replace.h replaces a file atomically
 * (the one way the tree does it), util/trust.h says whether a file or
 * directory is one that only the right user can change.
 *
 * Header only (static inline): every library of the tree may include it
 * without a library of its own to link, and the module, which links the
 * others with --whole-archive, gets no duplicate symbols.
 *
 * Errors: -1 with errno set, as the system calls they wrap.
 */
#ifndef LOGMAIL_UTIL_H
#define LOGMAIL_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Write the n octets at p to fd, resuming after short writes and EINTR.
 * 0, or -1 (errno set) with an unknown part written: the caller cuts the
 * file back (ftruncate) or unlinks it. */
static inline int util_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* pread(2) exactly n octets at off into p, resuming after short reads
 * and EINTR: n, fewer at the end of the file, or -1 (errno set). */
static inline ssize_t util_pread_all(int fd, void *p, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)p + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The whole of the regular file open at fd (from its start, whatever the
 * fd's offset) into a malloc'd buffer, NUL-terminated, when it holds at
 * most max octets: 0 with *out and *len set, or -1 (errno set; EFBIG: not
 * a regular file, or larger than max) with *out NULL. */
static inline int util_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	ssize_t got;
	char *buf;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	if (!(buf = malloc((size_t)st.st_size + 1)))
		return -1;
	if ((got = util_pread_all(fd, buf, (size_t)st.st_size, 0)) < 0) {
		int saved = errno;

		free(buf);
		errno = saved;
		return -1;
	}
	buf[got] = '\0';
	*out = buf;
	*len = (size_t)got;
	return 0;
}

/* The same for the file name (relative to dirfd, or AT_FDCWD; a symbolic
 * link is refused). */
static inline int util_read_file(int dirfd, const char *name, size_t max, char **out,
				 size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc, saved;

	*out = NULL;
	if (fd < 0)
		return -1;
	rc = util_read_fd(fd, max, out, len);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* A condition variable whose timed waits count on CLOCK_MONOTONIC (the
 * wall clock set back never stretches a wait): 0, or an error number. */
static inline int util_cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	int rc = pthread_condattr_init(&ca);

	if (rc != 0)
		return rc;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

/* fsync the directory path (relative to dirfd, or AT_FDCWD; "." for dirfd
 * itself): what makes a rename, a creation or an unlink in it survive a
 * power cut.  0 or -1 (errno set). */
static inline int util_fsync_dir(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* util_fsync_dir of the directory that holds path ("." when path has no
 * slash). */
static inline int util_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	size_t len;

	if (slash == NULL)
		return util_fsync_dir(AT_FDCWD, ".");
	len = slash == path ? 1 : (size_t)(slash - path); /* "/x": "/" */
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return util_fsync_dir(AT_FDCWD, dir);
}

/* FNV-1a, 32 bits, of the len octets at p: the hash of every hash table of
 * the tree (the filters' program names, the journal's recipients).  Cheap
 * on the short strings they hold; the tables resolve collisions by
 * comparing the strings themselves. */
static inline uint32_t util_hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

/* util_hash with the ASCII letters folded to lower case: the hash of names
 * that match whatever their case (program names: `program cron` takes
 * Debian's CRON), compared with strncasecmp. */
static inline uint32_t util_hash_nocase(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i];
		h *= 16777619u;
	}
	return h;
}

/* Add nice (> 0: nicer) to the calling thread's nice value; on Linux it is
 * per thread.  Best effort: an unprivileged process may not lower it again,
 * and a failure leaves the thread as it was. */
static inline void util_thread_nice(int nice)
{
	id_t tid = (id_t)gettid();

	if (nice != 0)
		(void)setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + nice);
}

/* The two decimal digits of v (0-99) at p, the first a blank when pad and
 * v < 10 (RFC 3164's day); returns p + 2.  By hand, not snprintf: the
 * digests and logcheck's lines render a time for every message. */
static inline char *util_two_digits(char *p, unsigned v, bool pad)
{
	p[0] = pad && v < 10 ? ' ' : (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* The abbreviation of month mon (0 Jan ... 11 Dec) that syslog lines and
 * RFC 5322 dates use whatever the locale: three letters, NUL-terminated. */
static inline const char *util_month(unsigned mon)
{
	static const char names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

	return names[mon % 12];
}

/* tm as an RFC 5322 date, "Mon, 07 Dec 2026 18:40:12 +0000", in out (size
 * octets; 32 are enough): the day and month names in English whatever the
 * locale (not strftime's %a and %b), the zone as tm's offset.  What the
 * mails' Date: and `show clock` print. */
static inline void util_rfc5322_date(const struct tm *tm, char *out, size_t size)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	long off = tm->tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';

	off = off < 0 ? -off : off;
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
		 days[(unsigned)tm->tm_wday % 7], tm->tm_mday, util_month((unsigned)tm->tm_mon),
		 tm->tm_year + 1900, tm->tm_hour, tm->tm_min, tm->tm_sec, sign, off / 60 % 100,
		 off % 60);
}

/* v in decimal, written to end just before end; returns where it starts (at
 * most 20 octets before end).  By hand, not snprintf: the journal and the
 * digest states write numbers for every message. */
static inline char *util_decimal(char *end, long long v)
{
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do
		*--end = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--end = '-';
	return end;
}

/* Room for need elements of size octets in *v, of which *cap are allocated:
 * first of them the first time, then twice as many as before.  false when
 * out of memory (*v and *cap as they were). */
static inline bool util_reserve(void **v, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t want = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return true;
	while (want < need)
		want *= 2;
	p = realloc(*v, want * size);
	if (p == NULL)
		return false;
	*v = p;
	*cap = want;
	return true;
}

#endif
