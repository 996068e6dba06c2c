/*
 * engine/oauth.h: the access token source of a configuration, for both front
 * ends (cli/mail.c and the delivery thread, engine/delivery.c): from
 * `token-command` (smtp_token_cmd) or from `mail smtpserver oauth`
 * (smtp_oauth_grant, its secrets decrypted here).  A refresh token the
 * endpoint rotates is written back to the configuration file through the
 * editors' lock (conf_store_refresh_token).
 *
 * One struct engine_oauth per front end, kept as long as the token should
 * stay cached in memory: the CLI per delivery, the delivery thread across
 * runs.  Not shared between threads.
 */
#ifndef LOGMAIL_ENGINE_OAUTH_H
#define LOGMAIL_ENGINE_OAUTH_H

#include "config/conf.h"
#include "smtp/smtp.h"

struct engine_oauth {
	struct smtp_token_cmd cmd;
	struct smtp_oauth_grant grant;
	char *grant_key;      /* the settings grant was made for (malloc'd; NULL none) */
	char secret[4200];    /* decrypted client secret */
	char refresh[4200];   /* decrypted refresh token (rotations replace it) */
	const char *config_path;
};

/* Point p's token source at c's (p->auth must be XOAUTH2 or OAUTHBEARER):
 * the command, else the grant (whose cache lives in sp; may be NULL).  A
 * changed configuration starts over.  0, or -1 with why (one line, never a
 * secret) when neither is configured or a secret does not decrypt. */
int engine_oauth_params(struct engine_oauth *o, const struct conf *c, const char *config_path,
			struct spool *sp, struct smtp_params *p, char *why, size_t size);

/* Wipe and free; o can be used again (zeroed). */
void engine_oauth_clear(struct engine_oauth *o);

#endif
