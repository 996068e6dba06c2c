/*
 * tests/unit/test_plugin_stats.c: the copies of the engine's counters that
 * rsyslog's impstats reads (plugin/stats.h), without rsyslogd: a count
 * starts at 0 whatever the engine had, grows by what the engine counted,
 * gives the interval's count after rsyslog resets it (resetCounters), and
 * never goes backwards when the engine starts counting again; a gauge is
 * the engine's value.
 */
#include <criterion/criterion.h>

#include "plugin/stats.h"

Test(copy, a_count_starts_at_zero_and_follows_the_engine)
{
	struct om_copy c;

	om_copy_start(&c, 40, false); /* 40 carried over from the last run */
	cr_assert_eq(c.shown, 0);
	om_copy_update(&c, 40);
	cr_assert_eq(c.shown, 0);
	om_copy_update(&c, 43);
	cr_assert_eq(c.shown, 3);
	om_copy_update(&c, 50);
	cr_assert_eq(c.shown, 10);
}

Test(copy, a_reset_count_gives_the_interval)
{
	struct om_copy c;

	om_copy_start(&c, 0, false);
	om_copy_update(&c, 5);
	cr_assert_eq(c.shown, 5);
	c.shown = 0; /* what rsyslog does after the read with resetCounters="on" */
	om_copy_update(&c, 7);
	cr_assert_eq(c.shown, 2);
	c.shown = 0;
	om_copy_update(&c, 7);
	cr_assert_eq(c.shown, 0);
}

Test(copy, a_count_the_engine_started_again_never_goes_back)
{
	struct om_copy c;

	om_copy_start(&c, 0, false);
	om_copy_update(&c, 9);
	om_copy_update(&c, 2); /* a new generation counts from 0 */
	cr_assert_eq(c.shown, 11);
	om_copy_update(&c, 4);
	cr_assert_eq(c.shown, 13);
}

Test(copy, a_gauge_is_the_engine_value)
{
	struct om_copy c;

	om_copy_start(&c, 4096, true);
	cr_assert_eq(c.shown, 4096);
	om_copy_update(&c, 0);
	cr_assert_eq(c.shown, 0);
	om_copy_update(&c, 100);
	cr_assert_eq(c.shown, 100);
}
