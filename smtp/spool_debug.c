/*
 * smtp/spool_debug.c: `debug mail`: the spool's debug file (exists while
 * debugging is on; "detail" or "on").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "smtp/spool-internal.h"
#include "util/util.h"

enum spool_debug spool_debug_level(struct spool *s)
{
	char *buf = NULL;
	size_t len;
	enum spool_debug level;

	if (!s || spool_read_file(s, SPOOL_NAME_DEBUG, &buf, &len) < 0)
		return s && errno != ENOENT &&
			       faccessat(s->dirfd, SPOOL_NAME_DEBUG, F_OK, AT_SYMLINK_NOFOLLOW) == 0
			   ? SPOOL_DEBUG_ON
			   : SPOOL_DEBUG_OFF;
	level = strncmp(buf, "detail", 6) == 0 ? SPOOL_DEBUG_DETAIL : SPOOL_DEBUG_ON;
	free(buf);
	return level;
}

bool spool_debug(struct spool *s)
{
	return spool_debug_level(s) != SPOOL_DEBUG_OFF;
}

enum smtp_status spool_set_debug_level(struct spool *s, enum spool_debug level,
				       struct smtp_err *err)
{
	if (level == SPOOL_DEBUG_OFF) {
		if (unlinkat(s->dirfd, SPOOL_NAME_DEBUG, 0) < 0 && errno != ENOENT)
			return spool_sys_fail(err, "cannot remove", SPOOL_NAME_DEBUG);
		util_fsync_dir(s->dirfd, ".");
		return SMTP_OK;
	}
	return spool_publish_text(s, level == SPOOL_DEBUG_DETAIL ? "detail\n" : "on\n",
				  SPOOL_NAME_DEBUG, err);
}

enum smtp_status spool_set_debug(struct spool *s, bool on, struct smtp_err *err)
{
	return spool_set_debug_level(s, on ? SPOOL_DEBUG_ON : SPOOL_DEBUG_OFF, err);
}
