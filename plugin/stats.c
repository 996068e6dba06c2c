/*
 * plugin/stats.c: omlogmail's statistics objects for rsyslog's impstats.
 * What they hold, how they are read and on which threads: plugin/stats.h.
 * Like omlogmail.c, this file speaks rsyslog's interfaces (statsobj) and
 * holds no logic of the pipeline: the figures come from engine_counters and
 * engine_recipient_counters.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rsyslog.h"
#include "obj.h"
#include "errmsg.h"
#include "statsobj.h"

#include "plugin/stats.h"
#include "util/util.h"

#define OM_N(a) (sizeof(a) / sizeof((a)[0]))

/* clang-format off */
DEFobjCurrIf(statsobj)

/* Levels, not counts: rsyslog's resetCounters leaves them alone. */
static const char *const om_gauges[] = {"journal_bytes", "outbox_depth", "held"};
/* clang-format on */

/* A recipient's figures (engine_recipient_counters), in the same form as
 * the engine's name and offset tables.  Not "received": every recipient
 * sees every message, so that is the action's. */
static const char *const om_rcpt_names[] = {"accepted", "mailed", "held"};
static const size_t om_rcpt_offsets[] = {
    offsetof(struct engine_recipient_counters, accepted),
    offsetof(struct engine_recipient_counters, mailed),
    offsetof(struct engine_recipient_counters, held),
};

/* One statistics object: the action's, or a recipient's. */
struct om_obj {
	statsobj_t *obj;
	struct om_stats *owner;
	const size_t *offsets; /* of each counter in its engine struct */
	size_t n;
	size_t hint;        /* a recipient's index when last found */
	char address[320];  /* a recipient's; "" for the action's */
	struct om_copy c[]; /* what rsyslog reads, one per counter */
};

struct om_stats {
	struct engine *engine;
	char *name; /* "omlogmail-<spool>" */
	struct om_obj *action;
	struct om_obj **rcpts; /* every recipient seen since the start */
	size_t n_rcpts;
	pthread_mutex_t lock; /* the copies' seen, and rcpts */
	pthread_cond_t stop;  /* to the refresher (CLOCK_MONOTONIC) */
	bool started, stopping;
	pthread_t refresher;
};

static bool om_is_gauge(const char *name)
{
	for (size_t i = 0; i < OM_N(om_gauges); i++)
		if (strcmp(name, om_gauges[i]) == 0)
			return true;
	return false;
}

static uint64_t om_field(const void *values, size_t offset)
{
	uint64_t v;

	memcpy(&v, (const char *)values + offset, sizeof(v));
	return v;
}

/* Under the object's counter lock: rsyslog reads and resets the copies
 * under it (plugin/stats.h, "Threads"). */
static void om_obj_update(struct om_obj *o, const void *values)
{
	pthread_mutex_lock(&o->obj->mutCtr);
	for (size_t i = 0; i < o->n; i++)
		om_copy_update(&o->c[i], om_field(values, o->offsets[i]));
	pthread_mutex_unlock(&o->obj->mutCtr);
}

static void om_obj_free(struct om_obj *o)
{
	if (o == NULL)
		return;
	if (o->obj != NULL)
		statsobj.Destruct(&o->obj);
	free(o);
}

/* Find a recipient's figures: at its last index, else anywhere (a reload
 * reordered the recipients).  false when it is no longer configured. */
static bool om_rcpt_find(struct om_obj *o, struct engine_recipient_counters *rc)
{
	struct engine *e = o->owner->engine;

	if (engine_recipient_counters(e, o->hint, rc) && strcmp(rc->address, o->address) == 0)
		return true;
	for (size_t i = 0; engine_recipient_counters(e, i, rc); i++)
		if (strcmp(rc->address, o->address) == 0) {
			o->hint = i;
			return true;
		}
	return false;
}

