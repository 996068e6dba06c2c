#!/bin/bash
# OAuth 2.0 with a token command: `mail smtpserver authentication
# {xoauth2|oauthbearer} username U token-command "CMD"` against
# tests/servers/smtpd.py, which accepts one bearer token and answers any
# other as RFC 7628 3.2.2 says.  Each mechanism delivers over STARTTLS and
# SMTPS; a refused token is fetched once more and the mail goes; a token the
# server keeps refusing, and a failing command, leave the mail queued with
# the reason; the token appears in no output and no spool file.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }

good=ya29.GoodToken-abc_DEF.123~xyz
bad=ya29.ExpiredToken-0000
# The token command prints the first line of tokens.txt and drops it (the
# next run gets the next token), counting its runs in runs.txt.
cat >"$LM_TMP/token.sh" <<'EOF'
echo run >>"$DIR/runs.txt"
head -n 1 "$DIR/tokens.txt"
sed -i 1d "$DIR/tokens.txt"
EOF
tokens() { printf '%s\n' "$@" >"$LM_TMP/tokens.txt"; rm -f "$LM_TMP/runs.txt"; }
runs() { [ -e "$LM_TMP/runs.txt" ] && wc -l <"$LM_TMP/runs.txt" || echo 0; }
export DIR=$LM_TMP

# server NAME MODE MECH: start smtpd.py and point the configuration at it.
server() {
	lm_smtpd_start "$1" --mode "$2" --tls-cert "$LM_CERT" --tls-key "$LM_KEY" --auth "$3" \
		--user fred@example.com --token "$good" --token-log "$LM_TMP/$1.tokens" || exit 99
	lm configure <<EOF || lm_fail "$1: configure failed"
mail smtpserver port $SMTPD_PORT
mail smtpserver tls $2
mail smtpserver authentication $3 username fred@example.com token-command "sh $LM_TMP/token.sh"
EOF
}

lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver tls ca-file $LM_CA
mail from sender@example.com
EOF

# ---- each mechanism, STARTTLS and SMTPS -------------------------------------
for mech in xoauth2 oauthbearer; do
	for mode in starttls smtps; do
		server "$mech-$mode" $mode $mech
		tokens "$good"
		out=$(printf 'hello\n' | lm mail to admin@example.com subject "$mech $mode" 2>&1)
		lm_assert_match "$mech over $mode: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
		lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "$mech over $mode: not delivered"
		lm_assert_eq "$mech over $mode: authenticated over TLS" "auth: fred@example.com
tls: yes" "$(grep -e '^auth:' -e '^tls:' "$SMTPD_MAILDIR/0001.env")"
		lm_assert_eq "$mech over $mode: the token as the server got it" \
			"${mech^^} $good" "$(cat "$LM_TMP/$mech-$mode.tokens")"
		lm_assert_eq "$mech over $mode: the command ran once" 1 "$(runs)"
		lm_smtpd_stop "$mech-$mode"
	done
done

# ---- a refused token: the command runs once more, the mail goes -------------
server refresh starttls xoauth2
lm debug mail detail || lm_fail "debug mail detail failed"
tokens "$bad" "$good"
out=$(printf 'hello\n' | lm mail to admin@example.com subject refresh 2>"$LM_TMP/debug.err")
lm_assert_match "refused then fresh token: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "refused then fresh token: the command ran twice" 2 "$(runs)"
lm_assert_eq "refused then fresh token: what the server got" "XOAUTH2 $bad
XOAUTH2 $good" "$(cat "$LM_TMP/refresh.tokens")"
lm_assert_match "debug: the refusal decoded, then success" \
	$'Authentication failed \\[fred@example.com\\]: invalid_token \\(scope https://mail.test/\\): 535 [^\n]*\nAuthentication succeeded \\[fred@example.com\\]' \
	"$(grep -v '^[CS]: ' "$LM_TMP/debug.err")"
lm_assert_eq "debug: the AUTH lines hide the token" "C: AUTH XOAUTH2 ***
C: AUTH XOAUTH2 ***" "$(grep '^C: AUTH' "$LM_TMP/debug.err")"
cp "$LM_TMP/debug.err" "$LM_TMP/all-output.txt"
lm undebug mail || lm_fail "undebug mail failed"

# ---- a token the server keeps refusing: queued with the server's reason -----
tokens "$bad" "$bad"
out=$(printf 'hello\n' | lm mail to admin@example.com subject refused 2>&1)
lm_assert_match "refused twice: queued with the reason" \
	'^Sending [0-9.]+\.\.\. queued: .*invalid_token \(scope https://mail.test/\): 535 ' "$out"
