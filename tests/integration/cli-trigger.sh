#!/bin/bash
# The AlliedWare Plus feature guide's trigger example on Linux: its mem.scp,
# as a systemd timer runs it (`logmail -f mem.scp`, README "Triggers"), with
# the server down and then up.  A script runs to the end: a mail only queued
# does not stop it, and its exit status is the worst thing that happened
# (75 while a mail waits in the queue).  `debug mail` says what the guide's
# terminal monitor shows.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
export LOGMAIL_CONFIG=$conf LOGMAIL_SPOOL=$spool

lm_dead_port
dead=$DEAD_PORT
# The guide's configuration, with a server of our own, without TLS:
# CRAM-MD5 sends no password, so it needs no allow-cleartext.
"$LOGMAIL" configure <<END || lm_fail "configure"
mail smtpserver 127.0.0.1
mail smtpserver port $dead
mail smtpserver authentication crammd5 username fred password uniquePassword
mail from fred@example.com
mail serial-number 012345678
END

# The guide's mem.scp, verbatim.
cat >"$LM_TMP/mem.scp" <<'END'
enable
mail to fred@example.com subject "Host: %N with Serial: %S memory utilization high at %L"
END
# The issue's case: a script whose first mail cannot be delivered.
cat >"$LM_TMP/two.scp" <<'END'
enable
mail to fred@example.com subject "first"
mail to fred@example.com subject "second"
show counter mail
END

# ---- the server is down: queued, the script goes on, exit 75 ---------------
out=$("$LOGMAIL" -f "$LM_TMP/mem.scp" </dev/null 2>&1)
lm_assert_eq "mem.scp, server down: exit code (EX_TEMPFAIL)" 75 $?
lm_assert_match "mem.scp, server down: queued" \
	"^Sending [0-9]{14}\.[0-9]+\.\.\. queued: connect: cannot connect to 127\.0\.0\.1 port $dead: Connection refused$" "$out"
out=$("$LOGMAIL" -f "$LM_TMP/two.scp" </dev/null 2>&1)
lm_assert_eq "two mails, server down: exit code (EX_TEMPFAIL)" 75 $?
lm_assert_eq "two mails, server down: both ran" 2 \
	"$(grep -c '^Sending [0-9.]*\.\.\. queued: ' <<<"$out")"
lm_assert_match "two mails, server down: the line after them ran too" \
	$'Mail Client \\(SMTP\\) counters\nMails Sent +\\.+ 0' "$out"
lm_assert_eq "three mails queued" 3 "$("$LOGMAIL" show mail | grep -c '^Message-ID ')"

# ---- the server is up: delivered, and the guide's debug lines --------------
lm_smtpd_start up --auth cram-md5 --user fred --password uniquePassword
"$LOGMAIL" mail smtpserver port "$SMTPD_PORT" || lm_fail "configure the port"
"$LOGMAIL" debug mail || lm_fail "debug mail"
out=$("$LOGMAIL" -f "$LM_TMP/mem.scp" </dev/null 2>"$LM_TMP/mem.err")
lm_assert_eq "mem.scp, server up: exit code" 0 $?
lm_assert_match "mem.scp, server up: sent" '^Sending [0-9]{14}\.[0-9]+\.\.\. ok\.$' "$out"
lm_assert_eq "mem.scp, server up: the guide's debug lines" \
	"logmail: $LM_TMP/mem.scp:2: Creating connection to host (127.0.0.1:$SMTPD_PORT)
logmail: $LM_TMP/mem.scp:2: Authentication succeeded [fred]
logmail: $LM_TMP/mem.scp:2: Recipient accepted [fred@example.com]
logmail: $LM_TMP/mem.scp:2: Mail sent for fred@example.com. Closing connection" \
	"$(cat "$LM_TMP/mem.err")"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "mem.scp's mail not delivered"
eml=$SMTPD_MAILDIR/0001.eml
if [ -f "$eml" ]; then
	lm_assert_eq "delivered To" "<fred@example.com>" "$(lm_header "$eml" To)"
	lm_assert_match "delivered Subject" \
		"^Host: $(hostname) with Serial: 012345678 memory utilization high at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[-+][0-9]{4}$" \
		"$(lm_header "$eml" Subject)"
	lm_assert_eq "authenticated with CRAM-MD5" "fred" "$(lm_env_value "${eml%.eml}.env" auth)"
fi
# the flush (what a timer runs to retry) sends what waited
"$LOGMAIL" undebug mail
out=$("$LOGMAIL" flush 2>&1)
lm_assert_eq "flush: exit code" 0 $?
lm_assert_eq "flush: what it did" "3 sent, 0 deferred, 0 failed" "$out"
lm_wait_mails "$SMTPD_MAILDIR" 4 || lm_fail "the queued mails were not delivered"
lm_assert_eq "queue empty" 0 "$("$LOGMAIL" show mail | grep -c '^Message-ID ')"

lm_done
