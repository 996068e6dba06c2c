#!/bin/bash
# The SMTP client against a second real server: Postfix with Cyrus SASL
# (tests/integration/postfix-lib.sh), one instance for the whole script,
# hiding 8BITMIME (smtpd_discard_ehlo_keywords).  What Postfix delivered
# into its Maildir is checked:
#   - a UTF-8 body arrives as quoted-printable, 7-bit, and decodes to the
#     original; the envelope (Return-Path, X-Original-To) and the EHLO
#     argument (Received: from NAME) are the ones sent;
#   - AUTH CRAM-MD5 against Cyrus SASL, on a plain connection, without
#     allow-cleartext; a wrong password is refused with Postfix's 535;
#   - AUTH PLAIN in clear is refused unless allow-cleartext.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/postfix-lib.sh"
lm_setup
lm_postfix_start "smtpd_discard_ehlo_keywords = 8bitmime" || { echo "FAIL: Postfix did not start"; exit 1; }
SMTPD_PORT=$PF_PORT

# pf_mail ADDR: the delivered mail to ADDR, once there (else fails).
pf_mail() {
	local i f
	for ((i = 0; i < 200; i++)); do
		f=$(lm_postfix_mail "$1")
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.05
	done
	lm_fail "nothing delivered to $1 (Postfix's log: $(tail -n 5 "$PF_LOG"))"
	return 1
}

# ---- no 8BITMIME: quoted-printable; the envelope and the EHLO name ------------
body=$'Grüße aus dem Rechenzentrum: Störung = behoben.\n.a line starting with a dot\n'
body+="$(printf 'ä%.0s' {1..200}) one long line"$'\n'
lm_send --to qp@example.com --helo switch1.example.com --transcript --subject "$LM_SUBJECT" \
	--body "$body"
lm_assert_eq "no 8BITMIME: sent" "sent 1" "$LM_OUT"
lm_assert_match "no 8BITMIME: Postfix hid it" 'discarding EHLO keywords: 8BITMIME' "$(cat "$PF_LOG")"
lm_assert_match "no 8BITMIME: no BODY=8BITMIME" $'\nC: MAIL FROM:<switch@example.com> SIZE=[0-9]+\n' \
	"$LM_ERR"
if f=$(pf_mail qp@example.com); then
	lm_assert_eq "no 8BITMIME: quoted-printable" quoted-printable \
		"$(lm_header "$f" Content-Transfer-Encoding)"
	lm_assert_body "no 8BITMIME: the body decodes to the original" "$f" "$body" lf
	lm_assert_eq "no 8BITMIME: the subject" "$LM_SUBJECT" "$(lm_header_decoded "$f" Subject)"
	lm_assert_eq "envelope sender" "<switch@example.com>" "$(lm_header "$f" Return-Path)"
	lm_assert_eq "envelope recipient" "qp@example.com" "$(lm_header "$f" X-Original-To)"
	lm_assert_match "the EHLO argument" '^from switch1\.example\.com \(localhost \[127\.0\.0\.1\]\)' \
		"$(lm_header "$f" Received)"
fi

# ---- CRAM-MD5 (Cyrus SASL) on a plain connection ------------------------------
lm_send --to cram@example.com --auth cram-md5 --user tim --password 'tanstaaf tanstaaf' \
	--subject cram --body $'authenticated\n' --transcript
lm_assert_eq "CRAM-MD5 in clear, no allow-cleartext: sent" "sent 1" "$LM_OUT"
lm_assert_match "CRAM-MD5: no STARTTLS on the way" $'C: EHLO [^\n]+\n(S: [^\n]+\n)+C: AUTH CRAM-MD5\n' \
	"$LM_ERR"
if f=$(pf_mail cram@example.com); then
	lm_assert_match "CRAM-MD5: Postfix authenticated it" ' with ESMTPA id ' "$(lm_header "$f" Received)"
	lm_assert_match "CRAM-MD5: as tim, by CRAM-MD5" 'sasl_method=CRAM-MD5, sasl_username=tim' \
		"$(cat "$PF_LOG")"
fi
lm_send --to nobody@example.com --auth cram-md5 --user tim --password wrong
lm_assert_match "CRAM-MD5, wrong password: refused" '^PERMANENT: AUTH: 535 5\.7\.8 ' "$LM_OUT"

# ---- PLAIN sends the password: not in clear unless allowed --------------------
lm_send --to nobody@example.com --auth plain --user tim --password 'tanstaaf tanstaaf'
lm_assert_eq "PLAIN in clear: refused" \
	"PERMANENT: AUTH: refusing to send credentials over an unencrypted connection (the server does not offer STARTTLS; configure tls or allow cleartext)" \
	"$LM_OUT"
lm_send --to plain@example.com --auth plain --user tim --password 'tanstaaf tanstaaf' \
	--auth-cleartext --subject plain
lm_assert_eq "PLAIN with allow-cleartext: sent" "sent 1" "$LM_OUT"
if f=$(pf_mail plain@example.com); then
	lm_assert_match "PLAIN: Postfix authenticated it" ' with ESMTPA id ' "$(lm_header "$f" Received)"
fi
lm_assert_eq "nothing else delivered" 3 "$(lm_postfix_count)"

lm_done
