# plugin/: omlogmail, the rsyslog output module.  Built only when configure
# was given --with-rsyslog-src=DIR (scripts/fetch-rsyslog-src prints one).
#
# rsyslog's headers read the macros of rsyslog's own config.h; ours are in
# plugin/logmail-rsyslog-defs.h, force-included.  There is no config.h on
# the include path on purpose (see that header).  The module's undefined
# rsyslog symbols are resolved by rsyslogd when it loads the module, so no
# -Wl,-z,defs here.
EXTRA_DIST += plugin/logmail-rsyslog-defs.h scripts/fetch-rsyslog-src scripts/demo
dist_man8_MANS = doc/omlogmail.8
# The rsyslog.d/ examples, for users to copy to /etc/rsyslog.d/.
rsyslogexamplesdir = $(docdir)/rsyslog.d
dist_rsyslogexamples_DATA = rsyslog.d/omlogmail-minimal.conf \
	rsyslog.d/omlogmail-tls-auth.conf rsyslog.d/omlogmail-inline-filters.conf \
	rsyslog.d/omlogmail-collector.conf rsyslog.d/omlogmail-edge.conf \
	rsyslog.d/omlogmail-edge-failover.conf \
	rsyslog.d/omlogmail-logcheck.conf

if HAVE_RSYSLOG_SRC
rsyslogmoddir = $(RSYSLOG_MODDIR)
rsyslogmod_LTLIBRARIES = plugin/omlogmail.la
plugin_omlogmail_la_SOURCES = plugin/omlogmail.c plugin/logmail-rsyslog-defs.h \
	plugin/fields.h plugin/fields.c plugin/stats.h plugin/stats.c \
	plugin/version.h plugin/version.c
plugin_omlogmail_la_CPPFLAGS = -include $(top_srcdir)/plugin/logmail-rsyslog-defs.h \
	$(AM_CPPFLAGS) -I$(RSYSLOG_SRC) -I$(RSYSLOG_SRC)/runtime -I$(RSYSLOG_SRC)/grammar \
	$(RSYSLOG_DEPS_CFLAGS)
plugin_omlogmail_la_CFLAGS = $(AM_CFLAGS) -fno-strict-aliasing
# Only modInit is looked up (dlsym); exporting nothing else keeps the
# libraries' symbols from meeting another module's.
plugin_omlogmail_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^modInit$$'
plugin_omlogmail_la_LIBADD = $(ENGINE_LIBS)
endif

# rsyslog integration tests: each skips (77) when the module was not built.
RSYSLOG_IT = \
	tests/integration/rsyslog-config-check.sh \
	tests/integration/rsyslog-digest.sh \
	tests/integration/rsyslog-storm.sh \
	tests/integration/rsyslog-storm-su.sh \
	tests/integration/rsyslog-offsets.sh \
	tests/integration/rsyslog-shutdown.sh \
	tests/integration/rsyslog-hup.sh \
	tests/integration/rsyslog-hup-storm.sh \
	tests/integration/rsyslog-live-config.sh \
	tests/integration/rsyslog-version.sh \
	tests/integration/rsyslog-logcheck-hup.sh \
	tests/integration/rsyslog-server-down.sh \
	tests/integration/rsyslog-tls-auth.sh \
	tests/integration/rsyslog-oauth.sh \
	tests/integration/rsyslog-oauth-grant.sh \
	tests/integration/rsyslog-collector.sh \
	tests/integration/rsyslog-impstats.sh \
	tests/integration/rsyslog-logcheck.sh \
	tests/integration/rsyslog-unsendable.sh \
	tests/integration/rsyslog-retry.sh
TESTS += $(RSYSLOG_IT)
EXTRA_DIST += $(RSYSLOG_IT) tests/integration/rsyslog-lib.sh

# The template split (plugin/fields.c has no rsyslog header), without rsyslogd.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_plugin_fields
TESTS += tests/unit/test_plugin_fields
tests_unit_test_plugin_fields_SOURCES = tests/unit/test_plugin_fields.c plugin/fields.h \
	plugin/fields.c
tests_unit_test_plugin_fields_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_plugin_fields_LDADD = $(CRITERION_LIBS)

# Which rsyslog the module runs in (plugin/version.h), against Debian's
# rsyslogd binary.
check_PROGRAMS += tests/unit/test_plugin_version
TESTS += tests/unit/test_plugin_version
tests_unit_test_plugin_version_SOURCES = tests/unit/test_plugin_version.c plugin/version.h \
	plugin/version.c
tests_unit_test_plugin_version_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_plugin_version_LDADD = $(CRITERION_LIBS)

# The counters' copies that rsyslog reads and resets (plugin/stats.h).
check_PROGRAMS += tests/unit/test_plugin_stats
TESTS += tests/unit/test_plugin_stats
tests_unit_test_plugin_stats_SOURCES = tests/unit/test_plugin_stats.c plugin/stats.h
tests_unit_test_plugin_stats_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_plugin_stats_LDADD = $(CRITERION_LIBS)
endif
