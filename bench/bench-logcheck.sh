#!/usr/bin/env bash
# bench/bench-logcheck.sh: logcheck's server rules, side by side (make bench).
#
#   bench/bench-logcheck.sh BUILDDIR [LINES [SAMPLE [RULES]]]
#
# (a), (b): bench/bench_logcheck over LINES lines (default 1,000,000) with
# Vectorscan and with PCRE2 only (and the one-database form), one thread.
# (c): grep -E -v -f, as logcheck's cleanchecked() runs it, with the same
# rules (ignore.d.server and ignore.d.paranoid, cleaned as logcheck cleans
# them, in one file) over the first SAMPLE lines (default 5,000) of the
# same lines in LC_ALL=C, and the first SAMPLE / 10 in C.UTF-8 (where grep
# is far slower); lines per second of CPU time, scaled from the sample,
# grep's start (compiling the rules, well under a second) included.  Prints
# Markdown, the form kept in bench/README.md.  RULES defaults to
# /etc/logcheck.
set -euo pipefail
build=${1:?usage: bench-logcheck.sh BUILDDIR [LINES [SAMPLE [RULES]]]}
lines=${2:-1000000}
sample=${3:-5000}
rules=${4:-/etc/logcheck}
bench=$build/bench/bench_logcheck
[ -x "$bench" ] || { echo "no $bench: make bench builds it" >&2; exit 1; }
[ -d "$rules/ignore.d.server" ] ||
	{ echo "bench-logcheck: no logcheck rules in $rules (apt-get install logcheck-database)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-logcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$bench" -r "$rules" -l server -n "$lines" -w "$tmp/lines" | tee "$tmp/out"

# The rules as logcheck has them at the server level: run-parts names,
# without comments and blank lines.
for d in ignore.d.server ignore.d.paranoid; do
	for f in $(run-parts --list "$rules/$d"); do
		LC_ALL=C grep -E --text -v '^[[:space:]]*$|^#' "$f" || true
	done
done >"$tmp/rules"
head -n "$sample" "$tmp/lines" >"$tmp/sample"
usample=$((sample / 10))
head -n "$usample" "$tmp/lines" >"$tmp/usample"

# CPU seconds (user + system) of one grep run.  Not into /dev/null: GNU
# grep sees that and stops at the first line it would print.
cpu() {
	local t
	t=$( { TIMEFORMAT='%U %S'; time "$@" >"$tmp/grep.out"; } 2>&1 | tail -n 1)
	awk -v t="$t" 'BEGIN { split(t, a, " "); print a[1] + a[2] }'
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
utf8=$(rate "$usample" "$(cpu env LC_ALL=C.UTF-8 grep -E --text -v -f "$tmp/rules" "$tmp/usample")")
c=$(rate "$sample" "$(cpu env LC_ALL=C grep -E --text -v -f "$tmp/rules" "$tmp/sample")")
a=$(awk -F'|' '$2 ~ /vectorscan/ { gsub(/ /, "", $4); print $4 }' "$tmp/out")
b=$(awk -F'|' '$2 ~ /pcre2/ { gsub(/ /, "", $4); print $4 }' "$tmp/out")

echo
echo "grep -E -v -f with the same $(wc -l <"$tmp/rules") rules over the first $sample lines" \
	"($usample in C.UTF-8), CPU time"
echo
echo "|                         | lines/s    | (a) is  |"
echo "|-------------------------|-----------:|--------:|"
awk -v a="$a" -v b="$b" -v u="$utf8" -v c="$c" 'BEGIN {
	printf "| (a) logmail, Vectorscan | %10d |    1.0x |\n", a
	printf "| (b) logmail, PCRE2 only | %10d | %6.1fx |\n", b, a / b
	printf "| (c) grep, C.UTF-8       | %10d | %6.0fx |\n", u, a / u
	printf "| (c) grep, LC_ALL=C      | %10d | %6.0fx |\n", c, a / c
}'
