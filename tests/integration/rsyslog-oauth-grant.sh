#!/bin/bash
# omlogmail inside Debian's rsyslogd with the built-in refresh-token grant:
# OAUTHBEARER over SMTPS, the token from tests/servers/tokend.py (HTTPS,
# rotating the refresh token).  The mail arrives; the delivery thread made
# one grant, cached the token 0600 in the spool, and wrote the rotated
# refresh token back to the configuration file, encrypted.  No secret or
# token is logged.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
[ -x "$LOGMAIL" ] || { echo "ERROR: no $LOGMAIL" >&2; exit 99; }

access=ya29.Module-Grant_Token
lm_make_certs || exit 99
"$PY" "$top_srcdir/tests/servers/tokend.py" --port-file "$RS_DIR/tokend.port" \
	--cert "$LM_CERT" --key "$LM_KEY" --log "$RS_DIR/grants.log" --access-token "$access" \
	--client-secret Cl1ent-S3cret --scope https://mail.google.com/ --rotate \
	>"$RS_DIR/tokend.out" 2>&1 &
LM_PIDS+=($!)
port=$(lm_wait_port_file "$RS_DIR/tokend.port" $! "$RS_DIR/tokend.out") || exit 99
lm_smtpd_start smtpd --mode smtps --tls-cert "$LM_CERT" --tls-key "$LM_KEY" \
	--auth oauthbearer --user alerts@test.example --token "$access" || exit 99
"$LOGMAIL" --config "$RS_DIR/logmail.conf" configure <<EOF2 || lm_fail "logmail configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver tls smtps
mail smtpserver tls ca-file $LM_CA
mail smtpserver authentication oauthbearer username alerts@test.example
mail smtpserver oauth token-url https://127.0.0.1:$port/token client-id logmail-test client-secret Cl1ent-S3cret scope https://mail.google.com/ refresh-token rt-1 ca-file $LM_CA
mail from alerts@test.example
log email noc@example.com level errors
log email noc@example.com digest window 1
EOF2
before=$(grep 'refresh-token 8' "$RS_DIR/logmail.conf")
rs_conf
rs_start || exit 99
rs_log -p daemon.err -t postfix/smtpd "warning: hostname mail.example does not resolve to address 192.0.2.99"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "no mail arrived"
rs_stop

env=$(ls "$SMTPD_MAILDIR"/*.env 2>/dev/null | head -n 1)
[ -n "$env" ] && lm_assert_eq "authenticated over TLS" "auth: alerts@test.example
tls: yes" "$(grep -e '^auth:' -e '^tls:' "$env")"
lm_assert_eq "one refresh-token grant" "refresh_token rt-1" "$(cat "$RS_DIR/grants.log")"
lm_assert_eq "the token cached 0600" 600 "$(stat -c %a "$RS_DIR/spool/oauth-token" 2>&1)"
after=$(grep 'refresh-token 8' "$RS_DIR/logmail.conf")
[ -n "$after" ] && [ "$before" != "$after" ] &&
	echo "ok: the rotated refresh token was stored" ||
	lm_fail "the rotated refresh token was not stored: [$after]"
grep -q -e 'rt-2' -e 'Cl1ent-S3cret' "$RS_DIR/logmail.conf" && lm_fail "a secret in clear in the file"
grep -rq -e "$access" -e 'Cl1ent-S3cret' -e 'rt-[12]' "$RS_DIR/all.log" "$RS_DIR/rsyslogd.log" &&
	lm_fail "a secret or token was logged"
lm_done
