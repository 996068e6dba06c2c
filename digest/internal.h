/*
 * digest/internal.h: what the files of digest/ share and nobody else sees.
 */
#ifndef LOGMAIL_DIGEST_INTERNAL_H
#define LOGMAIL_DIGEST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "digest/digest.h"
#include "digest/miner.h"

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

/* ---- folding (fold.c) ---------------------------------------------------- */

enum digest_var { DIGEST_VAR_NUM, DIGEST_VAR_IP, DIGEST_VAR_HEX, DIGEST_VAR_MAC, DIGEST_VAR_STR };

/* A line's first DIGEST_FOLD_VARS variable parts are variable (a bit
 * each in a uint32_t); later ones count as constant text. */
#define DIGEST_FOLD_VARS 32

/* One variable part: its octets (off from the start of the line's rest,
 * len) and kind (enum digest_var). */
struct digest_var_span {
	uint16_t off, len;
	uint8_t kind;
};

/* Where the parts of a rendered line start, in octets from its start:
 *   "2026-11-23 11:35:02 +0200 err web1 sshd[4242]: Failed password for root"
 *    ^0                        ^rest ^host ^program ^text
 *                                              ^program_end
 * (program: where the tag as logged starts, program_end: the end of the
 * program's name in it; the tag ends with the blank before text). */
struct digest_line_parts {
	uint16_t rest, host, program, program_end, text;
};

/* The variable parts of a line's rest and the hash of the rest without
 * them (64 bits: a not-shown pattern is known by it, digest/summary.c). */
struct digest_fold {
	uint64_t hash;
	unsigned n;
	struct digest_var_span v[DIGEST_FOLD_VARS];
};

/* Find the variable parts of rest (len octets, the line from the
 * severity on), looking only from text (the offset of the tag in rest). */
void digest_fold_scan(const char *rest, size_t len, size_t text, struct digest_fold *f);
/* A line's rest and its variable parts (digest_fold_same's input). */
struct digest_fold_view {
	const char *s;
	size_t len;
	const struct digest_var_span *v;
	unsigned n;
};

/* The same pattern in the summary?  Equal octets but for the variable
 * parts, which are of the same kinds (patterns are known by their hash:
 * this says what equal hashes mean). */
bool digest_fold_same(const struct digest_fold_view *a, const struct digest_fold_view *b);
/* Bit k set: variable part k of a and of b differ (a and b the same). */
uint32_t digest_fold_differ(const struct digest_fold_view *a, const struct digest_fold_view *b);
/* "<n>", "<ip>", "<hex>", "<mac>", "<str>". */
const char *digest_var_placeholder(unsigned kind);

/* ---- what was not shown (summary.c) ------------------------------------- */

#define DIGEST_TOP       24  /* counters of the heavy-hitters sketch */
#define DIGEST_TOP_SHOWN 10  /* patterns a mail lists */
#define DIGEST_PATTERN   128 /* octets of a pattern's rest kept */
#define DIGEST_NAMES     8   /* hosts, programs counted by name; the rest: "other" */
#define DIGEST_NAME      64  /* octets of a name kept, NUL included */

/* One counter of the sketch: a pattern (the rest of a line with every
 * variable part as its placeholder, cut at DIGEST_PATTERN octets; at:
 * where its program and text are, offsets that may lie past len) and its
 * count, at most `error` more than the truth (Space-Saving). */
struct digest_top {
	uint64_t hash;
	uint32_t count, error;
	uint16_t len;
	uint8_t cut;     /* the pattern was longer */
	int8_t severity; /* its messages' (the pattern names it): -1 unknown */
	struct digest_line_parts at;
	char text[DIGEST_PATTERN];
};

/* Exact counts of the first DIGEST_NAMES names, the rest in other. */
struct digest_tally {
	struct {
		uint32_t count;
		char name[DIGEST_NAME];
	} v[DIGEST_NAMES];
	unsigned n;
	uint32_t other;
};

/* The messages a digest counted but did not show: how many, exact counts
 * by severity (0-7, 8: unknown), host and program, and the commonest
 * patterns among them.  total == sum(severity) == sum(hosts) ==
 * sum(programs); fixed size whatever was counted. */
struct digest_summary {
	uint32_t total;
	uint32_t severity[9];
	struct digest_tally hosts, programs;
	struct digest_top top[DIGEST_TOP];
	unsigned n_top;
};

