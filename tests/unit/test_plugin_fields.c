/*
 * tests/unit/test_plugin_fields.c: omlogmail's split of its two template
 * strings (plugin/fields.h) into a struct engine_msg, without rsyslogd:
 * every field in place, an empty program name or tag, a tag without a
 * process id, a host name with spaces, the messages rsyslogd logs about
 * omlogmail, and rsyslog's strings left as they were, so that a batch
 * offered again splits as the first time.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/fields.h"

static struct engine_msg split(const char *head, const char *text, bool *kept)
{
	static char copy[256];
	struct engine_msg m;

	cr_assert_lt(strlen(head), sizeof(copy));
	*kept = om_fields(head, text, &m, copy);
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

/* What a message's fields say, one line, to compare two splits. */
static void describe(const struct engine_msg *m, char *out, size_t size)
{
	snprintf(out, size, "%d %d %lld [%s] [%s] [%s] [%.*s] [%s] %u", m->severity, m->facility,
		 (long long)m->ts, m->host, m->program, m->tag, (int)m->procid_len,
		 m->procid != NULL ? m->procid : "", m->text, m->lead_spaces);
}

/* A batch as rsyslog hands it: the strings are rsyslog's; on
 * RS_RET_SUSPENDED it offers the very same strings again. */
static const char *const heads[] = {
    "86 1782907200 web1 sshd sshd[4242]:",
    "78 1782907201 web1 CRON CRON[99]:",
    "13 1782907202 my odd host postfix postfix/smtpd[77]:",
    "3 1782907203 web1  ",
};
static const char *const texts[] = {" Failed password", " (root) CMD (run-parts)", " connect",
				    "no tag"};
#define N_MSGS (sizeof(heads) / sizeof(heads[0]))

static void offer(struct om_batch *b, char *const *h, char out[][160])
{
	size_t octets = 0;

	for (size_t i = 0; i < N_MSGS; i++)
		octets += strlen(h[i]) + 1;
	cr_assert(om_batch_room(b, N_MSGS, octets));
	for (size_t i = 0; i < N_MSGS; i++)
		om_batch_add(b, h[i], texts[i]);
	cr_assert_eq(b->n, N_MSGS);
	for (size_t i = 0; i < N_MSGS; i++)
		describe(&b->msgs[i], out[i], 160);
}

Test(batch, offered_again_splits_the_same_and_leaves_rsyslogs_strings)
{
	struct om_batch b = {0};
	char *h[N_MSGS], first[N_MSGS][160], again[N_MSGS][160];

	for (size_t i = 0; i < N_MSGS; i++)
		h[i] = strdup(heads[i]);
	offer(&b, h, first);
	cr_assert_str_eq(first[0], "6 10 1782907200 [web1] [sshd] [sshd[4242]:] [4242] "
				   "[Failed password] 1");
	cr_assert_str_eq(first[1], "6 9 1782907201 [web1] [CRON] [CRON[99]:] [99] "
				   "[(root) CMD (run-parts)] 1");
	for (size_t i = 0; i < N_MSGS; i++)
		cr_assert_str_eq(h[i], heads[i], "rsyslog's string %zu is left as it was", i);
	offer(&b, h, again);
	for (size_t i = 0; i < N_MSGS; i++) {
		cr_assert_str_eq(again[i], first[i], "offered again, message %zu is the same", i);
		cr_assert_str_eq(h[i], heads[i]);
		free(h[i]);
	}
	om_batch_free(&b);
	cr_assert_null(b.msgs);
}

Test(batch, grows_and_keeps_what_it_has)
{
	struct om_batch b = {0};
	struct engine_msg *first;

	cr_assert(om_batch_room(&b, 3, 10));
	cr_assert_geq(b.cap, 3);
	cr_assert_geq(b.heads_cap, 10);
	b.msgs[2].text = "kept";
	first = b.msgs;
	cr_assert(om_batch_room(&b, 2, 5));
	cr_assert_eq(b.msgs, first, "enough room: nothing moves");
	cr_assert(om_batch_room(&b, 300, 3000));
	cr_assert_geq(b.cap, 300);
	cr_assert_str_eq(b.msgs[2].text, "kept");
	om_batch_free(&b);
}
