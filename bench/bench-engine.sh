#!/usr/bin/env bash
# bench/bench-engine.sh: the module's engine alone, per configuration of
# bench-compare's module section (make bench).
#
#   bench/bench-engine.sh BUILDDIR [MESSAGES [ROUNDS [LINES]]]
#
# bench/bench_engine, one process, no rsyslogd: bench-compare's corpus
# (MESSAGES lines, default 200,000) through engine_accept for (b) its 100
# recipients x 5 filters, (p) (b) and a recipient of five programs (about
# 44 % of the corpus), and, when logcheck's rules are installed
# (/etc/logcheck, logcheck-database), (l) (b) and a `logcheck server`
# recipient, (m) (l) with that recipient excluding everything: the rules
# classify every message, the recipient receives none.  The calling
# thread's CPU time per message: (m) - (b) is what classifying costs, (p) -
# (b) what receiving that share costs, and (l) - (b) about their sum.
# LINES: a file of lines as rsyslog writes them to files (for instance
# `bench/bench_logcheck -n 200000 -w LINES`'s, lines logcheck's rules were
# written for) as the corpus instead (MESSAGES is then unused).  Prints
# Markdown, the form kept in bench/README.md.
set -euo pipefail
build=${1:?usage: bench-engine.sh BUILDDIR [MESSAGES [ROUNDS [LINES]]]}
messages=${2:-200000}
rounds=${3:-7}
lines=${4:-}
bench=$build/bench/bench_engine
gen=$(dirname "$0")/compare/gen.py
[ -x "$bench" ] || { echo "no $bench: make bench builds it" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-engine.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "$lines" ]; then
	/usr/bin/python3 "$gen" syslog "$lines" "$tmp/corpus"
	messages=$(wc -l <"$tmp/corpus")
else
	/usr/bin/python3 "$gen" corpus "$messages" "$tmp/corpus"
fi
# port 9 of the loopback: no mail server; the mails stay in the spools
/usr/bin/python3 "$gen" configs "$tmp" 9
confs=("(b)=$tmp/mod.conf" "(p)=$tmp/share.conf")
if [ -d /etc/logcheck/ignore.d.server ]; then
	confs+=("(l)=$tmp/lc.conf" "(m)=$tmp/lcx.conf")
else
	echo "bench-engine: no /etc/logcheck (logcheck-database): no (l), (m)" >&2
fi
echo "$messages messages, $rounds rounds, one thread, $(nproc) cores online"
echo
"$bench" -k "$rounds" -c "$tmp/cache" -s "$tmp" "$tmp/corpus" "${confs[@]}"
