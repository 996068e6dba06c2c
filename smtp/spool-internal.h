/*
 * smtp/spool-internal.h: what smtp/spool.c shares with the delivery run in
 * smtp/spool_deliver.c.  Private to smtp/ and its unit tests.
 */
#ifndef LOGMAIL_SPOOL_INTERNAL_H
#define LOGMAIL_SPOOL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "smtp/smtp.h"

#define SPOOL_VERSION 1
/* A mail still queued this long after it was submitted goes to failed/. */
#define SPOOL_EXPIRE_SEC (5 * 24 * 3600)
/* Retry back-off: SPOOL_BACKOFF_MIN_SEC doubled per attempt, capped. */
#define SPOOL_BACKOFF_MIN_SEC 60
#define SPOOL_BACKOFF_MAX_SEC 3600
/* A file in tmp/ this old was left by a crash: the delivery run removes it. */
#define SPOOL_TMP_STALE_SEC (24 * 3600)

struct spool {
	int dirfd;        /* the spool directory */
	char host[256];   /* right-hand side of Message-IDs, found at the first
			   * submission (smtp_local_domain may ask DNS); under id_lock */
	atomic_ulong seq; /* makes temporary names unique within a process */
	/* Where the mail-id search of this second starts, so the n-th mail
	 * of a second costs one try, not n (measured in bench/RESULTS.md). */
	pthread_mutex_t id_lock;
	time_t id_second;
	unsigned id_next;
};

/* One mail file, parsed.  Every string points into buf, which it owns. */
struct spool_mail {
	char id[SPOOL_ID_MAX];
	char *from;
	char *to;
	char *subject;
	char *message_id;
	char *last_error;
	time_t queued;
	time_t next_try;
	unsigned attempts;
	const char *msg; /* the composed RFC 5322 message, CRLF */
	size_t len;
	char *buf;
	bool done; /* used by the delivery run: nothing more to do */
};

/* A set of mails read from queue/, oldest first. */
struct spool_set {
	struct spool_mail *v;
	size_t n;
};

/* Parse a mail file's bytes (buf is taken over and modified in place; it
 * must hold len + 1 bytes).  On failure, why says what is wrong. */
bool spool_mail_parse(struct spool_mail *m, char *buf, size_t len, char *why, size_t whysize);
void spool_mail_free(struct spool_mail *m);

/* Read every mail in queue/, oldest first.  When quarantine is set (the
 * caller holds the delivery lock), a file that does not parse is moved to
 * failed/ with the reason and counted in *corrupt; else it is skipped. */
enum smtp_status spool_scan(struct spool *s, bool quarantine, struct spool_set *set,
			    unsigned *corrupt, struct smtp_err *err);
void spool_set_free(struct spool_set *set);

/* Oldest first (queued, then mail-id): a qsort order for spool_set. */
int spool_cmp_mail(const void *a, const void *b);

/* Append *m to set (cap: its room); SMTP_ENOMEM with err set. */
enum smtp_status spool_set_push(struct spool_set *set, size_t *cap, struct spool_mail *m,
				struct smtp_err *err);

/* Rewrite m's file in queue/ (header block from m, body m->msg) crash-safely.
 * A mail deleted meanwhile stays deleted: SMTP_ENOENT. */
enum smtp_status spool_mail_update(struct spool *s, const struct spool_mail *m,
				   struct smtp_err *err);

/* Whether a mail from, to, with subject (NULL: not checked) can never be
 * sent, err saying why: an address util/address.h refuses ("the recipient
 * address is not valid (no domain after the @)"), a line break in the
 * subject.  smtp_compose checks the same; submission checks first so that
 * a failed mail's reason is the same whatever composes, and the delivery
 * run checks what is in queue/ (a file from elsewhere) before sending. */
bool spool_unsendable(const char *from, const char *to, const char *subject,
		      struct smtp_err *err);

/* Move queue/name to failed/name and record reason in failed/name.reason. */
enum smtp_status spool_fail(struct spool *s, const char *name, const char *reason,
			    struct smtp_err *err);

/* Remove queue/id of a delivered mail.  queue/ is not fsync'd (see smtp/spool.c,
 * "Removing"): the caller calls spool_sync_queue once it has removed what it
 * will, before it returns. */
enum smtp_status spool_remove(struct spool *s, const char *id, struct smtp_err *err);

/* fsync queue/, making the removals before it durable. */
void spool_sync_queue(struct spool *s);

/* Add to the persistent counters (caller holds the delivery lock). */
enum smtp_status spool_counters_add(struct spool *s, const struct spool_counters *add,
				    struct smtp_err *err);

/* Record st as the spool's state when it differs from what is there
 * (caller holds the delivery lock). */
enum smtp_status spool_state_save(struct spool *s, const struct spool_state *st,
				  struct smtp_err *err);

/* Remove files left in tmp/ by a crash (caller holds the delivery lock). */
void spool_clean_tmp(struct spool *s, time_t now);

/* Seconds to wait before attempt number attempts + 1 (attempts >= 1). */
unsigned spool_backoff(unsigned attempts);

/* Take the delivery lock (flock LOCK_EX|LOCK_NB on "lock"): its
 * descriptor, or -1 with errno EWOULDBLOCK when another process holds it
 * (err says so), or another errno. */
int spool_lock(struct spool *s, struct smtp_err *err);

/* printf into err->msg, code 0. */
void spool_errf(struct smtp_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err says "spool: WHAT NAME: strerror(errno)"; SMTP_ENOMEM or SMTP_EIO. */
enum smtp_status spool_sys_fail(struct smtp_err *err, const char *what, const char *name);

/* Read a whole file below the spool into a malloc'd, NUL-terminated buffer
 * (EFBIG: not a regular file, or larger than any mail).  0, or -1 with errno. */
int spool_read_file(struct spool *s, const char *name, char **out, size_t *len);

/* Call fn for each non-empty line (without its LF) of a small file of the
 * spool that may be missing (counters, state): SMTP_OK, with no call when
 * there is none. */
enum smtp_status spool_read_lines(struct spool *s, const char *name,
				  void (*fn)(void *arg, const char *line), void *arg,
				  struct smtp_err *err);

/* Replace dst (a name in the spool) by text: util_replace (util/replace.h),
 * 0600; a symbolic link at dst is replaced, never followed. */
enum smtp_status spool_publish_text(struct spool *s, const char *text, const char *dst,
				    struct smtp_err *err);

/* Count a mail put into failed/ at submission (smtp/spool_counters.c). */
void spool_count_refused(struct spool *s, const char *id);

#endif
