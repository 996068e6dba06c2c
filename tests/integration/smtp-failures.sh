#!/bin/bash
# How the SMTP client classifies a misbehaving server: temporary (exit 75)
# for 421, 451, a dropped connection, a hang, a refused connection;
# permanent (exit 69) for 550, 554 and a message over the server's SIZE.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup

expect() { # WHAT EXIT-STATUS OUTPUT
	lm_assert_eq "$1: message" "$3" "$LM_OUT"
	lm_assert_eq "$1: exit status" "$2" "$LM_RC"
	lm_assert_eq "$1: nothing delivered" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
}

lm_smtpd_start g421 --greeting-421
lm_send
expect "421 greeting" 75 "TEMPORARY: greeting: 421 4.3.2 smtpd.test service not available"
lm_smtpd_stop g421

lm_smtpd_start r451 --rcpt-451
lm_send
expect "451 to RCPT" 75 "TEMPORARY: RCPT TO: 451 4.3.0 temporary failure, try again later"
lm_smtpd_stop r451

# The server recovers after its first 451: the retry goes through.
lm_smtpd_start r451once --rcpt-451 1
lm_send
expect "451 once, first try" 75 "TEMPORARY: RCPT TO: 451 4.3.0 temporary failure, try again later"
lm_send --subject retried
lm_assert_eq "451 once, second try" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_eq "451 once, delivered once" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_assert_mail "451 once, the message" "$SMTPD_MAILDIR" 1 retried ""
lm_smtpd_stop r451once

lm_smtpd_start r550 --rcpt-550
lm_send
expect "550 to RCPT" 69 "PERMANENT: RCPT TO: 550 5.1.1 <admin@example.com>: unknown user"
lm_smtpd_stop r550

lm_smtpd_start d554 --data-554
lm_send --body "buy now"
expect "554 after DATA" 69 "PERMANENT: end of data: 554 5.6.0 message rejected as spam"
lm_smtpd_stop d554

lm_smtpd_start drop --drop-in-data
lm_send --body "dropped"
expect "connection dropped in DATA" 75 "TEMPORARY: end of data: connection closed by the server"
lm_smtpd_stop drop

lm_smtpd_start size --size-limit 100
lm_send --body "$(printf '%0200d' 0)"
expect "over the server's SIZE" 69 \
	"PERMANENT: MAIL FROM: message of 440 octets exceeds the server's limit of 100"
lm_smtpd_stop size

lm_smtpd_start hang --hang
start=$(date +%s)
lm_send --timeout 1
took=$(($(date +%s) - start))
expect "server hangs" 75 "TEMPORARY: greeting: no reply from the server within 1 s"
[ "$took" -le 5 ] || lm_fail "server hangs: the 1 s timeout took ${took} s"
port=$SMTPD_PORT
lm_smtpd_stop hang

# Nothing listens there any more.
SMTPD_PORT=$port
lm_send
lm_assert_eq "connection refused" \
	"TEMPORARY: connect: cannot connect to 127.0.0.1 port $port: Connection refused" "$LM_OUT"
lm_assert_eq "connection refused: exit status" 75 "$LM_RC"

# Several mails over one session, all delivered.  No RSET between them:
# after the 250 to the data the server has reset already (RFC 5321
# 4.1.1.4).  (RSET after a refused mail: smtp-session.sh.)
lm_smtpd_start many
lm_send --count 3 --transcript --subject many --body "one of three"
lm_assert_eq "three mails, one session" "sent 3" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 3
lm_assert_eq "three mails delivered" 3 "$(lm_mail_count "$SMTPD_MAILDIR")"
mail='MAIL FROM:<switch@example.com> SIZE=256
RCPT TO:<admin@example.com>
DATA
<message, 256 octets dot-stuffed>
.'
lm_assert_eq "three mails: the client's commands, no RSET" "EHLO
$mail
$mail
$mail
QUIT" "$(sed -n -e 's/^C: EHLO .*/C: EHLO/' -e 's/^C: //p' <<<"$LM_ERR")"
lm_assert_mail "third mail" "$SMTPD_MAILDIR" 3 many $'one of three\n'
lm_smtpd_stop many

lm_done
