/*
 * util/trust.h: trust only what only the right user can change, as Postfix
 * (its queue) and msmtp (its configuration) do.  A directory of the spool
 * or a configuration file is trusted when it is owned by the user running
 * logmail or by root, and when neither its group nor others may write to
 * it.  Anything else could be changed by someone else: a forged mail
 * dropped into queue/, a symbolic link planted where root will write, a
 * configuration pointing the mail elsewhere.
 *
 * Header only, like util/util.h.
 */
#ifndef LOGMAIL_UTIL_TRUST_H
#define LOGMAIL_UTIL_TRUST_H

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* A user's name (its number when it has none) into out. */
static inline void util_user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(out, size, "%s", found->pw_name);
	else
		snprintf(out, size, "%lu", (unsigned long)uid);
}

/* Is st (of path) trusted?  When it is not, why receives the end of a
 * line that the caller starts with what it is ("spool: directory PATH is
 * ", "the file is "): its owner and mode, and the commands that fix it:
 *
 *   owned by nobody with mode 0777: not trusted (only root may own it,
 *   and only its owner write to it); chown root PATH; chmod go-w PATH
 */
static inline bool util_trusted(const struct stat *st, const char *path, char *why, size_t size)
{
	uid_t me = geteuid();
	bool owner_ok = st->st_uid == me || st->st_uid == 0;
	bool mode_ok = (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
	char owner[64], user[64], who[160];
	size_t len;

	if (owner_ok && mode_ok)
		return true;
	util_user_name(st->st_uid, owner, sizeof(owner));
	util_user_name(me, user, sizeof(user));
	if (me == 0)
		snprintf(who, sizeof(who), "root");
	else
		snprintf(who, sizeof(who), "root or %s (running logmail)", user);
	/* A long path cuts the line short; the return values are checked so
	 * that the compiler knows it is meant. */
	if (snprintf(why, size,
		     "owned by %s with mode %04o: not trusted (only %s may own it, and only its "
		     "owner write to it)",
		     owner, (unsigned)(st->st_mode & 07777), who) < 0)
		why[0] = '\0';
	len = strlen(why);
	if (!owner_ok && len + 1 < size &&
	    snprintf(why + len, size - len, "; chown %s %s", user, path) < 0)
		why[len] = '\0';
	len = strlen(why);
	if (!mode_ok && len + 1 < size &&
	    snprintf(why + len, size - len, "; chmod go-w %s", path) < 0)
		why[len] = '\0';
	return false;
}

#endif
