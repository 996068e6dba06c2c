/*
 * config/file.c: one configuration file, many editors.  A stamp records
 * what the file was when it was read (device, inode, size, times: a save by
 * rename makes a new inode, an edit in place a new size or time), a lock
 * file beside it serialises the editors' read-modify-save, and a save
 * checks, under that lock, that the file is still the one it was read from.
 */
#include "config/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

void conf_stamp_of(struct conf_stamp *s, const struct stat *st)
{
	*s = (struct conf_stamp){
	    .exists = true,
	    .dev = st->st_dev,
	    .ino = st->st_ino,
	    .size = st->st_size,
	    .mtime = st->st_mtim,
	    .ctime = st->st_ctim,
	};
}

void conf_stamp_get(const char *path, struct conf_stamp *stamp)
{
	struct stat st;

	if (stat(path, &st) == 0)
		conf_stamp_of(stamp, &st);
	else
		*stamp = (struct conf_stamp){.exists = false};
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool conf_stamp_equal(const struct conf_stamp *a, const struct conf_stamp *b)
{
	if (!a->exists || !b->exists)
		return a->exists == b->exists;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       same_time(&a->mtime, &b->mtime) && same_time(&a->ctime, &b->ctime);
}

bool conf_changed(const char *path, const struct conf_stamp *stamp)
{
	struct stat st;
	struct conf_stamp now;

	if (stat(path, &st) < 0)
		return stamp->exists || errno != ENOENT;
	conf_stamp_of(&now, &st);
	return !conf_stamp_equal(&now, stamp);
}

enum conf_status conf_lock(const char *path, int *fd, struct conf_err *err)
{
	char *lock = NULL;

	*fd = -1;
	if (asprintf(&lock, "%s.lock", path) < 0) {
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		conf_err_set(err, "cannot open the lock file %s: %s", lock, strerror(errno));
		free(lock);
		return CONF_EIO;
	}
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		conf_err_set(err, "cannot lock %s: %s", lock, strerror(errno));
		close(*fd);
		*fd = -1;
		free(lock);
		return CONF_EIO;
	}
	free(lock);
	return CONF_OK;
}

void conf_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

enum conf_status conf_save_stamped(const struct conf *c, const char *path, struct conf_stamp *stamp,
				   struct conf_err *err)
{
	struct conf_err dummy;
	enum conf_status st;
	struct stat sb;

	err = err ? err : &dummy;
	if (conf_changed(path, stamp)) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
		conf_err_set(err, "changed since it was read (by another logmail or an editor): "
				  "nothing saved; give the command again");
		return CONF_ECHANGED;
	}
	st = conf_save(c, path, err);
	if (st == CONF_OK && stat(path, &sb) == 0)
		conf_stamp_of(stamp, &sb);
	return st;
}
