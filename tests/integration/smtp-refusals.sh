#!/bin/bash
# What the SMTP client refuses, and what it must not send: a wrong password,
# a certificate with the wrong name or from an unknown CA, a mechanism the
# server does not offer, credentials in the clear, a header with CR/LF.
# Each fails with its clear message and class, and nothing is delivered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }
TLS=(--tls-cert "$LM_CERT" --tls-key "$LM_KEY")
BAD=(--tls-cert "$LM_BADCERT" --tls-key "$LM_BADKEY")

# expect WHAT EXIT-STATUS OUTPUT: check the last lm_send and that the
# current server received nothing.
expect() {
	lm_assert_eq "$1: message" "$3" "$LM_OUT"
	lm_assert_eq "$1: exit status" "$2" "$LM_RC"
	lm_assert_eq "$1: nothing delivered" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
}

lm_smtpd_start auth --mode starttls "${TLS[@]}" --auth all --user tim --password right
lm_send --tls starttls --ca-file "$LM_CA" --auth plain --user tim --password wrong --transcript
expect "wrong password" 69 "PERMANENT: AUTH: 535 5.7.8 Authentication credentials invalid"
lm_assert_match "wrong password: AUTH masked in the transcript" $'C: AUTH PLAIN \\*\\*\\*\n' "$LM_ERR"
lm_send --tls starttls --ca-file "$LM_CA" --auth cram-md5 --user tim --password wrong
expect "wrong password, CRAM-MD5" 69 "PERMANENT: AUTH: 535 5.7.8 Authentication credentials invalid"
# Opportunistic STARTTLS: no tls configured, but credentials are never sent
# in the clear when the server can encrypt.
lm_send --tls none --ca-file "$LM_CA" --auth login --user tim --password right
lm_assert_eq "opportunistic STARTTLS before AUTH" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_eq "opportunistic STARTTLS: encrypted" yes "$(lm_env_value "$SMTPD_MAILDIR/0001.env" tls)"
lm_smtpd_stop auth

lm_smtpd_start badname --mode starttls "${BAD[@]}"
lm_send --tls starttls --ca-file "$LM_CA"
expect "STARTTLS, certificate for another name" 75 \
	"TEMPORARY: TLS: certificate of 127.0.0.1 not accepted: IP address mismatch"
lm_send --tls starttls --no-verify
lm_assert_eq "STARTTLS, wrong name, verification off" "sent 1" "$LM_OUT"
lm_smtpd_stop badname

lm_smtpd_start badname2 --mode smtps "${BAD[@]}"
lm_send --tls smtps --ca-file "$LM_CA"
expect "SMTPS, certificate for another name" 75 \
	"TEMPORARY: TLS: certificate of 127.0.0.1 not accepted: IP address mismatch"
lm_smtpd_stop badname2

lm_smtpd_start unknownca --mode smtps "${TLS[@]}"
lm_send --tls smtps
expect "SMTPS, CA not in the trust store" 75 \
	"TEMPORARY: TLS: certificate of 127.0.0.1 not accepted: unable to get local issuer certificate"
lm_smtpd_stop unknownca

lm_smtpd_start mech --mode smtps "${TLS[@]}" --auth plain --user tim --password right
lm_send --tls smtps --ca-file "$LM_CA" --auth cram-md5 --user tim --password right
expect "mechanism not offered" 69 \
	"PERMANENT: AUTH: server does not offer AUTH CRAM-MD5 (offers: PLAIN)"
lm_smtpd_stop mech

lm_smtpd_start noauth --mode smtps "${TLS[@]}" --auth all --no-auth-offer
lm_send --tls smtps --ca-file "$LM_CA" --auth login --user tim --password right
expect "no AUTH offered" 69 "PERMANENT: AUTH: server does not offer AUTH LOGIN (offers: none)"
lm_smtpd_stop noauth

lm_smtpd_start clear --auth plain --user tim --password right
lm_send --auth plain --user tim --password right
expect "credentials in the clear" 69 \
	"PERMANENT: AUTH: refusing to send credentials over an unencrypted connection (the server does not offer STARTTLS; configure tls or allow cleartext)"
lm_send --tls starttls --auth plain --user tim --password right
expect "STARTTLS required, not offered" 69 \
	"PERMANENT: EHLO: server does not offer STARTTLS, which the configuration requires"
lm_send --subject $'hello\r\nBcc: victim@example.com'
expect "CR/LF in the subject" 65 \
	"INVALID: the subject contains a line break (CR or LF), refused"
lm_smtpd_stop clear


# tls unset: STARTTLS whenever offered (Postfix's `may`), verified or not,
# so a server that insists on it gets the mail encrypted; but credentials
# go only to a server whose certificate was verified (or with allow
# cleartext).
lm_smtpd_start must --mode starttls "${BAD[@]}" --require-starttls --auth plain --user tim \
	--password right
lm_send --tls none
lm_assert_eq "tls unset, server insists on STARTTLS: sent" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_eq "tls unset: encrypted, though the certificate is for another name" yes \
	"$(lm_env_value "$SMTPD_MAILDIR/0001.env" tls)"
rm -f "$SMTPD_MAILDIR"/*
lm_send --tls none --ca-file "$LM_CA" --auth plain --user tim --password right
expect "tls unset, certificate not verified: no credentials" 69 \
	"PERMANENT: AUTH: refusing to send credentials: the server's certificate was not verified (configure tls starttls with its CA, or allow cleartext)"
lm_send --tls none --ca-file "$LM_CA" --auth plain --user tim --password right --auth-cleartext
lm_assert_eq "tls unset, not verified, allow cleartext: sent" "sent 1" "$LM_OUT"
lm_smtpd_stop must

# tls unset and a server whose TLS the client cannot speak (TLS 1.1 only):
# after the failed handshake, a new connection without STARTTLS delivers
# (Postfix's `may`); with tls configured the mail waits instead.
lm_smtpd_start old --mode starttls "${TLS[@]}" --tls-max 1.1
lm_send --tls none
lm_assert_eq "tls unset, TLS handshake fails: sent in the clear" "sent 1" "$LM_OUT"
lm_wait_mails "$SMTPD_MAILDIR" 1
lm_assert_eq "tls unset, TLS handshake fails: not encrypted" no \
	"$(lm_env_value "$SMTPD_MAILDIR/0001.env" tls)"
rm -f "$SMTPD_MAILDIR"/*
lm_send --tls starttls --ca-file "$LM_CA"
lm_assert_eq "tls starttls, TLS handshake fails: exit status" 75 "$LM_RC"
lm_assert_match "tls starttls, TLS handshake fails: the reason" '^TEMPORARY: TLS: handshake with 127\.0\.0\.1 failed: ' "$LM_OUT"
lm_assert_eq "tls starttls, TLS handshake fails: nothing delivered" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_smtpd_stop old

lm_done
