/*
 * util/replace.h: replacing a file atomically, the one way the tree does
 * it (the configuration, the history, the spool's counters and state, the
 * statistics, the compiled-rules cache, the journal's compaction).
 *
 * A reader of the target sees the old file or the new one, never half of
 * one; after a power cut the same holds once util_replace_commit returned:
 *
 *   1. a temporary file ".NAME.XXXXXX" in the target's own directory (a
 *      rename never crosses a file system), created O_CREAT | O_EXCL |
 *      O_NOFOLLOW (nothing planted under that name is ever written
 *      through) and then given exactly the caller's mode (0600 for
 *      anything that holds a secret), whatever the umask;
 *   2. the caller writes it;
 *   3. fsync of the file, rename over the target, fsync of the directory
 *      (both fsyncs skipped with UTIL_REPLACE_NOSYNC: a cache, whose loss
 *      costs only time).
 *
 * A symbolic link at the target: without UTIL_REPLACE_FOLLOW (every file
 * in the spool) the link itself is replaced by the new file, so whatever
 * it pointed to is never touched.  With UTIL_REPLACE_FOLLOW (the
 * configuration: an administrator's link into a repository of configs)
 * the link is resolved, links to links too, and the new content replaces
 * its final target, in that target's directory, so the link stays a
 * link; a link that leads nowhere (dangling, a loop) or to something that
 * is not a regular file is refused (why says which) and nothing changes.
 *
 * Header only, like util/util.h (the module links every library with
 * --whole-archive).  Errors: -1 with errno set and why (one line, no path:
 * the caller says which file) filled.
 */
#ifndef LOGMAIL_UTIL_REPLACE_H
#define LOGMAIL_UTIL_REPLACE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define UTIL_REPLACE_FOLLOW 1u /* write through a symbolic link to its final target */
#define UTIL_REPLACE_NOSYNC 2u /* no fsync of the file nor of its directory */
#define UTIL_REPLACE_APPEND 4u /* the temporary file opened O_RDWR | O_APPEND (the journal) */

struct util_replace {
	int fd;       /* the temporary file: write the new content here */
	int dirfd;    /* the directory of the file replaced (opened here) */
	unsigned flags;
	bool committed;
	char name[NAME_MAX + 1]; /* the file replaced, in dirfd */
	char tmp[NAME_MAX + 1];  /* the temporary file, in dirfd */
	char why[PATH_MAX + 128];
};

static inline int util_replace_fail(struct util_replace *r, const char *what)
{
	int e = errno;

	snprintf(r->why, sizeof(r->why), "%s: %s", what, strerror(e));
	errno = e;
	return -1;
}

/* path with its symbolic links followed (relative to dirfd), into out: the
 * final target, which may not exist yet when path itself does not.  A link
 * that leads nowhere or to a non-regular file is refused. */
static inline int util_replace_resolve(struct util_replace *r, int dirfd, const char *path,
				       char *out, size_t size)
{
	char link[PATH_MAX];
	struct stat st;

	if (snprintf(out, size, "%s", path) >= (int)size) {
		errno = ENAMETOOLONG;
		return util_replace_fail(r, "path too long");
	}
	for (int hops = 0;; hops++) {
		const char *slash;
		ssize_t n;

		if (fstatat(dirfd, out, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && hops == 0)
				return 0; /* a new file */
			if (errno == ENOENT)
				snprintf(r->why, sizeof(r->why),
					 "is a symbolic link to %s, which does not exist; "
					 "nothing saved", out);
			else
				util_replace_fail(r, "cannot follow its symbolic link");
			return -1;
		}
		if (!S_ISLNK(st.st_mode))
			break;
		if (hops == 40 || (n = readlinkat(dirfd, out, link, sizeof(link) - 1)) < 0) {
			if (hops == 40)
				errno = ELOOP;
			return util_replace_fail(r, "cannot follow its symbolic link");
		}
		link[n] = '\0';
		slash = strrchr(out, '/');
		if (link[0] != '/' && slash) { /* relative to the link's directory */
			size_t dir = (size_t)(slash - out) + 1;

			if (dir + (size_t)n >= size) {
				errno = ENAMETOOLONG;
				return util_replace_fail(r, "cannot follow its symbolic link");
			}
			memcpy(out + dir, link, (size_t)n + 1);
		} else if (snprintf(out, size, "%s", link) >= (int)size) {
			errno = ENAMETOOLONG;
			return util_replace_fail(r, "cannot follow its symbolic link");
		}
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(r->why, sizeof(r->why),
			 "leads to %s, which is not a regular file; nothing saved", out);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Open the directory of path (relative to dirfd) into r->dirfd, its last
 * component into r->name. */
static inline int util_replace_dir(struct util_replace *r, int dirfd, const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX];

	if (!*base || strlen(base) > NAME_MAX) {
		errno = EINVAL;
		return util_replace_fail(r, "not a file name");
	}
	memcpy(r->name, base, strlen(base) + 1);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	r->dirfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return r->dirfd < 0 ? util_replace_fail(r, "cannot create a temporary file") : 0;
}

/* The temporary file: ".NAME.XXXXXX", NAME cut short when it must be. */
static inline int util_replace_create(struct util_replace *r, mode_t mode)
{
	static atomic_uint seq;
	int oflags = O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		     (r->flags & UTIL_REPLACE_APPEND ? O_RDWR | O_APPEND : O_WRONLY);

	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts;
		unsigned long v;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((unsigned long)getpid() << 16) ^ (unsigned long)ts.tv_nsec ^
		    ((unsigned long)atomic_fetch_add(&seq, 1) << 24);
		snprintf(r->tmp, sizeof(r->tmp), ".%.*s.%06lx", NAME_MAX - 10, r->name,
			 v & 0xffffff);
		r->fd = openat(r->dirfd, r->tmp, oflags, 0600);
		if (r->fd >= 0 || errno != EEXIST)
			break;
	}
	if (r->fd < 0)
		return util_replace_fail(r, "cannot create a temporary file");
	if (fchmod(r->fd, mode) < 0)
		return util_replace_fail(r, "cannot chmod the temporary file");
	return 0;
}

