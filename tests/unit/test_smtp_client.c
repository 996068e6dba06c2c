/*
 * Unit tests of the SMTP client's pure pieces: the reply parser, EHLO
 * capabilities, the dialogue fed replies without a socket, and SASL
 * messages against the RFC vectors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "smtp/smtp-internal.h"

/* Parse s completely as one reply; returns the status of the last feed. */
static enum smtp_rp_status parse(const char *s, struct smtp_reply *r, size_t *used)
{
	struct smtp_rparser p;
	enum smtp_rp_status st;

	smtp_rparser_init(&p);
	st = smtp_rparser_feed(&p, s, strlen(s), used);
	*r = p.r;
	return st;
}

static struct smtp_reply reply(const char *s)
{
	struct smtp_reply r;
	size_t used;

	cr_assert_eq(parse(s, &r, &used), SMTP_RP_DONE, "not one reply: %s", s);
	return r;
}

Test(reply, single_line)
{
	struct smtp_reply r = reply("250 2.0.0 OK\r\n");

	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.nlines, 1);
	cr_assert_str_eq(r.text, "250 2.0.0 OK");
}

Test(reply, multi_line)
{
	struct smtp_reply r = reply("250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
	char sum[100];

	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.nlines, 3);
	cr_assert_str_eq(r.text, "250-mx.example\n250-PIPELINING\n250 SIZE 1000");
	smtp_reply_summary(&r, sum, sizeof(sum));
	cr_assert_str_eq(sum, "250 mx.example PIPELINING SIZE 1000");
}

/* RFC 3463 codes are kept, once: "550 5.1.1 a b", not "550-5.1.1 a 5.1.1 b". */
Test(reply, summary_keeps_the_enhanced_code_once)
{
	struct smtp_reply r = reply("550-5.1.1 <x@example.com>: Recipient address rejected:\r\n"
				    "550 5.1.1 User unknown in virtual mailbox table\r\n");
	char sum[200];

	smtp_reply_summary(&r, sum, sizeof(sum));
	cr_assert_str_eq(sum, "550 5.1.1 <x@example.com>: Recipient address rejected: User "
			      "unknown in virtual mailbox table");
	r = reply("452-4.5.3 Too many recipients\r\n452 4.5.3 try again later\r\n");
	smtp_reply_summary(&r, sum, sizeof(sum));
	cr_assert_str_eq(sum, "452 4.5.3 Too many recipients try again later");
	cr_assert_eq(smtp_enhanced_code("5.7.8 bad", 535), 5);
	cr_assert_eq(smtp_enhanced_code("4.7.0", 454), 5);
	cr_assert_eq(smtp_enhanced_code("5.7.8 bad", 454), 0, "class of another reply");
	cr_assert_eq(smtp_enhanced_code("5.7 bad", 535), 0);
	cr_assert_eq(smtp_enhanced_code("5.1234.1 x", 550), 0);
	cr_assert_eq(smtp_enhanced_code("2.0.0OK", 250), 0);
}

/* A hostile server's text reaches terminals and logs: no control bytes. */
Test(reply, summary_has_no_control_characters)
{
	struct smtp_reply r = reply("550 bad\rnews \x1b[2Jhere\x7f\r\n");
	char sum[100];

	smtp_reply_summary(&r, sum, sizeof(sum));
	cr_assert_str_eq(sum, "550 bad news  [2Jhere ");
}

Test(reply, bare_code_and_lf_only)
{
	struct smtp_reply r = reply("354\n");

	cr_assert_eq(r.code, 354);
	cr_assert_str_eq(r.text, "354");
}

Test(reply, split_across_reads)
{
	const char *s = "250-a\r\n250 b\r\n";
	struct smtp_rparser p;
	size_t used, i;

	smtp_rparser_init(&p);
	/* One octet at a time: only the very last completes the reply. */
	for (i = 0; i + 1 < strlen(s); i++)
		cr_assert_eq(smtp_rparser_feed(&p, s + i, 1, &used), SMTP_RP_MORE);
	cr_assert_eq(smtp_rparser_feed(&p, s + i, 1, &used), SMTP_RP_DONE);
	cr_assert_eq(used, 1);
	cr_assert_str_eq(p.r.text, "250-a\n250 b");
}