/* Count `count` messages of the line (rest: its rest, rest_len octets; at:
 * offsets from the rest; f: its variable parts) at severity (-1 unknown). */
void digest_summary_add(struct digest_summary *s, const char *rest, size_t rest_len,
			const struct digest_line_parts *at, const struct digest_fold *f,
			uint32_t count, int severity);
/* Add src's counts to dst. */
void digest_summary_merge(struct digest_summary *dst, const struct digest_summary *src);
/* Do the counts add up?  (total == each tally's sum) */
bool digest_summary_consistent(const struct digest_summary *s);
/* Severity for comparing: unknown (-1) after debug. */
#define DIGEST_SEV_RANK(s) ((s) < 0 ? 8 : (s))
/* The index of the commonest pattern (among those certainly as common, the
 * most severe, then the first), DIGEST_TOP when none; *least is how many
 * messages it certainly stands for (count - error). */
unsigned digest_summary_commonest(const struct digest_summary *s, uint32_t *least);

/* ---- kinds (kinds.c) ---------------------------------------------------- */

struct digest_batch;
struct digest_entry;
struct digest_line;
struct digest_recipient;

/* The words of a line's tag and text: split at blanks, the first
 * DIGEST_WORDS - 1 of them, the last one the rest of the line; offsets in
 * the line. */
#define DIGEST_WORDS 64

struct digest_words {
	uint16_t off[DIGEST_WORDS], end[DIGEST_WORDS];
};

/* Split line[from .. len) into w; how many words (at least 1: an empty
 * text is one empty word). */
unsigned digest_words(const char *line, size_t from, size_t len, struct digest_words *w);

/* A word (n octets; tag: the tag as logged) as positions count it: its
 * core is s[*pre .. n - *suf) (the pid of a tag, else miner_word's), and
 * its placeholder is returned. */
const char *digest_word_cut(const char *s, size_t n, bool tag, size_t *pre, size_t *suf);

#define DIGEST_KIND_POS  8  /* varied words of a line whose values are counted */
#define DIGEST_KIND_TOP  4  /* Space-Saving counters per position */
#define DIGEST_VALUE_MAX 52 /* octets of a value kept */

/* A value of a position and how many messages had it, at most error more
 * than the truth (Space-Saving, as in summary.c). */
struct digest_value {
	uint32_t count, error;
	uint8_t len;
	char s[DIGEST_VALUE_MAX];
};

/* A varied word of a line and its values in this digest.  A value is the
 * word's core (miner_word) when the word has the same text around its core
 * as the line's first message's word (pre and suf octets of it), else the
 * whole word.  lost: values of some messages are not known (a merge with
 * a line that did not count them): shown as a placeholder. */
struct digest_pos {
	uint32_t next; /* the line's next position: index + 1, 0: none */
	uint8_t word, pre, suf, n, lost;
	struct digest_value v[DIGEST_KIND_TOP];
};

/* The hash a line is found by: its kind, section, number of words, and
 * its severity, host and program (the octets of line[at.rest ..
 * at.program_end)). */
uint32_t digest_kind_hash(const char *line, const struct digest_line_parts *at, uint32_t kind,
			  int section, unsigned n_words);
/* Give l its kind in r's miner (making the miner at r's first message),
 * and resolve pending's kinds again when the miner merged some; under
 * r->lock.  l->kind 0 when there is no miner (out of memory). */
void digest_kind_line(struct digest_recipient *r, struct digest_line *l);
/* Count a message of line l (which has the same kind, key and number of
 * words as entry i) into entry i. */
void digest_kind_fold(struct digest_batch *b, unsigned i, const struct digest_line *l);
/* Count entry si of src into entry i of b (the same key). */
void digest_kind_fold_entry(struct digest_batch *b, unsigned i, const struct digest_batch *src,
			    unsigned si);
/* Copy the positions of src's entry si to b (the entry b->n - 1 now). */
bool digest_kind_copy_pos(struct digest_batch *b, const struct digest_batch *src, unsigned si);
/* Append a copy of p to the positions of b's last line (restoring). */
bool digest_kind_pos_append(struct digest_batch *b, const struct digest_pos *p);
/* The kinds each recipient's miner may hold in a set of n recipients
 * (digest.h, "Kinds"). */
