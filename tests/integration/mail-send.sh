#!/bin/bash
# `logmail mail ...` against tests/servers/smtpd.py: the AWP feature guide's output
# ("Sending <mail-id>... ok."), the delivered envelope, headers and body,
# the prompts of the interactive form, `debug mail` lines and `debug mail
# detail` transcripts without the password, `show counter mail`, and the
# refusals that queue nothing.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
host=$(hostname)

# ---- refusals before anything is configured: nothing queued ----------------
printf 'The LAN interface is down\n' >"$LM_TMP/body.txt"
out=$(lm mail to admin@example.com subject "x" file "$LM_TMP/body.txt" 2>&1)
lm_assert_eq "no server: exit code" 78 $?
lm_assert_eq "no server: message" "% Error: no SMTP server configured (mail smtpserver)" "$out"

lm_smtpd_start srv --auth plain --user fred --password 'S3cret-pw'
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver authentication plain username fred password S3cret-pw
mail smtpserver authentication allow-cleartext
mail serial-number A05049G154200043
EOF
out=$(lm mail to admin@example.com subject "x" file "$LM_TMP/body.txt" 2>&1)
lm_assert_eq "no from: exit code" 78 $?
lm_assert_eq "no from: message" "% Error: no sender address configured (mail from)" "$out"
lm configure <<<"mail from sender@example.com" || lm_fail "configure from failed"

out=$(lm mail to admin@example.com subject $'two\nlines' file "$LM_TMP/body.txt" 2>&1)
lm_assert_eq "subject with LF: exit code" 65 $?
lm_assert_eq "subject with LF: message" "% Error: mail: the subject must not contain CR or LF" "$out"
out=$(lm mail to $'a@example.com\r\nRCPT TO:<b@example.com>' subject s file "$LM_TMP/body.txt" 2>&1)
lm_assert_eq "address with CRLF: exit code" 65 $?
out=$(lm mail to admin@example.com subject s file "$LM_TMP/nonexistent" 2>&1)
lm_assert_eq "missing file: exit code" 66 $?
lm_assert_eq "missing file: message" "% Error: $LM_TMP/nonexistent: No such file or directory" "$out"
lm_assert_eq "nothing was queued" "" "$(ls "$spool/queue")"
lm_assert_eq "nothing was sent" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

# ---- the non-interactive form: mail to X subject S file F -----------------
printf 'The LAN interface is down\n\nSee the log.\n.\n' >"$LM_TMP/body.txt"
out=$(lm mail to admin@example.com subject "Link down on %N serial %S" file "$LM_TMP/body.txt" 2>&1)
lm_assert_eq "mail exit code" 0 $?
lm_assert_match "mail output" '^Sending [0-9]{14}\.[0-9]+\.\.\. ok\.$' "$out"
id=$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. ok\.$/\1/p' <<<"$out")
lm_assert_match "mail-id is YYYYMMDDhhmmss.PID" "^$(date +%Y%m%d)[0-9]{6}\.[0-9]+$" "$id"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "no mail delivered"
env=$(cat "$SMTPD_MAILDIR/0001.env")
lm_assert_eq "envelope" "from: sender@example.com
to: admin@example.com" "$(head -n 2 <<<"$env")"
lm_assert_eq "authenticated" "auth: fred" "$(grep '^auth:' <<<"$env")"
eml=$SMTPD_MAILDIR/0001.eml
lm_assert_eq "From" "<sender@example.com>" "$(lm_header "$eml" From)"
lm_assert_eq "To" "<admin@example.com>" "$(lm_header "$eml" To)"
lm_assert_eq "Subject" "Link down on $host serial A05049G154200043" "$(lm_header "$eml" Subject)"
lm_assert_eq "Message-ID" "<$id@$host>" "$(lm_header "$eml" Message-ID)"
lm_assert_match "Date" '^[A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' \
	"$(lm_header "$eml" Date)"
lm_assert_eq "body (CRLF, dot line kept)" "$(printf 'The LAN interface is down\r\n\r\nSee the log.\r\n.\r\n')" \
	"$(sed '1,/^\r$/d' "$eml")"
lm_assert_eq "queue empty after delivery" "" "$(ls "$spool/queue")"

# ---- the interactive form: prompts, then the body up to end of input ------
out=$(printf 'ops@example.com\nThe WAN is down\nline one\nline two\n' | lm mail 2>&1)
lm_assert_eq "prompted mail exit code" 0 $?
id2=$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. ok\.$/\1/p' <<<"$out")
lm_assert_eq "prompted mail output" "To: ops@example.com
Subject: The WAN is down

