#!/bin/bash
# omlogmail inside Debian's rsyslogd: kill -9 while a digest is held by the
# rate limit at its caps loses nothing of what it holds or counts.  One
# mail of 3 lines (its window is 1 s) uses the hour's rate limit (1); the
# next digest fills its 3 lines and is held; 3000 messages fold into its third line, 6000 others
# are only counted.  The journal outgrows its threshold and the delivery
# thread rewrites it as the digest's state (a record starting "3<TAB>");
# then rsyslogd is killed.  The restart replays that state and what came
# after it, the clean stop spools the digest, the next start delivers it:
# the same lines with the same counts, the same "not shown" count and
# summary as without the crash.  (Earlier the journal kept the digest's
# newest messages, which it had only counted: a crash mailed those instead
# and lost the count.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

N=3000
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com program app
log email ops@example.com digest window 1
log email ops@example.com digest max-messages 3
log email ops@example.com rate-limit 1
EOF
rs_conf
rs_one_worker
rs_start || exit 99
journal=$RS_DIR/spool/pending/journal

line() { printf '<11>Nov 30 10:00:00 web1 app: %s\n' "$1"; }
{ line "disk sda failed"; line "fan 2 stopped"; line "link eth0 down"; } >"/dev/tcp/127.0.0.1/$RS_PORT"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the first digest (3 lines, its window of 1 s) was not delivered"
{
	line "queue held back"
	line "spool held too"
	line "Connection closed by 192.0.2.1 port 1"
	for ((i = 0; i < N; i++)); do
		line "Connection closed by 192.0.2.$((i % 250)) port $((1000 + i))"
		line "Invalid user u$i from 192.0.2.1"
		line "Connection reset by 198.51.100.$((i % 250)) port $i"
	done
} >"$LM_TMP/storm"
cat "$LM_TMP/storm" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log "app: +Connection reset by 198.51.100.[0-9]+ port $((N - 1))\$" || exit 1
for ((i = 0; i < 200; i++)); do
	[ "$(head -c 2 "$journal" 2>/dev/null)" = "3	" ] && break
	sleep 0.05
done
lm_assert_eq "the journal was rewritten as the digest's state" "3	" "$(head -c 2 "$journal")"
lm_assert_eq "one mail before the crash" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"

kill -KILL "$RS_PID"
wait "$RS_PID" 2>/dev/null
RS_PID=
rs_start || exit 99
rs_wait_log "omlogmail: recovered $((3 * N + 3)) messages held in digests" ||
	lm_fail "the recovery is not logged"
rs_stop # spools the held digest, whatever the rate limit
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the recovered digest was not delivered"
rs_stop

mapfile -t ops < <(rs_mail_to ops@example.com)
lm_assert_eq "two mails to ops" 2 "${#ops[@]}"
body=$(for f in "${ops[@]}"; do rs_body "$f"; done)
held=$(grep -A 20 ' app: queue held back$' <<<"$body")
t='[-0-9]+ [:0-9]+ [+-][0-9]{4}'
lm_assert_eq "the two held lines, the folded line, in that order" 3 "$(head -3 <<<"$held" | grep -c -E \
	"^$t (err web1 app: (queue held back|spool held too)|\(x$((N + 1))\) err web1 app: Connection closed by <ip> port <n>)\$")"
lm_assert_eq "what was counted, counted the same" \
	"$((2 * N)) further messages not shown (rate limit)
  (x$N) err web1 app: Connection reset by <ip> port <n>" "$(sed -n '4,5p' <<<"$held")"
lm_assert_eq "the summary adds up" \
	"  by severity: $((2 * N)) err
  by host: $((2 * N)) web1
  by program: $((2 * N)) app
-- 
$((3 * N + 3)) messages ($((N + 3)) shown), $((3 * N + 3)) errors or worse, most severe: err" \
	"$(grep -A 4 '^  by severity' <<<"$held")"
lm_assert_eq "a held line: once, in one mail" 1 "$(grep -c 'queue held back' <<<"$body")"
lm_done
