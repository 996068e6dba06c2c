#!/bin/bash
# omlogmail inside Debian's rsyslogd with OAuth 2.0: XOAUTH2 with a token
# command, over STARTTLS, to smtpd.py accepting one bearer token.  The
# first token the command prints is refused; the module runs the command
# once more in the same session and the mail arrives with the second.  The
# token is logged nowhere.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
[ -x "$LOGMAIL" ] || { echo "ERROR: no $LOGMAIL" >&2; exit 99; }

good=ya29.Module-Token_42
printf '%s\n' ya29.Expired-Token "$good" >"$RS_DIR/tokens.txt"
cat >"$RS_DIR/token.sh" <<EOF
echo run >>"$RS_DIR/runs.txt"
head -n 1 "$RS_DIR/tokens.txt"
sed -i 1d "$RS_DIR/tokens.txt"
EOF

lm_make_certs || exit 99
lm_smtpd_start smtpd --mode starttls --require-starttls --tls-cert "$LM_CERT" \
	--tls-key "$LM_KEY" --auth xoauth2 --user alerts@test.example --token "$good" \
	--token-log "$RS_DIR/server-tokens.txt" || exit 99
"$LOGMAIL" --config "$RS_DIR/logmail.conf" configure <<EOF2 || lm_fail "logmail configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver tls starttls
mail smtpserver tls ca-file $LM_CA
mail smtpserver authentication xoauth2 username alerts@test.example token-command "sh $RS_DIR/token.sh"
mail from alerts@test.example
log email noc@example.com level errors
log email noc@example.com digest window 1
EOF2
rs_conf
rs_start || exit 99
rs_log -p daemon.err -t postfix/smtpd "warning: hostname mail.example does not resolve to address 192.0.2.99"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "no mail arrived"
rs_stop

env=$(ls "$SMTPD_MAILDIR"/*.env 2>/dev/null | head -n 1)
if [ -n "$env" ]; then
	lm_assert_eq "over TLS" "tls: yes" "$(grep '^tls:' "$env")"
	lm_assert_eq "authenticated" "auth: alerts@test.example" "$(grep '^auth:' "$env")"
	lm_assert_match "the message" "warning: hostname mail\.example does not resolve" \
		"$(rs_body "${env%.env}.eml")"
fi
lm_assert_eq "the refused token, then a fresh one" "XOAUTH2 ya29.Expired-Token
XOAUTH2 $good" "$(cat "$RS_DIR/server-tokens.txt")"
lm_assert_eq "the command ran twice" 2 "$(wc -l <"$RS_DIR/runs.txt")"
grep -rq -e "$good" -e Expired-Token "$RS_DIR/all.log" "$RS_DIR/rsyslogd.log" &&
	lm_fail "a token was logged"
lm_done
