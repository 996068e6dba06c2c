#!/bin/bash
# omlogmail inside Debian's rsyslogd: a clean stop (SIGTERM) writes what the
# digests held into the spool, nothing is lost; the next start delivers it
# without waiting for a new message.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com level warnings
log email ops@example.com digest window 3600
EOF2
rs_conf
rs_start || exit 99
rs_log -p daemon.warning -t smartd "Device: /dev/sda, 8 Currently unreadable (pending) sectors"
rs_log -p daemon.err -t smartd "Device: /dev/sda, FAILED SMART self-check. BACK UP DATA NOW!"
rs_wait_log 'smartd: .*BACK UP DATA NOW' || exit 1
rs_stop
lm_assert_eq "nothing sent before the window" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

if [ -x "$LOGMAIL" ]; then
	shown=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show mail 2>&1)
	lm_assert_match "logmail show mail lists the spooled digest" "ops@example\.com" "$shown"
fi

# The next start delivers it: no new message is needed.
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the spooled digest was not delivered after the restart"
f=$(rs_mail_to ops@example.com | head -n 1)
if [ -n "$f" ]; then
	body=$(rs_body "$f")
	lm_assert_match "both messages, in order" "warning [^ ]+ smartd(\[[0-9]+\])?: Device: /dev/sda, 8 Currently unreadable \(pending\) sectors
.*err [^ ]+ smartd(\[[0-9]+\])?: Device: /dev/sda, FAILED SMART self-check\. BACK UP DATA NOW!" "$body"
fi
rs_stop
lm_assert_eq "exactly one mail" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_done
