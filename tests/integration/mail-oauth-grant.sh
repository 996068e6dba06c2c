#!/bin/bash
# The built-in OAuth 2.0 grants: `mail smtpserver oauth token-url ...` against
# tests/servers/tokend.py (an HTTPS token endpoint with a certificate made
# here) and smtpd.py accepting the one access token it issues.  The
# client-credentials and refresh-token grants deliver; the token is cached
# in the spool (0600) and not asked for again; an expired cached token is
# refreshed once; a cached token the server refuses is replaced; a rotated
# refresh token is stored in the configuration and used next; a refused
# grant and an unreachable endpoint leave the mail queued with the reason;
# no secret or token is printed.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }
TOKEND="$top_srcdir/tests/servers/tokend.py"

access=eyJ0eXAiOiJKV1QifQ.Access-Token_1
secret=Cl1ent-S3cret-xyz
scope=https://outlook.office365.com/.default

# tokend NAME [options]: start the endpoint; sets TOKEN_URL.
tokend() {
	local name=$1
	shift
	"$PY" "$TOKEND" --port-file "$LM_TMP/$name.port" --cert "$LM_CERT" --key "$LM_KEY" \
		--log "$LM_TMP/$name.log" --access-token "$access" --client-secret "$secret" \
		--scope "$scope" "$@" >"$LM_TMP/$name.out" 2>&1 &
	LM_PIDS+=($!)
	TOKEN_URL=https://127.0.0.1:$(lm_wait_port_file "$LM_TMP/$name.port" $! \
		"$LM_TMP/$name.out")/token || exit 99
	touch "$LM_TMP/$name.log"
}
grants() { wc -l <"$LM_TMP/$1.log"; }
send() { printf 'hello\n' | lm mail to admin@example.com subject "$1" 2>&1; }
# The cached token's expiry (second line of the cache) set to $1.
expire_cache() { sed -i "2s/.*/$1/" "$spool/oauth-token"; }

lm_smtpd_start smtpd --mode starttls --tls-cert "$LM_CERT" --tls-key "$LM_KEY" \
	--auth xoauth2 --user alerts@example.com --token "$access" \
	--token-log "$LM_TMP/smtp-tokens.log" || exit 99
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver tls starttls
mail smtpserver tls ca-file $LM_CA
mail from alerts@example.com
mail smtpserver authentication xoauth2 username alerts@example.com
EOF

# ---- no token source: a clear reason, the mail queued ----------------------
out=$(send "no source")
lm_assert_match "no token source: queued with the reason" \
	'queued: authentication xoauth2 needs a token-command or `mail smtpserver oauth token-url \.\.\.`' \
	"$out"
lm delete mail all >/dev/null

# ---- client credentials (RFC 6749 4.4) --------------------------------------
tokend cc
lm configure <<EOF || lm_fail "configure oauth (client credentials)"
mail smtpserver oauth token-url $TOKEN_URL client-id logmail-test client-secret $secret scope $scope ca-file $LM_CA
EOF
grep -q "$secret" "$conf" && lm_fail "the client secret is in the file in clear"
out=$(send "client credentials")
lm_assert_match "client credentials: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "client credentials: one grant" "client_credentials -" "$(cat "$LM_TMP/cc.log")"
lm_assert_eq "the token cache is 0600" 600 "$(stat -c %a "$spool/oauth-token")"
out=$(send "cached")
lm_assert_match "cached token: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "cached token: no second grant" 1 "$(grants cc)"

# ---- an expired cached token is refreshed once -------------------------------
expire_cache 1000
out=$(send "expired")
lm_assert_match "expired cache: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "expired cache: one more grant" 2 "$(grants cc)"
# ... and one a minute from expiry too.
expire_cache $(($(date +%s) + 30))
send "nearly expired" >/dev/null
lm_assert_eq "a minute before expiry: refreshed" 3 "$(grants cc)"

