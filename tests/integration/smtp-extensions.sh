#!/bin/bash
# The SMTP client and the server's extensions: HELO when EHLO is refused,
# commands one by one without PIPELINING, SMTPUTF8 for a non-ASCII address
# (and a permanent refusal when the server lacks it), a UTF-8 body as
# quoted-printable to a server without 8BITMIME.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup

lm_smtpd_start helo --no-ehlo
lm_send --transcript --subject "via HELO" --body $'hello\n'
lm_assert_eq "HELO fallback" "sent 1" "$LM_OUT"
lm_assert_match "HELO fallback: HELO sent" $'\nC: HELO [^\n]+\nS: 250 ' "$LM_ERR"
lm_assert_match "HELO fallback: no ESMTP parameters" $'\nC: MAIL FROM:<switch@example.com>\n' "$LM_ERR"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_mail "HELO fallback: the message" "$SMTPD_MAILDIR" 1 "via HELO" $'hello\n'
lm_smtpd_stop helo

lm_smtpd_start nopipe --no-pipelining
lm_send --transcript --subject "one by one"
lm_assert_eq "without PIPELINING" "sent 1" "$LM_OUT"
# Each command waits for its reply.
lm_assert_match "without PIPELINING: MAIL answered before RCPT" \
	$'C: MAIL FROM:<switch@example.com> SIZE=[0-9]+\nS: 250 OK\nC: RCPT TO:<admin@example.com>\nS: 250 ' "$LM_ERR"
lm_smtpd_stop nopipe

lm_smtpd_start pipe
lm_send --transcript --subject "in one go"
lm_assert_match "with PIPELINING: MAIL, RCPT and DATA together" \
	$'C: MAIL FROM:<switch@example.com> SIZE=[0-9]+\nC: RCPT TO:<admin@example.com>\nC: DATA\nS: 250 OK\nS: 250 2.1.5 OK\nS: 354 ' \
	"$LM_ERR"
lm_send --to 'jürgen@example.com' --subject "UTF-8 address"
lm_assert_eq "SMTPUTF8 address" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 2
lm_assert_eq "SMTPUTF8 address: envelope" 'jürgen@example.com' \
	"$(lm_env_value "$SMTPD_MAILDIR/0002.env" to)"
lm_assert_match "SMTPUTF8 address: MAIL parameter" ' SMTPUTF8$' \
	"$(lm_env_value "$SMTPD_MAILDIR/0002.env" mail-options)"
lm_smtpd_stop pipe

lm_smtpd_start noutf8 --no-smtputf8
lm_send --to 'jürgen@example.com'
lm_assert_eq "no SMTPUTF8: refused" \
	"PERMANENT: RCPT TO: the address <jürgen@example.com> is not ASCII and the server does not offer SMTPUTF8 (RFC 6531): not sent" \
	"$LM_OUT"
lm_assert_eq "no SMTPUTF8: exit status" 69 "$LM_RC"
lm_assert_eq "no SMTPUTF8: nothing delivered" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_smtpd_stop noutf8

# No 8BITMIME (RFC 6152): a UTF-8 body goes as quoted-printable, 7-bit on
# the wire, and decodes to the very octets composed; an ASCII body goes as
# it is (7bit).  aiosmtpd hides the keyword but takes what it gets, so what
# it stored is what the client sent.
lm_smtpd_start no8bit --hide 8BITMIME
body=$'Grüße aus dem Rechenzentrum: Störung = behoben.\n.a line starting with a dot\ntrailing blank \n'
body+="$(printf 'ä%.0s' {1..300}) one long line"$'\n'
lm_send --transcript --subject "$LM_SUBJECT" --body "$body"
lm_assert_eq "no 8BITMIME: sent" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_match "no 8BITMIME: no BODY=8BITMIME" '^SIZE=[0-9]+$' \
	"$(lm_env_value "$SMTPD_MAILDIR/0001.env" mail-options)"
lm_assert_eq "no 8BITMIME: quoted-printable" quoted-printable \
	"$(lm_header "$SMTPD_MAILDIR/0001.eml" Content-Transfer-Encoding)"
lm_assert_body "no 8BITMIME: the body decodes to the original" "$SMTPD_MAILDIR/0001.eml" "$body"
lm_assert_eq "no 8BITMIME: the subject" "$LM_SUBJECT" \
	"$(lm_header_decoded "$SMTPD_MAILDIR/0001.eml" Subject)"
lm_assert_match "no 8BITMIME: the transcript says so" \
	'C: <message, [0-9]+ octets dot-stuffed, body quoted-printable: the server has no 8BITMIME>' \
	"$LM_ERR"
lm_send --subject ascii --body $'plain ASCII\n'
lm_wait_mails "$SMTPD_MAILDIR" 2
lm_assert_mail "no 8BITMIME: an ASCII body as it is" "$SMTPD_MAILDIR" 2 ascii $'plain ASCII\n'
lm_smtpd_stop no8bit

lm_done
