#!/bin/bash
# Delivery failures against a misbehaving tests/servers/smtpd.py: a 421
# greeting, 451 to RCPT, a connection dropped in DATA, a server that hangs,
# and a server that is down leave the mail queued (" queued: <reason>",
# EX_TEMPFAIL); 550 to RCPT and 554 after DATA move it to failed/ with the
# reply (" failed: <reply>", EX_UNAVAILABLE).  `show counter mail` agrees.
# Once a good server answers, `logmail flush` delivers each queued mail
# exactly once, with the Message-ID it was queued with.  A second delivering
# process is refused while the spool's lock is held.  `flush due`, what the
# systemd timer runs, tries only what is due, says nothing when it tried
# nothing, and exits 0 without a word when another process holds the lock
# or (unconfigured) when the queue is empty, and with one line when mail
# is queued but no server is configured.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
host=$(hostname)
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail from sender@example.com
mail smtpserver timeout 2
EOF

ids=()
# try NAME EXIT-CODE REGEX-FOR-WHAT-FOLLOWS-THE-ID [smtpd.py options]: start
# a server, send one mail to it, check the line and exit code, stop it.
try() {
	local name=$1 want_rc=$2 want=$3 out rc id
	shift 3
	lm_smtpd_start "$name" "$@" || { lm_fail "$name: server did not start"; return; }
	lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "$name: configure port"
	out=$(printf 'Body of %s\n' "$name" | lm mail to admin@example.com subject "$name" 2>&1)
	rc=$?
	id=$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. .*/\1/p' <<<"$out")
	lm_assert_match "$name: output" "^Sending $id\\.\\.\\. $want\$" "$out"
	lm_assert_eq "$name: exit code" "$want_rc" "$rc"
	lm_assert_eq "$name: server kept nothing" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
	lm_smtpd_stop "$name"
	last_id=$id
}

# ---- temporary failures: queued ---------------------------------------------
try greet421 75 'queued: greeting: 421 4\.3\.2 smtpd\.test service not available' --greeting-421
ids+=("$last_id")
try rcpt451 75 'queued: RCPT TO: 451 4\.3\.0 temporary failure, try again later' --rcpt-451
ids+=("$last_id")
try drop 75 'queued: .+' --drop-in-data
ids+=("$last_id")
try hang 75 'queued: .*2 s.*' --hang
ids+=("$last_id")

lm_assert_eq "four mails queued" 4 "$(lm show mail | grep -c '^Message-ID ')"
for id in "${ids[@]}"; do
	lm_assert_eq "show mail lists $id" "Message-ID                          : $id" \
		"$(lm show mail | grep "^Message-ID .*: $id\$")"
done
lm_assert_eq "counters after temporary failures" "Mail Client (SMTP) counters
Mails Sent           ..... 0
Mails Sent Fails     ..... 0
Authentication Fails ..... 0" "$(lm show counter mail)"

# The server is gone (its port closed): flush defers everything.
out=$(lm flush 2>"$LM_TMP/flush.err")
lm_assert_eq "flush with the server down: exit code" 75 $?
lm_assert_eq "flush with the server down" "0 sent, 4 deferred, 0 failed" "$out"
lm_assert_match "flush with the server down: reason" '^% Warning: .+' "$(cat "$LM_TMP/flush.err")"
lm_assert_eq "attempts counted" 4 "$(lm show mail | grep -c '(2 attempts)$')"

# ---- another process delivering: refused, nothing touched -------------------
out=$(flock "$spool/lock" "$LOGMAIL" --config "$conf" --spool "$spool" flush 2>&1)
lm_assert_eq "flush while locked: exit code" 75 $?
lm_assert_eq "flush while locked: message" \
	"% Error: another process is delivering the queue; try again later" "$out"
out=$(flock "$spool/lock" "$LOGMAIL" --config "$conf" --spool "$spool" flush due 2>&1)
lm_assert_eq "flush due while locked: exit code" 0 $?
lm_assert_eq "flush due while locked: says nothing" "" "$out"
lm_assert_eq "flush due while locked: nothing tried" 4 "$(lm show mail | grep -c '(2 attempts)$')"

# Their retry times are ahead: `flush due` tries none and says nothing.
out=$(lm flush due 2>&1)
lm_assert_eq "flush due, nothing due: exit code" 0 $?
lm_assert_eq "flush due, nothing due: says nothing" "" "$out"
lm_assert_eq "flush due, nothing due: nothing tried" 4 "$(lm show mail | grep -c '(2 attempts)$')"

# No server configured and nothing queued: the timer finds nothing to do.
out=$("$LOGMAIL" --config "$LM_TMP/none.conf" --spool "$LM_TMP/none.spool" flush due 2>&1)
lm_assert_eq "flush due, unconfigured, empty queue: exit code" 0 $?
lm_assert_eq "flush due, unconfigured, empty queue: says nothing" "" "$out"
# Mail queued, no server configured (yet): the timer's run is no failure
# of its unit; one line says why nothing moves.
echo 'mail from sender@example.com' >"$LM_TMP/noserver.conf"
chmod 600 "$LM_TMP/noserver.conf"
out=$("$LOGMAIL" --config "$LM_TMP/noserver.conf" --spool "$spool" flush due 2>&1)
lm_assert_eq "flush due, mail queued, no server: exit code" 0 $?
lm_assert_eq "flush due, mail queued, no server: one line" \
	"mails stay queued: no mail smtpserver configured" "$out"
