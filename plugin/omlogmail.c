/*
 * plugin/omlogmail.c: omlogmail, logmail's rsyslog output module.
 *
 *   module(load="omlogmail")
 *   action(type="omlogmail" config="/etc/logmail/logmail.conf"
 *          spool="/var/spool/logmail"
 *          filters=["log email ops@example.com level errors"])
 *
 * This is the ONLY file of logmail that includes rsyslog's headers; every
 * BEGIN...END body below turns rsyslog's strings into our structs, calls
 * the libraries (config/, filters/, digest/, smtp/) and maps the status back
 * to an RS_RET_* code.  The behaviour lives in the libraries.
 *
 * Data, per action (instanceData):
 *   - a generation (struct om_gen): the parsed configuration, the compiled
 *     filters and the digests built from it.  It is reference counted: the
 *     action holds one reference, every rsyslog worker one, the delivery
 *     thread one while it polls.  A HUP builds a new generation and swaps it
 *     in; the old one is retired (its digests flushed into the spool) when
 *     its last holder lets go, so no message held in memory is lost.
 *   - the outbox (smtp/outbox.h): a closed digest is handed to it and its
 *     thread writes the mail into the spool, so no rsyslog worker waits
 *     for an fsync; when it is full the worker waits for room (bounded);
 *   - the delivery thread: it wakes at the next digest deadline, when the
 *     outbox spooled mails, or periodically, calls digest_poll and
 *     spool_deliver, settles and syncs the journal, and publishes the
 *     filter statistics to <spool>/stats.  It has a spool handle of its
 *     own, so a slow server never holds a lock a worker waits for.
 * Per worker (wrkrInstanceData_t): the filter_worker (PCRE2 match data) and
 * the reference to the generation it was made for.
 *
 * rsyslog's queue never waits on the network nor on fsync: commitTransaction
 * only matches, journals and adds to digests; a digest that closes there
 * goes to the outbox.
 *
 * Crash safety (engine/journal.h): commitTransaction first stages every
 * (recipient, message) the filters accepted in the action's journal
 * (<spool>/pending/journal), appends them in one write, and only then adds
 * the messages to the digests and returns OK; when the journal cannot be
 * written the batch is refused (RS_RET_SUSPENDED) and rsyslog retries it.
 * The write survives a crash of rsyslogd at once; the fdatasync that makes
 * it survive a crash of the machine runs for every batch with sync="on",
 * else at most OM_SYNC_PERIOD later (like omfile's sync parameter).
 * A record is obsolete once its message is in the spool: on each pass of
 * the delivery thread, the journal is emptied when no digest and no outbox
 * holds a message, and compacted (each recipient keeps its last `held`
 * records) when it has grown.  Both are skipped while a HUP's old
 * generation still holds messages, or the outbox mails.  The first time
 * the journal is opened (activateCnf, else the first batch) a leftover
 * journal, the mark of a crash, is replayed into the digests; messages
 * for recipients no longer configured are logged and dropped.  A crash
 * thus mails a message twice at worst, never zero times.  One action per
 * spool: two actions sharing a spool would share a journal.
 *
 * Messages that rsyslogd itself logs about omlogmail (programname
 * "rsyslogd", text starting "omlogmail") are not mailed: a delivery error
 * matched by a `level errors` filter would otherwise queue a mail about
 * every failed delivery, forever.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rsyslog.h"
#include "conf.h"
#include "syslogd-types.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "parserif.h"

#include "config/conf.h"
#include "digest/digest.h"
#include "engine/journal.h"
#include "filters/filter.h"
#include "smtp/outbox.h"
#include "smtp/smtp.h"
#include "util/util.h"

/* clang-format off */
MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("omlogmail")

DEF_OMOD_STATIC_DATA
/* clang-format on */

#define OM_FILTERS_LABEL  "omlogmail filters" /* conf_err file name of filters=[...] */
#define OM_STATS_NAME     "stats"
#define OM_DELIVER_PERIOD 30 /* seconds between delivery runs when idle */
#define OM_STATS_PERIOD   10 /* seconds between stats file updates */
#define OM_BACKOFF_MIN    5
#define OM_BACKOFF_MAX    300
#define OM_JOURNAL_MAX    (256 * 1024) /* compact the journal past this size */
#define OM_SYNC_PERIOD    1            /* seconds a journal write may stay unsynced (sync="off") */
/* The outbox and delivery threads run this much nicer than rsyslog's own:
 * in a burst, the CPU goes to taking messages in first, and the spool and
 * the mail server get it when the burst subsides (the outbox's bound keeps
 * the backlog in memory small). */
#define OM_BACKGROUND_NICE 10

/*
 * The properties arrive as two template strings, registered by the module
 * (names starting with a space cannot be written by users, so they cannot
 * collide): "PRI TIME HOST PROGRAM" and the message text.  Each template
 * costs rsyslog a rendering per message, so the short properties share
 * one; PRI and TIME are digits and PROGRAM (from the tag) has no space, so
 * the line splits unambiguously even if a host name had one.
 */
enum { OM_TPL_HEAD, OM_TPL_MSG, OM_NTPLS };

static const char *const om_tpl_names[OM_NTPLS] = {" OmLogmailHead", " OmLogmailMsg"};
static const char *const om_tpl_lines[OM_NTPLS] = {
    "\"%pri% %timereported:::date-unixtimestamp% %hostname% %programname%\"",
    "\"%msg:::drop-last-lf%\"",
};

/* The head template's fields, split in place. */
struct om_head {
	long pri;
	time_t ts;
	const char *host, *program;
};

static void om_split_head(char *line, struct om_head *h)
{
	char *end, *last = strrchr(line, ' ');

	h->pri = strtol(line, &end, 10);
	h->ts = (time_t)strtoll(*end == ' ' ? end + 1 : end, &end, 10);
	if (*end == ' ')
		end++;
	h->host = end;
	h->program = "";
	if (last != NULL && last >= end) {
		*last = '\0';
		h->program = last + 1;
	}
}

static struct cnfparamdescr om_params[] = {
    {"config", eCmdHdlrString, 0},
    {"spool", eCmdHdlrString, 0},
    {"filters", eCmdHdlrArray, 0},
    {"sync", eCmdHdlrBinary, 0},
};
static struct cnfparamblk om_param_block = {
    CNFPARAMBLK_VERSION,
    sizeof(om_params) / sizeof(om_params[0]),
    om_params,
};

/* The actions of one configuration, so activateCnf can start their
 * delivery threads (a restart delivers what the spool holds without waiting
 * for a new message).  The instances are not owned. */
