#!/bin/bash
# omlogmail inside Debian's rsyslogd through a STARTTLS server that requires
# AUTH LOGIN: the configuration is written with `logmail configure` (the
# password stored as `password 8`), the module decrypts it for the session,
# verifies the server against the test CA, and the mail arrives over TLS,
# authenticated.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
[ -x "$LOGMAIL" ] || { echo "ERROR: no $LOGMAIL" >&2; exit 99; }

lm_make_certs || exit 99
lm_smtpd_start smtpd --mode starttls --require-starttls --tls-cert "$LM_CERT" \
	--tls-key "$LM_KEY" --auth login --user alerts --password 'S3cret pass' || exit 99
"$LOGMAIL" --config "$RS_DIR/logmail.conf" configure <<EOF2 || lm_fail "logmail configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver tls starttls
mail smtpserver tls ca-file $LM_CA
mail smtpserver authentication login username alerts password "S3cret pass"
mail from alerts@test.example
log email noc@example.com level errors
log email noc@example.com digest window 1
EOF2
grep -q 'S3cret' "$RS_DIR/logmail.conf" && lm_fail "the password is in the file in clear"
rs_conf
rs_start || exit 99
rs_log -p daemon.err -t postfix/smtpd "warning: hostname mail.example does not resolve to address 192.0.2.99"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "no mail arrived"
rs_stop

env=$(ls "$SMTPD_MAILDIR"/*.env 2>/dev/null | head -n 1)
if [ -n "$env" ]; then
	lm_assert_eq "over TLS" "tls: yes" "$(grep '^tls:' "$env")"
	lm_assert_eq "authenticated as alerts" "auth: alerts" "$(grep '^auth:' "$env")"
	lm_assert_eq "envelope recipient" "to: noc@example.com" "$(grep '^to:' "$env")"
	lm_assert_match "the message" "err [^ ]+ postfix/smtpd(\[[0-9]+\])?: warning: hostname mail\.example does not resolve" \
		"$(rs_body "${env%.env}.eml")"
fi
grep -rq 'S3cret' "$RS_DIR/all.log" "$RS_DIR/rsyslogd.log" && lm_fail "the password was logged"
lm_done
