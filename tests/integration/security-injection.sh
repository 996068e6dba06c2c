#!/bin/bash
# CR, LF and NUL (and "<", ">" and blanks in addresses) in every value that
# reaches a mail header or the SMTP dialogue are refused, wherever they come
# from: the command line (`mail from`, `mail smtpserver`, the username,
# `mail serial-number` (%N/%S reach subjects), `log email` addresses and
# subjects, `mail to` recipient and subject) and a hand-edited configuration
# file (a CR inside a line, a NUL).  Nothing is queued or changed by a
# refused command, and the mail finally sent carries one recipient and no
# injected header.  Also: the password never shows in `ps` while
# `logmail configure` reads it on stdin, nor in an error message about its
# line, nor in `show running-config`.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_smtpd_start srv || exit 99
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from sender@example.com
log email ops@example.com level errors
EOF
before=$(cat "$conf")

# refuse WHAT WANT-RC REGEX ARGS...: the command fails with WANT-RC and a
# message matching REGEX, and the configuration is unchanged.
refuse() {
	local what=$1 want=$2 re=$3 out rc
	shift 3
	out=$(lm "$@" 2>&1 </dev/null)
	rc=$?
	lm_assert_eq "$what: exit code" "$want" "$rc"
	lm_assert_match "$what: message" "$re" "$out"
	lm_assert_eq "$what: configuration unchanged" "$before" "$(cat "$conf")"
}
CTL='control character in line'
for v in $'\r\n' $'\r' $'\n'; do
	t=$(printf '%q' "$v")
	refuse "mail from with $t" 64 "$CTL" mail from "evil@example.com${v}RCPT TO:<x@example.com>"
	refuse "mail smtpserver with $t" 64 "$CTL" mail smtpserver "127.0.0.1${v}HELO x"
	refuse "username with $t" 64 "$CTL" mail smtpserver authentication plain \
		username "u${v}MAIL FROM:<x@example.com>" password p
	refuse "serial-number with $t" 64 "$CTL" mail serial-number "A1${v}Bcc: x@example.com"
	refuse "log email address with $t" 64 "$CTL" log email "x@example.com${v}RCPT" level errors
	refuse "log email subject with $t" 64 "$CTL" log email ops@example.com subject "s${v}Bcc: x@example.com"
	refuse "mail to with $t" 65 'invalid recipient address' mail to "x@example.com${v}RCPT TO:<y@example.com>" \
		subject s file /dev/null
	refuse "mail subject with $t" 65 'the subject must not contain CR or LF' mail to x@example.com \
		subject "s${v}Bcc: y@example.com" file /dev/null
done
out=$(lm mail to $'x@example.com\r\nRCPT TO:<y@example.com>' subject s file /dev/null 2>&1 </dev/null)
lm_assert_eq "a refused address is shown without its line break" \
	'% Error: mail: invalid recipient address "x@example.com??RCPT TO:<y@example.com>" (CR or LF in the address)' "$out"
refuse "mail from with >" 64 'invalid email address' mail from 'a@example.com> SIZE=1'
refuse "mail to with >" 65 'invalid recipient address' mail to 'x@example.com> NOTIFY=NEVER' \
	subject s file /dev/null
refuse "log email with a blank" 64 'invalid email address' log email 'x@example.com y@example.com' level errors

# A hand-edited configuration file: a lone CR inside a line, a NUL.
for bad in cr nul; do
	cp "$conf" "$LM_TMP/$bad.conf"
	if [ $bad = cr ]; then
		printf 'mail from a@example.com\rBcc: x@example.com\n' >>"$LM_TMP/$bad.conf"
		re="$bad.conf:5:[0-9]+: $CTL"
	else
		printf 'mail from a@exa\0mple.com\n' >>"$LM_TMP/$bad.conf"
		re="$bad.conf:5:[0-9]+: NUL byte in line"
	fi
	chmod 600 "$LM_TMP/$bad.conf"
	out=$(printf 'x\n' | "$LOGMAIL" --config "$LM_TMP/$bad.conf" --spool "$spool" \
		mail to admin@example.com subject s 2>&1)
	lm_assert_eq "config file with $bad: refused" 78 $?
	lm_assert_match "config file with $bad: message" "$re" "$out"
done
lm_assert_eq "nothing queued" "" "$(ls "$spool/queue" 2>/dev/null)"
lm_assert_eq "nothing sent" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

# What does go out: one recipient, no injected header.
out=$(printf 'Bcc: body@example.com\nRCPT TO:<body@example.com>\n.\nQUIT\n' |
	lm mail to admin@example.com subject 'status %N' 2>&1)
lm_assert_eq "a good mail: exit code" 0 $?
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "not delivered"
env=$SMTPD_MAILDIR/0001.env
eml=$SMTPD_MAILDIR/0001.eml
lm_assert_eq "one envelope recipient" "to: admin@example.com" "$(grep '^to:' "$env")"
lm_assert_eq "no Bcc header" "" "$(sed '/^\r$/q' "$eml" | grep -i '^bcc')"
lm_assert_eq "the body kept the lines (dot-stuffing undone)" \
	"$(printf 'Bcc: body@example.com\r\nRCPT TO:<body@example.com>\r\n.\r\nQUIT\r\n')" \
	"$(sed '1,/^\r$/d' "$eml")"

# ---- the password ----------------------------------------------------------
PW='Ps-7f3c9e1a-unique'
fifo=$LM_TMP/stdin
mkfifo "$fifo"
(exec "$LOGMAIL" --config "$conf" --spool "$spool" configure <"$fifo" >"$LM_TMP/configure.out" 2>&1) &
pid=$!
exec 7>"$fifo"
echo "mail smtpserver authentication plain username fred password $PW" >&7
for ((i = 0; i < 200; i++)); do grep -q configure "/proc/$pid/cmdline" 2>/dev/null && break; sleep 0.05; done
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
lm_assert_match "logmail configure is running" "configure" "$cmdline"
lm_assert_eq "the password is not in its command line (ps)" "" "$(ps -ww -o args= -p "$pid" | grep -F -- "$PW")"
exec 7>&-
wait "$pid"
lm_assert_eq "configure on stdin: exit code" 0 $?
lm_assert_eq "the password is not in the file" "" "$(grep -F -- "$PW" "$conf")"
lm_assert_eq "nor in show running-config" "" "$(lm show running-config | grep -F -- "$PW")"
out=$(lm configure <<<"mail smtpserver authentication plain username fred password $PW bogus" 2>&1)
lm_assert_eq "a bad password line: refused" 64 $?
lm_assert_eq "the error does not echo the password" "" "$(grep -F -- "$PW" <<<"$out")"
# A password given on the command line is overwritten in argv once read.
# The key file is a FIFO here, so logmail blocks opening it, after that.
pwdir=$LM_TMP/argv
mkdir "$pwdir"
mkfifo -m 600 "$pwdir/logmail.key"
"$LOGMAIL" --config "$pwdir/logmail.conf" mail smtpserver authentication plain username fred \
	password "$PW" >/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 200; i++)); do grep -q xxxx "/proc/$pid/cmdline" 2>/dev/null && break; sleep 0.05; done
lm_assert_eq "argv: the password is overwritten" \
	"password $(printf '%*s' ${#PW} '' | tr ' ' x)" \
	"$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o 'password [^ ]*')"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
lm_done