struct modConfData_s {
	rsconf_t *conf;
	struct om_inst **insts;
	size_t n_insts;
};
static modConfData_t *om_load_cnf; /* the configuration being loaded */

struct om_inst;

/* One loaded configuration and everything built from it.  Immutable after
 * om_gen_load except the counters and digests inside, which are thread-safe. */
struct om_gen {
	struct om_inst *inst;
	struct conf *conf;
	struct filter_set *filters;
	struct digest_set *digests;
	char from[320]; /* `mail from`, else logmail@<this host> */
	unsigned refs;  /* under inst->lock */
	bool no_server_logged;
};

struct om_inst {
	unsigned refs; /* under lock: the action and each worker */
	char *config_path;
	char *spool_dir;
	char *stats_path;
	char **filter_lines;
	size_t n_filter_lines;

	pthread_mutex_t lock; /* gen, refs, and the thread's flags */
	pthread_cond_t wake;
	bool locks_ready;
	struct om_gen *gen;
	bool thread_started, stop;
	bool spooled;   /* a mail was spooled: deliver (unless backing off) */
	bool force;     /* next delivery run ignores retry times (after a HUP) */
	bool rewake;    /* a digest opened: recompute the wake-up time */
	time_t wake_at; /* when the sleeping thread wakes; 0 while it works */
	pthread_t thread;

	pthread_mutex_t spool_lock; /* the spool handle for tryResume and fallbacks */
	struct spool *spool;
	struct outbox *outbox; /* finished mails on their way into the spool */

	/* The journal.  Lock order: jlock before spool_lock and lock; nobody
	 * takes jlock while holding another of them. */
	pthread_mutex_t jlock;
	struct journal *journal; /* NULL until first opened */
	bool journal_failed;     /* the last open or write failed (logged once) */
	bool sync;               /* sync="on": fdatasync the journal every batch */
	bool unsynced;           /* written since the last journal_sync */
	time_t synced_at;        /* when journal_sync last ran */
	off_t journal_compacted; /* size after the last compaction */
	unsigned gens;           /* under lock: generations alive (HUP: 2 for a while) */
};

/* rsyslog frees instanceData itself after freeInstance, and may free worker
 * data after that (action.c: freeWrkrDataTable), so the state lives in a
 * reference-counted struct om_inst that the last holder frees. */
typedef struct _instanceData {
	struct om_inst *inst;
} instanceData;

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct om_inst *inst;
	struct om_gen *gen;
	struct filter_worker *fw;
	size_t *match;           /* filter_match's output, one per recipient */
	const char **to;         /* scratch: the addresses of one message's recipients */
	struct om_accepted *acc; /* the batch's accepted messages */
	size_t n_acc, cap_acc;
	size_t *rcpt; /* their recipients, acc[i].first onwards */
	size_t n_rcpt, cap_rcpt;
	struct digest_time_cache *tc; /* this worker's rendered time prefixes */
} wrkrInstanceData_t;

/* One accepted message of a batch and its recipients, between the journal
 * and the digests; the strings point into the batch's template strings. */
struct om_accepted {
	struct digest_msg dm;
	size_t first, n; /* w->rcpt[first .. first + n) */
};

/* ---- helpers: no rsyslog macros below this line until the entry points ---- */

static char *om_strdup_es(es_str_t *s)
{
	return es_str2cstr(s, NULL);
}

static void om_log_conf_err(const char *what, const struct conf_err *err)
{
	char buf[1024];

	conf_err_format(err, buf, sizeof(buf));
	LogError(0, RS_RET_CONFIG_ERROR, "omlogmail: %s%s", what, buf);
}

static void om_gen_free(struct om_gen *g)
{
	if (g == NULL)
		return;
	digest_set_free(g->digests);
	filter_set_free(g->filters);
	conf_free(g->conf);
	free(g);
}

/* Carry the statistics over from the stats file (a restart, a HUP). */
static void om_stats_restore(struct om_gen *g, const char *path)
{
	struct filter_stats_table t = {0};
	struct conf_err err;

	if (path != NULL && filter_stats_load(path, &t, &err) == FILTER_OK)
		filter_stats_restore(g->filters, &t);
	filter_stats_table_free(&t);
}

/* Parse the shared file, then the action's filters=[...] lines, compile the
 * filters and make the digests.  0, or -1 with err filled. */
static int om_gen_load(struct om_inst *inst, struct om_gen **out, struct conf_err *err)
{
	struct om_gen *g = calloc(1, sizeof(*g));
	struct smtp_subst subst;
	size_t i;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (g == NULL || (g->conf = conf_new()) == NULL)
		goto nomem;
	g->inst = inst;
	if (conf_load(g->conf, inst->config_path, err) != CONF_OK)
		goto fail;
	for (i = 0; i < inst->n_filter_lines; i++)
		if (conf_exec(g->conf, inst->filter_lines[i], OM_FILTERS_LABEL, (unsigned)i + 1,
			      err) != CONF_OK)
			goto fail;
	if (filter_compile(g->conf, &g->filters, err) != FILTER_OK)
		goto fail;
	om_stats_restore(g, inst->stats_path);
	smtp_subst_default(&subst, g->conf->serial);
	g->digests = digest_set_new(g->conf, subst.hostname, subst.serial);
	if (g->digests == NULL)
		goto nomem;
	if (g->conf->from != NULL)
		snprintf(g->from, sizeof(g->from), "%s", g->conf->from);
	else
		snprintf(g->from, sizeof(g->from), "logmail@%s",
			 subst.hostname != NULL && *subst.hostname ? subst.hostname : "localhost");
	pthread_mutex_lock(&inst->lock);
	inst->gens++;
	pthread_mutex_unlock(&inst->lock);
	*out = g;
	return 0;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
fail:
	om_gen_free(g);
	return -1;
}

static struct om_gen *om_gen_get(struct om_inst *inst)
{
	struct om_gen *g;

	pthread_mutex_lock(&inst->lock);
	g = inst->gen;
	if (g != NULL)
		g->refs++;
	pthread_mutex_unlock(&inst->lock);
	return g;
}

static void om_kick(struct om_inst *inst)
{
	pthread_mutex_lock(&inst->lock);
	inst->spooled = true;
	pthread_cond_signal(&inst->wake);
	pthread_mutex_unlock(&inst->lock);
}

/* After a worker added messages: wake the delivery thread when a digest
 * is now due before the time it sleeps until. */
static void om_rewake(struct om_inst *inst, time_t deadline)
{
	if (deadline == 0)
		return;
	pthread_mutex_lock(&inst->lock);
	if (inst->wake_at == 0 || deadline < inst->wake_at) {
		inst->rewake = true;
		pthread_cond_signal(&inst->wake);
	}
	pthread_mutex_unlock(&inst->lock);
}

