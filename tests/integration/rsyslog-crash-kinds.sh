#!/bin/bash
# omlogmail inside Debian's rsyslogd: the event kinds of an open digest
# survive kill -9 mid-storm.  The same storm is logged twice to one
# recipient whose window stays open (an hour):
#
#   1. without a crash: the clean stop mails the digest;
#   2. with one: once the journal has been rewritten as the digest's state
#      (a record starting "3<TAB>", which holds the recipient's kinds too),
#      more lines come, rsyslogd is killed, the restart replays the state
#      and the messages after it, and the clean stop mails the digest.
#
# The two mails must be the same: the same kind lines with the same counts
# and values (which needs the replayed messages to get the kinds, ids and
# counts they got before the crash: the miner restored as it was at the
# rewrite) and the same closing counts.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

N=2500
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com program sshd
log email ops@example.com digest window 3600
EOF
rs_conf
rs_one_worker
journal=$RS_DIR/spool/pending/journal

line() { printf '<38>Nov 30 10:00:00 web1 sshd[%d]: %s\n' "$1" "$2"; }
{
	for ((i = 0; i < N; i++)); do
		line $((6000 + i)) "Failed password for root from 203.0.113.$((i % 4 ? 45 : 7)) port $((30000 + i)) ssh2"
		line 4242 "Invalid user u$((i % 40)) from 192.0.2.$((i % 3))"
		line $((5000 + i)) "Connection reset by 198.51.100.$((i % 250)) port $i"
	done
} >"$LM_TMP/part1"
{
	line 4242 "Invalid user guest from 192.0.2.9"
	for ((i = 0; i < 50; i++)); do
		line 4001 "Failed password for admin from 203.0.113.9 port $((60000 + i)) ssh2"
		line 77 "error: kex_exchange_identification: Connection closed by remote host"
	done
	line 78 "the last line"
} >"$LM_TMP/part2"

# 1. without a crash
rs_start || exit 99
cat "$LM_TMP/part1" >"/dev/tcp/127.0.0.1/$RS_PORT"
cat "$LM_TMP/part2" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log 'sshd: +the last line' || exit 1
rs_stop # spools the open digest
[ "$(head -c 1 "$journal" 2>/dev/null)" = "" ] || lm_fail "the clean stop left a journal"
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the digest of the run without a crash was not delivered"

# 2. with one, after the rewrite
cat "$LM_TMP/part1" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log "sshd: +Connection reset by 198.51.100.[0-9]+ port $((N - 1))\$" 2 || exit 1
for ((i = 0; i < 400; i++)); do
	[ "$(head -c 2 "$journal" 2>/dev/null)" = "3	" ] && break
	sleep 0.05
done
lm_assert_eq "the journal was rewritten as the digest's state" "3	" "$(head -c 2 "$journal")"
cat "$LM_TMP/part2" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log 'sshd: +the last line' 2 || exit 1
for ((i = 0; i < 200; i++)); do # the last line journaled too
	grep -q 'the last line' "$journal" 2>/dev/null && break
	sleep 0.05
done
lm_assert_eq "no mail before the crash" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
kill -KILL "$RS_PID"
wait "$RS_PID" 2>/dev/null
RS_PID=
rs_start || exit 99
rs_wait_log "omlogmail: recovered $((3 * N + 102)) messages held in digests" ||
	lm_fail "the recovery is not logged"
rs_stop # spools the recovered digest
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the recovered digest was not delivered"
rs_stop

mapfile -t mails < <(rs_mail_to ops@example.com)
lm_assert_eq "two mails" 2 "${#mails[@]}"
[ ${#mails[@]} -eq 2 ] || exit 1
plain=$(rs_body "${mails[0]}")
crashed=$(rs_body "${mails[1]}")
lm_assert_eq "the storm's kinds, counts and values, as without the crash" "$plain" "$crashed"
lm_assert_match "a kind line with its values" \
	"\\(x$N\\) info web1 sshd\\[<n>\\]: Failed password for root from 203\\.0\\.113\\.45 \\(x$((N * 3 / 4))\\), 203\\.0\\.113\\.7 \\(x$((N / 4))\\) port <n> ssh2" \
	"$plain"
lm_assert_match "the kinds that merged, one line" \
	"\\(x$((N + 1))\\) info web1 sshd\\[4242\\]: Invalid user <\\*> from 192\\.0\\.2\\.0 \\(x[0-9-]+\\), 192\\.0\\.2\\.1 \\(x[0-9-]+\\), 192\\.0\\.2\\.2 \\(x[0-9-]+\\), 1 other" \
	"$plain"
lm_assert_eq "the closing counts" "$((3 * N + 102)) messages, 0 errors or worse, most severe: info" \
	"$(tail -1 <<<"$crashed")"
lm_assert_eq "the mail without a crash says the same" "$(tail -1 <<<"$plain")" "$(tail -1 <<<"$crashed")"
lm_done
