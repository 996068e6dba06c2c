/*
 * smtp/outbox.h: finished mails on their way into the spool, written by a
 * thread of the outbox's own so that whoever produces them (rsyslog's
 * workers, in omlogmail) never waits for the disk.
 *
 * outbox_put copies a mail into a bounded list in memory and returns.  The
 * outbox's thread takes the list in batches of up to OUTBOX_BATCH mails and
 * queues them with spool_submit_batch (each mail fsync'd and renamed into
 * queue/, queue/ fsync'd once per batch), then calls the `spooled` function.
 * When the list is full, outbox_put waits for room, at most
 * OUTBOX_WAIT_SEC: the producer slows down to the disk's pace and memory
 * stays bounded.
 *
 * Durability: a mail in the list is only in memory.  The producer must keep
 * its own record of what the mail holds (omlogmail's digest journal) until
 * outbox_pending() is 0.  A batch the spool refuses with a local error
 * (disk full, EIO) stays in the list and is tried again every
 * OUTBOX_RETRY_SEC; a mail that can never be sent (SMTP_EPERM: an invalid
 * address, CR/LF in the subject) is in the spool's failed/ with the reason
 * (spool_submit_batch) and is reported as failed: nothing is dropped.
 *
 * Threads: outbox_put and outbox_pending may be called from any number of
 * threads; outbox_stop once, when nobody puts any more.
 */
#ifndef LOGMAIL_OUTBOX_H
#define LOGMAIL_OUTBOX_H

#include <stddef.h>

#include "smtp/smtp.h"

#define OUTBOX_BATCH     64
#define OUTBOX_WAIT_SEC  2
#define OUTBOX_RETRY_SEC 1
/* Room for a burst: when a storm fills every recipient's digest at once,
 * hundreds of mails close within a second, faster than a disk creates and
 * fsyncs files; the rate limits stop the flow of mails soon after, so the
 * outbox absorbs the burst instead of stalling rsyslog (bench/RESULTS.md,
 * 1).  Bounded by bytes too: with a thousand recipients, thousands of mails
 * close at once, and the outbox is memory that rsyslogd's own queue needs
 * in a storm (bench/RESULTS.md, 3b: 8 MiB, with the digests' own budget,
 * keeps a storm to 1,000 recipients under 64 MiB of growth, 32 MiB did
 * not; 4 MiB made the module benchmark (b) wait for room). */
#define OUTBOX_MAX_MAILS 4096
#define OUTBOX_MAX_BYTES (8u << 20)

struct outbox;

/* Called on the outbox's thread (or in outbox_stop), with no lock held,
 * after each batch:
 * n mails went into the spool's queue; err is NULL, or says why some did
 * not (`failed` of them can never be sent and went to failed/ with a reason,
 * err's for the first; the rest stay listed). */
typedef void (*outbox_spooled_fn)(void *arg, size_t n, size_t failed, const struct smtp_err *err);

struct outbox_params {
	const char *spool_dir;
	size_t max_mails; /* 0: OUTBOX_MAX_MAILS */
	size_t max_bytes; /* 0: OUTBOX_MAX_BYTES */
	outbox_spooled_fn spooled;
	void *arg;
	int nice; /* added to the thread's nice value (Linux: per thread); 0: none */
};

/* Open the spool and start the thread. */
enum smtp_status outbox_start(struct outbox **out, const struct outbox_params *p,
			      struct smtp_err *err);

/* Copy m (from, to, subject, body, date; message_id is ignored) into the
 * list.  SMTP_ETEMP when the list stayed full for OUTBOX_WAIT_SEC or the
 * outbox is stopping, SMTP_ENOMEM.  (A mail the spool puts into failed/
 * is reported later, through the spooled function.) */
enum smtp_status outbox_put(struct outbox *ob, const struct smtp_message *m, struct smtp_err *err);

/* Mails put and not yet in the spool (listed or being written). */
size_t outbox_pending(struct outbox *ob);

/* Spool what is listed (on the caller's thread), stop the thread and free
 * everything.  Returns the number of mails that could not be spooled (err
 * says why); they are gone from memory.  NULL is safe (returns 0). */
size_t outbox_stop(struct outbox *ob, struct smtp_err *err);

#endif
