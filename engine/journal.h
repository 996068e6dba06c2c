/*
 * engine/journal.h: the write-ahead journal of messages held in digests.
 *
 * Digests live in memory until they close; a crash (kill -9, power loss)
 * would lose what they hold.  So before engine_accept (engine/engine.h)
 * says a batch is taken, it appends the batch's accepted messages to a
 * journal (journal_commit fsyncs it as well; journal_write leaves that to
 * a later journal_sync); on the next start a leftover journal is replayed
 * into the digests.  A message record says nothing about which mail will
 * carry the message: it is obsolete once the message is in the spool,
 * which the caller decides from the digests (journal_clear when they are
 * all empty).  To keep the journal from growing with every message while
 * digests hold on (a rate limit, a long window), journal_rewrite replaces
 * it with one state record per digest: what the digest holds (its lines,
 * with how many messages each stands for) and what it only counts (the
 * summary of what it did not show), as digest_save wrote it, whose size
 * does not grow with the messages folded or counted; a replay restores
 * them (digest_restore), then adds the message records written after them.
 * Replaying may therefore mail a message twice after a crash, never zero
 * times.
 *
 * On disk: <spool>/pending/journal (folder 0700, file 0600), one record
 * per line, TAB-separated fields.  journal_add and journal_add_many write
 * version 2, one record per accepted message naming every recipient:
 *
 *   2 TAB n TAB to1 TAB ... TAB ton TAB ts TAB severity TAB facility TAB
 *     host TAB program TAB text LF
 *
 * n (decimal, >= 1) is the number of recipient fields that follow.  A
 * message with a logcheck section (digest_msg.section, the same for its n
 * recipients: the engine stages one record per section) is written as
 * version 4, version 2 with the section (1 to 3) after the version:
 *
 *   4 TAB section TAB n TAB to1 TAB ... TAB ton TAB ts TAB ... LF
 *
 * (so a journal without logcheck filters reads as it always did, and a
 * release that reads versions 1 to 3 skips only the sectioned records).
 * A message with a tag as logged (digest_msg.tag: "postfix/smtpd[77]:")
 * is written as version 5, version 4 with the section 0 to 3 and the tag
 * after the program:
 *
 *   5 TAB section TAB n TAB to1 TAB ... TAB ts TAB severity TAB facility TAB
 *     host TAB program TAB tag TAB text LF
 *
 * (a release that reads versions 1 to 4 skips it as malformed: going back
 * to one loses the messages of such records held at a crash).
 * journal_rewrite writes version 3, one record per digest:
 *
 *   3 TAB to TAB state LF
 *
 * where the state (digest_save) holds the recipient's event kinds too
 * (its miner), so that the messages replayed after it get the kinds, ids
 * and counts they got before the crash.
 *
 * Earlier releases wrote version 1, one record per (recipient, message),
 * which is still read:
 *
 *   1 TAB to TAB ts TAB severity TAB facility TAB host TAB program TAB text LF
 *
 * Other versions are skipped as malformed (so a release that reads only
 * versions 1 and 2 skips a state record, and mails what followed it).  In
 * the recipients, host, program, text and state a backslash is "\\", TAB
 * "\t", LF "\n", CR "\r", so a record is exactly one line.  A crash while
 * appending leaves at most one incomplete last line: journal_open cuts it
 * off.  journal_rewrite replaces the journal with util_replace
 * (util/replace.h: a temporary file beside it, fsync, rename), so the
 * journal is always either the old or the new one.  The journal is never
 * opened, written or cut through a symbolic link, and journal_open refuses
 * a spool or pending/ that another user could change (util/trust.h).
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
#include "smtp/smtp.h"

/* <spool>/pending/journal: smtp/smtp.h's layout */
#define JOURNAL_DIR  SPOOL_NAME_PENDING
#define JOURNAL_NAME SPOOL_NAME_JOURNAL

enum journal_status {
	JOURNAL_OK = 0,
	JOURNAL_EIO, /* file system error: err says which */
	JOURNAL_ENOMEM,
	JOURNAL_EAGAIN, /* journal_rewrite: the caller's function gave up; nothing changed */
};

struct journal_err {
	char msg[512];
};

struct journal;

/* Open (creating them) <spool_dir>/pending/ and its journal, cutting an
 * incomplete last record.  A spool or pending/ that another user could
 * change (util/trust.h) is refused (JOURNAL_EIO, err names the owner, mode
 * and fix); the journal is never opened through a symbolic link: a link
 * there is removed and a new journal started (journal_note says so). */
enum journal_status journal_open(struct journal **out, const char *spool_dir,
				 struct journal_err *err);
/* What journal_open repaired and the log should say ("" when nothing):
 * a symbolic link at pending/journal, removed and not followed. */
const char *journal_note(const struct journal *j);

/* Staged records are dropped.  NULL is safe. */
void journal_close(struct journal *j);

/* Stage one record in memory (nothing is written yet): m (its section
 * too) for the n recipients to[0..n-1], each a non-empty address (the
 * strings are copied).
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

/* Called for each state record, in its place among the messages: the
 * state of to's digest (len octets, borrowed for the call).  Non-zero
 * stops. */
typedef int (*journal_state_fn)(void *arg, const char *to, const char *state, size_t len);

/* Read the journal.  *bad (when not NULL) counts malformed records, which
 * are skipped whole (no function is called for any of their recipients). */
enum journal_status journal_replay(struct journal *j, journal_fn fn, journal_state_fn state_fn,
				   void *arg, size_t *bad, struct journal_err *err);

/* The records of a rewrite, asked for i = 0, 1, ...: set *to (a non-empty
 * address) and its digest's state (*state, *len; *len 0: no record for this
 * i) and return 1; return 0 when there are no more, -1 to give up (the
 * journal is then left as it was). */
typedef int (*journal_snapshot_fn)(void *arg, size_t i, const char **to, const char **state,
				   size_t *len);

/* Replace the journal by the state records fn gives: only when they hold
 * everything its records did (the caller's promise: no message journaled
 * is anywhere else but in those digests or the spool).  Nothing staged
 * is touched.  JOURNAL_OK, JOURNAL_EAGAIN (fn gave up), JOURNAL_EIO,
 * JOURNAL_ENOMEM: the journal as it was. */
enum journal_status journal_rewrite(struct journal *j, journal_snapshot_fn fn, void *arg,
				    struct journal_err *err);

#endif
