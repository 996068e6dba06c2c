# Shared test fixtures; each folder's local.mk adds its own tests.
EXTRA_DIST += tests/servers/smtpd.py tests/servers/tokend.py tests/integration/lib.sh

# util/address.h (header only, so its test is here): util_address_check on
# the shared list of tricky addresses, tests/addresses.txt, which
# tests/integration/cli-addresses.sh puts to every entry point.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/test_address
TESTS += tests/unit/test_address
tests_unit_test_address_SOURCES = tests/unit/test_address.c
tests_unit_test_address_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_address_LDADD = $(CRITERION_LIBS)
endif
EXTRA_DIST += tests/addresses.txt

# ---- fuzzing (owner: fuzz; tests/fuzz/README.md) ---------------------------
#
# Always: each fuzz target's source linked with tests/fuzz/replay.c (a plain
# main, no libFuzzer) replays tests/fuzz/corpus/<target>/ and every kept
# crash in tests/fuzz/regressions/<target>/, so they are tests of `make check`.
FUZZ_TARGETS = conf filters reply compose log_line ere digest_state journal miner_state address \
	shell
FUZZ_REPLAYS = tests/fuzz/replay_conf tests/fuzz/replay_filters \
	tests/fuzz/replay_reply tests/fuzz/replay_compose tests/fuzz/replay_log_line \
	tests/fuzz/replay_ere tests/fuzz/replay_digest_state tests/fuzz/replay_journal \
	tests/fuzz/replay_miner_state tests/fuzz/replay_address
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

tests_fuzz_replay_conf_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_conf.c
tests_fuzz_replay_conf_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"conf"'
tests_fuzz_replay_conf_LDADD = config/libconf.la

tests_fuzz_replay_filters_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_filters.c
tests_fuzz_replay_filters_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"filters"'
tests_fuzz_replay_filters_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(OPENSSL_LIBS)

tests_fuzz_replay_ere_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_ere.c
tests_fuzz_replay_ere_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"ere"'
tests_fuzz_replay_ere_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(VECTORSCAN_LIBS) $(OPENSSL_LIBS)

tests_fuzz_replay_reply_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_reply.c
tests_fuzz_replay_reply_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"reply"'
tests_fuzz_replay_reply_LDADD = smtp/libsmtp.la

tests_fuzz_replay_compose_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_compose.c
tests_fuzz_replay_compose_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"compose"'
tests_fuzz_replay_compose_LDADD = smtp/libsmtp.la

tests_fuzz_replay_log_line_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_log_line.c cli/log_line.c
tests_fuzz_replay_log_line_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"log_line"'

tests_fuzz_replay_digest_state_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_digest_state.c
tests_fuzz_replay_digest_state_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"digest_state"'
tests_fuzz_replay_digest_state_LDADD = digest/libdigest.la smtp/libsmtp.la $(OPENSSL_LIBS) \
	$(PTHREAD_LIBS)

tests_fuzz_replay_address_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_address.c
tests_fuzz_replay_address_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"address"'
tests_fuzz_replay_address_LDADD = config/libconf.la smtp/libsmtp.la

tests_fuzz_replay_journal_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_journal.c
tests_fuzz_replay_journal_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"journal"'
tests_fuzz_replay_journal_LDADD = engine/libengine.la

tests_fuzz_replay_miner_state_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_miner_state.c
tests_fuzz_replay_miner_state_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_TARGET='"miner_state"'
tests_fuzz_replay_miner_state_LDADD = digest/libdigest.la

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/corpus/reply tests/fuzz/corpus/compose \
	tests/fuzz/corpus/log_line tests/fuzz/corpus/ere tests/fuzz/corpus/digest_state \
	tests/fuzz/corpus/journal tests/fuzz/corpus/miner_state tests/fuzz/corpus/address \
	tests/fuzz/regressions

