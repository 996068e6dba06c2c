/*
 * engine/journal.h: the write-ahead journal of messages held in digests.
 *
 * Digests live in memory until they close; a crash (kill -9, power loss)
 * would lose what they hold.  So before engine_accept (engine/engine.h)
 * says a batch is taken, it appends the batch's accepted messages to a
 * journal
 * (journal_commit fsyncs it as well; journal_write leaves that to a later
 * journal_sync); on the next start a leftover journal is replayed into the
 * digests.  A record says nothing about which mail will carry the message:
 * it is obsolete once the message is in the spool, which the caller decides
 * from the digests' counters (journal_clear when nothing is held,
 * journal_compact to keep only the last `held` records per recipient).
 * Replaying may therefore mail a message twice after a crash, never zero
 * times.
 *
 * On disk: <spool>/pending/journal (folder 0700, file 0600), one record per
 * accepted message, a text line of TAB-separated fields.  journal_add and
 * journal_add_many write version 2, one record naming every recipient:
 *
 *   2 TAB n TAB to1 TAB ... TAB ton TAB ts TAB severity TAB facility TAB
 *     host TAB program TAB text LF
 *
 * n (decimal, >= 1) is the number of recipient fields that follow.  The
 * previous release wrote version 1, one record per (recipient, message),
 * which is still read:
 *
 *   1 TAB to TAB ts TAB severity TAB facility TAB host TAB program TAB text LF
 *
 * Other versions are skipped as malformed (so the previous release, which
 * reads only version 1, would skip a leftover version 2 journal).  In the recipients, host,
 * program and text a backslash is "\\", TAB "\t", LF "\n", CR "\r", so a
 * record is exactly one line.  A crash while appending leaves at most one
 * incomplete last line: journal_open cuts it off.  journal_compact rewrites
 * the file through pending/journal.tmp and rename(), so the journal is
 * always either the old or the new one.
 *
 * No locking inside: the caller serialises every call on one journal, and
 * only one process (one engine: one omlogmail action) may use a spool's
 * journal.
 */
#ifndef LOGMAIL_ENGINE_JOURNAL_H
#define LOGMAIL_ENGINE_JOURNAL_H

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

/* Stage one record in memory (nothing is written yet): m for the n
 * recipients to[0..n-1], each a non-empty address (the strings are copied).
 * n == 0 stages nothing.  JOURNAL_ENOMEM leaves the staged records as they
 * were. */
enum journal_status journal_add_many(struct journal *j, const char *const *to, size_t n,
				     const struct digest_msg *m);

/* journal_add_many for one recipient. */
enum journal_status journal_add(struct journal *j, const char *to, const struct digest_msg *m);

/* Append the staged records and fdatasync.  On failure the file is cut back
 * to its previous length and the staged records are dropped: the caller
 * must not consider those messages accepted. */
enum journal_status journal_commit(struct journal *j, struct journal_err *err);

/* journal_commit without the fdatasync: the records survive a crash of the
 * process (they are in the kernel's page cache), not yet one of the machine
 * until journal_sync.  Same failure contract as journal_commit. */
enum journal_status journal_write(struct journal *j, struct journal_err *err);

/* fdatasync what journal_write appended since the last sync (nothing to do
 * when nothing was). */
enum journal_status journal_sync(struct journal *j, struct journal_err *err);

/* Drop the staged records. */
void journal_discard(struct journal *j);

/* Empty the journal (every message it named has reached the spool). */
enum journal_status journal_clear(struct journal *j, struct journal_err *err);

/* Octets in the file. */
off_t journal_size(const struct journal *j);

/* Called for each (recipient, message), oldest record first, a record's
 * recipients in their order; everything is borrowed for the call (text is
 * NUL-terminated, text_len is set).  Non-zero stops. */
typedef int (*journal_fn)(void *arg, const char *to, const struct digest_msg *m);

/* Read the journal.  *bad (when not NULL) counts malformed records, which
 * are skipped whole (fn is not called for any of their recipients). */
enum journal_status journal_replay(struct journal *j, journal_fn fn, void *arg, size_t *bad,
				   struct journal_err *err);

/* How many of to's newest records are still needed; (size_t)-1 for all. */
typedef size_t (*journal_keep_fn)(void *arg, const char *to);

/* Rewrite the journal keeping the records each recipient still needs: a
 * record stays when it is among the newest keep(arg, to) records naming to,
 * for any of its recipients; kept records stay whole and in their order.
 * So every recipient keeps at least its newest keep() messages; a kept
 * record may also name recipients that no longer need it, which a replay
 * mails again: twice, never zero times, as after any crash.  keep() is
 * called once per distinct recipient.  Malformed records are dropped.  The
 * file is left alone when every record is kept. */
enum journal_status journal_compact(struct journal *j, journal_keep_fn keep, void *arg,
				    struct journal_err *err);

#endif