size_t digest_kinds_share(size_t n);
/* Resolve the kinds of b's lines in miner m and fold lines whose kinds
 * merged into the first of them. */
void digest_batch_rekind(struct digest_batch *b, const struct miner *m);
/* Position of entry e for word k, or NULL. */
const struct digest_pos *digest_kind_pos(const struct digest_batch *b,
					 const struct digest_entry *e, unsigned k);
/* A new position for word k of entry i (its values so far: the first
 * message's word, count times); NULL when out of memory or DIGEST_KIND_POS
 * are tracked already. */
struct digest_pos *digest_kind_pos_new(struct digest_batch *b, unsigned i, unsigned k);
/* Count value (n octets) c times in position p, known within err. */
void digest_pos_count(struct digest_pos *p, const char *v, size_t n, uint32_t c, uint32_t err);

/* ---- the timeline (timeline.c) ------------------------------------------ */

#define DIGEST_MARKS          60 /* buckets of a timeline */
#define DIGEST_MARK_SEC       60 /* a bucket's first width */
#define DIGEST_STORM_MESSAGES 100 /* a storm: this many messages or more... */
#define DIGEST_STORM_MARKS    3   /* ...over this many marks or more */

/* A digest's messages per interval of their log times: count[i] were
 * logged in [start + i * width, start + (i + 1) * width); total, all. */
struct digest_timeline {
	time_t start;
	uint32_t width, total;
	uint32_t count[DIGEST_MARKS];
};

/* Count `count` messages logged at ts (merging buckets pairwise as needed). */
void digest_timeline_add(struct digest_timeline *t, time_t ts, uint32_t count);
/* Count src's messages into dst. */
void digest_timeline_merge(struct digest_timeline *dst, const struct digest_timeline *src);
/* Does a mail of `messages` messages with this timeline cover a storm? */
bool digest_timeline_storm(const struct digest_timeline *t, unsigned messages);
/* "Timeline (1 min per mark, peak 412/min at 13:27): ▁▂▅█▇▃" into out
 * (size octets, at least 64), times in the zone; its length (0: none). */
size_t digest_timeline_line(const struct digest_timeline *t, enum conf_time time_type,
			    int offset_min, char *out, size_t size);

/* ---- digests ------------------------------------------------------------- */

/* One line of a digest: the first message of a kind as rendered (in the
 * batch's buf, up to end) and how many messages it stands for.  Its
 * words are those of its tag and text (digest_words); bit k of varied: word
 * k was not the same in all of its messages; the values of such a word are
 * counted in a position (kinds.c), the first DIGEST_KIND_POS of them. */
struct digest_entry {
	size_t end;      /* offset just past its '\n' in buf */
	uint32_t hash;   /* digest_kind_hash of its key (when it folds) */
	uint32_t count;  /* messages it stands for, >= 1 */
	uint32_t kind;   /* its kind in the recipient's miner (0: none) */
	uint32_t pos;    /* its first position: index + 1 in st.pos, 0: none */
	uint64_t varied; /* bit k: word k varied */
	uint8_t n_words;
	uint8_t folds;    /* later messages of its kind may fold into it */
	uint8_t new_kind; /* its first message made a kind never seen before */
	int8_t severity;
	uint8_t section; /* enum digest_section */
	struct digest_line_parts at;
	time_t min_ts, max_ts; /* of its messages */
};

/* The storage of a batch: kept between digests so that a busy recipient
 * does not free and regrow its buffers for every mail. */
struct digest_store {
	char *buf;
	size_t cap;
	struct digest_entry *entry;
	size_t entry_cap;
	struct digest_pos *pos;
	size_t pos_cap;
	uint64_t *table; /* folding: (hash << 32) | (entry index + 1), 0 empty (open
			  * addressing): a probe compares hashes without the entries */
	unsigned table_cap;
};

/* The messages of one digest: its lines, what it counted without showing,
 * and what the subject and the closing lines need.  The counts n_errors,
 * highest and hosts cover the shown and the not-shown messages alike. */