Test(reply, pipelined_replies_leave_the_rest)
{
	const char *s = "250 OK\r\n250 2.1.5 OK\r\n354 go\r\n";
	struct smtp_rparser p;
	size_t used, off = 0;
	int codes[3];

	for (int i = 0; i < 3; i++) {
		smtp_rparser_init(&p);
		cr_assert_eq(smtp_rparser_feed(&p, s + off, strlen(s) - off, &used), SMTP_RP_DONE);
		codes[i] = p.r.code;
		off += used;
	}
	cr_assert_eq(off, strlen(s));
	cr_assert_eq(codes[0], 250);
	cr_assert_eq(codes[1], 250);
	cr_assert_eq(codes[2], 354);
}

Test(reply, bad_lines)
{
	struct smtp_reply r;
	size_t used;

	cr_assert_eq(parse("hello there\r\n", &r, &used), SMTP_RP_BAD);
	cr_assert_str_eq(r.text, "hello there");
	cr_assert_eq(parse("25 short\r\n", &r, &used), SMTP_RP_BAD);
	cr_assert_eq(parse("250xOK\r\n", &r, &used), SMTP_RP_BAD);
	cr_assert_eq(parse("650 no such class\r\n", &r, &used), SMTP_RP_BAD);
	/* The code must not change inside one reply. */
	cr_assert_eq(parse("250-a\r\n251 b\r\n", &r, &used), SMTP_RP_BAD);
}

Test(reply, incomplete_is_more)
{
	struct smtp_reply r;
	size_t used;

	cr_assert_eq(parse("250-a\r\n250 b", &r, &used), SMTP_RP_MORE);
	cr_assert_eq(used, strlen("250-a\r\n250 b"));
}

Test(reply, overlong_line_truncated)
{
	char s[2000];
	struct smtp_reply r;

	memset(s, 'x', sizeof(s));
	memcpy(s, "550 ", 4);
	memcpy(s + 1500, "\r\n", 3);
	r = reply(s);
	cr_assert_eq(r.code, 550);
	cr_assert_eq(strlen(r.text), SMTP_LINE_MAX);
}

Test(caps, ehlo)
{
	struct smtp_reply r = reply("250-mx.example greets you\r\n250-PIPELINING\r\n"
				    "250-SIZE 10240000\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
				    "250-AUTH PLAIN LOGIN XOAUTH2\r\n250-AUTH=PLAIN LOGIN\r\n"
				    "250 SMTPUTF8\r\n");
	struct smtp_caps c;

	smtp_caps_parse(&c, &r);
	cr_assert(c.esmtp && c.pipelining && c.eightbitmime && c.starttls && c.smtputf8);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 10240000);
	cr_assert_eq(c.auth, SMTP_MECH_PLAIN | SMTP_MECH_LOGIN | SMTP_MECH_XOAUTH2);
	cr_assert_str_eq(c.auth_list, "PLAIN LOGIN XOAUTH2");
}

Test(caps, minimal)
{
	struct smtp_reply r = reply("250 mx.example\r\n");
	struct smtp_caps c;

	smtp_caps_parse(&c, &r);
	cr_assert(!c.pipelining && !c.starttls && !c.size && c.auth == 0);
}

/* ---- The dialogue, fed replies ----------------------------------------- */

static struct smtp_dlg dlg(enum smtp_tls tls, enum smtp_auth auth)
{
	struct smtp_dlg d;

	memset(&d, 0, sizeof(d));
	d.tls = tls;
	d.auth = auth;
	smtp_dlg_set_state(&d, SMTP_ST_GREETING);
	return d;
}

static enum smtp_action step(struct smtp_dlg *d, const char *s, struct smtp_err *err)
{
	struct smtp_reply r = reply(s);

	return smtp_dlg_next(d, &r, err);
}

#define EHLO_TLS_AUTH "250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"

Test(dialogue, plain_no_auth)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "220 mx ESMTP\r\n", &err), SMTP_ACT_EHLO);
	cr_assert_eq(d.state, SMTP_ST_EHLO);
	/* no STARTTLS offered: plain */
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", &err), SMTP_ACT_READY);
	cr_assert_eq(d.state, SMTP_ST_READY);
	cr_assert_str_eq(smtp_state_names[d.state], "ready");
}

