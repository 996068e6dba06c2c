/*
 * digest/internal.h: what the files of digest/ share and nobody else sees.
 */
#ifndef LOGMAIL_DIGEST_INTERNAL_H
#define LOGMAIL_DIGEST_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "digest/digest.h"

#define DIGEST_LINE_MAX      998 /* RFC 5322 2.1.1, without CRLF */
#define DIGEST_PREVIEW_CHARS 60
#define DIGEST_SEV_NONE      8 /* "highest" before any message */

/* The distinct hosts of a digest's messages, for %N: the first one's name
 * (tidied for a subject) and how many.  Hosts are counted by a 64-bit hash
 * of the lower-cased name (host names are case-insensitive) in an
 * open-addressing table that grows to at most DIGEST_HOSTS_MAX names, so
 * messages with forged host names cannot make it grow without bound; past
 * that (or out of memory) `more` says the count is a lower bound. */
#define DIGEST_HOSTS_MAX 1024

struct digest_hosts {
	char first[256];
	uint64_t *slot; /* cap entries, 0: empty */
	unsigned n, cap;
	bool more;
};

/* The messages of one digest: rendered lines, each ending in '\n', and what
 * the subject and the closing line need.  Counts cover the shown lines and
 * the not-shown ones alike. */
struct digest_batch {
	char *buf; /* the lines, not NUL-terminated */
	size_t len, cap;
	size_t *ends; /* ends[i]: offset just past line i's '\n' */
	unsigned n, ends_cap;
	unsigned not_shown;
	bool not_shown_rate; /* some were not shown because of the rate limit
			      * (else because emitting failed) */
	unsigned n_errors;
	int highest;
	time_t first_ts, last_ts; /* of the shown lines */
	time_t opened;            /* now of the first message */
	bool due;                 /* closed by a cap or an urgent message */
	enum digest_reason reason;
	char program[64];          /* of the first message, for %P */
	char preview[256];         /* of the first message, for %M */
	struct digest_hosts hosts; /* of all its messages, for %N */
};

/* The storage of a batch without its lines: kept between digests so that a
 * busy recipient does not free and regrow its buffers for every mail. */
struct digest_store {
	char *buf;
	size_t cap;
	size_t *ends;
	unsigned ends_cap;
};

/* One recipient.  Settings are copied at digest_set_new and never change;
 * the rest is guarded by lock. */
struct digest_recipient {
	char *address;
	char *subject; /* NULL: the defaults */
	enum conf_time time_type;
	int offset_min;
	unsigned window_sec, max_messages, max_bytes, rate_per_hour;
	int urgent_level;

	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when busy clears */
	struct digest_batch pending;
	/* a sent batch's storage, for the next pending: with pending and a
	 * batch in flight, at most two batches' storage per recipient */
	struct digest_store spare;
	bool busy;          /* a batch taken from here is being emitted... */
	pthread_t owner;    /* ...by this thread */
	time_t retry_after; /* after an emit failure */
	time_t *sent;       /* ring of the last rate_per_hour mail times */
	unsigned n_sent, sent_head;
	bool rate_counted; /* pending's rate_limited event is counted */
	bool locks_made;   /* lock and idle are initialised */
	struct digest_counters count;
};

struct digest_set {
	char *hostname, *serial;
	struct digest_recipient *r;
	size_t n;
};

/* render.c */
void digest_batch_init(struct digest_batch *b);
void digest_batch_free(struct digest_batch *b);
bool digest_batch_empty(const struct digest_batch *b);
/* Empty b; its storage goes to spare when spare has none, else is freed. */
void digest_batch_recycle(struct digest_batch *b, struct digest_store *spare);
/* Give b (just initialised, no storage) the spare's storage; spare is left
 * empty. */
void digest_batch_adopt(struct digest_batch *b, struct digest_store *spare);
void digest_store_free(struct digest_store *spare);
/* digest_format_line with tc's prefixes (tc may be NULL). */
size_t digest_format_line_cached(struct digest_time_cache *tc, const struct digest_msg *m,
				 enum conf_time time_type, int offset_min, char *out, size_t size);
/* Append one rendered line (without '\n'); false on ENOMEM. */
bool digest_batch_push(struct digest_batch *b, const char *line, size_t len);
/* Fold m into the batch's counts and first-message fields. */
void digest_batch_note(struct digest_batch *b, const struct digest_msg *m, bool shown);
/* Count host (NULL or "": none) among hs's hosts. */
void digest_hosts_add(struct digest_hosts *hs, const char *host);
/* Count src's hosts into dst (dst's first host stays first). */
void digest_hosts_merge(struct digest_hosts *dst, const struct digest_hosts *src);
void digest_hosts_free(struct digest_hosts *hs);
/* What %N says: fallback without hosts, the host when there is one,
 * "N hosts" ("N+ hosts" when the count is a lower bound) for several. */
const char *digest_hosts_name(const struct digest_hosts *hs, const char *fallback, char *buf,
			      size_t size);
/* Expand the subject into subject (subject_size octets) and build the body
 * in b's own storage, after its lines: *body points into b and is valid
 * until b next changes; b's lines and counts stay as they were (a failed
 * emit puts them back).  false on ENOMEM (the subject is still set). */
bool digest_render_mail(const struct digest_set *s, const struct digest_recipient *r,
			struct digest_batch *b, time_t now, char *subject, size_t subject_size,
			const char **body, size_t *body_len);

#endif
