/*
 * smtp/dialogue.c: the SMTP dialogue as data.  smtp_dlg_next() takes the
 * reply to what was sent in the current state and returns what to do next;
 * client.c does the I/O.  Pure, so the unit tests feed it replies.
 *
 * Classification (STYLE.md habit 3): a 5xx or a refusal that retrying
 * cannot cure is SMTP_EPERM, anything else (4xx, an unexpected code) is
 * SMTP_ETEMP.
 */
#include <stdio.h>
#include <string.h>

#include "smtp/smtp-internal.h"

const char *const smtp_state_names[SMTP_ST_COUNT] = {
    [SMTP_ST_CONNECT] = "connect", [SMTP_ST_GREETING] = "greeting", [SMTP_ST_EHLO] = "EHLO",
    [SMTP_ST_HELO] = "HELO",       [SMTP_ST_STARTTLS] = "STARTTLS", [SMTP_ST_AUTH] = "AUTH",
    [SMTP_ST_READY] = "ready",     [SMTP_ST_RSET] = "RSET",         [SMTP_ST_MAIL] = "MAIL FROM",
    [SMTP_ST_RCPT] = "RCPT TO",    [SMTP_ST_DATA] = "DATA",         [SMTP_ST_DOT] = "end of data",
    [SMTP_ST_QUIT] = "QUIT",       [SMTP_ST_DEAD] = "closed",
};

void smtp_dlg_set_state(struct smtp_dlg *d, enum smtp_state s)
{
	d->state = s;
}

const char *smtp_auth_name(enum smtp_auth a)
{
	switch (a) {
	case SMTP_AUTH_PLAIN:
		return "PLAIN";
	case SMTP_AUTH_LOGIN:
		return "LOGIN";
	case SMTP_AUTH_CRAMMD5:
		return "CRAM-MD5";
	case SMTP_AUTH_XOAUTH2:
		return "XOAUTH2";
	case SMTP_AUTH_OAUTHBEARER:
		return "OAUTHBEARER";
	default:
		return "none";
	}
}

/* CRAM-MD5 answers a challenge with a keyed hash: the password itself never
 * crosses the wire, so it may go over an unencrypted connection (DESIGN.md,
 * "AUTH in clear"), as msmtp and other clients allow.  PLAIN and LOGIN send
 * the password as it is. */
bool smtp_auth_challenge_response(enum smtp_auth a)
{
	return a == SMTP_AUTH_CRAMMD5;
}

/* A bearer token is as good as a password to whoever reads it: it goes
 * only where a password would (smtp_auth_challenge_response is false). */
bool smtp_auth_oauth(enum smtp_auth a)
{
	return a == SMTP_AUTH_XOAUTH2 || a == SMTP_AUTH_OAUTHBEARER;
}

static unsigned auth_bit(enum smtp_auth a)
{
	switch (a) {
	case SMTP_AUTH_PLAIN:
		return SMTP_MECH_PLAIN;
	case SMTP_AUTH_LOGIN:
		return SMTP_MECH_LOGIN;
	case SMTP_AUTH_CRAMMD5:
		return SMTP_MECH_CRAMMD5;
	case SMTP_AUTH_XOAUTH2:
		return SMTP_MECH_XOAUTH2;
	case SMTP_AUTH_OAUTHBEARER:
		return SMTP_MECH_OAUTHBEARER;
	default:
		return 0;
	}
}

/* Fail with the server's reply: "RCPT TO: 550 5.1.1 unknown user", or for
 * a refused bearer token "AUTH: invalid_token (scope S): 535 5.7.8 ...":
 * the error the server explained in its 334 first. */
static enum smtp_action fail_reply(struct smtp_dlg *d, const struct smtp_reply *r,
				   struct smtp_err *err)
{
	enum smtp_state at = d->state;
	int n;

	err->code = r->code;
	err->auth_refused = at == SMTP_ST_AUTH;
	n = snprintf(err->msg, sizeof(err->msg), "%s: ", smtp_state_names[at]);
	if (at == SMTP_ST_AUTH && d->auth_detail[0])
		n += snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, "%s: ", d->auth_detail);
	smtp_reply_summary(r, err->msg + n, sizeof(err->msg) - (size_t)n);
	d->status = r->code >= 500 && r->code < 600 ? SMTP_EPERM : SMTP_ETEMP;
	/* After a failure the state says whether the session is still in step
	 * (READY: RSET or QUIT may follow) or not (DEAD: a 421 ends it). */
	smtp_dlg_set_state(d, r->code == 421 || r->code == 0 ? SMTP_ST_DEAD : SMTP_ST_READY);
	return SMTP_ACT_FAIL;
}

