/*
 * smtp/spool_counters.c: the spool's counters (`show counter mail`): the
 * files counters and refused (their formats: smtp/smtp.h's layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp/spool-internal.h"
#include "util/util.h"

/* A mail put into failed/ at submission is counted by a line appended to
 * "refused" (spool_counters adds them to the fails): "counters" is
 * replaced under the delivery lock, which a delivery run holds for as long
 * as its sessions last, and one write with O_APPEND needs no lock.  Best
 * effort: the mail is in failed/ whether or not it is counted. */
void spool_count_refused(struct spool *s, const char *id)
{
	char line[SPOOL_ID_MAX + 1];
	int n = snprintf(line, sizeof(line), "%s\n", id);
	int fd = openat(s->dirfd, SPOOL_NAME_REFUSED,
			O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return;
	if (util_write_all(fd, line, (size_t)n) == 0)
		(void)fsync(fd);
	close(fd);
}

static void counters_line(void *arg, const char *line)
{
	struct spool_counters *out = arg;
	unsigned long n;

	if (sscanf(line, "sent %lu", &n) == 1)
		out->sent = n;
	else if (sscanf(line, "failed %lu", &n) == 1)
		out->failed = n;
	else if (sscanf(line, "auth-failed %lu", &n) == 1)
		out->auth_failed = n;
}

/* The counters file alone (what spool_counters_add adds to). */
static enum smtp_status read_counters(struct spool *s, struct spool_counters *out,
				      struct smtp_err *err)
{
	memset(out, 0, sizeof(*out));
	return spool_read_lines(s, SPOOL_NAME_COUNTERS, counters_line, out, err);
}

/* The mails counted in "refused" (spool_count_refused): its lines. */
static unsigned long count_lines(struct spool *s, const char *name)
{
	unsigned long n = 0;
	size_t len;
	char *buf;

	if (spool_read_file(s, name, &buf, &len) < 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	free(buf);
	return n;
}

enum smtp_status spool_counters(struct spool *s, struct spool_counters *out, struct smtp_err *err)
{
	enum smtp_status st = read_counters(s, out, err);

	if (st == SMTP_OK)
		out->failed += count_lines(s, SPOOL_NAME_REFUSED);
	return st;
}

enum smtp_status spool_counters_add(struct spool *s, const struct spool_counters *add,
				    struct smtp_err *err)
{
	struct spool_counters c;
	enum smtp_status st;
	char text[128];

	if (add->sent == 0 && add->failed == 0 && add->auth_failed == 0)
		return SMTP_OK;
	st = read_counters(s, &c, err);
	if (st != SMTP_OK)
		return st;
	snprintf(text, sizeof(text), "sent %lu\nfailed %lu\nauth-failed %lu\n", c.sent + add->sent,
		 c.failed + add->failed, c.auth_failed + add->auth_failed);
	return spool_publish_text(s, text, SPOOL_NAME_COUNTERS, err);
}

enum smtp_status spool_counters_clear(struct spool *s, struct smtp_err *err)
{
	int lock = spool_lock(s, err);
	enum smtp_status st;

	if (lock < 0)
		return errno == EWOULDBLOCK ? SMTP_EBUSY : SMTP_EIO;
	st = spool_publish_text(s, "sent 0\nfailed 0\nauth-failed 0\n", SPOOL_NAME_COUNTERS, err);
	if (st == SMTP_OK && unlinkat(s->dirfd, SPOOL_NAME_REFUSED, 0) < 0 && errno != ENOENT)
		st = spool_sys_fail(err, "cannot remove", SPOOL_NAME_REFUSED);
	close(lock);
	return st;
}