/* The submitting spool handle, opened on first use.  Caller holds spool_lock. */
static struct spool *om_spool_locked(struct om_inst *inst, struct smtp_err *err)
{
	if (inst->spool == NULL && spool_open(&inst->spool, inst->spool_dir, err) != SMTP_OK)
		inst->spool = NULL;
	return inst->spool;
}

static struct outbox *om_outbox(struct om_inst *inst)
{
	struct outbox *ob;

	pthread_mutex_lock(&inst->lock);
	ob = inst->outbox;
	pthread_mutex_unlock(&inst->lock);
	return ob;
}

/* Spool m on the calling thread: the outbox is not running (before the
 * first om_ready, or after om_inst_close stopped it). */
static enum smtp_status om_spool_now(struct om_inst *inst, const struct smtp_message *msg,
				     struct smtp_err *err)
{
	char id[SPOOL_ID_MAX];
	enum smtp_status st = SMTP_EIO;
	struct spool *sp;

	pthread_mutex_lock(&inst->spool_lock);
	sp = om_spool_locked(inst, err);
	if (sp != NULL)
		st = spool_submit(sp, msg, id, err);
	pthread_mutex_unlock(&inst->spool_lock);
	if (st == SMTP_OK)
		om_kick(inst);
	return st;
}

/* digest_emit_fn: a finished digest goes to the outbox, whose thread
 * writes it into the spool and wakes the delivery thread (om_spooled). */
static int om_emit(void *arg, const struct digest_mail *m)
{
	struct om_gen *g = arg;
	struct om_inst *inst = g->inst;
	struct smtp_message msg = {
	    .from = g->from,
	    .to = m->to,
	    .subject = m->subject,
	    .body = m->body,
	    .date = m->now,
	};
	struct smtp_err err = {0};
	struct outbox *ob = om_outbox(inst);
	enum smtp_status st;

	st = ob != NULL ? outbox_put(ob, &msg, &err) : om_spool_now(inst, &msg, &err);
	if (st != SMTP_OK) {
		LogError(0, RS_RET_IO_ERROR,
			 "omlogmail: cannot queue the mail to %s in %s: %s (kept, retried in %d s)",
			 m->to, inst->spool_dir, err.msg, DIGEST_RETRY_SEC);
		return -1;
	}
	filter_stats_add_mailed(g->filters, m->recipient, m->n_messages);
	return 0;
}

/* outbox_spooled_fn, on the outbox's thread.  It only wakes the delivery
 * thread, which also settles the journal: taking jlock here could wait for
 * a worker that waits for room in this very outbox. */
static void om_spooled(void *arg, size_t n, size_t dropped, const struct smtp_err *err)
{
	struct om_inst *inst = arg;

	if (err != NULL && dropped > 0)
		LogError(0, RS_RET_DATAFAIL, "omlogmail: %zu mails refused by the spool %s: %s",
			 dropped, inst->spool_dir, err->msg);
	else if (err != NULL)
		LogError(0, RS_RET_IO_ERROR,
			 "omlogmail: cannot queue mails in %s: %s (kept, retried in %d s)",
			 inst->spool_dir, err->msg, OUTBOX_RETRY_SEC);
	if (n > 0)
		om_kick(inst);
}

/* Emit every digest of g into the spool, whatever its window. */
static void om_gen_flush(struct om_gen *g)
{
	struct digest_counters c;
	unsigned long lost = 0;
	size_t i, n;

	if (digest_flush_all(g->digests, time(NULL), om_emit, g) != DIGEST_OK) {
		n = digest_set_count(g->digests);
		for (i = 0; i < n; i++)
			if (digest_counters(g->digests, i, &c) == DIGEST_OK)
				lost += c.held;
		LogError(0, RS_RET_IO_ERROR,
			 "omlogmail: %lu messages held in digests could not be spooled to %s", lost,
			 g->inst->spool_dir);
	}
}

/* The last holder of a generation flushes its digests into the spool. */
static void om_gen_retire(struct om_gen *g)
{
	struct om_inst *inst = g->inst;

	om_gen_flush(g);
	om_gen_free(g);
	pthread_mutex_lock(&inst->lock);
	inst->gens--;
	pthread_mutex_unlock(&inst->lock);
}

static void om_gen_put(struct om_gen *g)
{
	bool last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->inst->lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&g->inst->lock);
	if (last)
		om_gen_retire(g);
}

static void om_stats_save(struct om_gen *g)
{
	struct conf_err err;

	if (g->inst->stats_path != NULL)
		(void)filter_stats_save(g->filters, g->inst->stats_path, &err);
}

/* ---- the journal (crash safety; see the top of this file) ---- */

/* The digest index of address in g, or -1. */
static long om_recipient_index(const struct om_gen *g, const char *address)
{
	const struct conf_recipient *r = conf_recipient_find(g->conf, address);

	return r == NULL ? -1 : (long)(r - g->conf->recipients);
}

static unsigned long om_held(const struct om_gen *g, long idx)
{
	struct digest_counters c;

	if (idx < 0 || digest_counters(g->digests, (size_t)idx, &c) != DIGEST_OK)
		return 0;
	return c.held;
}

/* journal_keep_fn: a recipient's held messages are its newest records. */
static size_t om_journal_keep(void *arg, const char *to)
{
	const struct om_gen *g = arg;
	long idx = om_recipient_index(g, to);

	return idx < 0 ? (size_t)-1 : (size_t)om_held(g, idx);
}

/* The journal has doubled since its last compaction (and is not small).
 * Caller holds jlock. */
static bool om_journal_grown(const struct om_inst *inst)
{
	off_t size = journal_size(inst->journal);

	return size >= OM_JOURNAL_MAX && size >= 2 * inst->journal_compacted;
}

/* Drop what the spool now has: empty the journal when no digest holds a
 * message, compact it when it has doubled since the last compaction.
 * Caller holds jlock. */
static void om_journal_settle(struct om_inst *inst, struct om_gen *g)
{
	struct outbox *ob;
	struct journal_err err;
	unsigned long held = 0;
	unsigned gens;
	size_t i, n;

	if (inst->journal == NULL || journal_size(inst->journal) == 0)
		return;
	pthread_mutex_lock(&inst->lock);
	gens = inst->gens;
	ob = inst->outbox;
	pthread_mutex_unlock(&inst->lock);
	if (gens != 1) /* an old generation's digests are not counted here */
		return;
	n = digest_set_count(g->digests);
	for (i = 0; i < n; i++)
		held += om_held(g, (long)i);
	/* held first, the outbox second: an emitted mail enters the outbox
	 * before its messages leave `held`, so none slips between the two */
	if (ob != NULL && outbox_pending(ob) > 0)
		return;
	if (held == 0) {
		if (journal_clear(inst->journal, &err) != JOURNAL_OK)
			LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", err.msg);
		inst->journal_compacted = 0;
		return;
	}
	if (!om_journal_grown(inst))
		return;
	if (journal_compact(inst->journal, om_journal_keep, g, &err) != JOURNAL_OK)
		LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", err.msg);
	inst->journal_compacted = journal_size(inst->journal);
}

