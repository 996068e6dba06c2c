# bench: benchmarks, built and run only by `make bench` (never by `make` or
# `make check`).  Results and how they were made: bench/README.md.
EXTRA_PROGRAMS = bench/bench_filters
bench_bench_filters_SOURCES = bench/bench_filters.c
bench_bench_filters_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_filters_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(OPENSSL_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/README.md

.PHONY: bench
bench: bench/bench_filters$(EXEEXT)
	$(builddir)/bench/bench_filters