/* tls unset: STARTTLS whenever offered (Postfix's `may`); refused, the
 * clear will do. */
Test(dialogue, unset_tls_takes_starttls_when_offered)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "220 mx ESMTP\r\n", &err), SMTP_ACT_EHLO);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_STARTTLS);
	cr_assert_eq(step(&d, "454 4.7.0 TLS not available\r\n", &err), SMTP_ACT_READY,
		     "refused: on in the clear");
	cr_assert_not(d.tls_active);

	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	cr_assert_eq(step(&d, "220 mx ESMTP\r\n", &err), SMTP_ACT_EHLO);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_STARTTLS);
	cr_assert_eq(step(&d, "220 go ahead\r\n", &err), SMTP_ACT_TLS);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_READY, "STARTTLS once only");
}

/* Credentials over opportunistic TLS only when the certificate was
 * verified (or cleartext is allowed); CRAM-MD5 sends no password. */
Test(dialogue, unset_tls_sends_credentials_only_when_verified)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_PLAIN);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "220 mx ESMTP\r\n", &err), SMTP_ACT_EHLO);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_STARTTLS);
	cr_assert_eq(step(&d, "220 go ahead\r\n", &err), SMTP_ACT_TLS);
	d.tls_verified = false; /* what the client found */
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_FAIL);
	cr_assert_str_eq(err.msg, "AUTH: refusing to send credentials: the server's certificate "
				  "was not verified (configure tls starttls with its CA, or allow "
				  "cleartext)");
	cr_assert_eq(d.status, SMTP_EPERM);

	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_PLAIN);
	d.tls_active = d.tls_verified = true;
	smtp_dlg_set_state(&d, SMTP_ST_EHLO);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_AUTH, "verified: AUTH");

	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_CRAMMD5);
	d.tls_active = true;
	smtp_dlg_set_state(&d, SMTP_ST_EHLO);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH CRAM-MD5\r\n", &err), SMTP_ACT_AUTH,
		     "CRAM-MD5: no password sent");
}

Test(dialogue, helo_fallback)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "502 5.5.1 command not implemented\r\n", &err), SMTP_ACT_HELO);
	cr_assert_eq(d.state, SMTP_ST_HELO);
	cr_assert_eq(step(&d, "250 mx\r\n", &err), SMTP_ACT_READY);
	cr_assert(!d.caps.esmtp);
}

Test(dialogue, helo_fallback_on_500_but_not_on_554)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "500 what\r\n", &err), SMTP_ACT_HELO);
	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "554 go away\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert_str_eq(err.msg, "EHLO: 554 go away");
}

Test(dialogue, greeting_421_is_temporary)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "421 4.3.2 busy\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_ETEMP);
	cr_assert_eq(err.code, 421);
	cr_assert_str_eq(err.msg, "greeting: 421 4.3.2 busy");
	cr_assert_eq(d.state, SMTP_ST_DEAD);
}

Test(dialogue, starttls_then_forget_then_auth)
{
	struct smtp_dlg d = dlg(SMTP_TLS_STARTTLS, SMTP_AUTH_LOGIN);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250-STARTTLS\r\n250 PIPELINING\r\n", &err),
		     SMTP_ACT_STARTTLS);
	cr_assert_eq(step(&d, "220 go ahead\r\n", &err), SMTP_ACT_TLS);
	/* RFC 3207: what was learnt in the clear is forgotten. */
	cr_assert(!d.caps.pipelining && !d.caps.starttls);
	cr_assert(d.tls_active);
	cr_assert_eq(d.state, SMTP_ST_EHLO);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH LOGIN\r\n", &err), SMTP_ACT_AUTH);
	cr_assert_eq(step(&d, "334 VXNlcm5hbWU6\r\n", &err), SMTP_ACT_AUTH_STEP);
	cr_assert_eq(d.auth_step, 1);
	cr_assert_eq(step(&d, "334 UGFzc3dvcmQ6\r\n", &err), SMTP_ACT_AUTH_STEP);
	cr_assert_eq(d.auth_step, 2);
	cr_assert_eq(step(&d, "235 2.7.0 ok\r\n", &err), SMTP_ACT_READY);
	cr_assert(d.authed);
}

