#!/bin/bash
# bench/RESULTS.md is written by `make bench-compare`: the tables from
# bench/compare/report.sh, then bench/compare/analysis.md as it is.  What
# is written by hand about the results belongs in analysis.md; written in
# RESULTS.md alone, the next run would lose it.  So RESULTS.md must end
# with analysis.md, line for line.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
results="$top_srcdir/bench/RESULTS.md"
analysis="$top_srcdir/bench/compare/analysis.md"

n=$(wc -l <"$analysis")
lm_assert_match "analysis.md is not empty" "^[1-9][0-9]*$" "$n"
if ! tail -n "$n" "$results" | cmp -s - "$analysis"; then
	lm_fail "bench/RESULTS.md does not end with bench/compare/analysis.md:"
	diff <(tail -n "$n" "$results") "$analysis" | head -20
fi
lm_done
