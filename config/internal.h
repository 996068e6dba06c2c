/*
 * config/internal.h: what the files of config/ share and nobody else sees.
 */
#ifndef LOGMAIL_CONF_INTERNAL_H
#define LOGMAIL_CONF_INTERNAL_H

#include "config/conf.h"

#include <stdarg.h>

/* Defaults of a recipient's digest settings. */
#define CONF_DIGEST_WINDOW CONF_DEFAULT_WINDOW_SEC
#define CONF_DIGEST_MSGS   CONF_DEFAULT_MAX_MESSAGES
#define CONF_DIGEST_BYTES  CONF_DEFAULT_MAX_BYTES
#define CONF_DIGEST_URGENT CONF_DEFAULT_URGENT_LEVEL
#define CONF_DIGEST_RATE   CONF_DEFAULT_RATE_PER_HOUR
#define CONF_DIGEST_FOLD   CONF_DEFAULT_FOLD
#define CONF_DIGEST_MAX_INTERVAL CONF_DEFAULT_MAX_INTERVAL
#define CONF_KEY_NAME      "logmail.key"
#define CONF_KEY_LEN       32
#define CONF_NONCE_LEN     12
#define CONF_TAG_LEN       16
#define CONF_PASSWORD_MAX  1024
#define CONF_SECRET_MAX    4096 /* OAuth client secrets and refresh tokens */

/* Printf into err->msg (file, line and column are left alone). */
void conf_err_set(struct conf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Recipients and filters.  recipient_get returns the index of address,
 * creating it (with defaults) when create is set; -1 when absent or on
 * ENOMEM (*nomem tells which). */
long conf_recipient_index(const struct conf *c, const char *address);
long conf_recipient_add(struct conf *c, const char *address);
void conf_recipient_remove(struct conf *c, size_t i);
void conf_recipient_reset(struct conf_recipient *r);
void conf_filter_clear(struct conf_filter *f);
bool conf_filter_equal(const struct conf_filter *a, const struct conf_filter *b);
bool conf_recipient_is_default(const struct conf_recipient *r);
/* Move *f (its strings) into the array; on failure *f is left to the caller. */
int conf_filters_append(struct conf_filter **v, size_t *n, struct conf_filter *f);
void conf_filters_remove(struct conf_filter *v, size_t *n, size_t i);

/* Move everything of src into dst (dst's old content is freed); src is
 * left empty and is freed. */
void conf_replace(struct conf *dst, struct conf *src);
/* The file's comment blocks (struct conf_note): add one (0, or -1 on
 * ENOMEM), forget them all. */
int conf_note_add(struct conf *c, const char *text, const char *anchor);
void conf_notes_clear(struct conf *c);

/* [+|-]H[:MM] under 24 hours into minutes east: 0, or -1 when s is not
 * that (out may be NULL to check only). */
int conf_offset_parse(const char *s, int *out);

/* The stamp of a file from its stat. */
void conf_stamp_of(struct conf_stamp *s, const struct stat *st);

/* password 8 (secret.c).  Messages never contain the password. */
enum conf_status conf_secret_encrypt(const char *key_path, const char *plain, char **b64,
				     struct conf_err *err);
bool conf_secret_valid(const char *b64);

#endif
