/*
 * engine/oauth.c: a configuration's access token source for smtp_params
 * (engine/oauth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine/oauth.h"

/* The endpoint sent a new refresh token: use it from now on, and keep it in
 * the configuration file (the old one may stop working at any time). */
static void rotated(void *arg, const char *refresh)
{
	struct engine_oauth *o = arg;
	struct conf_err err = {0};

	if (strlen(refresh) < sizeof(o->refresh))
		snprintf(o->refresh, sizeof(o->refresh), "%s", refresh);
	if (!o->config_path)
		return;
	if (conf_store_refresh_token(o->config_path, refresh, &err) != CONF_OK)
		syslog(LOG_MAIL | LOG_WARNING,
		       "cannot store the rotated OAuth refresh token in %s: %s", o->config_path,
		       err.msg);
}

/* What the grant was made for (malloc'd; NULL on ENOMEM): a change (a
 * reload, another editor) starts over with the new secrets. */
static char *grant_key(const struct conf *c)
{
	const struct conf_oauth *a = &c->oauth;
	char *key = NULL;

	if (asprintf(&key, "%s\n%s\n%s\n%s\n%s\n%s\n%s", a->token_url, a->client_id,
		     a->secret8 ? a->secret8 : "", a->scope ? a->scope : "",
		     a->refresh8 ? a->refresh8 : "", a->ca_file ? a->ca_file : "",
		     c->username ? c->username : "") < 0)
		return NULL;
	return key;
}

static int decrypt(const struct conf *c, const char *b64, char *buf, size_t size,
		   const char *what, char *why, size_t wsize)
{
	struct conf_err err = {0};

	buf[0] = '\0';
	if (!b64 || conf_secret_decrypt(c, b64, buf, size, &err) == CONF_OK)
		return 0;
	snprintf(why, wsize, "cannot use the OAuth %s: %s", what, err.msg);
	return -1;
}

static int grant_params(struct engine_oauth *o, const struct conf *c, struct spool *sp,
			char *why, size_t size)
{
	const struct conf_oauth *a = &c->oauth;
	char *key = grant_key(c);

	if (!key) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	if (!o->grant_key || strcmp(key, o->grant_key) != 0) {
		engine_oauth_clear(o);
		if (decrypt(c, a->secret8, o->secret, sizeof(o->secret), "client secret", why,
			    size) < 0 ||
		    decrypt(c, a->refresh8, o->refresh, sizeof(o->refresh), "refresh token", why,
			    size) < 0) {
			engine_oauth_clear(o);
			free(key);
			return -1;
		}
		o->grant_key = key;
	} else {
		free(key);
	}
	/* The configuration's strings may go with a reload: point at them anew
	 * each time. */
	o->grant.token_url = a->token_url;
	o->grant.client_id = a->client_id;
	o->grant.client_secret = a->secret8 ? o->secret : NULL;
	o->grant.scope = a->scope;
	o->grant.refresh_token = a->refresh8 ? o->refresh : NULL;
	o->grant.ca_file = a->ca_file;
	o->grant.user = c->username;
	o->grant.spool = sp;
	o->grant.rotated = rotated;
	o->grant.rotated_arg = o;
	return 0;
}

int engine_oauth_params(struct engine_oauth *o, const struct conf *c, const char *config_path,
			struct spool *sp, struct smtp_params *p, char *why, size_t size)
{
	o->config_path = config_path;
	/* `mail smtpserver timeout` bounds every wait, these too. */
	o->cmd.timeout_sec = c->timeout_sec;
	o->grant.timeout_sec = c->timeout_sec;
	if (c->token_command) {
		if (!smtp_token_cmd_set(&o->cmd, c->token_command)) {
			snprintf(why, size, "out of memory");
			return -1;
		}
		p->token = smtp_token_from_command;
		p->token_arg = &o->cmd;
		return 0;
	}
	if (!c->oauth.token_url) {
		snprintf(why, size, "authentication %s needs a token-command or "
			 "`mail smtpserver oauth token-url ...`",
			 c->auth == CONF_AUTH_XOAUTH2 ? "xoauth2" : "oauthbearer");
		return -1;
	}
	if (grant_params(o, c, sp, why, size) < 0)
		return -1;
	p->token = smtp_token_from_grant;
	p->token_arg = &o->grant;
	return 0;
}

void engine_oauth_clear(struct engine_oauth *o)
{
	smtp_token_cmd_clear(&o->cmd);
	smtp_oauth_grant_clear(&o->grant);
	explicit_bzero(o->secret, sizeof(o->secret));
	explicit_bzero(o->refresh, sizeof(o->refresh));
	free(o->grant_key);
	o->grant_key = NULL;
}