struct om_replay {
	struct om_gen *g;
	time_t now;
	unsigned long replayed, dropped;
};

static int om_replay_one(void *arg, const char *to, const struct digest_msg *m)
{
	struct om_replay *r = arg;
	long idx = om_recipient_index(r->g, to);

	if (idx < 0) {
		r->dropped++;
		return 0;
	}
	(void)digest_add(r->g->digests, (size_t)idx, m, r->now, om_emit, r->g);
	r->replayed++;
	return 0;
}

/* Open the journal the first time, replaying what a crash left in it.
 * false (logged once) when it cannot be opened.  Caller holds jlock. */
static bool om_journal_ready(struct om_inst *inst, struct om_gen *g)
{
	struct om_replay r = {.g = g, .now = time(NULL)};
	struct journal_err err;
	size_t bad = 0;

	if (inst->journal != NULL)
		return true;
	if (journal_open(&inst->journal, inst->spool_dir, &err) != JOURNAL_OK) {
		if (!inst->journal_failed)
			LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", err.msg);
		inst->journal_failed = true;
		return false;
	}
	inst->journal_failed = false;
	if (journal_size(inst->journal) == 0)
		return true;
	if (journal_replay(inst->journal, om_replay_one, &r, &bad, &err) != JOURNAL_OK) {
		LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", err.msg);
		journal_close(inst->journal);
		inst->journal = NULL;
		return false;
	}
	LogMsg(0, NO_ERRCODE, LOG_WARNING,
	       "omlogmail: recovered %lu messages held in digests when rsyslogd last stopped "
	       "abruptly (%s/" JOURNAL_DIR "/" JOURNAL_NAME ")%s",
	       r.replayed, inst->spool_dir, r.dropped + bad > 0 ? "; some were not" : "");
	if (r.dropped + bad > 0)
		LogError(0, RS_RET_DATAFAIL,
			 "omlogmail: %lu journaled messages for recipients no longer configured "
			 "and %zu malformed records were dropped",
			 r.dropped, bad);
	om_journal_settle(inst, g);
	return true;
}

/* activateCnf: recover before anything else runs. */
static void om_journal_start(struct om_inst *inst)
{
	struct om_gen *g = om_gen_get(inst);

	if (g == NULL)
		return;
	pthread_mutex_lock(&inst->jlock);
	(void)om_journal_ready(inst, g);
	pthread_mutex_unlock(&inst->jlock);
	om_rewake(inst, digest_next_deadline(g->digests));
	om_gen_put(g);
}

/* fdatasync the journal when it was written more than OM_SYNC_PERIOD ago
 * (sync="off": at most that much is lost to a crash of the machine, nothing
 * to a crash of rsyslogd).  Caller holds jlock. */
static void om_journal_sync(struct om_inst *inst, time_t now)
{
	struct journal_err err;

	if (!inst->unsynced || now - inst->synced_at < OM_SYNC_PERIOD)
		return;
	if (journal_sync(inst->journal, &err) != JOURNAL_OK)
		LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", err.msg);
	inst->unsynced = false;
	inst->synced_at = now;
}

/* Append the staged records: fdatasync'd at once with sync="on", else
 * within OM_SYNC_PERIOD.  Caller holds jlock. */
static enum journal_status om_journal_write(struct om_inst *inst, time_t now,
					    struct journal_err *err)
{
	enum journal_status st;

	if (inst->sync)
		return journal_commit(inst->journal, err);
	st = journal_write(inst->journal, err);
	if (st == JOURNAL_OK) {
		inst->unsynced = true;
		om_journal_sync(inst, now);
	}
	return st;
}

/* Stage one journal record for an accepted message and its recipients. */
static enum journal_status om_journal_add(wrkrInstanceData_t *w, const struct om_accepted *a)
{
	const struct conf_recipient *r = w->gen->conf->recipients;

	for (size_t k = 0; k < a->n; k++)
		w->to[k] = r[w->rcpt[a->first + k]].address;
	return journal_add_many(w->inst->journal, w->to, a->n, &a->dm);
}

/* Write the batch's accepted messages to the journal, then give them to
 * the digests.  false when the journal failed: nothing was added. */
static bool om_accept_batch(wrkrInstanceData_t *w, time_t now)
{
	struct om_inst *inst = w->inst;
	struct om_gen *g = w->gen;
	struct journal_err err;
	bool ok = true, grown = false;
	size_t i;

	if (w->n_acc == 0)
		return true;
	pthread_mutex_lock(&inst->jlock);
	if (!om_journal_ready(inst, g)) {
		ok = false;
		goto out;
	}
	for (i = 0; i < w->n_acc && ok; i++)
		ok = om_journal_add(w, &w->acc[i]) == JOURNAL_OK;
	if (!ok) {
		journal_discard(inst->journal);
		snprintf(err.msg, sizeof(err.msg), "journal: out of memory");
	} else {
		ok = om_journal_write(inst, now, &err) == JOURNAL_OK;
	}
	if (!ok) {
		if (!inst->journal_failed)
			LogError(0, RS_RET_IO_ERROR, "omlogmail: %s (the batch is retried)",
				 err.msg);
		inst->journal_failed = true;
		goto out;
	}
	inst->journal_failed = false;
	for (i = 0; i < w->n_acc; i++)
		(void)digest_add_many(g->digests, w->tc, &w->rcpt[w->acc[i].first], w->acc[i].n,
				      &w->acc[i].dm, now, om_emit, g);
	/* settling is the delivery thread's work, off rsyslog's queue; in a
	 * storm that sends no mail it must still be woken, or the journal
	 * (and the memory its compaction reads it into) grows unchecked */
	grown = om_journal_grown(inst);
out:
	pthread_mutex_unlock(&inst->jlock);
	if (grown)
		om_rewake(inst, now);
	w->n_acc = w->n_rcpt = 0;
	return ok;
}

/* ---- the delivery thread ---- */

static void om_transcript(void *arg, char dir, const char *line)
{
	(void)arg;
	/* LOG_INFO: rsyslog drops internal debug messages by default, and
	 * `debug mail` is an explicit request to see the dialogue */
	LogMsg(0, NO_ERRCODE, LOG_INFO, "omlogmail: smtp %c: %s", dir, line);
}