/* Bring a recipient's copies up to date; under s->lock. */
static void om_rcpt_refresh(struct om_obj *o)
{
	struct engine_recipient_counters rc;

	if (om_rcpt_find(o, &rc)) {
		om_obj_update(o, &rc);
		return;
	}
	pthread_mutex_lock(&o->obj->mutCtr);
	for (size_t i = 0; i < o->n; i++) /* gone: nothing held, counts frozen */
		if (o->c[i].gauge)
			o->c[i].shown = 0;
	pthread_mutex_unlock(&o->obj->mutCtr);
}

/* statsobj_read_notifier_t of a recipient's object */
static void om_rcpt_read(statsobj_t *obj, void *arg)
{
	struct om_obj *o = arg;

	(void)obj;
	pthread_mutex_lock(&o->owner->lock);
	om_rcpt_refresh(o);
	pthread_mutex_unlock(&o->owner->lock);
}

/* A statistics object named name with the counters names[i] at offsets[i]
 * of values, registered with rsyslog.  NULL on failure. */
static struct om_obj *om_obj_new(struct om_stats *s, const char *name, const char *const *names,
				 const size_t *offsets, size_t n, const void *values,
				 statsobj_read_notifier_t notifier)
{
	struct om_obj *o = calloc(1, sizeof(*o) + n * sizeof(o->c[0]));
	rsRetVal iRet = RS_RET_OK;

	if (o == NULL)
		return NULL;
	o->owner = s;
	o->offsets = offsets;
	o->n = n;
	CHKiRet(statsobj.Construct(&o->obj));
	CHKiRet(statsobj.SetName(o->obj, (uchar *)name));
	CHKiRet(statsobj.SetOrigin(o->obj, (uchar *)"omlogmail"));
	for (size_t i = 0; i < n; i++) {
		om_copy_start(&o->c[i], om_field(values, offsets[i]), om_is_gauge(names[i]));
		CHKiRet(statsobj.AddCounter(o->obj, (const uchar *)names[i], ctrType_IntCtr,
					    o->c[i].gauge ? CTR_FLAG_NONE : CTR_FLAG_RESETTABLE,
					    &o->c[i].shown));
	}
	CHKiRet(statsobj.SetReadNotifier(o->obj, notifier, o));
	CHKiRet(statsobj.ConstructFinalize(o->obj));
	return o;
finalize_it:
	om_obj_free(o);
	return NULL;
}

/* An object for the recipient rc, the i-th; false on failure.  Its counts
 * start at 0 when rsyslogd starts; for a recipient a reload added
 * (running), with what the engine counted since. */
static bool om_rcpt_add(struct om_stats *s, const struct engine_recipient_counters *rc, size_t i,
			bool running)
{
	static const struct engine_recipient_counters zero;
	struct om_obj **v = realloc(s->rcpts, (s->n_rcpts + 1) * sizeof(*v));
	struct om_obj *o;
	char name[1024];

	if (v == NULL)
		return false;
	s->rcpts = v;
	snprintf(name, sizeof(name), "%s recipient %s", s->name, rc->address);
	o = om_obj_new(s, name, om_rcpt_names, om_rcpt_offsets, OM_N(om_rcpt_names),
		       running ? &zero : rc, om_rcpt_read);
	if (o == NULL)
		return false;
	om_obj_update(o, rc);
	snprintf(o->address, sizeof(o->address), "%s", rc->address);
	o->hint = i;
	v[s->n_rcpts++] = o;
	return true;
}

/* An object for each configured recipient that has none yet.  false on
 * failure: the next call tries again. */
static bool om_rcpts_sync(struct om_stats *s, bool running)
{
	struct engine_recipient_counters rc;
	size_t k;

	for (size_t i = 0; engine_recipient_counters(s->engine, i, &rc); i++) {
		/* from position i: without a reload, the i-th recipient's object */
		for (k = 0; k < s->n_rcpts; k++)
			if (strcmp(s->rcpts[(i + k) % s->n_rcpts]->address, rc.address) == 0)
				break;
		if (k == s->n_rcpts && !om_rcpt_add(s, &rc, i, running))
			return false;
	}
	return true;
}

