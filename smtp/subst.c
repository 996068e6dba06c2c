/*
 * smtp/subst.c: the AWP feature guide's subject substitutions (%N %S %T %D %L %U).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smtp/smtp-internal.h"

/* 2018-04-10T03:45:01+0000, local or UTC. */
static void iso_time(time_t t, bool utc, char *out, size_t size)
{
	struct tm tm;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (strftime(out, size, utc ? "%Y-%m-%dT%H:%M:%S+0000" : "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		out[0] = '\0';
}

void smtp_subject_expand(const char *tmpl, const struct smtp_subst *s, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; *tmpl && o + 1 < size; tmpl++) {
		char tbuf[40];
		const char *rep = NULL;

		if (tmpl[0] == '%') {
			switch (tmpl[1]) {
			case 'N':
				rep = s->hostname ? s->hostname : "";
				break;
			case 'S':
				rep = s->serial ? s->serial : "";
				break;
			case 'T':
			case 'D':
			case 'L':
			case 'U':
				iso_time(s->now, tmpl[1] == 'U', tbuf, sizeof(tbuf));
				rep = tbuf;
				break;
			case '%':
				rep = "%";
				break;
			}
		}
		if (!rep) {
			out[o++] = *tmpl;
			continue;
		}
		tmpl++;
		for (; *rep && o + 1 < size; rep++)
			out[o++] = *rep;
	}
	out[o] = '\0';
}

/* First line of path, trimmed, into out; false when empty or unreadable. */
static bool read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	if (!fgets(out, (int)size, f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
	return n > 0;
}

void smtp_subst_default(struct smtp_subst *s, const char *configured_serial)
{
	char *host = s->host_buf, *serial = s->serial_buf;
	size_t hsize = sizeof(s->host_buf), ssize = sizeof(s->serial_buf);

	if (gethostname(host, hsize - 1) != 0)
		snprintf(host, hsize, "localhost");
	host[hsize - 1] = '\0';
	if (configured_serial)
		snprintf(serial, ssize, "%s", configured_serial);
	else if (!read_line("/sys/class/dmi/id/product_serial", serial, ssize) &&
		 !read_line("/etc/machine-id", serial, ssize))
		serial[0] = '\0';
	s->hostname = host;
	s->serial = serial;
	s->now = time(NULL);
}