Test(dialogue, starttls_required_not_offered)
{
	struct smtp_dlg d = dlg(SMTP_TLS_STARTTLS, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250 mx\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert(strstr(err.msg, "does not offer STARTTLS"));
}

Test(dialogue, auth_in_clear_upgrades_when_offered)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_PLAIN);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_STARTTLS);
}

Test(dialogue, auth_in_clear_refused)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_PLAIN);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH PLAIN\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert(strstr(err.msg, "refusing to send credentials over an unencrypted connection"),
		  "%s", err.msg);
}

Test(dialogue, auth_in_clear_allowed)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_PLAIN);
	struct smtp_err err = {0};

	d.auth_cleartext = true;
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH PLAIN\r\n", &err), SMTP_ACT_AUTH);
}

/* CRAM-MD5 never sends the password: allowed in clear without
 * allow-cleartext (DESIGN.md), still upgraded when STARTTLS is offered. */
Test(dialogue, cram_md5_in_clear_allowed)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_CRAMMD5);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH CRAM-MD5 PLAIN\r\n", &err), SMTP_ACT_AUTH);
	cr_assert_not(d.tls_active);
	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_CRAMMD5);
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, EHLO_TLS_AUTH, &err), SMTP_ACT_STARTTLS);
	/* LOGIN stays refused in clear. */
	d = dlg(SMTP_TLS_NONE, SMTP_AUTH_LOGIN);
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH CRAM-MD5 LOGIN\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
}

Test(dialogue, mechanism_not_offered)
{
	struct smtp_dlg d = dlg(SMTP_TLS_SMTPS, SMTP_AUTH_CRAMMD5);
	struct smtp_err err = {0};

	d.tls_active = true;
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert_str_eq(err.msg,
			 "AUTH: server does not offer AUTH CRAM-MD5 (offers: PLAIN LOGIN)");
	d = dlg(SMTP_TLS_SMTPS, SMTP_AUTH_LOGIN);
	d.tls_active = true;
	step(&d, "220 mx\r\n", &err);
	step(&d, "250 mx\r\n", &err);
	cr_assert_str_eq(err.msg, "AUTH: server does not offer AUTH LOGIN (offers: none)");
}

Test(dialogue, auth_535_permanent_454_temporary)
{
	struct smtp_dlg d = dlg(SMTP_TLS_SMTPS, SMTP_AUTH_PLAIN);
	struct smtp_err err = {0};

	d.tls_active = true;
	step(&d, "220 mx\r\n", &err);
	step(&d, "250-mx\r\n250 AUTH PLAIN\r\n", &err);
	cr_assert_eq(step(&d, "535 5.7.8 bad credentials\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert_str_eq(err.msg, "AUTH: 535 5.7.8 bad credentials");

	d = dlg(SMTP_TLS_SMTPS, SMTP_AUTH_PLAIN);
	d.tls_active = true;
	step(&d, "220 mx\r\n", &err);
	step(&d, "250-mx\r\n250 AUTH PLAIN\r\n", &err);
	cr_assert_eq(step(&d, "454 4.7.0 try later\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_ETEMP);
}

static struct smtp_dlg ready(bool pipelined)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);

	d.pipelined = pipelined;
	smtp_dlg_set_state(&d, SMTP_ST_MAIL);
	return d;
}

Test(dialogue, transaction_one_by_one)
{
	struct smtp_dlg d = ready(false);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "250 ok\r\n", &err), SMTP_ACT_RCPT);
	cr_assert_eq(step(&d, "251 will forward\r\n", &err), SMTP_ACT_DATA);
	cr_assert_eq(step(&d, "354 go\r\n", &err), SMTP_ACT_BODY);
	cr_assert_eq(d.state, SMTP_ST_DOT);
	cr_assert_eq(step(&d, "250 queued\r\n", &err), SMTP_ACT_SENT);
	cr_assert_eq(d.state, SMTP_ST_READY);
}

Test(dialogue, transaction_pipelined)
{
	struct smtp_dlg d = ready(true);
	struct smtp_err err = {0};

	cr_assert_eq(step(&d, "250 ok\r\n", &err), SMTP_ACT_WAIT);
	cr_assert_eq(step(&d, "250 ok\r\n", &err), SMTP_ACT_WAIT);
	cr_assert_eq(step(&d, "354 go\r\n", &err), SMTP_ACT_BODY);
	cr_assert_eq(step(&d, "250 queued\r\n", &err), SMTP_ACT_SENT);
}

