#!/bin/bash
# omlogmail refuses an rsyslogd of another upstream version than the one it
# was built for, with one clear line, instead of running on interfaces that
# may have changed.  The other rsyslogd is Debian's binary with the version
# in its banner changed (same length): everything else is the same program.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

rs_logmail_conf <<<"log email a@example.com level errors"
rs_conf
out=$("${RS_PRELOAD[@]}" "$RSYSLOGD" -N1 -f "$RS_DIR/rsyslog.conf" 2>&1)
lm_assert_eq "the installed rsyslogd: -N1 status" 0 $?
lm_assert_eq "the installed rsyslogd: nothing said" "" "$(grep 'omlogmail' <<<"$out")"

built=$(LC_ALL=C grep -a -o -m 1 -E 'rsyslogd  [0-9.]+ \(aka' "$RSYSLOGD" | head -n 1 | cut -d' ' -f3)
lm_assert_match "the installed rsyslogd's banner" '^[0-9]+\.[0-9]+\.[0-9]+$' "$built"
other=$("$PY" - "$built" <<'EOF'
import sys
v = sys.argv[1].split(".")
v[1] = str(int(v[1]) + 1)  # 8.2302.0 -> 8.2303.0: the same length
print(".".join(v))
EOF
)
"$PY" - "$RSYSLOGD" "$LM_TMP/rsyslogd" "$built" "$other" <<'EOF'
import os, sys
src, dst, a, b = sys.argv[1:]
data = open(src, "rb").read()
old = ("rsyslogd  %s (aka" % a).encode()
assert data.count(old) == 1, data.count(old)
open(dst, "wb").write(data.replace(old, ("rsyslogd  %s (aka" % b).encode()))
os.chmod(dst, 0o755)
EOF
lm_assert_match "the other rsyslogd says it is $other" "^rsyslogd  $other " \
	"$("$LM_TMP/rsyslogd" -v | head -n 1)"
out=$("${RS_PRELOAD[@]}" "$LM_TMP/rsyslogd" -N1 -f "$RS_DIR/rsyslog.conf" 2>&1)
lm_assert_eq "another rsyslog: -N1 fails" 1 $?
lm_assert_eq "another rsyslog: one clear line" \
	"omlogmail: built for rsyslog $built, but this rsyslogd is $other: not loaded (install the rsyslog-logmail package built for rsyslog $other, or rebuild the module)" \
	"$(grep -o 'omlogmail: built for.*module)' <<<"$out")"
lm_done