struct digest_batch {
	struct digest_store st;
	size_t len;      /* octets of lines in st.buf */
	unsigned n;      /* lines (entries) */
	unsigned n_pos;  /* st.pos used */
	unsigned shown;  /* messages in the lines: sum of their counts */
	unsigned not_shown;
	bool not_shown_rate;            /* some were not shown because of the rate limit
					 * (else because the digest was full, or emitting
					 * failed) */
	bool not_shown_full;            /* some were not shown because the digest was at
					 * its caps (max_messages, max_bytes, the set's
					 * memory budget) while it waited to go out */
	struct digest_summary *summary; /* of the not-shown ones; NULL while none */
	bool summary_lost;              /* it could not be allocated: none is shown */
	unsigned n_errors;
	int highest;
	time_t first_ts, last_ts; /* of the shown messages */
	time_t opened;            /* now of the first message */
	bool due;                 /* closed by an urgent message or a breakthrough
				   * (a cap, in a state saved before issue 28) */
	enum digest_reason reason;
	char program[64];          /* of the first message, for %P */
	char preview[256];         /* of the first message, for %M */
	struct digest_hosts hosts; /* of all its messages, for %N */
	struct digest_timeline timeline; /* of all its messages */
	bool continues; /* taken, not flushed, while a storm's pace was in force:
			 * a mail came before it in the storm (render.c says what
			 * is new since) */
};

/* The memory of a set's digests (digest.h, "Memory"): octets allocated
 * for the recipients' pending digests, and for storage kept as spares;
 * past `budget` (DIGEST_HELD_MAX, or more for a recipient whose own caps
 * need more) a digest that takes a line closes when it uses its share of
 * the budget or more (budget / recipients: the others may still grow to
 * theirs).  held and spare change under a recipient's lock and are read by
 * any: atomics. */
struct digest_memory {
	_Atomic size_t held, spare;
	size_t budget, share;
};

#define DIGEST_HELD_MAX  (2u << 20)
#define DIGEST_SPARE_MAX (512u << 10) /* storage kept for reuse, in all */

/* ---- pacing (pace.c) ----------------------------------------------------- */

/* A recipient's pace in a storm (digest.h, "Pacing").  Idle (gap 0) until
 * a mail goes out; then each paced mail waits gap after the one before
 * (last), gap growing DIGEST_PACE_FACTOR times a mail up to max_interval,
 * and one breakthrough per interval may go before that.  Nothing new for
 * as long as the next interval would last makes it idle again. */
#define DIGEST_PACE_FACTOR 4

struct digest_pace {
	time_t last;       /* the last paced mail (the storm's first mail, then each
			    * one that waited its interval) */
	time_t quiet_from; /* the last message the recipient was given */
	unsigned gap;      /* the interval in force: no paced mail before last + gap;
			    * 0: idle, no storm */
	bool broke;        /* a breakthrough went out in this interval */
};

/* Is pacing on for these settings?  (window 0 sends each message at once;
 * max_interval 0 turns pacing off.) */
bool digest_pace_on(unsigned window_sec, unsigned max_interval);
/* A message arrives at now: the pace goes idle when nothing came for as
 * long as its next interval would last. */
void digest_pace_arrive(struct digest_pace *p, time_t now, unsigned max_interval);
/* When a digest opened at opened may go out by its window and the pace. */
time_t digest_pace_due(const struct digest_pace *p, time_t opened, unsigned window_sec);
/* Is that time set by the pace (later than the window alone)? */
bool digest_pace_waits(const struct digest_pace *p, time_t opened, unsigned window_sec);
/* Does the pace hold mails back at now (a storm, within an interval)? */
bool digest_pace_holds(const struct digest_pace *p, time_t now);
/* Does a line (severity, section, made a new kind) break through a pace
 * that holds: urgent (severity <= urgent_level), a new kind of Security
 * Alert, or a new kind at error or worse? */
bool digest_pace_breaks_through(int severity, int section, bool new_kind, int urgent_level);
/* A mail went out at now: the first of a storm starts the pace, one before
 * the interval passed is its breakthrough, any other starts the next,
 * longer, interval. */
void digest_pace_sent(struct digest_pace *p, time_t now, unsigned window_sec,
		      unsigned max_interval);
/* After a reload to these settings: off, or the interval within the new
 * max_interval. */
void digest_pace_settings(struct digest_pace *p, unsigned window_sec, unsigned max_interval);

/* One recipient.  Settings are copied at digest_set_new and never change;
 * the rest is guarded by lock. */
