#!/bin/bash
# Spool files damaged by hand (truncated, header corrupted, emptied, a bad
# number, garbage dropped into queue/): `logmail flush` moves each to
# failed/ with a "corrupt spool file: ..." reason, delivers the good ones,
# and never crashes; `show mail` lists only the good ones meanwhile.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_dead_port
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $DEAD_PORT
mail from sender@example.com
EOF
for s in truncated header empty number good1 good2; do
	printf 'Body of %s\n' "$s" | lm mail to admin@example.com subject "$s" >/dev/null 2>&1
done
ids=($(ls "$spool/queue"))
lm_assert_eq "six mails queued" 6 "${#ids[@]}"
q=$spool/queue
truncate -s 30 "$q/${ids[0]}"
sed -i 's/^Version: 1$/Vrsn: 9/' "$q/${ids[1]}"
: >"$q/${ids[2]}"
sed -i 's/^Attempts: .*/Attempts: many/' "$q/${ids[3]}"
head -c 4000 /dev/urandom >"$q/junk"
printf 'Version: 1\nId: x\n\n' >"$q/headeronly"

out=$(lm show mail 2>&1)
lm_assert_eq "show mail: exit code" 0 $?
lm_assert_eq "show mail lists the good ones" "good1 good2" \
	"$(sed -n 's/^Subject *: //p' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"

lm_smtpd_start good || exit 99
lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure port"
out=$(lm flush 2>&1)
rc=$?
lm_assert_match "flush: no crash (exit code 0 or 69)" '^(0|69)$' "$rc"
lm_assert_eq "flush output" "2 sent, 0 deferred, 6 failed" "$out"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the good mails were not delivered"
lm_assert_eq "the good ones delivered" "good1 good2" \
	"$(for f in "$SMTPD_MAILDIR"/*.eml; do lm_header "$f" Subject; done | tr '\n' ' ' | sed 's/ $//')"
lm_assert_eq "queue empty" "" "$(ls "$q")"
for n in "${ids[0]}" "${ids[1]}" "${ids[2]}" "${ids[3]}" junk headeronly; do
	[ -f "$spool/failed/$n" ] || lm_fail "$n not moved to failed/"
	lm_assert_match "$n: reason" '^corrupt spool file: .+' "$(cat "$spool/failed/$n.reason" 2>/dev/null)"
done
lm_assert_match "truncated: reason" 'no end of the header block' "$(cat "$spool/failed/${ids[0]}.reason")"
lm_assert_match "header: reason" 'missing Version' "$(cat "$spool/failed/${ids[1]}.reason")"
lm_assert_match "number: reason" 'bad number in Attempts' "$(cat "$spool/failed/${ids[3]}.reason")"
lm_assert_eq "counters" "Mail Client (SMTP) counters
Mails Sent           ..... 2
Mails Sent Fails     ..... 6
Authentication Fails ..... 0" "$(lm show counter mail)"
out=$(lm flush 2>&1)
lm_assert_eq "a second flush has nothing to do" "0 sent, 0 deferred, 0 failed" "$out"
lm_smtpd_stop good
lm_done
