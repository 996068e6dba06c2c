/*
 * tests/unit/test_syslog_line.c: the program and process id of the same
 * syslog lines come out the same from the module's split (om_fields fed
 * as rsyslog feeds it, which is what bench_engine does: bench/line.c),
 * from `logmail test filters` (cli_parse_log_line) and from
 * syslog_tag_split itself, and they are what rsyslog makes of them
 * (%programname% and %procid%).  And the times of util/syslog_line.h read
 * back what they write.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/line.h"
#include "cli/cli.h"
#include "util/syslog_line.h"

/* A tag, and rsyslog's %programname% and %procid% of it ("-": none). */
static const struct {
	const char *tag, *program, *procid;
} tags[] = {
    {"sshd[4242]:", "sshd", "4242"},
    {"postfix/smtpd[77]:", "postfix", "77"},
    {"CRON[7]:", "CRON", "7"},
    {"kernel:", "kernel", "-"},
    {"systemd-logind[512]:", "systemd-logind", "512"},
    {"odd[77:", "odd", "-"},
    {"su:", "su", "-"},
    {"dhcpd[1]x:", "dhcpd", "1"},
};
#define N_TAGS (sizeof(tags) / sizeof(tags[0]))

static void fields(const struct engine_msg *m, char *out, size_t size)
{
	if (m->procid == NULL)
		snprintf(out, size, "%s -", m->program);
	else
		snprintf(out, size, "%s %.*s", m->program, (int)m->procid_len, m->procid);
}

Test(syslog_line, the_module_test_filters_and_the_benchmark_agree)
{
	for (size_t i = 0; i < N_TAGS; i++) {
		char want[128], line[256], copy[256], module[128], cli[128], program[64], *head;
		struct engine_msg m;
		struct syslog_tag t = syslog_tag_split(tags[i].tag, strlen(tags[i].tag));
		bool has_pri;

		snprintf(want, sizeof(want), "%s %s", tags[i].program, tags[i].procid);
		snprintf(line, sizeof(line), "<38>Nov 23 10:00:00 web1 %s text", tags[i].tag);
		cr_assert(bench_line_split(line, &m, &head), "%s", tags[i].tag);
		fields(&m, module, sizeof(module));
		free(head);
		snprintf(line, sizeof(line), "<38>Nov 23 10:00:00 web1 %s text", tags[i].tag);
		cr_assert(
		    cli_parse_log_line(line, 1795000000, &m, &has_pri, program, sizeof(program)));
		fields(&m, cli, sizeof(cli));
		cr_assert_str_eq(module, want, "the module's split of %s: %s", tags[i].tag, module);
		cr_assert_str_eq(cli, want, "test filters' split of %s: %s", tags[i].tag, cli);
		snprintf(copy, sizeof(copy), "%.*s %.*s", (int)t.program_len, tags[i].tag,
			 t.procid != NULL ? (int)t.procid_len : 1,
			 t.procid != NULL ? t.procid : "-");
		cr_assert_str_eq(copy, want, "syslog_tag_split of %s", tags[i].tag);
	}
}

Test(syslog_line, a_tag_is_read_within_its_length)
{
	struct syslog_tag t = syslog_tag_split("sshd[42]: x]", 5);

	cr_assert_eq(t.program_len, 4);
	cr_assert_null(t.procid, "no ']' within the tag's 5 octets");
	t = syslog_tag_split("", 0);
	cr_assert_eq(t.program_len, 0);
	cr_assert_null(t.procid);
}

Test(syslog_line, rfc3164_reads_what_it_writes)
{
	char out[16];
	const char *p = out;
	time_t ts = 0, now = 1795000000; /* 2026-11-18 */

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	syslog_time_rfc3164_render(1796036706, out); /* 2026-11-30 11:05:06 UTC */
	cr_assert_str_eq(out, "Nov 30 12:05:06");
	cr_assert(syslog_time_rfc3164(&p, now + 20 * 86400, &ts));
	cr_assert_eq(ts, 1796036706);
	cr_assert_eq(*p, '\0');
	syslog_time_rfc3164_render(1795165506, out); /* 2026-11-20 */
	cr_assert_str_eq(out, "Nov 20 10:05:06", "two digits");
	syslog_time_rfc3164_render(1793524306, out); /* 2026-11-01 */
	cr_assert_str_eq(out, "Nov  1 10:11:46", "the day padded with a blank");
	p = "Dec 31 23:00:00 x";
	cr_assert(syslog_time_rfc3164(&p, now, &ts));
	cr_assert_lt(ts, now, "a day more than a day ahead is last year's");
	cr_assert_str_eq(p, " x");
}

Test(syslog_line, rfc3339)
{
	const char *p = "2026-11-30T12:05:06.123456+01:00 web1";
	time_t ts;

	cr_assert(syslog_time_rfc3339(&p, &ts));
	cr_assert_eq(ts, 1796036706);
	cr_assert_str_eq(p, " web1");
	p = "2026-11-30T11:05:06Z";
	cr_assert(syslog_time_rfc3339(&p, &ts));
	cr_assert_eq(ts, 1796036706);
	p = "2026-11-30 11:05:06Z";
	cr_assert_not(syslog_time_rfc3339(&p, &ts));
	p = "2026-11-30T11:05:06";
	cr_assert_not(syslog_time_rfc3339(&p, &ts), "no zone");
}
