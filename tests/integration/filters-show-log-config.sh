#!/bin/bash
# `logmail show log config`: the configuration written by `logmail configure`
# and the statistics the module publishes in <spool>/stats, shown in the
# AlliedWare Plus layout.
set -u
: "${top_builddir:=$PWD}"
LOGMAIL="$top_builddir/logmail"
[ -x "$LOGMAIL" ] || { echo "SKIP: $LOGMAIL not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # WHAT EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3")
		fails=$((fails + 1))
	fi
}
lm() { TZ=UTC "$LOGMAIL" --config "$tmp/logmail.conf" --spool "$tmp/spool" "$@"; }
mkdir "$tmp/spool"

lm configure <<'CONF' || { echo "FAIL: configure"; exit 1; }
log email admin@example.com level emergencies
log email ops@example.com level warnings program dhcp msgtext "pool exhausted"
log email ops@example.com msgtext regex "p[0-9]+"
log email ops@example.com exclude program cron
log email ops@example.com time utc +2:00
log email idle@example.com time local -5:30
CONF

digest_defaults='Digest window .. 30 s
Max messages ... 100
Max bytes ...... 65536
Max interval ... 3600 s
Fold repeats ... on
Urgent level ... critical
Rate limit ..... 20 per hour
Subject ........ default'

out=$(lm show log config 2>&1)
check "without a stats file" "Email admin@example.com:
Time offset .... +0:00
Offset type .... Local
$digest_defaults
Filters:
  1 Level ........ emergencies
    Program ...... any
    Facility ..... any
    Message text . any
  Statistics ..... 0 messages received, 0 accepted by filter
  Mailed ......... 0 messages
Email ops@example.com:
Time offset .... +2:00
Offset type .... UTC
$digest_defaults
Filters:
  1 Level ........ warnings
    Program ...... dhcp
    Facility ..... any
    Message text . \"pool exhausted\"
  2 Level ........ any
    Program ...... any
    Facility ..... any
    Message text . regex \"p[0-9]+\"
Exclude filters:
  1 Level ........ any
    Program ...... cron
    Facility ..... any
    Message text . any
  Statistics ..... 0 messages received, 0 accepted by filter
  Mailed ......... 0 messages
Email idle@example.com:
Time offset .... -5:30
Offset type .... Local
$digest_defaults
Filters:
  (none: no messages will be sent)
  Statistics ..... 0 messages received, 0 accepted by filter
  Mailed ......... 0 messages" "$out"

printf 'logmail-stats 2\nreceived 1327 1476181800\nadmin@example.com 0 0 1476181800 0\nops@example.com 12 3 1476181800 1476182176\n' \
	>"$tmp/spool/stats"
out=$(lm show log config 2>&1 | grep -E '^  (Statistics|Mailed) ')
check "with the module's stats file: the guide's line in every target, then its own mails" \
"  Statistics ..... 1327 messages received, 0 accepted by filter (2016 Oct 11 10:30:00)
  Mailed ......... 0 messages
  Statistics ..... 1327 messages received, 12 accepted by filter (2016 Oct 11 10:30:00)
  Mailed ......... 3 messages (last mail 2016 Oct 11 10:36:16)
  Statistics ..... 1327 messages received, 0 accepted by filter (2016 Oct 11 10:30:00)
  Mailed ......... 0 messages" "$out"

# the previous release's file (each recipient repeated the received count)
printf 'logmail-stats 1\nadmin@example.com 1327 0 0 1476182176\nops@example.com 1327 12 3 1476182176\n' \
	>"$tmp/spool/stats"
out=$(lm show log config 2>&1 | grep -E '^  (Statistics|Mailed) ')
check "with a stats file of the previous release" \
"  Statistics ..... 1327 messages received, 0 accepted by filter (2016 Oct 11 10:36:16)
  Mailed ......... 0 messages
  Statistics ..... 1327 messages received, 12 accepted by filter (2016 Oct 11 10:36:16)
  Mailed ......... 3 messages
  Statistics ..... 1327 messages received, 0 accepted by filter (2016 Oct 11 10:36:16)
  Mailed ......... 0 messages" "$out"

echo "not a stats file" >"$tmp/spool/stats"
err=$(lm show log config 2>&1 >/dev/null)
check "a damaged stats file is reported" \
	"% Warning: statistics unavailable: $tmp/spool/stats:1: not a logmail statistics file" "$err"
lm show log config >/dev/null 2>&1
check "and the configuration is still shown" 0 $?

[ "$fails" -eq 0 ] || exit 1
echo "PASS: show log config"
