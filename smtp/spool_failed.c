/*
 * smtp/spool_failed.c: `show mail`'s failed mails: failed/, each mail with
 * its reason (the layout: smtp/smtp.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp/spool-internal.h"

/* failed/name and its reason into *m (to and subject empty when the file
 * is the corrupt one that was moved there). */
static bool read_failed(struct spool *s, const char *name, struct spool_mail *m, char **reason)
{
	char path[300], why[200], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), SPOOL_NAME_FAILED "/%s.reason", name);
	if (spool_read_file(s, path, reason, &len) == 0)
		(*reason)[strcspn(*reason, "\n")] = '\0';
	snprintf(path, sizeof(path), SPOOL_NAME_FAILED "/%s", name);
	if (spool_read_file(s, path, &buf, &len) < 0) {
		free(*reason);
		*reason = NULL;
		return false;
	}
	if (!spool_mail_parse(m, buf, len, why, sizeof(why))) {
		free(buf);
		memset(m, 0, sizeof(*m));
		snprintf(m->id, sizeof(m->id), "%.*s", SPOOL_ID_MAX - 1, name);
	}
	return true;
}

/* Every mail of failed/, each with its reason in last_error (malloc'd:
 * free_failed frees it). */
static enum smtp_status scan_failed(struct spool *s, struct spool_set *set, struct smtp_err *err)
{
	enum smtp_status st = SMTP_OK;
	struct dirent *de;
	size_t cap = 0;
	int fd =
	    openat(s->dirfd, SPOOL_NAME_FAILED, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return spool_sys_fail(err, "cannot open", SPOOL_NAME_FAILED "/");
	}
	while (st == SMTP_OK && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		struct spool_mail m;
		char *reason = NULL;

		if (de->d_name[0] == '.' || (n > 7 && !strcmp(de->d_name + n - 7, ".reason")) ||
		    !read_failed(s, de->d_name, &m, &reason))
			continue;
		m.last_error = reason;
		st = spool_set_push(set, &cap, &m, err);
		if (st != SMTP_OK) {
			free(reason);
			spool_mail_free(&m);
		}
	}
	closedir(d);
	return st;
}

static void free_failed(struct spool_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].last_error);
		set->v[i].last_error = NULL;
	}
	spool_set_free(set);
}

enum smtp_status spool_list_failed(struct spool *s,
				   int (*fn)(void *arg, const struct spool_entry *e), void *arg,
				   struct smtp_err *err)
{
	struct spool_set set = {0};
	enum smtp_status st = scan_failed(s, &set, err);

	if (st == SMTP_OK && set.n > 1)
		qsort(set.v, set.n, sizeof(set.v[0]), spool_cmp_mail);
	for (size_t i = 0; st == SMTP_OK && i < set.n; i++) {
		const struct spool_mail *m = &set.v[i];
		struct spool_entry e = {
		    .to = m->to ? m->to : "",
		    .subject = m->subject ? m->subject : "",
		    .message_id = m->message_id ? m->message_id : "",
		    .queued = m->queued,
		    .attempts = m->attempts,
		    .last_error = m->last_error ? m->last_error : "",
		};

		memcpy(e.id, m->id, sizeof(e.id));
		if (fn(arg, &e) != 0)
			break;
	}
	free_failed(&set);
	return st;
}
