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
	char *real = realpath(path, NULL), *lock = NULL; /* real NULL: a new file */

	*fd = -1;
	if (asprintf(&lock, "%s.lock", real ? real : path) < 0) {
		free(real);
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	free(real);
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

enum conf_status conf_store_refresh_token(const char *path, const char *refresh,
					  struct conf_err *err)
{
	struct conf *c = conf_new();
	struct conf_stamp stamp;
	enum conf_status st;
	char *b64 = NULL;
	int lock = -1;

	if (!c) {
		conf_err_set(err, "out of memory");
		return CONF_ENOMEM;
	}
	st = conf_lock(path, &lock, err);
	if (st == CONF_OK)
		st = conf_load_stamped(c, path, &stamp, err);
	if (st == CONF_OK && c->oauth.refresh8)
		st = conf_secret_store(c, refresh, &b64, err);
	if (st == CONF_OK && b64) {
		explicit_bzero(c->oauth.refresh8, strlen(c->oauth.refresh8));
		free(c->oauth.refresh8);
		c->oauth.refresh8 = b64;
		st = conf_save_stamped(c, path, &stamp, err);
	}
	conf_unlock(lock);
	conf_free(c);
	return st;
}
