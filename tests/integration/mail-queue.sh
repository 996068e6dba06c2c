#!/bin/bash
# The queue as a user sees it: `show mail` in the AWP feature guide's layout before and
# after `delete mail mail-id ID`, `delete mail ID`, `delete mail all`, the
# error for an unknown mail-id, and the settings block for STARTTLS, SMTPS
# and authentication without TLS.  The server defers every RCPT (451), so
# mails stay queued.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
reason="RCPT TO: 451 4.3.0 temporary failure, try again later"

lm_smtpd_start defer --rcpt-451
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from example@example.com
EOF

# send TO SUBJECT: queue one mail the server defers; sets $id.
send() {
	local out rc
	out=$(printf 'This is a message.\n' | lm mail to "$1" subject "$2" 2>&1)
	rc=$?
	id=$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. .*/\1/p' <<<"$out")
	lm_assert_eq "mail $2: output" "Sending $id... queued: $reason" "$out"
	lm_assert_eq "mail $2: exit code (EX_TEMPFAIL)" 75 "$rc"
}

# The guide's lines, then the address the last session connected to and how
# it was protected (in the clear: this server offers no STARTTLS).
settings="Mail Settings
-----
State                               : Alive
SMTP Server                         : 127.0.0.1
Host Name                           : example@example.com
Port                                : $SMTPD_PORT
Use TLS                             : None
Debug                               : Disabled
Server Address (last used)          : 127.0.0.1
TLS (last used)                     : none

Messages
-----"

send example1@example.com mail1
id1=$id
send example2@example.com "Host:awplus with Serial: 012345678"
id2=$id

lm_assert_eq "show mail with two queued" "$settings
To                                  : example1@example.com
Subject                             : mail1
Message-ID                          : $id1
Last Error                          : $reason (1 attempt)

To                                  : example2@example.com
Subject                             : Host:awplus with Serial: 012345678
Message-ID                          : $id2
Last Error                          : $reason (1 attempt)" "$(lm show mail)"

out=$(lm delete mail mail-id "$id1" 2>&1)
lm_assert_eq "delete mail mail-id: exit code" 0 $?
lm_assert_eq "delete mail mail-id: silent" "" "$out"
lm_assert_eq "show mail after delete" "$settings
To                                  : example2@example.com
Subject                             : Host:awplus with Serial: 012345678
Message-ID                          : $id2
Last Error                          : $reason (1 attempt)" "$(lm show mail)"

out=$(lm delete mail mail-id "$id1" 2>&1)
lm_assert_eq "delete unknown mail-id: exit code (EX_DATAERR)" 65 $?
lm_assert_eq "delete unknown mail-id: message" "% Error: no mail with mail-id $id1 in the queue" "$out"
out=$(lm delete mail 20180501183635.1637 2>&1)
lm_assert_eq "delete unknown bare id: message" \
	"% Error: no mail with mail-id 20180501183635.1637 in the queue" "$out"
out=$(lm delete mail 2>&1)
lm_assert_eq "delete mail without an argument: exit code (EX_USAGE)" 64 $?
lm_assert_eq "delete mail without an argument: message" \
	'logmail: <command>:1:12: expected a value after "mail"' "$out"
out=$(lm delete mail mail-id 2>&1)
lm_assert_eq "delete mail mail-id without an id: exit code (EX_USAGE)" 64 $?
lm_assert_eq "delete mail mail-id without an id: message" \
	'logmail: <command>:1:20: expected a value after "mail-id"' "$out"

out=$(lm delete mail "$id2" 2>&1)
lm_assert_eq "delete mail ID (bare): exit code" 0 $?
lm_assert_eq "show mail, queue empty" "$settings" "$(lm show mail)"

send a@example.com one
send b@example.com two
out=$(lm delete mail all 2>&1)
lm_assert_eq "delete mail all: exit code" 0 $?
lm_assert_eq "delete mail all: silent" "" "$out"
lm_assert_eq "show mail after delete mail all" "$settings" "$(lm show mail)"
lm_assert_eq "deferred and deleted mails are not counted" "Mail Client (SMTP) counters
Mails Sent           ..... 0
Mails Sent Fails     ..... 0
Authentication Fails ..... 0" "$(lm show counter mail)"
lm_assert_eq "server accepted nothing" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

