#!/bin/bash
# `logmail test filters FILE`: a log file in both timestamp forms (the
# traditional one and Debian 12's RFC 3339) through the engine's dry run:
# the exact mails per recipient (two closed by their windows on the lines'
# own clock, one at the end of the input), the matched lines per
# recipient, the bad line reported with its number and skipped, the
# warning about lines without <PRI>, standard input, nothing written to
# the spool, and the README's `exclude program cron` on Debian's CRON.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
export TZ=UTC LC_ALL=C

lm configure <<'EOF' || lm_fail "configure"
mail smtpserver 192.0.2.25
log email admin@example.com program sshd msgtext "Failed password"
log email admin@example.com time utc
log email admin@example.com digest window 60
log email admin@example.com subject "Failed logins"
log email ops@example.com level errors
log email ops@example.com time utc
log email ops@example.com subject "%C lines (%E errors)"
EOF

# Traditional lines have no year: the current one (January 1st is never a
# day ahead of now).
y=$(date +%Y)
date_of() { date -d "$y-01-01 $1" '+%a, %d %b %Y %H:%M:%S %z'; }
cat >"$LM_TMP/syslog" <<EOF
Jan  1 00:00:01 web1 sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2
Jan  1 00:00:05 web1 CRON[77]: (root) CMD (run-parts /etc/cron.hourly)
$y-01-01T00:00:30.123456+00:00 web1 sshd[124]: Failed password for invalid user bob from 192.0.2.8
this is not a syslog line
<11>Jan  1 00:01:10 web1 nginx: upstream timed out

$y-01-01T01:02:00+01:00 web2 sshd[125]: Failed password for root from 192.0.2.9
EOF

expected_out() {
	cat <<EOF
To: admin@example.com
Subject: Failed logins
Date: $(date_of 00:01:10)
Closed: window

$y-01-01 00:00:01 +0000 ? web1 sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2
$y-01-01 00:00:30 +0000 ? web1 sshd[124]: Failed password for invalid user bob from 192.0.2.8
-- 
2 messages, 0 errors or worse, most severe: ?

To: admin@example.com
Subject: Failed logins
Date: $(date_of 00:02:00)
Closed: end of input

$y-01-01 00:02:00 +0000 ? web2 sshd[125]: Failed password for root from 192.0.2.9
-- 
1 message, 0 errors or worse, most severe: ?

To: ops@example.com
Subject: 1 lines (1 errors)
Date: $(date_of 00:02:00)
Closed: window

$y-01-01 00:01:10 +0000 err web1 nginx: upstream timed out
-- 
1 message, 1 error or worse, most severe: err

Lines matched, per recipient (5 lines parsed, 1 skipped):
  admin@example.com  3
  ops@example.com    1
EOF
}
expected_err() { # NAME
	cat <<EOF
logmail: $1:4: not a syslog line (expected "[<PRI>]Mmm dd hh:mm:ss HOST TAG: TEXT" or an RFC 3339 time), skipped
logmail: warning: 4 lines carry no <PRI>, so no level or facility: filters with a level or a facility never match them (ops@example.com)
EOF
}

out=$(lm test filters "$LM_TMP/syslog" 2>"$LM_TMP/err")
lm_assert_eq "exit status" 0 "$?"
lm_assert_eq "the mails, then the counts" "$(expected_out)" "$out"
lm_assert_eq "the bad line and the warning" "$(expected_err "$LM_TMP/syslog")" "$(cat "$LM_TMP/err")"

out=$(lm test filters - <"$LM_TMP/syslog" 2>"$LM_TMP/err")
lm_assert_eq "standard input: exit status" 0 "$?"
lm_assert_eq "standard input: the same mails" "$(expected_out)" "$out"
lm_assert_eq "standard input: named <stdin>" "$(expected_err "<stdin>")" "$(cat "$LM_TMP/err")"

# A shortened command, as everywhere in exec mode.
out=$(lm te fil - <"$LM_TMP/syslog" 2>/dev/null)
lm_assert_eq "te fil" "$(expected_out)" "$out"

lm_assert_eq "nothing written to the spool" "no spool" "$([ -e "$spool" ] && echo spool || echo "no spool")"

out=$(lm test filters "$LM_TMP/missing" 2>&1)
lm_assert_eq "a missing file: exit status (EX_NOINPUT)" 66 "$?"
lm_assert_eq "a missing file: said" "logmail: cannot read $LM_TMP/missing: No such file or directory" "$out"
out=$(lm test filters 2>&1)
lm_assert_eq "no file: exit status (EX_USAGE)" 64 "$?"
lm_assert_eq "no file: said" 'logmail: <command>:1:13: expected a value after "filters"' "$out"

# The README's example on Debian's own lines: `exclude program cron`
# excludes CRON (program names match whatever their case), and
# `facility DAEMON` is daemon.
lm configure <<'EOF' || lm_fail "configure the README's example"
no log email admin@example.com
no log email ops@example.com
log email admin@example.com level errors
log email admin@example.com exclude program cron
log email ops@example.com facility DAEMON
EOF
cat >"$LM_TMP/debian" <<EOF
<75>Jan  1 00:00:01 web1 CRON[77]: pam_unix(cron:session): error opening session
<27>Jan  1 00:00:02 web1 ntpd[5]: error: no servers reachable
EOF
out=$(lm test filters "$LM_TMP/debian" 2>&1)
lm_assert_eq "README's example: exit status" 0 "$?"
lm_assert_eq "exclude program cron: Debian's CRON line is excluded" 0 "$(grep -c 'CRON' <<<"$out")"
lm_assert_eq "the counts" "$(printf '  admin@example.com  1\n  ops@example.com    1')" \
	"$(grep '^  [a-z]*@example.com' <<<"$out")"
lm_assert_match "show running-config writes the facility as the guide does" \
	'log email ops@example.com facility daemon' "$(lm show running-config)"
lm_done
