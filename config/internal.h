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

/* Printf into err->msg (file, line and column are left alone); err may be
 * NULL. */
void conf_err_set(struct conf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Recipients (conf.c).  conf_recipient_index: the index of the recipient
 * named address (exact match), -1 when there is none.  conf_recipient_add
 * appends one with the defaults and returns its index, -1 on ENOMEM.
 * conf_recipient_remove frees recipient i and closes the gap.
 * conf_recipient_reset sets everything but the address back to the
 * defaults (no filters, local time, CONF_DEFAULT_* digest settings, no
 * logcheck); conf_recipient_is_default tells whether r is so (urgent
 * included: CONF_DEFAULT_URGENT_LEVEL, not CONF_LEVEL_ANY). */
long conf_recipient_index(const struct conf *c, const char *address);
long conf_recipient_add(struct conf *c, const char *address);
void conf_recipient_remove(struct conf *c, size_t i);
void conf_recipient_reset(struct conf_recipient *r);
bool conf_recipient_is_default(const struct conf_recipient *r);

/* Filters (conf.c).  conf_filter_clear frees f's strings and sets it to
 * "any"; conf_filter_equal: the same criteria (the regex flag counts only
 * with a msgtext).  conf_filters_append moves *f (its strings) to the end
 * of the array *v of *n and leaves *f cleared: 0, or -1 on ENOMEM with *f
 * left to the caller.  conf_filters_remove frees v[i] and closes the gap. */
void conf_filter_clear(struct conf_filter *f);
bool conf_filter_equal(const struct conf_filter *a, const struct conf_filter *b);
int conf_filters_append(struct conf_filter **v, size_t *n, struct conf_filter *f);
void conf_filters_remove(struct conf_filter *v, size_t *n, size_t i);

/* Move everything of src into dst (dst's old content is freed); src itself
 * is freed. */
void conf_replace(struct conf *dst, struct conf *src);
/* The file's comment blocks (struct conf_note): add one, copying text and
 * anchor (0, or -1 on ENOMEM), forget them all. */
int conf_note_add(struct conf *c, const char *text, const char *anchor);
void conf_notes_clear(struct conf *c);

/* [+|-]H[:MM] under 24 hours into minutes east: 0, or -1 when s is not
 * that (out may be NULL to check only). */
int conf_offset_parse(const char *s, int *out);

/* Running one command (parse.c), shared with the file loader (load.c).
 * conf_err_start clears err and names the file and line; conf_line_trivial
 * is true for a comment or a blank line; conf_exec_in_place runs line
 * against c itself, which may be half changed on error (callers work on a
 * copy), and sets *saw_password when the line gave a password. */
void conf_err_start(struct conf_err *err, const char *file, unsigned lineno);
bool conf_line_trivial(const char *line);
enum conf_status conf_exec_in_place(struct conf *c, const char *line, struct conf_err *err,
				    bool *saw_password);

/* The stamp of a file from its stat. */
void conf_stamp_of(struct conf_stamp *s, const struct stat *st);

/* password 8 (secret.c).  conf_secret_encrypt: plain encrypted with the
 * key at key_path (created when missing) into *b64 (malloc'd; NULL on
 * error), as conf_secret_store does with a configuration's key path.
 * conf_secret_valid: b64 is long enough base64 to be a stored secret (it
 * does not decrypt it).  Messages never contain the secret. */
enum conf_status conf_secret_encrypt(const char *key_path, const char *plain, char **b64,
				     struct conf_err *err);
bool conf_secret_valid(const char *b64);

#endif
