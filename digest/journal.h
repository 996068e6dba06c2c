/*
 * digest/journal.h: the write-ahead journal of messages held in digests.
 *
 * Digests live in memory until they close; a crash (kill -9, power loss)
 * would lose what they hold.  So before the rsyslog module tells rsyslog a
 * batch is done, it appends the batch's accepted messages to a journal and
 * fsyncs it; on the next start a leftover journal is replayed into the
 * digests.  A record says nothing about which mail will carry the message:
 * it is obsolete once the message is in the spool, which the caller decides
 * from the digests' counters (journal_clear when nothing is held,
 * journal_compact to keep only the last `held` records per recipient).
 * Replaying may therefore mail a message twice after a crash, never zero
 * times.
 *
 * On disk: <spool>/pending/journal (folder 0700, file 0600), one record per
 * (recipient, message), a text line of TAB-separated fields:
 *
 *   1 TAB to TAB ts TAB severity TAB facility TAB host TAB program TAB text LF
 *
 * "1" is the record version (other versions are skipped).  In to, host,
 * program and text a backslash is "\\", TAB "\t", LF "\n", CR "\r", so a
 * record is exactly one line.  A crash while appending leaves at most one
 * incomplete last line: journal_open cuts it off.  journal_compact rewrites
 * the file through pending/journal.tmp and rename(), so the journal is
 * always either the old or the new one.
 *
 * No locking inside: the caller serialises every call on one journal, and
 * only one process (one omlogmail action) may use a spool's journal.
 */
#ifndef LOGMAIL_DIGEST_JOURNAL_H
#define LOGMAIL_DIGEST_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "digest/digest.h"

#define JOURNAL_DIR  "pending"
#define JOURNAL_NAME "journal"

enum journal_status {
	JOURNAL_OK = 0,
	JOURNAL_EIO, /* file system error: err says which */
	JOURNAL_ENOMEM,
};

struct journal_err {
	char msg[512];
};

struct journal;

/* Open (creating them) <spool_dir>/pending/ and its journal, cutting an
 * incomplete last record. */
enum journal_status journal_open(struct journal **out, const char *spool_dir,
				 struct journal_err *err);
/* Staged records are dropped.  NULL is safe. */
void journal_close(struct journal *j);

/* Stage one record in memory (nothing is written yet). */
enum journal_status journal_add(struct journal *j, const char *to, const struct digest_msg *m);

/* Append the staged records and fdatasync.  On failure the file is cut back
 * to its previous length and the staged records are dropped: the caller
 * must not consider those messages accepted. */
enum journal_status journal_commit(struct journal *j, struct journal_err *err);

/* Drop the staged records. */
void journal_discard(struct journal *j);

/* Empty the journal (every message it named has reached the spool). */
enum journal_status journal_clear(struct journal *j, struct journal_err *err);

/* Octets in the file. */
off_t journal_size(const struct journal *j);

/* Called for each record, oldest first; everything is borrowed for the
 * call (text is NUL-terminated, text_len is set).  Non-zero stops. */
typedef int (*journal_fn)(void *arg, const char *to, const struct digest_msg *m);

/* Read the journal.  *bad (when not NULL) counts malformed records, which
 * are skipped. */
enum journal_status journal_replay(struct journal *j, journal_fn fn, void *arg, size_t *bad,
				   struct journal_err *err);

/* How many of to's newest records are still needed; (size_t)-1 for all. */
typedef size_t (*journal_keep_fn)(void *arg, const char *to);

/* Rewrite the journal keeping, for each recipient, only its last
 * keep(arg, to) records, in their order.  Malformed records are dropped. */
enum journal_status journal_compact(struct journal *j, journal_keep_fn keep, void *arg,
				    struct journal_err *err);

#endif