lm_assert_eq "refused twice: the command ran twice, no more" 2 "$(runs)"
show=$(lm show mail 2>&1)
lm_assert_match "show mail: Last Error names the server's error" \
	'invalid_token \(scope https://mail.test/\): 535' "$show"
echo "$out$show" >>"$LM_TMP/all-output.txt"
lm delete mail all >/dev/null 2>&1 || lm_fail "delete mail all failed"

# ---- a failing command: queued with its exit status and stderr --------------
tried=$(wc -l <"$LM_TMP/refresh.tokens")
lm configure <<EOF || lm_fail "configure failing command"
mail smtpserver authentication xoauth2 username fred@example.com token-command "echo 'invalid_grant: refresh token revoked' >&2; echo junk; exit 3"
EOF
out=$(printf 'hello\n' | lm mail to admin@example.com subject failing 2>&1)
lm_assert_eq "failing command: exit code" 75 $?
lm_assert_match "failing command: queued with status and stderr" \
	'^Sending [0-9.]+\.\.\. queued: .*token command exited with status 3: invalid_grant: refresh token revoked$' \
	"$out"
show=$(lm show mail 2>&1)
lm_assert_match "failing command: show mail" \
	'token command exited with status 3: invalid_grant: refresh token revoked' "$show"
lm_assert_eq "failing command: no AUTH was tried" "$tried" \
	"$(wc -l <"$LM_TMP/refresh.tokens")"
# One that hangs is killed, with its children, after `mail smtpserver timeout`.
lm configure <<EOF || lm_fail "configure a hanging command"
mail smtpserver timeout 2
mail smtpserver authentication xoauth2 username fred@example.com token-command "sleep 300 & echo \$! >$LM_TMP/child.pid; wait"
EOF
start=$(date +%s)
out=$(lm flush 2>&1)
lm_assert_match "hanging command: the reason" 'token command gave no token within 2 s' \
	"$(lm show mail 2>&1)"
lm_assert_match "hanging command: given up after the timeout" '^[2-5]$' $(($(date +%s) - start))
# (Killed, it may stay a zombie until PID 1 reaps it.)
state=$(ps -o stat= -p "$(cat "$LM_TMP/child.pid")" 2>/dev/null)
[[ -z "$state" || "$state" == Z* ]] && echo "ok: the command's child was killed too" ||
	lm_fail "the command's child survived ($state)"
lm configure <<<"no mail smtpserver timeout"
# One that prints nothing says so.
lm configure <<<'mail smtpserver authentication xoauth2 username fred@example.com token-command "true"'
out=$(lm flush 2>&1)
lm_assert_match "empty output: the reason" 'token command printed no token' \
	"$(lm show mail 2>&1)"
# Fixed: flush sends it.
lm configure <<<"mail smtpserver authentication xoauth2 username fred@example.com token-command \"echo $good\""
out=$(lm flush 2>&1)
lm_assert_eq "fixed command: queue empty after flush" "" "$(ls "$spool/queue")"

# ---- the configuration shows the command, never a token ---------------------
rc=$(lm show running-config 2>&1)
lm_assert_match "running-config" \
	"mail smtpserver authentication xoauth2 username fred@example.com token-command \"echo $good\"" \
	"$rc"
lm_assert_match "show mail: the mechanism" 'Authentication +: xoauth2' "$(lm show mail 2>&1)"

# ---- the shell explains the new commands (?) ------------------------------
out=$(printf 'configure terminal\nmail smtpserver authentication ?\nmail smtpserver authentication xoauth2 username bob ?\n' | lm 2>&1)
lm_assert_match "? lists xoauth2" $'\nxoauth2 +XOAUTH2: an OAuth 2.0 access token' "$out"
lm_assert_match "? lists oauthbearer" $'\noauthbearer +OAUTHBEARER: an OAuth 2.0 access token \\(RFC 7628\\)' "$out"
lm_assert_match "? after the user name" $'\ntoken-command +A command that prints the access token' "$out"

# ---- the token is in no output and no spool file ----------------------------
if grep -q -e "$good" -e "$bad" "$LM_TMP/all-output.txt"; then
	lm_fail "a token appears in the output: $(cat "$LM_TMP/all-output.txt")"
else
	echo "ok: no token in the debug transcript, mail output or show mail"
fi
if grep -rq -e "$good" -e "$bad" "$spool"; then
	lm_fail "a token is in the spool: $(grep -rl -e "$good" -e "$bad" "$spool")"
else
	echo "ok: no token in the spool"
fi
lm_done
