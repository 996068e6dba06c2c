# engine/: the pipeline behind the front ends (engine/engine.h): the
# journal, digests, the outbox and the delivery thread.  Users link
# digest/, filters/, config/ and smtp/ too (not in LIBADD, so the module,
# which links them whole, gets each object once).
noinst_LTLIBRARIES += engine/libengine.la
engine_libengine_la_SOURCES = \
	engine/journal.h \
	engine/journal.c