Type the message below and finish with a CTRL-d
Sending $id2... ok." "$out"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "prompted mail not delivered"
lm_assert_eq "prompted To" "<ops@example.com>" "$(lm_header "$SMTPD_MAILDIR/0002.eml" To)"
lm_assert_eq "prompted Subject" "The WAN is down" "$(lm_header "$SMTPD_MAILDIR/0002.eml" Subject)"
lm_assert_eq "prompted body" "$(printf 'line one\r\nline two\r\n')" \
	"$(sed '1,/^\r$/d' "$SMTPD_MAILDIR/0002.eml")"

# mail to X subject S without a file: the body from standard input.
out=$(printf 'from stdin\n' | lm mail to ops@example.com subject "UTF-8 sübject" 2>&1)
lm_assert_eq "stdin body exit code" 0 $?
lm_assert_match "stdin body output" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_wait_mails "$SMTPD_MAILDIR" 3 || lm_fail "stdin mail not delivered"
lm_assert_eq "UTF-8 subject decoded" "UTF-8 sübject" "$(lm_header_decoded "$SMTPD_MAILDIR/0003.eml" Subject)"

# ---- debug mail: the AWP feature guide's lines -------------------------------
lm debug mail || lm_fail "debug mail failed"
lm_assert_eq "show mail: debug on" "Debug                               : Enabled" \
	"$(lm show mail | grep '^Debug')"
out=$(printf 'debugged\n' | lm mail to ops@example.com subject dbg 2>"$LM_TMP/debug.err")
lm_assert_eq "debug mail exit code" 0 $?
lm_assert_match "debug: still the guide's line on stdout" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "debug mail: the guide's lines" "Creating connection to host (127.0.0.1:$SMTPD_PORT)
Authentication succeeded [fred]
Recipient accepted [ops@example.com]
Mail sent for ops@example.com. Closing connection" "$(cat "$LM_TMP/debug.err")"

# ---- debug mail detail: the transcript too, credentials hidden -------------
lm debug mail detail || lm_fail "debug mail detail failed"
out=$(printf 'debugged\n' | lm mail to ops@example.com subject dbg 2>"$LM_TMP/debug.err")
lm_assert_eq "debug mail detail exit code" 0 $?
lm_assert_match "debug detail: the guide's lines too" $'^Creating connection to host .*\nAuthentication succeeded \\[fred\\]\n' \
	"$(grep -v '^[CS]: ' "$LM_TMP/debug.err")"
grep -q '^C: MAIL FROM:<sender@example.com>' "$LM_TMP/debug.err" ||
	lm_fail "debug: no MAIL FROM line in the transcript: $(cat "$LM_TMP/debug.err")"
grep -q '^S: 250' "$LM_TMP/debug.err" || lm_fail "debug: no server lines"
b64=$(printf '\0fred\0S3cret-pw' | base64)
if grep -q -e 'S3cret-pw' -e "$b64" "$LM_TMP/debug.err"; then
	lm_fail "debug: the password is in the transcript"
fi
lm undebug mail || lm_fail "undebug mail failed"
out=$(printf 'quiet\n' | lm mail to ops@example.com subject quiet 2>&1)
lm_assert_match "no transcript after undebug mail" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
lm_assert_eq "show mail: debug off" "Debug                               : Disabled" \
	"$(lm show mail | grep '^Debug')"

# ---- counters ----------------------------------------------------------------
lm_assert_eq "show counter mail" "Mail Client (SMTP) counters
Mails Sent           ..... 6
Mails Sent Fails     ..... 0
Authentication Fails ..... 0" "$(lm show counter mail)"
lm_assert_eq "each mail delivered once" 6 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm clear counter mail || lm_fail "clear counter mail failed"
lm_assert_eq "clear counter mail" "Mail Client (SMTP) counters
Mails Sent           ..... 0
Mails Sent Fails     ..... 0
Authentication Fails ..... 0" "$(lm show counter mail)"

# ---- debug mail: a failure has its line ------------------------------------
lm_smtpd_start wrongpw --auth plain --user fred --password 'not-that-one'
lm mail smtpserver port "$SMTPD_PORT" || lm_fail "configure the port"
lm debug mail || lm_fail "debug mail failed"
out=$(printf 'x\n' | lm mail to ops@example.com subject refused 2>"$LM_TMP/debug.err")
lm_assert_eq "wrong password: queued (EX_TEMPFAIL)" 75 $?
lm_assert_eq "debug mail: the authentication failure" "Creating connection to host (127.0.0.1:$SMTPD_PORT)
Authentication failed [fred]: 535 5.7.8 Authentication credentials invalid
Closing connection" "$(cat "$LM_TMP/debug.err")"
lm undebug mail || lm_fail "undebug mail failed"

lm_done