static void om_params_from_conf(const struct conf *c, struct smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->host = c->server;
	p->port = conf_effective_port(c);
	p->tls = c->tls == CONF_TLS_STARTTLS ? SMTP_TLS_STARTTLS
		 : c->tls == CONF_TLS_SMTPS  ? SMTP_TLS_SMTPS
					     : SMTP_TLS_NONE;
	p->tls_verify = c->tls_verify;
	p->ca_file = c->tls_ca_file;
	p->auth = c->auth == CONF_AUTH_CRAMMD5 ? SMTP_AUTH_CRAMMD5
		  : c->auth == CONF_AUTH_LOGIN ? SMTP_AUTH_LOGIN
		  : c->auth == CONF_AUTH_PLAIN ? SMTP_AUTH_PLAIN
					       : SMTP_AUTH_NONE;
	p->username = c->username;
	p->auth_cleartext = c->auth_cleartext;
	p->timeout_sec = c->timeout_sec;
}

/* One delivery run.  Returns true when the server could not be reached or
 * deferred mails (back off), false otherwise. */
static bool om_deliver(struct om_gen *g, struct spool **sp, bool force)
{
	struct om_inst *inst = g->inst;
	struct smtp_params p;
	struct smtp_err err = {0};
	struct conf_err cerr;
	struct spool_run run = {0};
	char password[512] = "";
	enum smtp_status st;

	if (g->conf->server == NULL) {
		if (!g->no_server_logged)
			LogMsg(0, NO_ERRCODE, LOG_WARNING,
			       "omlogmail: no `mail smtpserver` in %s: mails stay in %s",
			       inst->config_path, inst->spool_dir);
		g->no_server_logged = true;
		return false;
	}
	if (*sp == NULL && spool_open(sp, inst->spool_dir, &err) != SMTP_OK) {
		*sp = NULL;
		LogError(0, RS_RET_IO_ERROR, "omlogmail: spool %s: %s", inst->spool_dir, err.msg);
		return true;
	}
	om_params_from_conf(g->conf, &p);
	if (g->conf->auth != CONF_AUTH_NONE) {
		if (conf_password(g->conf, password, sizeof(password), &cerr) != CONF_OK) {
			om_log_conf_err("cannot use the SMTP password: ", &cerr);
			return true;
		}
		p.password = password;
	}
	if (spool_debug(*sp))
		p.transcript = om_transcript;
	st = spool_deliver(*sp, &p, force, NULL, &run, &err);
	explicit_bzero(password, sizeof(password));
	if (st != SMTP_OK && st != SMTP_EBUSY)
		LogError(0, RS_RET_SUSPENDED, "omlogmail: delivery to %s: %s", g->conf->server,
			 err.msg);
	else if (run.failed > 0)
		LogError(0, RS_RET_DATAFAIL,
			 "omlogmail: %u mails failed permanently (see `logmail show mail`)",
			 run.failed);
	return (st != SMTP_OK && st != SMTP_EBUSY) || run.deferred > 0;
}