# With --enable-fuzzing (CC=clang): the libFuzzer programs.  fuzz_conf,
# fuzz_filters, fuzz_digest_state and fuzz_shell are defined in config/local.mk,
# filters/local.mk, digest/local.mk and cli/local.mk.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_reply tests/fuzz/fuzz_compose tests/fuzz/fuzz_log_line tests/fuzz/fuzz_ere \
	tests/fuzz/fuzz_journal tests/fuzz/fuzz_miner_state \
	tests/fuzz/fuzz_address
tests_fuzz_fuzz_miner_state_SOURCES = tests/fuzz/fuzz_miner_state.c
tests_fuzz_fuzz_miner_state_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_miner_state_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_miner_state_LDADD = digest/libdigest.la
tests_fuzz_fuzz_address_SOURCES = tests/fuzz/fuzz_address.c
tests_fuzz_fuzz_address_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_address_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_address_LDADD = config/libconf.la smtp/libsmtp.la
tests_fuzz_fuzz_journal_SOURCES = tests/fuzz/fuzz_journal.c
tests_fuzz_fuzz_journal_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_journal_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_journal_LDADD = engine/libengine.la
tests_fuzz_fuzz_ere_SOURCES = tests/fuzz/fuzz_ere.c
tests_fuzz_fuzz_ere_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ere_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ere_LDADD = filters/libfilters.la config/libconf.la $(PCRE2_LIBS) \
	$(VECTORSCAN_LIBS) $(OPENSSL_LIBS)
tests_fuzz_fuzz_reply_SOURCES = tests/fuzz/fuzz_reply.c
tests_fuzz_fuzz_reply_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_reply_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_reply_LDADD = smtp/libsmtp.la
tests_fuzz_fuzz_compose_SOURCES = tests/fuzz/fuzz_compose.c
tests_fuzz_fuzz_compose_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_compose_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_compose_LDADD = smtp/libsmtp.la
tests_fuzz_fuzz_log_line_SOURCES = tests/fuzz/fuzz_log_line.c cli/log_line.c
tests_fuzz_fuzz_log_line_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_log_line_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif

# `make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS='reply compose']`: run each
# target for FUZZ_SECONDS on a copy of its corpus (plus the kept crashes,
# which must not crash any more) under tests/fuzz/out/<target>/; a crash
# leaves its input in tests/fuzz/out/<target>/artifacts/ and fails.
FUZZ_SECONDS = 30
FUZZ_OUT = $(abs_top_builddir)/tests/fuzz/out
.PHONY: fuzz clean-fuzz
if FUZZING
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%$(EXEEXT))
	@fail=; for t in $(FUZZ_TARGETS); do \
	  w="$(FUZZ_OUT)/$$t"; rm -rf "$$w"; mkdir -p "$$w/corpus" "$$w/artifacts" || exit 1; \
	  for d in corpus regressions; do \
	    if test -d "$(srcdir)/tests/fuzz/$$d/$$t"; then \
	      find "$(srcdir)/tests/fuzz/$$d/$$t" -maxdepth 1 -type f ! -name '.*' \
	        -exec cp {} "$$w/corpus/" \; || exit 1; \
	    fi; \
	  done; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s (log: $$w/log)"; \
	  if tests/fuzz/fuzz_$$t$(EXEEXT) -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
	      -artifact_prefix="$$w/artifacts/" -print_final_stats=1 "$$w/corpus" \
	      >"$$w/log" 2>&1; then \
	    grep -E '^stat::(number_of_executed_units|new_units_added):' "$$w/log" | sed "s/^/fuzz: $$t /"; \
	  else \
	    fail="$$fail $$t"; tail -n 40 "$$w/log"; \
	    echo "fuzz: $$t FAILED; inputs kept in $$w/artifacts/:"; ls "$$w/artifacts/"; \
	  fi; \
	done; \
	if test -n "$$fail"; then echo "fuzz: crashes in:$$fail"; exit 1; fi
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzzing and clang (tests/fuzz/README.md)" >&2; \
	exit 1
endif
clean-local: clean-fuzz
clean-fuzz:
	rm -rf "$(FUZZ_OUT)"
