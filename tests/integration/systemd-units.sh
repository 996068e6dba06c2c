#!/bin/bash
# systemd/: the units as systemd reads them.  `systemd-analyze verify`
# passes on logmail-flush.service (pointed at the built logmail: verify
# checks that ExecStart's program exists) and logmail-flush.timer; the
# service runs `logmail flush due` as a hardened oneshot with the spool and
# /etc/logmail writable; the timer fires every minute, Persistent=true.
# (make check-package verifies the installed units too.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is needed (systemd)"; exit 77; }
lm_cli_setup
src="$top_srcdir/systemd"

sed "s|@bindir@|$top_builddir|" "$src/logmail-flush.service.in" >"$LM_TMP/logmail-flush.service"
cp "$src/logmail-flush.timer" "$LM_TMP/"
# --man=no: Documentation= names man pages that are not installed here.
out=$(cd "$LM_TMP" && systemd-analyze verify --man=no logmail-flush.service logmail-flush.timer 2>&1)
lm_assert_eq "systemd-analyze verify: status" 0 $? || echo "$out" >&2
lm_assert_eq "systemd-analyze verify: says nothing" "" "$out"

prop() { # UNIT KEY: its value in the file
	sed -n "s/^$2=//p" "$LM_TMP/$1"
}
lm_assert_eq "service: oneshot" oneshot "$(prop logmail-flush.service Type)"
lm_assert_eq "service: runs flush due" "$top_builddir/logmail flush due" "$(prop logmail-flush.service ExecStart)"
lm_assert_eq "service: read-only system" strict "$(prop logmail-flush.service ProtectSystem)"
lm_assert_eq "service: writes only the spool and /etc/logmail" "/var/spool/logmail /etc/logmail" \
	"$(prop logmail-flush.service ReadWritePaths)"
for opt in NoNewPrivileges PrivateTmp PrivateDevices ProtectHome ProtectKernelTunables \
	ProtectKernelModules ProtectControlGroups; do
	lm_assert_eq "service: $opt" yes "$(prop logmail-flush.service "$opt")"
done
grep -q '^\[Install\]' "$LM_TMP/logmail-flush.service" &&
	lm_fail "the service has an [Install] section: only the timer should start it"
lm_assert_eq "timer: every minute" minutely "$(prop logmail-flush.timer OnCalendar)"
lm_assert_eq "timer: Persistent" true "$(prop logmail-flush.timer Persistent)"
lm_assert_eq "timer: enabled with timers.target" timers.target "$(prop logmail-flush.timer WantedBy)"

# The exposure score systemd gives the service (at most 2.0 of 10: "OK").
score=$(cd "$LM_TMP" && systemd-analyze security --offline=true logmail-flush.service 2>&1 |
	sed -n 's/.*Overall exposure level for logmail-flush.service: \([0-9.]*\).*/\1/p')
lm_assert_match "systemd-analyze security: exposure $score" '^(0\.[0-9]|1\.[0-9]|2\.0)$' "$score"

# A unit with a mistake is caught: the check can fail.
sed 's/^Type=oneshot/Type=oneshoot/' "$LM_TMP/logmail-flush.service" >"$LM_TMP/bad.service"
out=$(cd "$LM_TMP" && systemd-analyze verify --man=no bad.service 2>&1)
lm_assert_match "a bad unit is reported" "oneshoot" "$out"
lm_done
