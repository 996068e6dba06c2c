#!/bin/bash
# omlogmail inside Debian's rsyslogd: each recipient sees the message's
# timestamp in its own zone and offset (`log email A time {local|utc} +H:MM`).
# The message carries a fixed RFC 5424 timestamp, so the lines are exact;
# rsyslogd runs with TZ=XST-3 (UTC+3, no tzdata needed) for "local".
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email east@example.com level errors
log email east@example.com time utc +2:00
log email east@example.com digest window 1
log email west@example.com level errors
log email west@example.com time utc -5:30
log email west@example.com digest window 1
log email local@example.com level errors
log email local@example.com time local +1:00
log email local@example.com digest window 1
log email plain@example.com level errors
log email plain@example.com digest window 1
EOF2
rs_conf
TZ=XST-3 rs_start || exit 99

# user.err (PRI 11), logged at 08:15:30 UTC on web1 by app[4711]
rs_send_raw '<11>1 2026-03-10T08:15:30.250Z web1 app 4711 - - disk /dev/sdb failed'
rs_wait_log 'app: disk /dev/sdb failed'
lm_wait_mails "$SMTPD_MAILDIR" 4 || lm_fail "4 mails expected, $(lm_mail_count "$SMTPD_MAILDIR") arrived"

expect() { # ADDR LINE
	local f
	f=$(rs_mail_to "$1" | head -n 1)
	if [ -z "$f" ]; then
		lm_fail "no mail to $1"
		return
	fi
	lm_assert_eq "$1" "$2" "$(rs_body "$f" | head -n 1)"
}
expect east@example.com "2026-03-10 10:15:30 +0200 err web1 app[4711]: disk /dev/sdb failed"
expect west@example.com "2026-03-10 02:45:30 -0530 err web1 app[4711]: disk /dev/sdb failed"
expect local@example.com "2026-03-10 12:15:30 +0400 err web1 app[4711]: disk /dev/sdb failed"
expect plain@example.com "2026-03-10 11:15:30 +0300 err web1 app[4711]: disk /dev/sdb failed"

rs_stop
lm_done