struct digest_recipient {
	char *address;
	char *subject; /* NULL: the defaults */
	enum conf_time time_type;
	int offset_min;
	unsigned window_sec, max_messages, max_bytes, rate_per_hour;
	unsigned max_interval; /* 0: no pacing */
	int urgent_level;
	bool fold;
	size_t max_kinds;          /* of its miner (digest.h, "Kinds") */
	struct digest_memory *mem; /* the set's */
	size_t charged;            /* pending's storage, as counted in mem->held */

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
	struct digest_pace pace;
	bool locks_made;   /* lock and idle are initialised */
	struct miner *miner; /* its kinds: made at its first message, NULL before */
	uint64_t merges;     /* miner_merges when pending's kinds were last resolved */
	struct digest_counters count;
};

/* Count r's pending storage, as it is now, in the set's memory (under
 * r->lock). */
void digest_recharge(struct digest_recipient *r);
/* Would a line of len octets fit in r's pending digest (its caps and the
 * set's budget)?  Under r->lock. */
bool digest_fits(const struct digest_recipient *r, size_t len);

/* importance.c */
/* Compare the importance of two lines (section, severity, new kind,
 * count): < 0 when a is less important than b, 0 when as important. */
int digest_importance_cmp(int section_a, int severity_a, bool new_a, uint32_t count_a,
			  int section_b, int severity_b, bool new_b, uint32_t count_b);
/* l (of message m) does not fit in r's pending digest: move its least
 * important lines to the summary while l outranks them and does not fit,
 * and store l when it then fits (or is a Security Alert or Event within
 * their own cap).  true when l was stored.  Under r->lock. */
bool digest_importance_admit(struct digest_recipient *r, const struct digest_msg *m,
			     const struct digest_line *l);

struct digest_set {
	char *hostname, *serial;
	struct digest_recipient *r;
	size_t n;
	struct digest_memory mem;
};

/* A message rendered for a recipient's zone, where its parts are and,
 * once scanned, its variable parts (for the summary of what was not
 * shown), once split, its words (of the tag and text), and its kind in the
 * recipient's miner (set per recipient by digest_kind_line). */
struct digest_line {
	size_t len;
	uint64_t host; /* digest_host_hash of its message's host (0: none) */
	struct digest_line_parts at;
	bool scanned, split;
	struct digest_fold fold;
	uint32_t kind;
	bool new_kind; /* the line made a kind its recipient's miner never saw
			* (importance.c; it may break through the pace, pace.c) */
	uint8_t n_words;
	struct digest_words w;
	char text[DIGEST_LINE_MAX + 1];
};

/* A section as a line keeps it: out of range is none. */
static inline uint8_t digest_section_of(int section)
{
	return (uint8_t)(section > 0 && section < DIGEST_SECTIONS ? section : DIGEST_SECTION_NONE);
}

/* batch.c */
void digest_batch_init(struct digest_batch *b);
void digest_batch_free(struct digest_batch *b);
bool digest_batch_empty(const struct digest_batch *b);
/* Empty b; its storage goes to spare when spare has none and mem's spares
 * stay within DIGEST_SPARE_MAX, else is freed. */
void digest_batch_recycle(struct digest_batch *b, struct digest_store *spare,
			  struct digest_memory *mem);
/* Give b (just initialised, no storage) the spare's storage; spare is left
 * empty. */
void digest_batch_adopt(struct digest_batch *b, struct digest_store *spare,
			struct digest_memory *mem);
void digest_store_free(struct digest_store *st);
/* Octets allocated for b (its storage and summary). */
size_t digest_batch_storage(const struct digest_batch *b);
/* Room for extra more octets after the lines; false on ENOMEM. */
bool digest_batch_reserve(struct digest_batch *b, size_t extra);
/* Where line i starts in the batch's buf. */
size_t digest_entry_start(const struct digest_batch *b, unsigned i);
/* Find l's variable parts (once). */
void digest_line_scan(struct digest_line *l);
/* Split l's tag and text into words (once). */
void digest_line_split(struct digest_line *l);
/* The line of b in section that l (split, with its kind) folds into, or
 * -1; m resolves the lines' kinds (NULL: taken as they are). */
long digest_batch_find(const struct digest_batch *b, const struct digest_line *l, int section,
		       const struct miner *m);
