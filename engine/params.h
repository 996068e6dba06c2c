/*
 * engine/params.h: a configuration turned into the SMTP client's
 * parameters, one way for both front ends (cli/mail.c and the delivery
 * thread, engine/delivery.c).
 */
#ifndef LOGMAIL_ENGINE_PARAMS_H
#define LOGMAIL_ENGINE_PARAMS_H

#include "config/conf.h"
#include "smtp/smtp.h"

/* p (zeroed first) from c: server, port in effect, TLS and its
 * verification, the AUTH mechanism and user, timeouts, HELO name.  No
 * secret: the caller adds the password (conf_password) or the token source
 * (engine/oauth.h), and its own hooks (debug, cancellation).  p points into
 * c: valid while c is. */
void engine_smtp_params(const struct conf *c, struct smtp_params *p);

#endif
