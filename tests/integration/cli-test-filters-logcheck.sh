#!/bin/bash
# `logmail test filters FILE` with a logcheck filter: the engine's dry run
# classifies each line with the rules (a small tree of the test's own) and
# prints the digest under logcheck's sections; the load is noted on
# standard error.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
export TZ=UTC LC_ALL=C

rules=$LM_TMP/rules
mkdir -p "$rules"/{cracking.d,cracking.ignore.d,violations.d,violations.ignore.d}
mkdir -p "$rules"/{ignore.d.paranoid,ignore.d.server}
h='^\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+'
printf '%s\n' "$h sshd\[[0-9]+\]: Accepted publickey " >"$rules/ignore.d.server/ssh"
printf '%s\n' "$h sshd\[[0-9]+\]: Failed password for root " >"$rules/violations.d/ssh"
printf '%s\n' "$h kernel: .*segfault" >"$rules/cracking.d/kernel"

lm configure <<EOF || lm_fail "configure"
mail smtpserver 192.0.2.25
log email lc@example.com logcheck server rules $rules
log email lc@example.com time utc
log email lc@example.com subject "logcheck"
EOF

y=$(date +%Y)
cat >"$LM_TMP/syslog" <<EOF
Jan  1 00:00:01 web1 sshd[123]: Accepted publickey for alice from 192.0.2.7 port 4242 ssh2
Jan  1 00:00:02 web1 sshd[124]: Failed password for root from 192.0.2.8 port 4243 ssh2
Jan  1 00:00:03 web1 kernel: app[77]: segfault at 0 ip 0 sp 0 error 4
Jan  1 00:00:04 web1 CRON[78]: (root) CMD (run-parts /etc/cron.hourly)
EOF

expected() {
	cat <<EOF
To: lc@example.com
Subject: logcheck
Date: $(date -d "$y-01-01 00:00:04" '+%a, %d %b %Y %H:%M:%S %z')
Closed: end of input

Security Alerts
===============
$y-01-01 00:00:03 +0000 ? web1 kernel: app[77]: segfault at 0 ip 0 sp 0 error 4

Security Events
===============
$y-01-01 00:00:02 +0000 ? web1 sshd[124]: Failed password for root from 192.0.2.8 port 4243 ssh2

System Events
=============
$y-01-01 00:00:04 +0000 ? web1 CRON[78]: (root) CMD (run-parts /etc/cron.hourly)
-- 
3 messages, 0 errors or worse, most severe: ?

Lines matched, per recipient (4 lines parsed, 0 skipped):
  lc@example.com  3
EOF
}

out=$(lm test filters "$LM_TMP/syslog" 2>"$LM_TMP/err")
lm_assert_eq "exit status" 0 "$?"
lm_assert_eq "the mail under logcheck's sections, then the counts" "$(expected)" "$out"
lm_assert_eq "the load, noted" \
	"logmail: note: logcheck rules $rules (server): 3 rules loaded, 0 left out, 0 run by PCRE2" \
	"$(cat "$LM_TMP/err")"

# Rules that cannot be read: said, and the filter matches nothing.
sed -i "s|rules $rules|rules $LM_TMP/none|" "$conf"
out=$(lm test filters "$LM_TMP/syslog" 2>"$LM_TMP/err")
lm_assert_eq "no rules: exit status" 0 "$?"
lm_assert_eq "no rules: nothing matched" \
	"Lines matched, per recipient (4 lines parsed, 0 skipped):
  lc@example.com  0" "$out"
lm_assert_eq "no rules: said" \
	"logmail: logcheck rules $LM_TMP/none: No such file or directory: the logcheck filters on these rules match nothing" \
	"$(cat "$LM_TMP/err")"
lm_done