# ---- the settings block of the AWP feature guide's STARTTLS and SMTPS examples ----------
conf=$LM_TMP/tls.conf
spool=$LM_TMP/tls-spool
lm configure <<EOF || lm_fail "configure tls failed"
mail smtpserver smtp.example.com
mail from example@example.com
mail smtpserver tls starttls
mail smtpserver authentication login username example password uniquePassword
EOF
tls_block() { # PORT TLS [NOTE-LINE]
	echo "Mail Settings
-----
State                               : Alive
SMTP Server                         : smtp.example.com
Host Name                           : example@example.com
Authentication                      : login
Username                            : example
Port                                : $1
Use TLS                             : $2
Debug                               : Disabled${3:+
$3}

Messages
-----"
}
lm_assert_eq "show mail, STARTTLS" "$(tls_block 587 STARTTLS)" "$(lm show mail)"
lm configure <<<"mail smtpserver tls smtps" || lm_fail "configure smtps failed"
lm_assert_eq "show mail, SMTPS" "$(tls_block 465 SMTPS)" "$(lm show mail)"

lm configure <<<"no mail smtpserver tls" || lm_fail "configure no tls failed"
lm_assert_eq "show mail, authentication without TLS: a note" \
	"$(tls_block 25 None '% Note: no TLS configured: the password is sent only after STARTTLS; a server that does not offer it gets no password')" \
	"$(lm show mail)"

lm configure <<<"mail smtpserver authentication allow-cleartext" || lm_fail "configure allow-cleartext failed"
lm_assert_eq "show mail, allow-cleartext warns" \
	"$(tls_block 25 None '% Warning: authentication allow-cleartext: the password is sent unencrypted when the server offers no STARTTLS')" \
	"$(lm show mail)"

# CRAM-MD5 never sends the password: no TLS needed, allow-cleartext or not.
lm configure <<EOF || lm_fail "configure crammd5 failed"
no mail smtpserver authentication allow-cleartext
no mail smtpserver authentication
mail smtpserver authentication crammd5 username example password uniquePassword
EOF
lm_assert_eq "show mail, CRAM-MD5 without TLS: a note" \
	"$(tls_block 25 None "% Note: no TLS configured: CRAM-MD5 sends no password, only a keyed hash of the server's challenge; STARTTLS is used when offered" |
		sed 's/^\(Authentication *: \)login/\1crammd5/')" \
	"$(lm show mail)"

# ---- a password 8 this host cannot decrypt (pasted from a switch) ----------
# configure refuses it, and says what to do instead
out=$(lm configure <<<'mail smtpserver authentication login username example password 8 +512Zartc7fV2r9cPTy1eJVREvdi+H66C6zFVBPJR+Q=' 2>&1)
lm_assert_eq "foreign password 8: refused (EX_CONFIG)" 78 $?
lm_assert_match "foreign password 8: the message says to enter it in clear" \
	"^logmail: <stdin>:1: this password 8 cannot be decrypted with this host's key .*enter the password in clear" "$out"
# one written into the file by hand: a mail is queued with the reason, not refused
lm_smtpd_start up
sed -i -E -e 's/^mail smtpserver authentication (crammd5|login|plain) username .*$/mail smtpserver authentication login username example password 8 +512Zartc7fV2r9cPTy1eJVREvdi+H66C6zFVBPJR+Q=/' \
	-e '/^mail smtpserver tls/d' "$conf"
lm mail smtpserver port "$SMTPD_PORT" || lm_fail "configure the port"
out=$(printf 'body\n' | lm mail to ops@example.com subject pw 2>&1)
lm_assert_eq "undecryptable password: queued (EX_TEMPFAIL)" 75 $?
id=$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. .*/\1/p' <<<"$out")
lm_assert_match "undecryptable password: the reason" \
	"^Sending $id\\.\\.\\. queued: cannot use the SMTP password: " "$out"
lm_assert_match "show mail: the queued mail with its reason" \
	"Message-ID +: $id"$'\n'"Last Error +: cannot use the SMTP password: " "$(lm show mail)"
lm_assert_eq "nothing sent" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

lm_done