static enum smtp_action fail_local(struct smtp_dlg *d, enum smtp_status st, struct smtp_err *err,
				   const char *msg)
{
	size_t n = strlen(msg);

	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	err->code = 0;
	err->auth_refused = false;
	memcpy(err->msg, msg, n);
	err->msg[n] = '\0';
	d->status = st;
	smtp_dlg_set_state(d, SMTP_ST_READY);
	return SMTP_ACT_FAIL;
}

static enum smtp_action start_tls(struct smtp_dlg *d)
{
	smtp_dlg_set_state(d, SMTP_ST_STARTTLS);
	return SMTP_ACT_STARTTLS;
}

enum smtp_action smtp_dlg_after_hello(struct smtp_dlg *d, struct smtp_err *err)
{
	char msg[sizeof(err->msg) + 16];

	if (d->tls == SMTP_TLS_STARTTLS && !d->tls_active) {
		if (d->caps.starttls)
			return start_tls(d);
		return fail_local(d, SMTP_EPERM, err,
				  "EHLO: server does not offer STARTTLS, which the "
				  "configuration requires");
	}
	/* tls unset: encrypt whenever the server offers it (Postfix's `may`) */
	if (!d->tls_active && d->caps.starttls && !d->tls_declined)
		return start_tls(d);
	if (d->auth == SMTP_AUTH_NONE || d->authed) {
		smtp_dlg_set_state(d, SMTP_ST_READY);
		return SMTP_ACT_READY;
	}
	/* Never send credentials in the clear, nor to a server whose identity
	 * a TLS session we were not asked for did not prove. */
	if (!d->auth_cleartext && !smtp_auth_challenge_response(d->auth)) {
		if (!d->tls_active)
			return fail_local(d, SMTP_EPERM, err,
					  "AUTH: refusing to send credentials over an "
					  "unencrypted connection (the server does not offer "
					  "STARTTLS; configure tls or allow cleartext)");
		if (d->tls == SMTP_TLS_NONE && !d->tls_verified)
			return fail_local(d, SMTP_EPERM, err,
					  "AUTH: refusing to send credentials: the server's "
					  "certificate was not verified (configure tls starttls "
					  "with its CA, or allow cleartext)");
	}
	if (!(d->caps.auth & auth_bit(d->auth))) {
		snprintf(msg, sizeof(msg), "AUTH: server does not offer AUTH %s (offers: %s)",
			 smtp_auth_name(d->auth),
			 d->caps.auth_list[0] ? d->caps.auth_list : "none");
		return fail_local(d, SMTP_EPERM, err, msg);
	}
	d->auth_step = 0;
	d->auth_detail[0] = '\0';
	smtp_dlg_set_state(d, SMTP_ST_AUTH);
	return SMTP_ACT_AUTH;
}

static enum smtp_action on_hello(struct smtp_dlg *d, const struct smtp_reply *r,
				 struct smtp_err *err)
{
	if (r->code == 250) {
		if (d->state == SMTP_ST_EHLO)
			smtp_caps_parse(&d->caps, r);
		else
			memset(&d->caps, 0, sizeof(d->caps));
		return smtp_dlg_after_hello(d, err);
	}
	if (d->state == SMTP_ST_EHLO && (r->code == 500 || r->code == 502)) {
		smtp_dlg_set_state(d, SMTP_ST_HELO);
		return SMTP_ACT_HELO;
	}
	return fail_reply(d, r, err);
}

static enum smtp_action on_auth(struct smtp_dlg *d, const struct smtp_reply *r,
				struct smtp_err *err)
{
	if (r->code == 235) {
		d->authed = true;
		smtp_dlg_set_state(d, SMTP_ST_READY);
		return SMTP_ACT_READY;
	}
	if (r->code == 334 && d->auth_step < 2) {
		/* The token went with AUTH: a 334 can only be the server's
		 * error (RFC 7628 3.2.2), answered, then refused for good. */
		if (smtp_auth_oauth(d->auth) && d->auth_step == 0)
			smtp_oauth_error(r->len > 4 ? r->text + 4 : "", d->auth_detail,
					 sizeof(d->auth_detail));
		d->auth_step++;
		return SMTP_ACT_AUTH_STEP;
	}
	return fail_reply(d, r, err);
}

/* MAIL, RCPT and DATA: the next command, or WAIT when it already went out
 * in the pipelined group. */
