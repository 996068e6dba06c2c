# bench: benchmarks, built and run only by `make bench` (never by `make` or
# `make check`).  Results and how they were made: bench/README.md.
EXTRA_PROGRAMS = bench/bench_filters bench/bench_digest bench/bench_logcheck bench/bench_engine \
	bench/bench_miner
BENCH_CORPUS = bench/bench.h bench/corpus.h bench/corpus.c
bench_bench_filters_SOURCES = bench/bench_filters.c $(BENCH_CORPUS)
bench_bench_filters_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_filters_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
bench_bench_digest_SOURCES = bench/bench_digest.c $(BENCH_CORPUS)
bench_bench_digest_LDADD = digest/libdigest.la smtp/libsmtp.la $(OPENSSL_LIBS) $(PTHREAD_LIBS)
bench_bench_miner_SOURCES = bench/bench_miner.c $(BENCH_CORPUS)
bench_bench_miner_LDADD = digest/libdigest.la
bench_bench_logcheck_SOURCES = bench/bench_logcheck.c bench/bench.h
bench_bench_logcheck_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
bench_bench_engine_SOURCES = bench/bench_engine.c bench/bench.h bench/line.h bench/line.c \
	plugin/fields.h plugin/fields.c
bench_bench_engine_LDADD = $(ENGINE_LIBS) $(VECTORSCAN_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/README.md bench/bench-logcheck.sh bench/bench-engine.sh bench/bench-miner.sh \
	bench/drain.py bench/ga.py

# BENCH_LINES: lines for the logcheck benchmark (bench/bench-logcheck.sh).
BENCH_LINES = 1000000
.PHONY: bench
bench: bench/bench_filters$(EXEEXT) bench/bench_digest$(EXEEXT) bench/bench_logcheck$(EXEEXT) \
	bench/bench_engine$(EXEEXT) bench/bench_miner$(EXEEXT) logmail$(EXEEXT)
	$(builddir)/bench/bench_filters
	$(builddir)/bench/bench_digest
	$(srcdir)/bench/bench-logcheck.sh $(builddir) $(BENCH_LINES)
	$(srcdir)/bench/bench-engine.sh $(builddir)
	$(srcdir)/bench/bench-miner.sh $(builddir)
