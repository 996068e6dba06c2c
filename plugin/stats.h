/*
 * plugin/stats.h: omlogmail's counters in rsyslog's statistics (impstats),
 * registered the way rsyslog's own outputs do it (statsobj), by
 * plugin/stats.c.  omlogmail.c calls these; the header itself names no
 * rsyslog type, so tests/unit/test_plugin_stats.c can check the copies'
 * arithmetic without rsyslogd.
 *
 * Per action (one engine, one spool), rsyslog gets one statistics object
 * named "omlogmail-<spool>" with the engine's counters (engine_counters,
 * its name table), and one per recipient, "omlogmail-<spool> recipient
 * <address>", with that recipient's figures; origin "omlogmail" for all.
 *
 * rsyslog reads a counter from memory and, with impstats' resetCounters,
 * writes 0 to it after the read; it then calls the object's read notifier.
 * So each counter rsyslog sees is a copy (struct om_copy) of the engine's
 * figure, and a thread of ours (the refresher, started by impstats' first
 * read) brings the copies up to date every OM_REFRESH_SECONDS: an impstats
 * line shows the figures as they were at most that long before.  (Brought
 * up to date by the notifiers alone, the action's object, read before any
 * notifier of ours runs, would show the previous report's figures.)  A
 * monotonic counter's copy grows by what the engine counted since the
 * last update, so a reset gives the count of the interval and a counter
 * that the engine started again (a recipient's, after a reload) never goes
 * backwards; a gauge's copy is the engine's value.  Counts start at 0 when
 * rsyslogd starts, as rsyslog's own do (what <spool>/stats carried over
 * from the last run is not counted again); a recipient a reload added
 * counts from the reload.
 *
 * Threads: om_stats_new and om_stats_free on rsyslog's main thread, while
 * impstats does not run (configuration load; shutdown, after the inputs
 * stopped); the notifiers on impstats' thread, which alone creates the
 * objects of recipients a reload added; the refresher on its own.  The
 * notifiers and the refresher update the copies under the om_stats' lock
 * and the statistics object's own (mutCtr), which rsyslog holds while it
 * reads and resets them: no count is lost between a read and its reset,
 * none is counted twice.  An object is never destroyed while rsyslogd runs
 * (impstats walks the objects without a lock): a recipient a reload
 * removed keeps its line, counters frozen, gauges 0, until rsyslogd stops.
 */
#ifndef LOGMAIL_PLUGIN_STATS_H
#define LOGMAIL_PLUGIN_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

struct om_copy {
	uint64_t shown; /* what rsyslog reads (and may reset to 0) */
	uint64_t seen;  /* the engine's value at the last update */
	bool gauge;     /* a level ("now"), not a count: never reset */
};

/* Start a copy from the engine's value v: a count starts at 0 (it counts
 * what happens while rsyslogd runs), a gauge at v. */
static inline void om_copy_start(struct om_copy *c, uint64_t v, bool gauge)
{
	c->gauge = gauge;
	c->seen = v;
	c->shown = gauge ? v : 0;
}

/* Bring a copy up to the engine's value v.  A count that went down was
 * started again by the engine: all of v is new. */
static inline void om_copy_update(struct om_copy *c, uint64_t v)
{
	if (c->gauge)
		c->shown = v;
	else
		c->shown += v >= c->seen ? v - c->seen : v;
	c->seen = v;
}

/* How often the refresher brings the copies up to date. */
#define OM_REFRESH_SECONDS 1

struct om_stats;
struct obj_if_s; /* rsyslog's obj_if_t */

/* Get and release rsyslog's statsobj interface (modInit, modExit).  0 or
 * rsyslog's error code. */
int om_stats_use(struct obj_if_s *obj);
void om_stats_release(struct obj_if_s *obj);

/* Register e's counters and its recipients' for the action on spool_dir;
 * NULL (logged) on failure.  e must outlive the result. */
struct om_stats *om_stats_new(struct engine *e, const char *spool_dir);

/* Unregister and free; NULL is safe.  Before the engine is freed. */
void om_stats_free(struct om_stats *s);

#endif
