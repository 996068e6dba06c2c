#!/bin/bash
# `logmail -f SCRIPT` and scripts on standard input: AlliedWare Plus trigger
# scripts (.scp) with enable / configure terminal / end / exit, the AWP feature guide's
# sendmail.scp delivered to a real server, and errors that name SCRIPT:LINE
# and leave the configuration file as it was.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }
lm_setup

conf=$LM_TMP/logmail.conf
export LOGMAIL_CONFIG=$conf LOGMAIL_SPOOL=$LM_TMP/spool
lm_smtpd_start srv

# ---- a script that configures, then shows ---------------------------------
cat >"$LM_TMP/setup.scp" <<EOF
#!/usr/bin/logmail -f
! set up the mail client, as in the AWP feature guide's trigger example
enable
configure terminal
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from fred@example.com
mail serial-number A05049G154200043
end
sh run
exit
show mail
EOF
out=$("$LOGMAIL" -f "$LM_TMP/setup.scp" 2>&1)
lm_assert_eq "setup.scp exit code" 0 $?
lm_assert_eq "setup.scp output" "mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from fred@example.com
mail serial-number A05049G154200043" "$out"
lm_assert_eq "saved 0600" 600 "$(stat -c %a "$conf")"
sum=$(sha256sum <"$conf")

# ---- the AWP feature guide's sendmail.scp ------------------------------------------------
cat >"$LM_TMP/sendmail.scp" <<'EOF'
enable
mail to examplename@tb212.st.atlnz.lc subject "Sending email from Hostname:%N Serial Number:%S Date:%T"
EOF
out=$("$LOGMAIL" -f "$LM_TMP/sendmail.scp" </dev/null 2>&1)
lm_assert_eq "sendmail.scp exit code" 0 $?
lm_assert_match "sendmail.scp output" 'Sending [0-9]{14}\.[0-9]+\.\.\. ok\.$' "$out"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "sendmail.scp: no mail delivered"
eml=$SMTPD_MAILDIR/0001.eml
if [ -f "$eml" ]; then
	lm_assert_eq "To" "<examplename@tb212.st.atlnz.lc>" "$(lm_header "$eml" To)"
	lm_assert_match "Subject" "^Sending email from Hostname:$(hostname) Serial Number:A05049G154200043 Date:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$" \
		"$(lm_header_decoded "$eml" Subject)"
fi

# ---- the same lines on standard input ---------------------------------------
out=$(printf 'enable\nshow running-config\n' | "$LOGMAIL" 2>&1)
lm_assert_eq "stdin script exit code" 0 $?
lm_assert_eq "stdin script output" "$(cat "$conf")" "$out"

out=$(printf 'enable\nshow running-config\n' | "$LOGMAIL" -f - 2>&1)
lm_assert_eq "-f - exit code" 0 $?
lm_assert_eq "-f - output" "$(cat "$conf")" "$out"

# A script edited on Windows (CRLF line ends) reads the same.
out=$(printf 'enable\r\nshow running-config\r\n' | "$LOGMAIL" 2>&1)
lm_assert_eq "CRLF script exit code" 0 $?
lm_assert_eq "CRLF script output" "$(cat "$conf")" "$out"

# ---- errors name SCRIPT:LINE; the file is left as it was -------------------
# run NAME STATUS "ERROR" SCRIPT-TEXT
run() {
	printf '%s\n' "$4" >"$LM_TMP/$1.scp"
	local got rc
	got=$("$LOGMAIL" -f "$LM_TMP/$1.scp" 2>&1 >/dev/null </dev/null)
	rc=$?
	lm_assert_eq "$1: exit code" "$2" "$rc"
	lm_assert_eq "$1: message" "$3" "$got"
	lm_assert_eq "$1: configuration unchanged" "$sum" "$(sha256sum <"$conf")"
}
run unknown 64 "logmail: $LM_TMP/unknown.scp:3: show bogus
logmail: $LM_TMP/unknown.scp:3:      ^
logmail: $LM_TMP/unknown.scp:3: % Invalid input detected at '^' marker." \
	'enable
show running-config
show bogus
show running-config'
run config_error 64 "logmail: $LM_TMP/config_error.scp:4: mail smtpserver port 0
logmail: $LM_TMP/config_error.scp:4:                      ^
logmail: $LM_TMP/config_error.scp:4: % Invalid input detected at '^' marker." \
	'enable
configure terminal
mail from other@example.com
mail smtpserver port 0
end'
run incomplete 64 "logmail: $LM_TMP/incomplete.scp:3: mail smtpserver port
logmail: $LM_TMP/incomplete.scp:3: % Incomplete command." \
	'enable
configure terminal
mail smtpserver port
end'
run refused 64 "logmail: $LM_TMP/refused.scp:3:14: no email log target \"nobody@example.com\"" \
	'enable
configure terminal
no log email nobody@example.com
end'
run quote 64 "logmail: $LM_TMP/quote.scp:2: mail to a@b subject \"oops
logmail: $LM_TMP/quote.scp:2:                     ^
logmail: $LM_TMP/quote.scp:2: % Invalid input detected at '^' marker." \
	'enable
mail to a@b subject "oops'
run missing_body 66 "logmail: $LM_TMP/missing_body.scp:1: % Error: $LM_TMP/none.txt: No such file or directory" \
	"mail to a@example.com subject s file $LM_TMP/none.txt"
run configure_word 64 "logmail: $LM_TMP/configure_word.scp:1: configure bogus
logmail: $LM_TMP/configure_word.scp:1:           ^
logmail: $LM_TMP/configure_word.scp:1: % Invalid input detected at '^' marker." \
	'configure bogus'

lm_done