static enum smtp_action next_cmd(struct smtp_dlg *d, enum smtp_state s, enum smtp_action a)
{
	smtp_dlg_set_state(d, s);
	return d->pipelined ? SMTP_ACT_WAIT : a;
}

enum smtp_action smtp_dlg_next(struct smtp_dlg *d, const struct smtp_reply *r, struct smtp_err *err)
{
	switch (d->state) {
	case SMTP_ST_GREETING:
		if (r->code != 220)
			return fail_reply(d, r, err);
		smtp_dlg_set_state(d, SMTP_ST_EHLO);
		return SMTP_ACT_EHLO;
	case SMTP_ST_EHLO:
	case SMTP_ST_HELO:
		return on_hello(d, r, err);
	case SMTP_ST_STARTTLS:
		if (r->code != 220 && d->tls == SMTP_TLS_NONE && r->code != 421) {
			d->tls_declined = true; /* opportunistic: the clear will do */
			return smtp_dlg_after_hello(d, err);
		}
		if (r->code != 220)
			return fail_reply(d, r, err);
		/* RFC 3207 4.2: forget everything learnt in the clear. */
		memset(&d->caps, 0, sizeof(d->caps));
		d->tls_active = true;
		smtp_dlg_set_state(d, SMTP_ST_EHLO);
		return SMTP_ACT_TLS;
	case SMTP_ST_AUTH:
		return on_auth(d, r, err);
	case SMTP_ST_RSET:
		if (r->code != 250)
			return fail_reply(d, r, err);
		smtp_dlg_set_state(d, SMTP_ST_MAIL);
		return SMTP_ACT_MAIL;
	case SMTP_ST_MAIL:
		if (r->code != 250)
			return fail_reply(d, r, err);
		return next_cmd(d, SMTP_ST_RCPT, SMTP_ACT_RCPT);
	case SMTP_ST_RCPT:
		if (r->code != 250 && r->code != 251)
			return fail_reply(d, r, err);
		return next_cmd(d, SMTP_ST_DATA, SMTP_ACT_DATA);
	case SMTP_ST_DATA:
		if (r->code != 354)
			return fail_reply(d, r, err);
		smtp_dlg_set_state(d, SMTP_ST_DOT);
		return SMTP_ACT_BODY;
	case SMTP_ST_DOT:
		if (r->code != 250)
			return fail_reply(d, r, err);
		smtp_dlg_set_state(d, SMTP_ST_READY);
		return SMTP_ACT_SENT;
	case SMTP_ST_QUIT:
		smtp_dlg_set_state(d, SMTP_ST_DEAD);
		return SMTP_ACT_CLOSE;
	default:
		break;
	}
	err->code = r->code;
	snprintf(err->msg, sizeof(err->msg), "%s: unexpected reply %d", smtp_state_names[d->state],
		 r->code);
	d->status = SMTP_ETEMP;
	smtp_dlg_set_state(d, SMTP_ST_DEAD);
	return SMTP_ACT_FAIL;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s & 0x80)
			return false;
	return true;
}

enum smtp_status smtp_plan_message(const struct smtp_caps *k, const char *from, const char *to,
				   const char *msg, size_t len, struct smtp_plan *plan,
				   struct smtp_err *err)
{
	const char *wide;

	memset(plan, 0, sizeof(*plan));
	err->code = 0;
	if (!from || !to || smtp_has_crlf(from) || smtp_has_crlf(to) || strlen(from) > 300 ||
	    strlen(to) > 300) {
		snprintf(err->msg, sizeof(err->msg),
			 "envelope address missing, too long or containing CR/LF");
		return SMTP_EINVAL;
	}
	wide = !is_ascii(from) ? from : !is_ascii(to) ? to : NULL;
	if (wide && !k->smtputf8) {
		/* RFC 6531 3.2: no way to pass such an address to this server;
		 * retrying cannot change that. */
		snprintf(err->msg, sizeof(err->msg),
			 "%s: the address <%.300s> is not ASCII and the server does not offer "
			 "SMTPUTF8 (RFC 6531): not sent",
			 wide == from ? "MAIL FROM" : "RCPT TO", wide);
		return SMTP_EPERM;
	}
	plan->smtputf8 = wide != NULL;
	if (smtp_has_8bit(msg, len)) {
		/* RFC 6152: 8-bit octets only to a server that said 8BITMIME;
		 * to any other the body goes as quoted-printable. */
		plan->body_8bitmime = k->eightbitmime;
		plan->downgrade = !k->eightbitmime;
	}
	return SMTP_OK;
}
