# engine/: the pipeline behind the front ends (engine/engine.h): the
# generations, the journal, digests, the outbox and the delivery thread.
# Users link digest/, filters/, config/ and smtp/ too (not in LIBADD, so
# the module, which links them whole, gets each object once).
noinst_LTLIBRARIES += engine/libengine.la
engine_libengine_la_SOURCES = \
	engine/engine.h \
	engine/internal.h \
	engine/engine.c \
	engine/worker.c \
	engine/journaling.c \
	engine/delivery.c \
	engine/rules.c \
	engine/stats.c \
	engine/oauth.h \
	engine/oauth.c \
	engine/params.h \
	engine/params.c \
	engine/journal.h \
	engine/journal.c
engine_libengine_la_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
ENGINE_LIBS = engine/libengine.la digest/libdigest.la filters/libfilters.la \
	config/libconf.la smtp/libsmtp.la $(PCRE2_LIBS) $(OPENSSL_LIBS) $(PTHREAD_LIBS)

# The engine with a real spool and tests/servers/smtpd.py, without rsyslogd.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_engine
TESTS += tests/unit/test_engine
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c
tests_unit_test_engine_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_engine_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