lm_assert_eq "flush due, no server: nothing tried" 4 "$(lm show mail | grep -c '(2 attempts)$')"
out=$("$LOGMAIL" --config "$LM_TMP/none.conf" --spool "$LM_TMP/none.spool" flush 2>&1)
lm_assert_eq "flush, unconfigured: exit code" 78 $?
lm_assert_eq "flush, unconfigured: says why" "% Error: no SMTP server configured (mail smtpserver)" "$out"

# ---- the server recovers: flush delivers each mail exactly once -------------
lm_smtpd_start good || lm_fail "good server did not start"
lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure good port"
# Queued in this order, maybe within one second (the queue orders by the
# second, then by mail-id, whose process ids need not grow): say so to the
# second in their files, for the "oldest first" below.
t=$(($(date +%s) - 100))
for id in "${ids[@]}"; do
	sed -i "s/^Queued: .*/Queued: $((t += 10))/" "$spool/queue/$id"
done
# The oldest one's retry time has come (its file says so): `flush due` sends it alone.
sed -i 's/^Next-Try: .*/Next-Try: 1/' "$spool/queue/${ids[0]}"
out=$(lm flush due 2>&1)
lm_assert_eq "flush due: exit code" 0 $?
lm_assert_eq "flush due: the due one only" "1 sent, 0 deferred, 0 failed" "$out"
out=$(lm flush 2>&1)
lm_assert_eq "flush: exit code" 0 $?
lm_assert_eq "flush output" "3 sent, 0 deferred, 0 failed" "$out"
lm_wait_mails "$SMTPD_MAILDIR" 4 || lm_fail "the queued mails were not delivered"
out=$(lm flush 2>&1)
lm_assert_eq "second flush has nothing to do" "0 sent, 0 deferred, 0 failed" "$out"
lm_assert_eq "delivered exactly once" 4 "$(lm_mail_count "$SMTPD_MAILDIR")"
got=$(for f in "$SMTPD_MAILDIR"/*.eml; do lm_header "$f" Message-ID; done | sort)
want=$(for id in "${ids[@]}"; do echo "<$id@$host>"; done | sort)
lm_assert_eq "redelivered with the Message-IDs they were queued with" "$want" "$got"
lm_assert_eq "oldest first" "greet421 rcpt451 drop hang" \
	"$(for f in "$SMTPD_MAILDIR"/*.eml; do lm_header "$f" Subject; done | tr '\n' ' ' | sed 's/ $//')"
lm_assert_eq "body of a redelivered mail" "$(printf 'Body of drop\r\n')" \
	"$(sed '1,/^\r$/d' "$SMTPD_MAILDIR/0003.eml")"
lm_assert_eq "queue empty" "" "$(ls "$spool/queue")"
lm_assert_eq "counters after flush" "Mail Client (SMTP) counters
Mails Sent           ..... 4
Mails Sent Fails     ..... 0
Authentication Fails ..... 0" "$(lm show counter mail)"
lm_smtpd_stop good

# ---- permanent failures: failed, with the reply -----------------------------
try rcpt550 69 'failed: RCPT TO: 550 5\.1\.1 <admin@example\.com>: unknown user' --rcpt-550
f550=$last_id
try data554 69 'failed: .*554 5\.6\.0 message rejected as spam' --data-554
f554=$last_id
show=$(lm show mail)
lm_assert_eq "failed mails leave the queue" 0 \
	"$(sed -n '/^Messages$/,/^Failed Messages$/p' <<<"$show" | grep -c '^Message-ID ')"
lm_assert_eq "show mail: the failed mails under their own heading" "Failed Messages
-----
To                                  : admin@example.com
Subject                             : rcpt550
Message-ID                          : $f550
Reason                              : RCPT TO: 550 5.1.1 <admin@example.com>: unknown user" \
	"$(sed -n '/^Failed Messages$/,/^$/p' <<<"$show" | sed '$d')"
lm_assert_match "show mail: the second failed mail" \
	"Message-ID +: $f554"$'\n'"Reason +: .*554 5\\.6\\.0 message rejected as spam" "$show"
lm_assert_eq "reason kept for $f550" "RCPT TO: 550 5.1.1 <admin@example.com>: unknown user" \
	"$(cat "$spool/failed/$f550.reason")"
lm_assert_match "reason kept for $f554" '554 5\.6\.0 message rejected as spam$' \
	"$(cat "$spool/failed/$f554.reason")"
lm_assert_match "the failed mail itself is kept" "^Version: 1" "$(head -n 1 "$spool/failed/$f554")"
lm_assert_eq "counters after permanent failures" "Mail Client (SMTP) counters
Mails Sent           ..... 4
Mails Sent Fails     ..... 2
Authentication Fails ..... 0" "$(lm show counter mail)"

lm_done
