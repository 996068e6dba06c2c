#!/usr/bin/env bash
# Same answers as logcheck: logcheck 1.4.2 itself (run as user logcheck,
# -o -t, on a copy of Debian's rule database with a few local rules) and
# filters/filter.h (through tests/integration/logcheck_driver) read the
# same syslog file, and every reported line must be in the same section,
# under a heading logcheck used for it, at each of the three levels; with
# Vectorscan and with PCRE2 only.  (The one-database form is compared with
# the default by the unit tests and by make bench, on a million lines.)
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/logcheck-lib.sh"

DRIVER=$top_builddir/tests/integration/logcheck_driver
[ -x "$DRIVER" ] || { echo "no $DRIVER: build it first" >&2; exit 99; }
lc_require

LM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/logmail-test.XXXXXX")
trap 'rm -rf "$LM_TMP"' EXIT
chmod 755 "$LM_TMP" # logcheck reads the log and the rules as user logcheck

log=$LM_TMP/syslog
lc_build_log "$log"
lc_rules "$LM_TMP/rules"

count() { # SECTION PAIRS
	grep -c "^$1" "$2"
}

for level in paranoid server workstation; do
	lc_logcheck "$level" "$LM_TMP/rules" "$log" "$LM_TMP/$level.report" ||
		lm_fail "$level: logcheck failed: $(cat "$LM_TMP/$level.report")"
	lc_report_pairs "$LM_TMP/$level.report" >"$LM_TMP/$level.theirs"
	# the comparison means something only when every section has lines
	for section in "Security Alerts" "Security Events" "System Events"; do
		[ "$(count "$section" "$LM_TMP/$level.theirs")" -gt 0 ] ||
			lm_fail "$level: logcheck reported no $section: the test log needs more lines"
	done
	for mode in "" -p; do
		"$DRIVER" -t $mode ${LOGMAIL_TEST_CACHE:+-c "$LOGMAIL_TEST_CACHE"} -r "$LM_TMP/rules" \
			"$level" "$log" >"$LM_TMP/$level$mode.ours" \
			2>"$LM_TMP/$level$mode.err" || lm_fail "$level $mode: the driver failed: $(cat "$LM_TMP/$level$mode.err")"
		lc_compare "$level${mode:+ ($mode)}" "$LM_TMP/$level.theirs" "$LM_TMP/$level$mode.ours"
	done
done

# The levels differ, so the test tells them apart.
p=$(count "System Events" "$LM_TMP/paranoid.theirs")
s=$(count "System Events" "$LM_TMP/server.theirs")
w=$(count "System Events" "$LM_TMP/workstation.theirs")
if [ "$p" -gt "$s" ] && [ "$s" -gt "$w" ]; then
	echo "ok: System Events shrink with the level: paranoid $p, server $s, workstation $w"
else
	lm_fail "expected paranoid > server > workstation System Events, got $p, $s, $w"
fi

# What the local rules are there for, as logcheck itself does it.
lm_assert_match "a dpkg leftover is not a rule file" \
	$'System Events\t[^\n]*skip-test' "$(cat "$LM_TMP/server.ours")"
lm_assert_eq "ignore.d.server/local-test applies" "" \
	"$(grep 'local-test' "$LM_TMP/server.ours")"
lm_assert_eq "cracking.ignore.d quiets one cracking line" \
	$'Security Alerts for kernel\t2026-11-30T10:30:30.000030+01:00 web1 kernel: Oversized packet received from 203.0.113.66' \
	"$(grep Oversized "$LM_TMP/server.ours")"
lm_assert_match "violations.d/logcheck: plain Security Events" \
	$'(^|\n)Security Events\t[^\n]*myapp\\[901\\]: SECURITY' "$(cat "$LM_TMP/server.ours")"
lm_assert_eq "violations.ignore.d/myapp quiets violations.d/logcheck" "" \
	"$(grep 'SECURITY drill' "$LM_TMP/server.ours")"
lm_assert_match "a line another violations.d file reports goes there" \
	$'(^|\n)Security Events for su\t[^\n]*su\\[4203\\]: SECURITY' "$(cat "$LM_TMP/server.ours")"

# Debian's rules all run with Vectorscan but for the few it cannot take at
# all: a rule sent to PCRE2 for another reason (a long count: ssh's
# `.{0,256}`) costs a PCRE2 call for each line of its program that no
# other rule ignores.
if [ "$("$DRIVER" -v)" = vectorscan ]; then
	"$DRIVER" -n -r "$LM_TMP/rules" workstation >"$LM_TMP/load" 2>&1
	grep '^note .*run by PCRE2' "$LM_TMP/load" |
		grep -v -E 'Back-references|Embedded start anchors' >"$LM_TMP/other"
	lm_assert_eq "Debian's rules: only back-references and embedded anchors run by PCRE2" "" \
		"$(cat "$LM_TMP/other")"
	lm_assert_match "Debian's rules: some run by PCRE2" "Back-references" "$(cat "$LM_TMP/load")"
fi
lm_done