# ---- a cached token the server refuses: a fresh one, the mail goes ----------
sed -i '3s/.*/ya29.Revoked-Token/' "$spool/oauth-token"
out=$(send "revoked")
lm_assert_match "refused cached token: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "refused cached token: one more grant" 4 "$(grants cc)"
lm_assert_eq "refused cached token: what the server got" "XOAUTH2 ya29.Revoked-Token
XOAUTH2 $access" "$(tail -n 2 "$LM_TMP/smtp-tokens.log")"

# ---- a refused grant: queued with the endpoint's reason ---------------------
lm configure <<EOF || lm_fail "configure a wrong secret"
mail smtpserver oauth token-url $TOKEN_URL client-id logmail-test client-secret wrong-one scope $scope ca-file $LM_CA
EOF
rm -f "$spool/oauth-token"
out=$(send "wrong secret")
lm_assert_match "wrong secret: queued with the reason" \
	"queued: .*token endpoint $TOKEN_URL: HTTP 401: invalid_client: unknown client or wrong secret\$" \
	"$out"
lm_assert_match "wrong secret: show mail" 'HTTP 401: invalid_client' "$(lm show mail 2>&1)"
echo "$out" >>"$LM_TMP/all-output.txt"

# ---- an unreachable endpoint: queued with the reason ------------------------
tried=$(wc -l <"$LM_TMP/smtp-tokens.log")
lm_dead_port
lm configure <<EOF || lm_fail "configure a dead endpoint"
mail smtpserver oauth token-url https://127.0.0.1:$DEAD_PORT/token client-id logmail-test client-secret $secret scope $scope ca-file $LM_CA
EOF
out=$(send "unreachable")
lm_assert_match "unreachable endpoint: queued with the reason" \
	"queued: .*token endpoint https://127.0.0.1:$DEAD_PORT/token: .*([Cc]onnect|refused)" "$out"
lm_assert_eq "unreachable endpoint: no AUTH was tried" "$tried" \
	"$(wc -l <"$LM_TMP/smtp-tokens.log")"

# ---- the refresh-token grant, rotated ----------------------------------------
tokend rt --rotate
lm configure <<EOF || lm_fail "configure oauth (refresh token)"
mail smtpserver oauth token-url $TOKEN_URL client-id logmail-test client-secret $secret scope $scope refresh-token rt-1 ca-file $LM_CA
EOF
before=$(grep 'refresh-token 8' "$conf")
out=$(lm flush 2>&1)
lm_assert_eq "refresh token: the queued mails went" "" "$(ls "$spool/queue")"
lm_assert_eq "refresh token: one grant" "refresh_token rt-1" "$(cat "$LM_TMP/rt.log")"
after=$(grep 'refresh-token 8' "$conf")
[ "$before" != "$after" ] && echo "ok: the rotated refresh token replaced the stored one" ||
	lm_fail "the rotated refresh token was not stored: $after"
grep -q 'rt-2' "$conf" && lm_fail "the rotated refresh token is in the file in clear"
expire_cache 1000
out=$(send "after rotation")
lm_assert_match "after rotation: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "after rotation: the new refresh token was used" "refresh_token rt-1
refresh_token rt-2" "$(cat "$LM_TMP/rt.log")"

# ---- secrets and tokens are printed nowhere ---------------------------------
lm debug mail detail
send "debugged" >>"$LM_TMP/all-output.txt"
lm undebug mail
{ lm show running-config; lm show mail; } >>"$LM_TMP/all-output.txt" 2>&1
if grep -q -e "$secret" -e "$access" -e 'rt-[0-9]' "$LM_TMP/all-output.txt"; then
	lm_fail "a secret or token was printed: $(cat "$LM_TMP/all-output.txt")"
else
	echo "ok: no secret or token in running-config, show mail, the debug transcript"
fi
if grep -rlq -e "$secret" -e 'rt-[0-9]' "$spool"; then
	lm_fail "a secret is in the spool"
else
	echo "ok: no client secret or refresh token in the spool"
fi
grep -rl -e "$access" "$spool" | grep -v '/oauth-token$' | grep -q . &&
	lm_fail "the access token is in a spool file other than the cache"
lm_done
