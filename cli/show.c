/*
 * cli/show.c: the AlliedWare Plus show commands about the system rather
 * than mail: `show startup-config` (the configuration file as saved),
 * `show version` and `show clock`.  (`show debugging` reads the spool's
 * debug state, so it is cli/mail.c's, beside `debug mail`.)
 */
#include "cli/cli.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#ifndef RSYSLOG_BUILD_VERSION
#define RSYSLOG_BUILD_VERSION "-" /* built without omlogmail */
#endif

#define STARTUP_MAX (4u << 20) /* far beyond any configuration file */

/* One line of the file, a password written by hand in the clear shown as
 * `***` (secrets are never printed; `password 8` is ciphertext). */
static void show_line(FILE *out, const char *line, size_t len)
{
	char *copy = strndup(line, len);
	struct conf_line l;
	size_t cut = len;

	if (copy && conf_line_split(&l, copy, true, NULL) == CONF_OK) {
		for (size_t i = 0; i + 1 < l.n; i++)
			if (!l.w[i].quoted && strcmp(l.w[i].text, "password") == 0 &&
			    strcmp(l.w[i + 1].text, "8") != 0)
				cut = l.w[i + 1].col - 1;
	}
	if (copy)
		conf_line_free(&l);
	fprintf(out, "%.*s%s\n", (int)cut, line, cut < len ? "***" : "");
	if (copy)
		explicit_bzero(copy, len);
	free(copy);
}

/* The file as it is on disk, comments and all: what a restart (or the
 * module's next reload) reads, whatever a batch holds unsaved.  A missing
 * file prints nothing (the shell says once that it does not exist). */
int cmd_show_startup_config(struct cli *cli, const struct conf_args *a)
{
	char *text = NULL;
	size_t len = 0;
	int e;

	(void)a;
	if (util_read_file(AT_FDCWD, cli->config_path, STARTUP_MAX, &text, &len) < 0) {
		e = errno;
		if (e == ENOENT)
			return EX_OK;
		fprintf(cli->err, "%% Error: cannot read %s: %s\n", cli->config_path,
			e == EFBIG ? "not a regular file, or too large" : strerror(e));
		return e == EACCES ? EX_NOPERM : EX_IOERR;
	}
	for (size_t at = 0; at < len;) {
		size_t n = strcspn(text + at, "\n");

		show_line(cli->out, text + at, n);
		at += n + 1;
	}
	explicit_bzero(text, len);
	free(text);
	return EX_OK;
}

/* As the switch's first lines: the software and its version, then what it
 * was built with.  OpenSSL is the library in use (it may be newer than the
 * headers of the build: Debian updates it alone). */
int cmd_show_version(struct cli *cli, const struct conf_args *a)
{
	(void)a;
	fprintf(cli->out,
		"logmail %s\n"
		"\n"
		"Build name : %s-%s\n"
		"rsyslog    : %s (the version omlogmail was built for)\n"
		"OpenSSL    : %s\n",
		PACKAGE_VERSION, PACKAGE_TARNAME, PACKAGE_VERSION, RSYSLOG_BUILD_VERSION,
		OpenSSL_version(OPENSSL_VERSION));
	return EX_OK;
}

/* The switch's layout: the local time, the UTC time, the zone and its
 * offset.  The dates are RFC 5322's, never through the locale. */
int cmd_show_clock(struct cli *cli, const struct conf_args *a)
{
	time_t now = time(NULL);
	struct tm local, utc;
	char l[40], u[40], zone[16];
	long off;

	(void)a;
	localtime_r(&now, &local);
	gmtime_r(&now, &utc);
	util_rfc5322_date(&local, l, sizeof(l));
	util_rfc5322_date(&utc, u, sizeof(u));
	if (strftime(zone, sizeof(zone), "%Z", &local) == 0)
		snprintf(zone, sizeof(zone), "-");
	off = local.tm_gmtoff / 60;
	fprintf(cli->out,
		"Local Time: %s\n"
		"UTC Time:   %s\n"
		"Timezone: %s\n"
		"Timezone Offset: %c%02ld:%02ld\n",
		l, u, zone, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
		(off < 0 ? -off : off) % 60);
	return EX_OK;
}
