/*
 * tests/unit/test_plugin_version.c: the running rsyslog's version as the
 * module reads it (plugin/version.h): from Debian's rsyslogd, from a file
 * whose banner straddles two reads, and compared by upstream version.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/version.h"

#define RSYSLOGD "/usr/sbin/rsyslogd"

Test(version, read_from_debians_rsyslogd)
{
	char v[64];

	if (access(RSYSLOGD, R_OK) != 0)
		cr_skip_test("no " RSYSLOGD);
	cr_assert(om_rsyslog_version(RSYSLOGD, v, sizeof(v)));
#ifdef RSYSLOG_BUILD_VERSION
	cr_assert_str_eq(v, RSYSLOG_BUILD_VERSION, "the module is built for the rsyslogd installed");
#else
	cr_skip_test("built without --with-rsyslog-src: nothing to compare");
#endif
}

/* A file of junk with the banner at offset at. */
static void write_file(const char *path, size_t at, const char *banner)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	for (size_t i = 0; i < at; i++)
		fputc(i % 7 == 0 ? 'r' : 'x', f);
	fputs(banner, f);
	fputs("junk after", f);
	cr_assert_eq(fclose(f), 0);
}

Test(version, a_banner_across_two_reads)
{
	char path[] = "/tmp/test_plugin_version.XXXXXX", v[64];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	/* the reads are 256 KiB: the banner starts 5 octets before the end of one */
	write_file(path, 256 * 1024 - 5, "rsyslogd  8.2399.1 (aka 2023.99) compiled with:");
	cr_assert(om_rsyslog_version(path, v, sizeof(v)));
	cr_assert_str_eq(v, "8.2399.1");
	write_file(path, 10, "rsyslogd  (aka 2023.99) and rsyslogd  8.1 (not a banner)");
	cr_assert_not(om_rsyslog_version(path, v, sizeof(v)), "no version, or no \" (aka \"");
	unlink(path);
	cr_assert_not(om_rsyslog_version(path, v, sizeof(v)), "no file");
}

Test(version, upstream_versions_compared)
{
	cr_assert(om_same_upstream("8.2302.0", "8.2302.0"));
	cr_assert(om_same_upstream("8.2302.0", "8.2302.0-1+deb12u2"));
	cr_assert(om_same_upstream("1:8.2302.0-2", "8.2302.0"));
	cr_assert_not(om_same_upstream("8.2302.0", "8.2302.1"));
	cr_assert_not(om_same_upstream("8.2302.0", "8.2302.01"));
	cr_assert_not(om_same_upstream("8.2302", "8.2302.0"));
}