/* One more message (logged at ts) of l into line i. */
void digest_batch_fold(struct digest_batch *b, unsigned i, const struct digest_line *l, time_t ts);
/* Append l as a line of its own (fold: later messages of its kind may fold
 * into it); false on ENOMEM. */
bool digest_batch_push(struct digest_batch *b, const struct digest_line *l, bool fold, int severity,
		       int section, time_t ts);
/* The same for line i of src, with its count and values (merging two
 * batches). */
long digest_batch_find_entry(const struct digest_batch *b, const struct digest_batch *src,
			     unsigned i, const struct miner *m);
void digest_batch_fold_entry(struct digest_batch *b, unsigned i, const struct digest_batch *src,
			     unsigned si);
bool digest_batch_push_entry(struct digest_batch *b, const struct digest_batch *src, unsigned i);
/* Index b's lines again by their hashes (after they changed). */
void digest_batch_reindex(struct digest_batch *b);
/* Remove line i (its positions stay unused in st.pos until b is emptied). */
void digest_batch_remove(struct digest_batch *b, unsigned i);
/* A line as digest_save wrote it (state.c): offsets in its rest. */
struct digest_restored {
	uint32_t count, kind;
	uint64_t varied;
	bool folds, new_kind;
	int severity;
	int section; /* enum digest_section */
	time_t min_ts, max_ts;
	size_t host, program, program_end, text;
};
/* Append a saved line, its time rendered again in r's zone: false when it
 * does not fit in a line or on ENOMEM. */
bool digest_batch_restore_line(struct digest_batch *b, const struct digest_recipient *r,
			       const char *rest, size_t len, const struct digest_restored *e);
/* Note m (host: digest_host_hash of its host) in the batch's counts and
 * first-message fields (shown: in a line, else counted as not shown). */
void digest_batch_note(struct digest_batch *b, const struct digest_msg *m, uint64_t host,
		       bool shown);
/* Count `count` messages of the line (len octets, parts at, variable parts
 * f) in the batch's summary of what it did not show; false when there is
 * no summary (out of memory: then none is shown for this batch). */
bool digest_batch_summarize(struct digest_batch *b, const char *line, size_t len,
			    const struct digest_line_parts *at, const struct digest_fold *f,
			    uint32_t count, int severity);
/* The hash %N counts a host by (its name without regard to case); 0 for
 * none (NULL or ""). */
uint64_t digest_host_hash(const char *host);
/* Count host (hash h, digest_host_hash's) among hs's hosts. */
void digest_hosts_add(struct digest_hosts *hs, const char *host, uint64_t h);
void digest_hosts_insert(struct digest_hosts *hs, uint64_t h);
/* Count src's hosts into dst (dst's first host stays first). */
void digest_hosts_merge(struct digest_hosts *dst, const struct digest_hosts *src);
void digest_hosts_free(struct digest_hosts *hs);
/* What %N says: fallback without hosts, the host when there is one,
 * "N hosts" ("N+ hosts" when the count is a lower bound) for several. */
const char *digest_hosts_name(const struct digest_hosts *hs, const char *fallback, char *buf,
			      size_t size);

/* render.c */
/* "2026-11-23 11:35:02 +0200" of ts in the zone into out (64 octets). */
size_t digest_time_prefix(time_t ts, enum conf_time time_type, int offset_min, char *out);
/* Render m as a line of the zone (time_type, offset_min) into l (not
 * scanned), with tc's time prefixes (tc may be NULL). */
void digest_render_line(struct digest_time_cache *tc, const struct digest_msg *m,
			enum conf_time time_type, int offset_min, struct digest_line *l);
/* Copy at most max_chars characters of s (n octets) into out for a
 * subject: control characters become spaces, invalid UTF-8 "?", runs of
 * blanks one space, leading blanks dropped; "..." when cut. */
void digest_subject_text(char *out, size_t size, const char *s, size_t n, size_t max_chars);
/* Expand the subject into subject (subject_size octets) and build the body
 * in b's own storage, after its lines: *body points into b and is valid
 * until b next changes; b's lines and counts stay as they were (a failed
 * emit puts them back).  false on ENOMEM (the subject is still set). */
bool digest_render_mail(const struct digest_set *s, const struct digest_recipient *r,
			struct digest_batch *b, time_t now, char *subject, size_t subject_size,
			const char **body, size_t *body_len);

#endif
