# util/: the system helpers several libraries share (util/util.h) and the
# syslog line (util/syslog_line.h), header only.
noinst_HEADERS += util/util.h util/syslog_line.h

# The syslog line, read the same by the module's split, `test filters` and
# the benchmark (tests/unit/test_syslog_line.c).
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_syslog_line
TESTS += tests/unit/test_syslog_line
tests_unit_test_syslog_line_SOURCES = tests/unit/test_syslog_line.c util/syslog_line.h \
	bench/line.h bench/line.c plugin/fields.h plugin/fields.c cli/log_line.c
tests_unit_test_syslog_line_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_syslog_line_LDADD = $(CRITERION_LIBS)
endif
