/*
 * tests/unit/test_plugin_fields.c: omlogmail's split of its two template
 * strings (plugin/fields.h) into a struct engine_msg, without rsyslogd:
 * every field in place, an empty program name or tag, a tag without a
 * process id, a host name with spaces, and the messages rsyslogd logs
 * about omlogmail.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/fields.h"

static struct engine_msg split(const char *head, const char *text, bool *kept)
{
	static char buf[256];
	struct engine_msg m;

	snprintf(buf, sizeof(buf), "%s", head);
	*kept = om_fields(buf, text, &m);
	return m;
}

Test(fields, every_field)
{
	bool kept;
	struct engine_msg m =
	    split("86 1782907200 web1 sshd sshd[4242]:", " Failed password", &kept);

	cr_assert(kept);
	cr_assert_eq(m.severity, 6);
	cr_assert_eq(m.facility, 10);
	cr_assert_eq(m.ts, 1782907200);
	cr_assert_str_eq(m.host, "web1");
	cr_assert_str_eq(m.program, "sshd");
	cr_assert_str_eq(m.tag, "sshd[4242]:");
	cr_assert_eq(m.procid_len, 4);
	cr_assert_eq(strncmp(m.procid, "4242", 4), 0);
	cr_assert_str_eq(m.text, "Failed password", "the leading space of %%msg%% goes");
	cr_assert_eq(m.lead_spaces, 1, "and is counted (logcheck's line has it)");
	m = split("86 1782907200 web1 sshd sshd[4242]:", "   indented", &kept);
	cr_assert_str_eq(m.text, "indented");
	cr_assert_eq(m.lead_spaces, 3);
}

Test(fields, empty_program_name)
{
	bool kept;
	struct engine_msg m = split("3 1782907200 web1  ", "no tag", &kept);

	cr_assert(kept);
	cr_assert_str_eq(m.host, "web1");
	cr_assert_str_eq(m.program, "");
	cr_assert_str_eq(m.tag, "");
	cr_assert_null(m.procid);
	cr_assert_str_eq(m.text, "no tag");
	cr_assert_eq(m.lead_spaces, 0);
	m = split("3 1782907200   ", "neither host nor tag", &kept);
	cr_assert_str_eq(m.host, "");
	cr_assert_str_eq(m.program, "");
	cr_assert_str_eq(m.tag, "");
}

Test(fields, no_procid_and_a_host_with_spaces)
{
	bool kept;
	struct engine_msg m = split("13 1782907200 my odd host kernel kernel:", "x", &kept);

	cr_assert_str_eq(m.host, "my odd host");
	cr_assert_str_eq(m.program, "kernel");
	cr_assert_null(m.procid);
	m = split("13 1782907200 web1 postfix postfix/smtpd[77]:", "x", &kept);
	cr_assert_str_eq(m.program, "postfix");
	cr_assert_str_eq(m.tag, "postfix/smtpd[77]:", "the tag as logged, for logcheck's rules");
	cr_assert_eq(m.procid_len, 2);
	cr_assert_eq(strncmp(m.procid, "77]", 3), 0);
	m = split("13 1782907200 web1 odd odd[77:", "x", &kept);
	cr_assert_null(m.procid, "no ']': no process id, as rsyslog's %%procid%%");
}

Test(fields, no_time_is_zero_for_the_engine_to_fill)
{
	bool kept;
	struct engine_msg m = split("", "", &kept);

	cr_assert(kept);
	cr_assert_eq(m.ts, 0);
	cr_assert_str_eq(m.host, "");
	cr_assert_str_eq(m.program, "");
}

Test(fields, rsyslogd_about_omlogmail_is_not_mailed)
{
	bool kept;

	split("43 1782907200 web1 rsyslogd rsyslogd:", "omlogmail: delivery to x: refused", &kept);
	cr_assert_not(kept);
	split("43 1782907200 web1 rsyslogd-2007 rsyslogd-2007:", " omlogmail: spool not usable",
	      &kept);
	cr_assert_not(kept, "rsyslog tags errors with their code");
	split("43 1782907200 web1 rsyslogd rsyslogd:", "imtcp: connection lost", &kept);
	cr_assert(kept, "rsyslogd's other messages are mail like any");
	split("43 1782907200 web1 cron CRON[7]:", "omlogmail restarted", &kept);
	cr_assert(kept);
}

Test(batch, grows_and_keeps_what_it_has)
{
	struct om_batch b = {0};
	struct engine_msg *first;

	cr_assert(om_batch_room(&b, 3));
	cr_assert_geq(b.cap, 3);
	b.msgs[2].text = "kept";
	first = b.msgs;
	cr_assert(om_batch_room(&b, 2));
	cr_assert_eq(b.msgs, first, "enough room: nothing moves");
	cr_assert(om_batch_room(&b, 300));
	cr_assert_geq(b.cap, 300);
	cr_assert_str_eq(b.msgs[2].text, "kept");
	free(b.msgs);
}
