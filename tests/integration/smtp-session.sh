#!/bin/bash
# The commands of one delivery session, as `debug mail` shows them during
# `logmail flush` of several queued mails against tests/servers/smtpd.py:
#   - no RSET between two accepted mails (after the 250 to the data the
#     server has reset already, RFC 5321 4.1.1.4): one round trip less a mail;
#   - RSET before the next mail after one the server refused: a 451 to RCPT
#     (the next mail then goes through), a 550 to RCPT, a 554 after the data.
# The mails are queued while no server listens, so each flush sends them
# all over one session.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup

lm_dead_port
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail from sender@example.com
mail smtpserver timeout 10
EOF
lm debug mail detail || lm_fail "debug mail detail failed"

# flush NAME [smtpd.py options]: start a server, `logmail flush` to it with
# `debug mail detail` on; sets OUT (its stdout), RC, and CMDS: the client's
# commands, one a line, reduced to their first word (the addresses, SIZE
# and the host name do not matter here; the message shows as "<message,").
flush() {
	local name=$1
	shift
	lm_smtpd_start "$name" "$@" || { lm_fail "$name: server did not start"; return 1; }
	lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "$name: configure port"
	OUT=$(lm flush 2>"$LM_TMP/$name.err")
	RC=$?
	CMDS=$(sed -n 's/^C: \([^ ]*\).*/\1/p' "$LM_TMP/$name.err")
}

accepted='MAIL
RCPT
DATA
<message,
.'
refused_rcpt='MAIL
RCPT
DATA'

# ---- three accepted mails: no RSET ------------------------------------------
lm_queue 3
flush ok
lm_assert_eq "3 accepted: flush says" "3 sent, 0 deferred, 0 failed" "$OUT"
lm_assert_eq "3 accepted: exit code" 0 "$RC"
lm_assert_eq "3 accepted: the client's commands" "EHLO
$accepted
$accepted
$accepted
QUIT" "$CMDS"
lm_wait_mails "$SMTPD_MAILDIR" 3
lm_assert_eq "3 accepted: the server has them" 3 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_smtpd_stop ok

# ---- a 451 to the first RCPT: RSET, then the others go through ---------------
lm_queue 3
flush r451once --rcpt-451 1
lm_assert_eq "451 once: flush says" "2 sent, 1 deferred, 0 failed" "$OUT"
lm_assert_eq "451 once: exit code (EX_TEMPFAIL)" 75 "$RC"
lm_assert_eq "451 once: the client's commands" "EHLO
$refused_rcpt
RSET
$accepted
$accepted
QUIT" "$CMDS"
lm_assert_eq "451 once: the server's reply to the RSET" "S: 250 OK" \
	"$(sed -n '/^C: RSET$/{n;p;}' "$LM_TMP/r451once.err")"
lm_wait_mails "$SMTPD_MAILDIR" 2
lm_assert_eq "451 once: the server has two" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_smtpd_stop r451once
lm delete mail all || lm_fail "delete mail all"

# ---- 550 to every RCPT: RSET before each mail after the first ----------------
lm_queue 2
flush r550 --rcpt-550
lm_assert_eq "550: flush says" "0 sent, 0 deferred, 2 failed" "$OUT"
lm_assert_eq "550: exit code (EX_UNAVAILABLE)" 69 "$RC"
lm_assert_eq "550: the client's commands" "EHLO
$refused_rcpt
RSET
$refused_rcpt
QUIT" "$CMDS"
lm_smtpd_stop r550

# ---- 554 after the data: RSET before the next mail ----------------------------
lm_queue 2
flush d554 --data-554
lm_assert_eq "554 after DATA: flush says" "0 sent, 0 deferred, 2 failed" "$OUT"
lm_assert_eq "554 after DATA: the client's commands" "EHLO
$accepted
RSET
$accepted
QUIT" "$CMDS"
lm_smtpd_stop d554

lm_done
