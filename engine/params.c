/*
 * engine/params.c: the configuration's SMTP parameters (params.h).
 */
#include <string.h>

#include "engine/params.h"

static enum smtp_tls tls_of(enum conf_tls t)
{
	switch (t) {
	case CONF_TLS_STARTTLS:
		return SMTP_TLS_STARTTLS;
	case CONF_TLS_SMTPS:
		return SMTP_TLS_SMTPS;
	default:
		return SMTP_TLS_NONE;
	}
}

static enum smtp_auth auth_of(enum conf_auth a)
{
	switch (a) {
	case CONF_AUTH_CRAMMD5:
		return SMTP_AUTH_CRAMMD5;
	case CONF_AUTH_LOGIN:
		return SMTP_AUTH_LOGIN;
	case CONF_AUTH_PLAIN:
		return SMTP_AUTH_PLAIN;
	case CONF_AUTH_XOAUTH2:
		return SMTP_AUTH_XOAUTH2;
	case CONF_AUTH_OAUTHBEARER:
		return SMTP_AUTH_OAUTHBEARER;
	default:
		return SMTP_AUTH_NONE;
	}
}

void engine_smtp_params(const struct conf *c, struct smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->host = c->server;
	p->port = conf_effective_port(c);
	p->tls = tls_of(c->tls);
	p->tls_verify = c->tls_verify;
	p->ca_file = c->tls_ca_file;
	p->auth = auth_of(c->auth);
	p->username = c->username;
	p->auth_cleartext = c->auth_cleartext;
	p->timeout_sec = c->timeout_sec;
	p->helo_name = c->helo;
}