Test(dialogue, rcpt_failures)
{
	struct smtp_dlg d = ready(true);
	struct smtp_err err = {0};

	step(&d, "250 ok\r\n", &err);
	cr_assert_eq(step(&d, "550 5.1.1 unknown user\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert_eq(err.code, 550);
	cr_assert_str_eq(err.msg, "RCPT TO: 550 5.1.1 unknown user");
	cr_assert_eq(d.state, SMTP_ST_READY); /* still in step: RSET may follow */

	d = ready(false);
	step(&d, "250 ok\r\n", &err);
	cr_assert_eq(step(&d, "451 4.3.0 later\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_ETEMP);
	cr_assert_str_eq(err.msg, "RCPT TO: 451 4.3.0 later");
}

Test(dialogue, data_and_dot_failures)
{
	struct smtp_dlg d = ready(false);
	struct smtp_err err = {0};

	step(&d, "250 ok\r\n", &err);
	step(&d, "250 ok\r\n", &err);
	cr_assert_eq(step(&d, "554 5.5.1 no valid recipients\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_str_eq(err.msg, "DATA: 554 5.5.1 no valid recipients");

	d = ready(false);
	step(&d, "250 ok\r\n", &err);
	step(&d, "250 ok\r\n", &err);
	step(&d, "354 go\r\n", &err);
	cr_assert_eq(step(&d, "554 5.6.0 spam\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert_str_eq(err.msg, "end of data: 554 5.6.0 spam");
}

Test(dialogue, rset_then_mail)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_NONE);
	struct smtp_err err = {0};

	smtp_dlg_set_state(&d, SMTP_ST_RSET);
	cr_assert_eq(step(&d, "250 flushed\r\n", &err), SMTP_ACT_MAIL);
	cr_assert_eq(d.state, SMTP_ST_MAIL);
}

/* ---- How a message goes: SMTPUTF8, 8BITMIME ------------------------------ */

static struct smtp_caps caps(const char *ehlo)
{
	struct smtp_reply r = reply(ehlo);
	struct smtp_caps k;

	smtp_caps_parse(&k, &r);
	return k;
}

#define UTF8_BODY "Subject: x\r\n\r\nGr\xc3\xbc\xc3\x9f\r\n"

Test(plan, eight_bit_body)
{
	struct smtp_caps with = caps("250-mx\r\n250 8BITMIME\r\n"), without = caps("250 mx\r\n");
	struct smtp_err err = {0};
	struct smtp_plan p;

	cr_assert_eq(smtp_plan_message(&with, "a@b", "c@d", UTF8_BODY, strlen(UTF8_BODY), &p, &err),
		     SMTP_OK);
	cr_assert(p.body_8bitmime && !p.downgrade && !p.smtputf8);
	cr_assert_eq(
	    smtp_plan_message(&without, "a@b", "c@d", UTF8_BODY, strlen(UTF8_BODY), &p, &err),
	    SMTP_OK);
	cr_assert(!p.body_8bitmime && p.downgrade);
	/* ASCII needs neither. */
	cr_assert_eq(smtp_plan_message(&without, "a@b", "c@d", "x\r\n\r\ny\r\n", 8, &p, &err),
		     SMTP_OK);
	cr_assert(!p.body_8bitmime && !p.downgrade);
}

Test(plan, non_ascii_address_needs_smtputf8)
{
	struct smtp_caps with = caps("250-mx\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"),
			 without = caps("250-mx\r\n250 8BITMIME\r\n");
	struct smtp_err err = {0};
	struct smtp_plan p;

	cr_assert_eq(smtp_plan_message(&with, "a@b", "j\xc3\xbcrgen@d", "x", 1, &p, &err), SMTP_OK);
	cr_assert(p.smtputf8);
	cr_assert_eq(smtp_plan_message(&without, "a@b", "j\xc3\xbcrgen@d", "x", 1, &p, &err),
		     SMTP_EPERM);
	cr_assert_str_eq(err.msg, "RCPT TO: the address <j\xc3\xbcrgen@d> is not ASCII and the "
				  "server does not offer SMTPUTF8 (RFC 6531): not sent");
	cr_assert_eq(smtp_plan_message(&without, "s\xc3\xa9@b", "c@d", "x", 1, &p, &err),
		     SMTP_EPERM);
	cr_assert(strncmp(err.msg, "MAIL FROM: the address <s\xc3\xa9@b>", 30) == 0, "%s", err.msg);
	cr_assert_eq(smtp_plan_message(&with, "a@b", "c\r\nd", "x", 1, &p, &err), SMTP_EINVAL);
}

Test(dialogue, every_state_named)
{
	for (int s = 0; s < SMTP_ST_COUNT; s++)
		cr_assert_not_null(smtp_state_names[s], "state %d", s);
}

/* ---- SASL ---------------------------------------------------------------- */

Test(sasl, cram_md5_rfc2195)
{
	char out[256];

	cr_assert_gt(smtp_cram_md5("tim", "tanstaaftanstaaf",
				   "<1896.697170952@postoffice.reston.mci.net>", out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "tim b913a602c7eda7a495b4e6e7334d3890");
	cr_assert_gt(smtp_sasl_cram_md5("tim", "tanstaaftanstaaf",
					"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
					out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
}

Test(sasl, plain_rfc4616)
{
	char out[256];

	cr_assert_gt(smtp_sasl_plain("tim", "tanstaaftanstaaf", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
}

Test(sasl, login_prompts_and_base64)
{
	unsigned char buf[64];
	char out[64];
	int n;

	n = smtp_b64_decode("VXNlcm5hbWU6", buf, sizeof(buf));
	cr_assert_eq(n, 9);
	cr_assert(memcmp(buf, "Username:", 9) == 0);
	cr_assert_eq(smtp_b64_decode("YQ==", buf, sizeof(buf)), 1);
	cr_assert_eq(smtp_b64_decode("YWI=", buf, sizeof(buf)), 2);
	cr_assert_eq(smtp_b64_decode("not base64!", buf, sizeof(buf)), -1);
	smtp_b64_encode("tim", 3, out, sizeof(out));
	cr_assert_str_eq(out, "dGlt");
	cr_assert_eq(smtp_b64_encode("tim", 3, out, 4), -1);
}

/* The HELO name goes into a command line: refused before any connection. */
Test(open, refuses_helo_name_with_line_break)
{
	struct smtp_params p = {.host = "127.0.0.1", .port = 9, .helo_name = "me\r\nMAIL FROM:<x>"};
	struct smtp_client *c = NULL;
	struct smtp_err err = {0};

	cr_assert_eq(smtp_open(&c, &p, &err), SMTP_EINVAL);
	cr_assert_null(c);
	cr_assert_str_eq(err.msg, "the HELO name contains a blank or a line break");
}

/* ---- OAuth 2.0 bearer tokens ----------------------------------------------- */

/* Google's XOAUTH2 description, "Initial Client Response". */
Test(sasl, xoauth2_google_example)
{
	char out[512];

	cr_assert_gt(smtp_sasl_xoauth2("someuser@example.com",
				       "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", out,
				       sizeof(out)),
		     0);
	cr_assert_str_eq(out, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRx"
			      "bVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
}

/* RFC 7628 4.1 (the IMAP example: port 143). */
Test(sasl, oauthbearer_rfc7628)
{
	char out[512];

	cr_assert_gt(smtp_sasl_oauthbearer("user@example.com", "server.example.com", 143,
					   "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", out,
					   sizeof(out)),
		     0);
	cr_assert_str_eq(out, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9"
			      "MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRH"
			      "RXVZMjl0Q2c9PQEB");
}

/* RFC 5801 saslname: ',' and '=' in the authorization identity escaped. */
Test(sasl, oauthbearer_escapes_user_and_refuses_bad_tokens)
{
	unsigned char raw[256];
	char out[512];
	int n;

	cr_assert_gt(smtp_sasl_oauthbearer("a,b=c", NULL, 0, "tok", out, sizeof(out)), 0);
	n = smtp_b64_decode(out, raw, sizeof(raw));
	cr_assert_eq(n, (int)strlen("n,a=a=2Cb=3Dc,\001auth=Bearer tok\001\001"));
	cr_assert(memcmp(raw, "n,a=a=2Cb=3Dc,\001auth=Bearer tok\001\001", (size_t)n) == 0);
	/* A token that would end the field or the command is refused. */
	cr_assert_eq(smtp_sasl_oauthbearer("u", NULL, 0, "to\001ken", out, sizeof(out)), -1);
	cr_assert_eq(smtp_sasl_xoauth2("u", "tok en", out, sizeof(out)), -1);
	cr_assert_eq(smtp_sasl_xoauth2("u", "", out, sizeof(out)), -1);
	cr_assert_eq(smtp_sasl_xoauth2("u", "tok", out, 8), -1);
}

/* RFC 7628 4.3's failure and Google's (an HTTP status). */
Test(sasl, oauth_error_decoded)
{
	char out[200];

	cr_assert_gt(smtp_oauth_error("eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3Bl"
				      "Iiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29t"
				      "Ly53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=",
				      out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "invalid_token (scope example_scope)");
	cr_assert_gt(smtp_oauth_error("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRw"
				      "czovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
				      out, sizeof(out)),
		     0);
	cr_assert_str_eq(out, "status 401 (scope https://mail.google.com/)");
	cr_assert_eq(smtp_oauth_error("bm90IGpzb24=", out, sizeof(out)), -1); /* "not json" */
	cr_assert_str_eq(out, "");
	cr_assert_eq(smtp_oauth_error("e30=", out, sizeof(out)), -1); /* "{}" */
	cr_assert_eq(smtp_oauth_error("", out, sizeof(out)), -1);
}

Test(caps, oauth_mechanisms)
{
	struct smtp_reply r = reply("250-mx\r\n250 AUTH LOGIN XOAUTH2 oauthbearer\r\n");
	struct smtp_caps c;

	smtp_caps_parse(&c, &r);
	cr_assert_eq(c.auth, SMTP_MECH_LOGIN | SMTP_MECH_XOAUTH2 | SMTP_MECH_OAUTHBEARER);
}

/* RFC 7628 3.2.2: the server's 334 error is answered, then its 5xx is the
 * failure, which names the decoded error first. */
Test(dialogue, oauth_error_then_refusal)
{
	struct smtp_dlg d = dlg(SMTP_TLS_STARTTLS, SMTP_AUTH_OAUTHBEARER);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 STARTTLS\r\n", &err), SMTP_ACT_STARTTLS);
	cr_assert_eq(step(&d, "220 go\r\n", &err), SMTP_ACT_TLS);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH XOAUTH2 OAUTHBEARER\r\n", &err), SMTP_ACT_AUTH);
	cr_assert_eq(step(&d,
			  "334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3Bl"
			  "In0=\r\n",
			  &err),
		     SMTP_ACT_AUTH_STEP);
	cr_assert_eq(step(&d, "535 5.7.8 Authentication credentials invalid\r\n", &err),
		     SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	cr_assert(err.auth_refused);
	cr_assert_str_eq(err.msg, "AUTH: invalid_token (scope example_scope): 535 5.7.8 "
				  "Authentication credentials invalid");
	/* A second try starts clean. */
	cr_assert_eq(smtp_dlg_after_hello(&d, &err), SMTP_ACT_AUTH);
	cr_assert_str_eq(d.auth_detail, "");
	cr_assert_eq(step(&d, "235 2.7.0 ok\r\n", &err), SMTP_ACT_READY);
}

/* A bearer token is a credential: never in the clear without TLS. */
Test(dialogue, oauth_in_clear_refused)
{
	struct smtp_dlg d = dlg(SMTP_TLS_NONE, SMTP_AUTH_XOAUTH2);
	struct smtp_err err = {0};

	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH XOAUTH2\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_eq(d.status, SMTP_EPERM);
	d = dlg(SMTP_TLS_SMTPS, SMTP_AUTH_OAUTHBEARER);
	d.tls_active = true;
	step(&d, "220 mx\r\n", &err);
	cr_assert_eq(step(&d, "250-mx\r\n250 AUTH XOAUTH2\r\n", &err), SMTP_ACT_FAIL);
	cr_assert_str_eq(err.msg, "AUTH: server does not offer AUTH OAUTHBEARER (offers: XOAUTH2)");
}
