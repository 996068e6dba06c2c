#!/bin/bash
# A delivery run (`logmail flush`, `debug mail` on) against a server that
# misbehaves in the middle of it, tests/servers/smtpd.py:
#   - the connection drops in one mail's data: that mail stays queued, the
#     rest goes over ONE new session, and a later run delivers the dropped
#     one: every queued mail reaches the server, none is lost;
#   - it drops again on the second session: no third session, the rest
#     stays queued;
#   - 421 to one RCPT: that mail is deferred, the rest goes on a new session;
#   - 452 to one RCPT: that mail is deferred, the session goes on; the
#     enhanced status code is in show mail; a 550 fails that mail alone;
#   - AUTH refused (535, CRAM-MD5 on a plain connection): the mails stay
#     queued, each refusal counts in "Authentication Fails", the reply is in
#     show mail and in the debug transcript; the right password delivers.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup

lm_dead_port
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail from sender@example.com
mail smtpserver timeout 10
EOF
lm debug mail detail || lm_fail "debug mail failed"

# queue N: lm_queue, and the queue holds exactly those N.
queue() {
	lm_queue "$1"
	lm_assert_eq "$1 mails queued" "$1" "$(ls "$spool/queue" | wc -l)"
}

# flush NAME: `logmail flush` to the server started as NAME; sets OUT, RC,
# EHLOS (how many sessions the transcript shows) and SESSIONS (the session
# number of each mail the server stored, in order).
flush() {
	lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "$1: configure port"
	OUT=$(lm flush 2>"$LM_TMP/$1.err")
	RC=$?
	EHLOS=$(grep -c '^C: EHLO ' "$LM_TMP/$1.err")
	SESSIONS=$(cat "$SMTPD_MAILDIR"/*.env 2>/dev/null | sed -n 's/^session: //p' | tr '\n' ' ')
}

# The subjects the server stored, in order.
subjects() {
	local f
	for f in "$SMTPD_MAILDIR"/*.eml; do
		[ -e "$f" ] && lm_header "$f" Subject
	done | tr '\n' ',' | sed 's/,$//'
}

# ---- dropped in the third mail's data: one reconnect, nothing lost ----------
queue 5
lm_smtpd_start drop3 --drop-at 3 || lm_fail "drop3: no server"
flush drop3
lm_assert_eq "dropped in mail 3: flush says" "4 sent, 1 deferred, 0 failed" "$OUT"
lm_assert_eq "dropped in mail 3: exit code (EX_TEMPFAIL)" 75 "$RC"
lm_assert_eq "dropped in mail 3: two sessions" 2 "$EHLOS"
lm_assert_eq "dropped in mail 3: stored, by session" "1 1 2 2 " "$SESSIONS"
lm_assert_eq "dropped in mail 3: what the server has" "mail 1,mail 2,mail 4,mail 5" "$(subjects)"
lm_assert_eq "dropped in mail 3: it stays queued" "${IDS[2]}" "$(ls "$spool/queue")"
lm_assert_match "dropped in mail 3: why, in show mail" \
	'Last Error +: end of data: connection closed by the server \(2 attempts\)' "$(lm show mail)"
flush drop3-again
lm_assert_eq "the next run delivers it" "1 sent, 0 deferred, 0 failed" "$OUT"
lm_assert_eq "every queued mail reached the server, once" "mail 1,mail 2,mail 4,mail 5,mail 3" \
	"$(subjects)"
got=$(for f in "$SMTPD_MAILDIR"/*.eml; do lm_header "$f" Message-ID; done | sed 's/^<\([^@]*\)@.*/\1/' | sort)
lm_assert_eq "with the Message-IDs they were queued with" "$(printf '%s\n' "${IDS[@]}" | sort)" "$got"
lm_smtpd_stop drop3

# ---- dropped in every second mail: one reconnect per run, no more -----------
queue 5
lm_smtpd_start drop2 --drop-at 2 || lm_fail "drop2: no server"
flush drop2
lm_assert_eq "dropped on both sessions: flush says" "2 sent, 3 deferred, 0 failed" "$OUT"
lm_assert_eq "dropped on both sessions: only one reconnect" 2 "$EHLOS"
lm_assert_eq "dropped on both sessions: what the server has" "mail 1,mail 3" "$(subjects)"
lm_assert_eq "dropped on both sessions: three stay queued" 3 "$(ls "$spool/queue" | wc -l)"
lm_smtpd_stop drop2
lm delete mail all || lm_fail "delete mail all"

# ---- 421 to one RCPT: that mail waits, the rest on a new session ------------
queue 3
lm_smtpd_start r421 --rcpt-reply 'rcpt2@example.com=421 4.4.2 smtpd.test closing' ||
	lm_fail "r421: no server"
flush r421
lm_assert_eq "421 to one RCPT: flush says" "2 sent, 1 deferred, 0 failed" "$OUT"
lm_assert_eq "421 to one RCPT: two sessions" 2 "$EHLOS"
lm_assert_eq "421 to one RCPT: what the server has" "mail 1,mail 3" "$(subjects)"
lm_assert_eq "421 to one RCPT: that one stays queued" "${IDS[1]}" "$(ls "$spool/queue")"
lm_assert_match "421 to one RCPT: the reply in show mail" \
	'Last Error +: RCPT TO: 421 4\.4\.2 smtpd\.test closing \(2 attempts\)' "$(lm show mail)"
lm_smtpd_stop r421
lm delete mail all || lm_fail "delete mail all"

# ---- 452 to one RCPT, 550 to another: one deferred, one failed --------------
queue 3
lm_smtpd_start r452 --rcpt-reply 'rcpt1@example.com=452 4.5.3 Too many recipients' \
	--rcpt-reply 'rcpt2@example.com=550 5.1.1 <rcpt2@example.com>: unknown user' ||
	lm_fail "r452: no server"
flush r452
lm_assert_eq "452 and 550: flush says" "1 sent, 1 deferred, 1 failed" "$OUT"
lm_assert_eq "452 and 550: one session" 1 "$EHLOS"
lm_assert_eq "452 and 550: what the server has" "mail 3" "$(subjects)"
lm_assert_eq "452: that mail stays queued" "${IDS[0]}" "$(ls "$spool/queue")"
lm_assert_match "452: the enhanced status code in show mail" \
	'Last Error +: RCPT TO: 452 4\.5\.3 Too many recipients \(2 attempts\)' "$(lm show mail)"
lm_assert_eq "550: the enhanced status code in the .reason file" \
	"RCPT TO: 550 5.1.1 <rcpt2@example.com>: unknown user" "$(cat "$spool/failed/${IDS[1]}.reason")"
lm_smtpd_stop r452
lm delete mail all || lm_fail "delete mail all"

# ---- AUTH refused: counted, kept, shown; the right password delivers --------
spool=$LM_TMP/spool-auth # counters of its own
lm debug mail detail || lm_fail "debug mail failed"
queue 2
lm_smtpd_start auth --auth cram-md5 --user tim --password right || lm_fail "auth: no server"
lm configure <<<"mail smtpserver authentication crammd5 username tim password wrong" ||
	lm_fail "configure a wrong password"
for run in 1 2; do
	flush "auth$run"
	lm_assert_eq "AUTH refused, run $run: flush says" "0 sent, 2 deferred, 0 failed" "$OUT"
	lm_assert_eq "AUTH refused, run $run: exit code (EX_TEMPFAIL)" 75 "$RC"
done
lm_assert_match "AUTH refused: the reply in the debug transcript" \
	$'C: AUTH CRAM-MD5\nS: 334 [A-Za-z0-9+/=]+\nC: \\*\\*\\*\nS: 535 5\\.7\\.8 Authentication credentials invalid' \
	"$(cat "$LM_TMP/auth2.err")"
lm_assert_eq "AUTH refused: flush's warning" \
	"% Warning: AUTH: 535 5.7.8 Authentication credentials invalid" \
	"$(grep '^%' "$LM_TMP/auth2.err")"
lm_assert_eq "AUTH refused: the reason in show mail, for each mail" 2 \
	"$(lm show mail | grep -c '^Last Error  *: AUTH: 535 5\.7\.8 Authentication credentials invalid (3 attempts)$')"
lm_assert_eq "AUTH refused: counted once a run" "Mail Client (SMTP) counters
Mails Sent           ..... 0
Mails Sent Fails     ..... 0
Authentication Fails ..... 2" "$(lm show counter mail)"
lm configure <<<"mail smtpserver authentication crammd5 username tim password right" ||
	lm_fail "configure the right password"
flush auth-fixed
lm_assert_eq "the right password: the queue goes out" "2 sent, 0 deferred, 0 failed" "$OUT"
lm_assert_eq "the right password: authenticated as" "tim" \
	"$(lm_env_value "$SMTPD_MAILDIR/0001.env" auth)"
lm_assert_eq "the right password: no TLS was needed for CRAM-MD5" "no" \
	"$(lm_env_value "$SMTPD_MAILDIR/0001.env" tls)"
lm_assert_eq "the right password: the counters" "Mail Client (SMTP) counters
Mails Sent           ..... 2
Mails Sent Fails     ..... 0
Authentication Fails ..... 2" "$(lm show counter mail)"
lm_smtpd_stop auth

lm_done