/* Bring every copy up to date; under s->lock. */
static void om_refresh(struct om_stats *s)
{
	struct engine_counters c;

	engine_counters(s->engine, &c);
	om_obj_update(s->action, &c);
	for (size_t i = 0; i < s->n_rcpts; i++)
		om_rcpt_refresh(s->rcpts[i]);
}

/* The refresher: the copies brought up to date every OM_REFRESH_SECONDS
 * until om_stats_free. */
static void *om_refresher(void *arg)
{
	struct om_stats *s = arg;
	struct timespec at;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += OM_REFRESH_SECONDS;
		while (!s->stopping && pthread_cond_timedwait(&s->stop, &s->lock, &at) != ETIMEDOUT)
			;
		if (!s->stopping)
			om_refresh(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Start the refresher, at impstats' first read: only when statistics are
 * read, and never before rsyslogd forks into the background.  Its signals
 * blocked: they are rsyslogd's main thread's.  Without it (logged), the
 * notifiers alone bring the copies up to date, a report late. */
static void om_refresher_start(struct om_stats *s)
{
	sigset_t all, old;
	int rc;

	s->started = true;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->refresher, NULL, om_refresher, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		s->started = false;
		LogError(rc, RS_RET_ERR,
			 "omlogmail: statistics of %s: no refresher thread, each report "
			 "shows the figures of the one before", s->name);
	}
}

/* statsobj_read_notifier_t of the action's object: also gives recipients
 * a reload added their objects (created here, on impstats' thread, they
 * are read later in this same round), and starts the refresher. */
static void om_action_read(statsobj_t *obj, void *arg)
{
	struct om_obj *o = arg;
	struct om_stats *s = o->owner;
	struct engine_counters c;

	(void)obj;
	pthread_mutex_lock(&s->lock);
	engine_counters(s->engine, &c);
	om_obj_update(o, &c);
	(void)om_rcpts_sync(s, true);
	if (!s->started && !s->stopping)
		om_refresher_start(s);
	pthread_mutex_unlock(&s->lock);
}

int om_stats_use(struct obj_if_s *obj)
{
	return obj->UseObj(__FILE__, (uchar *)"statsobj", CORE_COMPONENT, (void *)&statsobj);
}

void om_stats_release(struct obj_if_s *obj)
{
	(void)obj->ReleaseObj(__FILE__, (uchar *)"statsobj", CORE_COMPONENT, (void *)&statsobj);
}

/* s's lock and condition; false when they cannot be made. */
static bool om_sync_init(struct om_stats *s)
{
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return false;
	if (util_cond_init_monotonic(&s->stop) != 0) {
		pthread_mutex_destroy(&s->lock);
		return false;
	}
	return true;
}

struct om_stats *om_stats_new(struct engine *e, const char *spool_dir)
{
	struct om_stats *s = calloc(1, sizeof(*s));
	struct engine_counters c;

	if (s != NULL && !om_sync_init(s)) {
		free(s);
		s = NULL;
	}
	if (s != NULL && asprintf(&s->name, "omlogmail-%s", spool_dir) < 0)
		s->name = NULL;
	if (s != NULL && s->name != NULL) {
		s->engine = e;
		engine_counters(e, &c);
		s->action = om_obj_new(s, s->name, engine_counter_names, engine_counter_offsets,
				       ENGINE_N_COUNTERS, &c, om_action_read);
		if (s->action != NULL && om_rcpts_sync(s, false))
			return s;
	}
	LogError(0, RS_RET_OUT_OF_MEMORY, "omlogmail: no statistics for the action on %s",
		 spool_dir);
	om_stats_free(s);
	return NULL;
}

void om_stats_free(struct om_stats *s)
{
	bool started;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	started = s->started;
	pthread_cond_signal(&s->stop);
	pthread_mutex_unlock(&s->lock);
	if (started)
		pthread_join(s->refresher, NULL);
	for (size_t i = 0; i < s->n_rcpts; i++)
		om_obj_free(s->rcpts[i]);
	om_obj_free(s->action);
	free(s->rcpts);
	free(s->name);
	pthread_cond_destroy(&s->stop);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
