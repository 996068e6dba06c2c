#!/bin/bash
# The SMTP client and the server's extensions: HELO when EHLO is refused,
# commands one by one without PIPELINING, SMTPUTF8 for a non-ASCII address
# (and a permanent refusal when the server lacks it).
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
	"PERMANENT: MAIL FROM: an address is not ASCII and the server does not offer SMTPUTF8" \
	"$LM_OUT"
lm_assert_eq "no SMTPUTF8: exit status" 69 "$LM_RC"
lm_assert_eq "no SMTPUTF8: nothing delivered" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_smtpd_stop noutf8

lm_done