static time_t om_min_deadline(time_t a, time_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static void *om_thread_main(void *arg)
{
	struct om_inst *inst = arg;
	struct spool *sp = NULL;
	time_t next_deliver = 0, next_stats = 0, backoff = 0;
	struct timespec ts;
	bool spooled, force;

	util_thread_nice(OM_BACKGROUND_NICE);
	pthread_mutex_lock(&inst->lock);
	while (!inst->stop) {
		spooled = inst->spooled;
		force = inst->force;
		inst->spooled = inst->force = inst->rewake = false;
		inst->wake_at = 0;
		pthread_mutex_unlock(&inst->lock);

		struct om_gen *g = om_gen_get(inst);
		time_t now = time(NULL), deadline, sync_at;

		if (g == NULL) { /* not reached: the action stops this thread first */
			pthread_mutex_lock(&inst->lock);
			break;
		}
		(void)digest_poll(g->digests, now, om_emit, g);
		pthread_mutex_lock(&inst->jlock);
		om_journal_settle(inst, g);
		om_journal_sync(inst, now);
		sync_at = inst->unsynced ? inst->synced_at + OM_SYNC_PERIOD : 0;
		pthread_mutex_unlock(&inst->jlock);
		if (force || now >= next_deliver || (spooled && backoff == 0)) {
			if (om_deliver(g, &sp, force)) {
				backoff = backoff == 0 ? OM_BACKOFF_MIN : backoff * 2;
				if (backoff > OM_BACKOFF_MAX)
					backoff = OM_BACKOFF_MAX;
				next_deliver = now + backoff;
			} else {
				backoff = 0;
				next_deliver = now + OM_DELIVER_PERIOD;
			}
		}
		if (now >= next_stats) {
			om_stats_save(g);
			next_stats = now + OM_STATS_PERIOD;
		}
		deadline = om_min_deadline(digest_next_deadline(g->digests), next_deliver);
		deadline = om_min_deadline(deadline, next_stats);
		deadline = om_min_deadline(deadline, sync_at);
		om_gen_put(g);

		pthread_mutex_lock(&inst->lock);
		if (!inst->spooled && !inst->force && !inst->rewake && !inst->stop &&
		    deadline > now) {
			inst->wake_at = deadline;
			ts.tv_sec = deadline;
			ts.tv_nsec = 0;
			pthread_cond_timedwait(&inst->wake, &inst->lock, &ts);
		}
	}
	pthread_mutex_unlock(&inst->lock);
	spool_close(sp);
	return NULL;
}

/* The outbox, then the delivery thread.  Caller holds lock. */
static void om_start_threads(struct om_inst *inst)
{
	struct outbox_params p = {.spool_dir = inst->spool_dir,
				  .spooled = om_spooled,
				  .arg = inst,
				  .nice = OM_BACKGROUND_NICE};
	struct smtp_err err = {0};

	if (inst->outbox == NULL && outbox_start(&inst->outbox, &p, &err) != SMTP_OK) {
		LogError(0, RS_RET_ERR, "omlogmail: cannot start the outbox: %s", err.msg);
		return;
	}
	if (pthread_create(&inst->thread, NULL, om_thread_main, inst) == 0)
		inst->thread_started = true;
	else
		LogError(errno, RS_RET_ERR, "omlogmail: cannot start the delivery thread");
}

/* The spool can be opened and its directory written: what tryResume and
 * beginTransaction test.  Starts the threads on first success. */
static bool om_ready(struct om_inst *inst)
{
	struct smtp_err err = {0};
	bool ok;

	pthread_mutex_lock(&inst->spool_lock);
	ok = om_spool_locked(inst, &err) != NULL && access(inst->spool_dir, W_OK | X_OK) == 0;
	pthread_mutex_unlock(&inst->spool_lock);
	if (!ok) {
		LogError(0, RS_RET_SUSPENDED, "omlogmail: spool %s not usable%s%s", inst->spool_dir,
			 *err.msg ? ": " : "", err.msg);
		return false;
	}
	pthread_mutex_lock(&inst->lock);
	if (!inst->thread_started && !inst->stop)
		om_start_threads(inst);
	ok = inst->thread_started;
	pthread_mutex_unlock(&inst->lock);
	return ok;
}

static void om_stop_thread(struct om_inst *inst)
{
	bool started;

	pthread_mutex_lock(&inst->lock);
	inst->stop = true;
	started = inst->thread_started;
	pthread_cond_signal(&inst->wake);
	pthread_mutex_unlock(&inst->lock);
	if (started)
		pthread_join(inst->thread, NULL);
	inst->thread_started = false;
}

/* Make the worker use the action's current generation (after a HUP). */
static bool om_wrkr_sync(wrkrInstanceData_t *w)
{
	struct om_gen *g = om_gen_get(w->inst), *old = w->gen;
	struct filter_worker *fw;
	const char **to;
	size_t *match, n;

	if (g == NULL) /* the action is closing */
		return false;
	if (g == old && w->fw != NULL) {
		om_gen_put(g); /* never the last: w holds one */
		return true;
	}
	n = filter_set_recipients(g->filters);
	fw = filter_worker_new(g->filters);
	match = calloc(n > 0 ? n : 1, sizeof(*match));
	to = calloc(n > 0 ? n : 1, sizeof(*to));
	if (fw == NULL || match == NULL || to == NULL) {
		filter_worker_free(fw);
		free(match);
		free(to);
		om_gen_put(g);
		return false;
	}
	filter_worker_free(w->fw);
	free(w->match);
	free(w->to);
	w->gen = g;
	w->fw = fw;
	w->match = match;
	w->to = to;
	om_gen_put(old);
	return true;
}

static void om_trim(const char **s)
{
	while (**s == ' ')
		(*s)++;
}

static bool om_own_message(const char *program, const char *text)
{
	/* "rsyslogd", or "rsyslogd-2027" when rsyslog tags an error code */
	return strncmp(program, "rsyslogd", 8) == 0 && strncmp(text, "omlogmail", 9) == 0;
}

/* Make room for `more` elements of `size` octets in *v (*cap of them
 * allocated, n used).  false on ENOMEM. */
static bool om_reserve(void **v, size_t *cap, size_t n, size_t more, size_t size)
{
	size_t want = *cap ? *cap : 64;
	void *p;

	while (want < n + more)
		want *= 2;
	if (want == *cap)
		return true;
	p = realloc(*v, want * size);
	if (p == NULL)
		return false;
	*v = p;
	*cap = want;
	return true;
}

/* Note one more accepted message of the batch and its n recipients
 * (w->match).  false on ENOMEM. */
static bool om_accepted_push(wrkrInstanceData_t *w, const struct digest_msg *dm, size_t n)
{
	if (!om_reserve((void **)&w->acc, &w->cap_acc, w->n_acc, 1, sizeof(*w->acc)) ||
	    !om_reserve((void **)&w->rcpt, &w->cap_rcpt, w->n_rcpt, n, sizeof(*w->rcpt)))
		return false;
	memcpy(&w->rcpt[w->n_rcpt], w->match, n * sizeof(*w->rcpt));
	w->acc[w->n_acc++] = (struct om_accepted){.dm = *dm, .first = w->n_rcpt, .n = n};
	w->n_rcpt += n;
	return true;
}

/* One message: the template strings -> filter_match -> the batch's
 * accepted messages (om_accept_batch journals them, then digest_add).
 * false on ENOMEM. */
static bool om_process(wrkrInstanceData_t *w, char *const *tpl, time_t now)
{
	struct om_gen *g = w->gen;
	const char *text = tpl[OM_TPL_MSG];
	struct om_head h;
	struct filter_msg fm;
	struct digest_msg dm;
	size_t n;

	om_split_head(tpl[OM_TPL_HEAD], &h);
	om_trim(&text);
	if (om_own_message(h.program, text))
		return true;
	fm = (struct filter_msg){
	    .severity = (int)(h.pri & 7),
	    .facility = (int)(h.pri >> 3),
	    .program = h.program,
	    .program_len = strlen(h.program),
	    .text = text,
	    .text_len = strlen(text),
	};
	n = filter_match(g->filters, w->fw, &fm, w->match);
	if (n == 0)
		return true;
	dm = (struct digest_msg){
	    .ts = h.ts,
	    .severity = fm.severity,
	    .facility = fm.facility,
	    .host = h.host,
	    .program = fm.program,
	    .text = text,
	    .text_len = fm.text_len,
	};
	if (dm.ts <= 0)
		dm.ts = now;
	return om_accepted_push(w, &dm, n);
}

/* Replace the generation with a freshly loaded one; on error keep the old. */
static void om_reload(struct om_inst *inst)
{
	struct om_gen *old = om_gen_get(inst), *g;
	struct conf_err err;

	if (old != NULL)
		om_stats_save(old);
	if (om_gen_load(inst, &g, &err) != 0) {
		om_log_conf_err("configuration not reloaded, the previous one stays in effect: ",
				&err);
		om_gen_put(old);
		return;
	}
	g->refs = 1;
	pthread_mutex_lock(&inst->lock);
	inst->gen = g;
	inst->force = true; /* the server may have been fixed: retry the queue now */
	pthread_cond_signal(&inst->wake);
	pthread_mutex_unlock(&inst->lock);
	om_gen_put(old); /* ours */
	om_gen_put(old); /* the action's */
	LogMsg(0, NO_ERRCODE, LOG_INFO, "omlogmail: %s reloaded, %zu recipients", inst->config_path,
	       filter_set_recipients(g->filters));
}

/* Spool what the outbox holds and stop it.  Returns the mails lost from
 * memory (logged; the journal still names their messages). */
static size_t om_stop_outbox(struct om_inst *inst)
{
	struct smtp_err err = {0};
	struct outbox *ob;
	size_t lost;

	pthread_mutex_lock(&inst->lock);
	ob = inst->outbox;
	inst->outbox = NULL;
	pthread_mutex_unlock(&inst->lock);
	lost = outbox_stop(ob, &err);
	if (lost > 0)
		LogError(0, RS_RET_IO_ERROR,
			 "omlogmail: %zu mails could not be spooled to %s: %s (their messages "
			 "stay in the journal, mailed after the next start)",
			 lost, inst->spool_dir, err.msg);
	return lost;
}

static void om_inst_free(struct om_inst *inst)
{
	size_t i;

	if (inst == NULL)
		return;
	if (inst->locks_ready) {
		(void)om_stop_outbox(inst); /* its thread calls back into inst */
		spool_close(inst->spool);
		journal_close(inst->journal);
		pthread_mutex_destroy(&inst->jlock);
		pthread_cond_destroy(&inst->wake);
		pthread_mutex_destroy(&inst->spool_lock);
		pthread_mutex_destroy(&inst->lock);
	}
	for (i = 0; i < inst->n_filter_lines; i++)
		free(inst->filter_lines[i]);
	free(inst->filter_lines);
	free(inst->config_path);
	free(inst->spool_dir);
	free(inst->stats_path);
	free(inst);
}

static struct om_inst *om_inst_new(void)
{
	struct om_inst *inst = calloc(1, sizeof(*inst));

	if (inst == NULL)
		return NULL;
	inst->refs = 1;
	inst->config_path = strdup(CONF_DEFAULT_PATH);
	inst->spool_dir = strdup(SPOOL_DEFAULT_DIR);
	if (inst->config_path == NULL || inst->spool_dir == NULL)
		goto fail;
	if (pthread_mutex_init(&inst->lock, NULL) != 0)
		goto fail;
	if (pthread_mutex_init(&inst->spool_lock, NULL) != 0) {
		pthread_mutex_destroy(&inst->lock);
		goto fail;
	}
	if (pthread_cond_init(&inst->wake, NULL) != 0) {
		pthread_mutex_destroy(&inst->spool_lock);
		pthread_mutex_destroy(&inst->lock);
		goto fail;
	}
	if (pthread_mutex_init(&inst->jlock, NULL) != 0) {
		pthread_cond_destroy(&inst->wake);
		pthread_mutex_destroy(&inst->spool_lock);
		pthread_mutex_destroy(&inst->lock);
		goto fail;
	}
	inst->locks_ready = true;
	return inst;
fail:
	om_inst_free(inst);
	return NULL;
}

static void om_inst_get(struct om_inst *inst)
{
	pthread_mutex_lock(&inst->lock);
	inst->refs++;
	pthread_mutex_unlock(&inst->lock);
}

static void om_inst_put(struct om_inst *inst)
{
	bool last;

	if (inst == NULL)
		return;
	pthread_mutex_lock(&inst->lock);
	last = --inst->refs == 0;
	pthread_mutex_unlock(&inst->lock);
	if (last)
		om_inst_free(inst);
}

/* The action goes away (shutdown, or a failed configuration): stop the
 * delivery thread, flush every digest through the outbox into the spool
 * (the workers have stopped adding by now) and publish the statistics. */
static void om_inst_close(struct om_inst *inst)
{
	struct journal_err jerr;
	struct om_gen *g;
	size_t lost;

	if (inst == NULL)
		return;
	om_stop_thread(inst);
	g = inst->gen;
	if (g != NULL) {
		om_gen_flush(g);
		lost = om_stop_outbox(inst);
		pthread_mutex_lock(&inst->jlock);
		if (lost == 0) /* else the journal keeps them for the next start */
			om_journal_settle(inst, g); /* kept when the flush failed */
		/* the last sync, whatever OM_SYNC_PERIOD says: nothing follows it */
		if (inst->journal != NULL && journal_sync(inst->journal, &jerr) != JOURNAL_OK)
			LogError(0, RS_RET_IO_ERROR, "omlogmail: %s", jerr.msg);
		journal_close(inst->journal);
		inst->journal = NULL;
		pthread_mutex_unlock(&inst->jlock);
		if (inst->spool != NULL) /* not after a -N1 run, which makes no spool */
			om_stats_save(g);
		pthread_mutex_lock(&inst->lock);
		inst->gen = NULL;
		pthread_mutex_unlock(&inst->lock);
		om_gen_put(g);
	}
	om_inst_put(inst);
}

/* Take the action's parameters.  false (and the error logged) on a bad one. */
static bool om_inst_params(struct om_inst *inst, struct cnfparamvals *pv)
{
	size_t i;
	int j;

	for (i = 0; i < om_param_block.nParams; i++) {
		const char *name = om_param_block.descr[i].name;

		if (!pv[i].bUsed)
			continue;
		if (strcmp(name, "config") == 0) {
			free(inst->config_path);
			inst->config_path = om_strdup_es(pv[i].val.d.estr);
		} else if (strcmp(name, "spool") == 0) {
			free(inst->spool_dir);
			inst->spool_dir = om_strdup_es(pv[i].val.d.estr);
		} else if (strcmp(name, "sync") == 0) {
			inst->sync = pv[i].val.d.n != 0;
		} else if (strcmp(name, "filters") == 0) {
			struct cnfarray *ar = pv[i].val.d.ar;

			inst->filter_lines = calloc(ar->nmemb > 0 ? ar->nmemb : 1, sizeof(char *));
			if (inst->filter_lines == NULL)
				return false;
			for (j = 0; j < ar->nmemb; j++) {
				inst->filter_lines[j] = om_strdup_es(ar->arr[j]);
				if (inst->filter_lines[j] == NULL)
					return false;
				inst->n_filter_lines++;
			}
		}
	}
	if (inst->config_path == NULL || inst->spool_dir == NULL)
		return false;
	if (*inst->config_path != '/' || *inst->spool_dir != '/') {
		LogError(0, RS_RET_CONFIG_ERROR,
			 "omlogmail: config=\"%s\" and spool=\"%s\" must be absolute paths "
			 "(rsyslogd changes directory to /)",
			 inst->config_path, inst->spool_dir);
		return false;
	}
	if (asprintf(&inst->stats_path, "%s/%s", inst->spool_dir, OM_STATS_NAME) < 0) {
		inst->stats_path = NULL;
		return false;
	}
	return true;
}

static bool om_cnf_add(modConfData_t *cnf, struct om_inst *inst)
{
	struct om_inst **v;

	if (cnf == NULL)
		return true;
	v = realloc(cnf->insts, (cnf->n_insts + 1) * sizeof(*v));
	if (v == NULL)
		return false;
	v[cnf->n_insts++] = inst;
	cnf->insts = v;
	return true;
}

/* ---- rsyslog entry points ---- */
/* rsyslog's macros are not C statements: */
/* clang-format off */

BEGINcreateInstance
CODESTARTcreateInstance
	if ((pData->inst = om_inst_new()) == NULL) {
		free(pData);
		pData = NULL;
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
finalize_it:
ENDcreateInstance

BEGINcreateWrkrInstance
CODESTARTcreateWrkrInstance
	pWrkrData->inst = pData->inst;
	pWrkrData->tc = digest_time_cache_new();
	if (pWrkrData->tc == NULL || !om_wrkr_sync(pWrkrData)) {
		digest_time_cache_free(pWrkrData->tc);
		free(pWrkrData);
		pWrkrData = NULL;
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
	om_inst_get(pWrkrData->inst);
finalize_it:
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
	if (eFeat == sFEATURERepeatedMsgReduction)
		iRet = RS_RET_OK;
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	om_inst_close(pData->inst);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
	filter_worker_free(pWrkrData->fw);
	free(pWrkrData->match);
	free(pWrkrData->to);
	free(pWrkrData->acc);
	free(pWrkrData->rcpt);
	digest_time_cache_free(pWrkrData->tc);
	om_gen_put(pWrkrData->gen);
	om_inst_put(pWrkrData->inst);
ENDfreeWrkrInstance

BEGINdbgPrintInstInfo
CODESTARTdbgPrintInstInfo
	dbgprintf("omlogmail: config=%s spool=%s filters=%zu\n", pData->inst->config_path,
		  pData->inst->spool_dir, pData->inst->n_filter_lines);
ENDdbgPrintInstInfo

BEGINtryResume
CODESTARTtryResume
	if (!om_ready(pWrkrData->inst))
		iRet = RS_RET_SUSPENDED;
ENDtryResume

BEGINbeginTransaction
CODESTARTbeginTransaction
	if (!om_ready(pWrkrData->inst))
		iRet = RS_RET_SUSPENDED;
ENDbeginTransaction

BEGINcommitTransaction
	char *tpl[OM_NTPLS];
	time_t now = time(NULL);
	unsigned i, k;
CODESTARTcommitTransaction
	if (!om_wrkr_sync(pWrkrData))
		ABORT_FINALIZE(RS_RET_SUSPENDED);
	pWrkrData->n_acc = pWrkrData->n_rcpt = 0;
	for (i = 0; i < nParams; i++) {
		for (k = 0; k < OM_NTPLS; k++) {
			tpl[k] = (char *)actParam(pParams, OM_NTPLS, i, k).param;
			if (tpl[k] == NULL)
				tpl[k] = (char *)"";
		}
		if (!om_process(pWrkrData, tpl, now)) {
			pWrkrData->n_acc = pWrkrData->n_rcpt = 0;
			ABORT_FINALIZE(RS_RET_SUSPENDED);
		}
	}
	filter_worker_flush(pWrkrData->fw);
	if (!om_accept_batch(pWrkrData, now))
		ABORT_FINALIZE(RS_RET_SUSPENDED);
	om_rewake(pWrkrData->inst, digest_next_deadline(pWrkrData->gen->digests));
finalize_it:
ENDcommitTransaction

BEGINdoHUP
CODESTARTdoHUP
	om_reload(pData->inst);
ENDdoHUP

BEGINnewActInst
	struct cnfparamvals *pvals = NULL;
	struct conf_err err;
	struct om_inst *inst;
	int k;
CODESTARTnewActInst
	if ((pvals = nvlstGetParams(lst, &om_param_block, NULL)) == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);
	CHKiRet(createInstance(&pData));
	inst = pData->inst;
	if (!om_inst_params(inst, pvals))
		ABORT_FINALIZE(RS_RET_CONFIG_ERROR);
	if (om_gen_load(inst, &inst->gen, &err) != 0) {
		om_log_conf_err("", &err);
		ABORT_FINALIZE(RS_RET_CONFIG_ERROR);
	}
	inst->gen->refs = 1;
	if (filter_set_recipients(inst->gen->filters) == 0)
		LogMsg(0, NO_ERRCODE, LOG_WARNING,
		       "omlogmail: no `log email` recipients in %s: nothing will be mailed",
		       inst->config_path);
	CODE_STD_STRING_REQUESTnewActInst(OM_NTPLS)
	for (k = 0; k < OM_NTPLS; k++)
		CHKiRet(OMSRsetEntry(*ppOMSR, k, (uchar *)strdup(om_tpl_names[k]),
				     OMSR_NO_RQD_TPL_OPTS));
	if (!om_cnf_add(om_load_cnf, inst)) /* last: nothing fails after it */
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
CODE_STD_FINALIZERnewActInst
	if (pvals != NULL)
		cnfparamvalsDestruct(pvals, &om_param_block);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINbeginCnfLoad
	int k;
	uchar *line;
CODESTARTbeginCnfLoad
	pModConf->conf = pConf;
	om_load_cnf = pModConf;
	for (k = 0; k < OM_NTPLS; k++) {
		line = (uchar *)om_tpl_lines[k];
		if (tplAddLine(pConf, om_tpl_names[k], &line) == NULL)
			ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
finalize_it:
ENDbeginCnfLoad

BEGINendCnfLoad
CODESTARTendCnfLoad
	om_load_cnf = NULL;
ENDendCnfLoad

BEGINcheckCnf
CODESTARTcheckCnf
ENDcheckCnf

BEGINactivateCnf
	size_t k;
CODESTARTactivateCnf
	for (k = 0; k < pModConf->n_insts; k++) {
		/* the spool (made by om_ready), then recover a crash's digests
		 * (a batch that comes first recovers them first, under jlock) */
		(void)om_ready(pModConf->insts[k]); /* on failure tryResume tries again */
		om_journal_start(pModConf->insts[k]);
	}
	free(pModConf->insts);
	pModConf->insts = NULL;
	pModConf->n_insts = 0;
ENDactivateCnf

BEGINfreeCnf
CODESTARTfreeCnf
	free(pModConf->insts);
ENDfreeCnf

BEGINmodExit
CODESTARTmodExit
ENDmodExit

BEGINqueryEtryPt
CODESTARTqueryEtryPt
CODEqueryEtryPt_STD_OMODTX_QUERIES
CODEqueryEtryPt_STD_OMOD8_QUERIES
CODEqueryEtryPt_STD_CONF2_QUERIES
CODEqueryEtryPt_STD_CONF2_OMOD_QUERIES
CODEqueryEtryPt_doHUP
ENDqueryEtryPt

BEGINmodInit()
CODESTARTmodInit
	*ipIFVersProvided = CURR_MOD_IF_VERSION;
CODEmodInit_QueryRegCFSLineHdlr
	INITChkCoreFeature(bCoreSupportsBatching, CORE_FEATURE_BATCHING);
	if (!bCoreSupportsBatching) {
		LogError(0, RS_RET_ERR, "omlogmail: this rsyslog core does not support batching");
		ABORT_FINALIZE(RS_RET_ERR);
	}
ENDmodInit
