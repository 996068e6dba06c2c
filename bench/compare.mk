# bench-compare: side-by-side benchmarks against the tools users would pick
# instead (Debian's rsyslogd with RainerScript rules and ommail, Postfix's
# smtp-source/smtp-sink, msmtp).  Run only by `make bench-compare` (never by
# `make` or `make check`); it installs postfix, msmtp and logcheck-database
# from Debian when missing and writes bench/RESULTS.md in the source tree.
# See bench/compare/run.sh.
EXTRA_PROGRAMS += bench/compare/spool_bench
bench_compare_spool_bench_SOURCES = bench/compare/spool_bench.c
bench_compare_spool_bench_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_compare_spool_bench_LDADD = smtp/libsmtp.la $(OPENSSL_LIBS)
# RESULTS.md keeps what is written by hand about the results (analysis.md)
TESTS += tests/integration/bench-analysis.sh
EXTRA_DIST += tests/integration/bench-analysis.sh
EXTRA_DIST += bench/compare/run.sh bench/compare/gen.py bench/compare/countsmtpd.py bench/compare/report.sh bench/compare/analysis.md \
	bench/RESULTS.md

.PHONY: bench-compare
bench-compare: bench/compare/spool_bench$(EXEEXT) logmail$(EXEEXT)
	@test -f plugin/.libs/omlogmail.so || \
		{ echo "bench-compare needs the module: configure --with-rsyslog-src=..." >&2; exit 1; }
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/bench/compare/run.sh $(BENCH_COMPARE_ARGS)
