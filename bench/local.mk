# bench: benchmarks, built and run only by `make bench` (never by `make` or
# `make check`).  Results and how they were made: bench/README.md.
EXTRA_PROGRAMS = bench/bench_filters bench/bench_digest
bench_bench_filters_SOURCES = bench/bench_filters.c bench/corpus.h bench/corpus.c
bench_bench_filters_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_filters_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(OPENSSL_LIBS)
bench_bench_digest_SOURCES = bench/bench_digest.c bench/corpus.h bench/corpus.c
bench_bench_digest_LDADD = digest/libdigest.la smtp/libsmtp.la $(OPENSSL_LIBS) $(PTHREAD_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/README.md

.PHONY: bench
bench: bench/bench_filters$(EXEEXT) bench/bench_digest$(EXEEXT)
	$(builddir)/bench/bench_filters
	$(builddir)/bench/bench_digest