/* Start replacing path (relative to dirfd, or AT_FDCWD) by a file of the
 * given mode: 0 with r->fd open on the temporary file, or -1.  Either way
 * util_replace_close(r) must follow. */
static inline int util_replace_open(struct util_replace *r, int dirfd, const char *path,
				    mode_t mode, unsigned flags)
{
	char final[PATH_MAX];

	memset(r, 0, sizeof(*r));
	r->fd = r->dirfd = -1;
	r->flags = flags;
	if (flags & UTIL_REPLACE_FOLLOW) {
		if (util_replace_resolve(r, dirfd, path, final, sizeof(final)) < 0)
			return -1;
		path = final;
	}
	if (util_replace_dir(r, dirfd, path) < 0)
		return -1;
	return util_replace_create(r, mode);
}

/* Publish what was written to r->fd: fsync it, rename it over the target,
 * fsync the directory (no fsync with UTIL_REPLACE_NOSYNC).  r->fd stays
 * open (the journal keeps appending to it). */
static inline int util_replace_commit(struct util_replace *r)
{
	bool sync = !(r->flags & UTIL_REPLACE_NOSYNC);

	if (sync && fsync(r->fd) < 0)
		return util_replace_fail(r, "cannot write the temporary file");
	if (renameat(r->dirfd, r->tmp, r->dirfd, r->name) < 0)
		return util_replace_fail(r, "cannot rename the temporary file");
	r->committed = true;
	if (sync && util_fsync_dir(r->dirfd, ".") < 0)
		return util_replace_fail(r, "cannot fsync the directory");
	return 0;
}

/* Close what util_replace_open opened (r->fd unless the caller took it and
 * set it to -1); before a commit, remove the temporary file. */
static inline void util_replace_close(struct util_replace *r)
{
	int e = errno;

	if (r->fd >= 0)
		close(r->fd);
	if (r->dirfd >= 0 && !r->committed && r->tmp[0])
		(void)unlinkat(r->dirfd, r->tmp, 0);
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->fd = r->dirfd = -1;
	errno = e;
}

/* The whole of it: path replaced by the n octets at p.  0, or -1 with errno
 * set and why (size octets, may be NULL) filled. */
static inline int util_replace_write(int dirfd, const char *path, mode_t mode, unsigned flags,
				     const void *p, size_t n, char *why, size_t size)
{
	struct util_replace r;
	int rc = util_replace_open(&r, dirfd, path, mode, flags);

	if (rc == 0 && util_write_all(r.fd, p, n) < 0)
		rc = util_replace_fail(&r, "cannot write the temporary file");
	if (rc == 0)
		rc = util_replace_commit(&r);
	if (rc < 0 && why && size > 0) { /* as much of it as fits */
		size_t len = strnlen(r.why, size - 1);

		memcpy(why, r.why, len);
		why[len] = '\0';
	}
	util_replace_close(&r);
	return rc;
}

#endif
