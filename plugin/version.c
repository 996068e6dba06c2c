/*
 * plugin/version.c: the running rsyslog's version (version.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/version.h"

#define BANNER     "rsyslogd  "
#define BANNER_END " (aka "
#define CHUNK      (256 * 1024)
#define VERSION_MAX 32

/* The version of a banner at p (n octets on), or false. */
static bool banner_at(const char *p, size_t n, char *out, size_t size)
{
	size_t len = 0, skip = sizeof(BANNER) - 1;

	while (skip + len < n && len < VERSION_MAX &&
	       (p[skip + len] == '.' || (p[skip + len] >= '0' && p[skip + len] <= '9')))
		len++;
	if (len == 0 || len >= size || skip + len + sizeof(BANNER_END) - 1 > n ||
	    memcmp(p + skip + len, BANNER_END, sizeof(BANNER_END) - 1) != 0)
		return false;
	memcpy(out, p + skip, len);
	out[len] = '\0';
	return true;
}

/* Search buf[0..n) for a banner. */
static bool find_banner(const char *buf, size_t n, char *out, size_t size)
{
	const char *p = buf, *end = buf + n;

	while ((p = memmem(p, (size_t)(end - p), BANNER, sizeof(BANNER) - 1)) != NULL) {
		if (banner_at(p, (size_t)(end - p), out, size))
			return true;
		p++;
	}
	return false;
}

bool om_rsyslog_version(const char *path, char *out, size_t size)
{
	/* chunks overlap by a banner's length, so none is cut in two */
	size_t keep = sizeof(BANNER) + VERSION_MAX + sizeof(BANNER_END);
	char *buf = malloc(CHUNK + keep);
	size_t have = 0;
	bool found = false;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || buf == NULL) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (!found && (got = read(fd, buf + have, CHUNK)) > 0) {
		have += (size_t)got;
		found = find_banner(buf, have, out, size);
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	close(fd);
	free(buf);
	return found;
}

/* The upstream part of a version: without "EPOCH:" and "-REVISION". */
static size_t upstream(const char **v)
{
	const char *colon = strchr(*v, ':'), *dash;

	if (colon != NULL)
		*v = colon + 1;
	dash = strchr(*v, '-');
	return dash != NULL ? (size_t)(dash - *v) : strlen(*v);
}

bool om_same_upstream(const char *a, const char *b)
{
	size_t la = upstream(&a), lb = upstream(&b);

	return la == lb && memcmp(a, b, la) == 0;
}
