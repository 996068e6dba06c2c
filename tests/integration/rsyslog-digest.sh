#!/bin/bash
# omlogmail inside Debian's rsyslogd: messages fed with logger reach the
# right recipients in digests: filters and excludes honoured, a digest
# closed by its window holds every message of the window (two that differ
# in a number folded into one line), one at its max-messages shows that
# many lines and counts the rest (the cap does not send it), an urgent
# message goes at once.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com level errors
log email ops@example.com exclude program cron
log email ops@example.com digest window 3
log email ops@example.com urgent level emergencies
log email sec@example.com program sshd
log email sec@example.com digest window 3
log email sec@example.com digest max-messages 3
log email oncall@example.com level critical
log email oncall@example.com digest window 3600
EOF
rs_conf
rs_start || exit 99

rs_log -p daemon.err -t diskmon "sda: I/O error, sector 123"
rs_log -p cron.err -t cron "job backup failed"
rs_log -p daemon.warning -t diskmon "sda: SMART warning"
rs_log -p daemon.err -t diskmon "sda: I/O error, sector 456"
rs_log -p auth.info -t sshd "Failed password for root from 192.0.2.7 port 4242 ssh2"
rs_log -p auth.info -t sshd "Invalid user admin from 192.0.2.7 port 4243"
rs_log -p auth.info -t sshd "Connection closed by authenticating user guest 192.0.2.7 port 4244 [preauth]"
rs_log -p auth.info -t sshd "Accepted password for alice from 192.0.2.8 port 5000 ssh2"
rs_log -p kern.crit -t kernel "EXT4-fs error (device sda1): journal aborted"
rs_wait_log 'kernel: EXT4-fs error'

# sec: its window (3 s), 3 lines (max-messages: three kinds of event) and
# the 4th counted.
# oncall: the critical message at once (urgent level critical, the default).
# ops: its window (3 s), holding the critical message too (level errors
# holds for crit; its urgent level is emergencies).
lm_wait_mails "$SMTPD_MAILDIR" 3 400 || lm_fail "3 mails expected, $(lm_mail_count "$SMTPD_MAILDIR") arrived"

mapfile -t sec < <(rs_mail_to sec@example.com)
mapfile -t ops < <(rs_mail_to ops@example.com)
mapfile -t oncall < <(rs_mail_to oncall@example.com)
lm_assert_eq "mails to sec" 1 "${#sec[@]}"
lm_assert_eq "mails to ops" 1 "${#ops[@]}"
lm_assert_eq "mails to oncall" 1 "${#oncall[@]}"

if [ ${#sec[@]} -ge 1 ]; then
	body=$(rs_body "${sec[0]}")
	lm_assert_eq "sec: 3 sshd lines" 3 "$(grep -c -E '^[0-9].* info [^ ]* sshd: ' <<<"$body")"
	lm_assert_match "sec: root first" " info [^ ]* sshd: Failed password for root .*
.*Invalid user admin.*
.*user guest" "$body"
	lm_assert_eq "sec: the 4th is not a line of this mail" 0 \
		"$(grep -c -E '^[0-9].* sshd: Accepted' <<<"$body")"
	lm_assert_match "sec: ...but counted in it" "1 further message not shown \(digest full\)
  \(x1\) info [^ ]+ sshd: Accepted password for alice from <ip> port <n> ssh2
" "$body"
	lm_assert_match "sec: From" "^<?logmail@test\.example>?$" "$(lm_header "${sec[0]}" From)"
	lm_assert_match "sec: To" "^<?sec@example\.com>?$" "$(lm_header "${sec[0]}" To)"
fi
if [ ${#ops[@]} -ge 1 ]; then
	body=$(rs_body "${ops[0]}")
	lm_assert_eq "ops: the two I/O errors, folded" 1 "$(grep -c -E \
		'^[-0-9]+ [:0-9]+ \+0000( \.\. [:0-9]+)? \(x2\) err [^ ]+ diskmon: sda: I/O error, sector <n>$' \
		<<<"$body")"
	lm_assert_eq "ops: cron excluded" 0 "$(grep -c 'backup' <<<"$body")"
	lm_assert_eq "ops: warning below the level" 0 "$(grep -c 'SMART' <<<"$body")"
	lm_assert_eq "ops: sshd info below the level" 0 "$(grep -c 'sshd' <<<"$body")"
	lm_assert_match "ops: the critical message" "crit [^ ]+ kernel: EXT4-fs error" "$body"
fi
if [ ${#oncall[@]} -ge 1 ]; then
	body=$(rs_body "${oncall[0]}")
	lm_assert_match "oncall: the critical message" "crit [^ ]+ kernel: EXT4-fs error \(device sda1\): journal aborted" "$body"
	lm_assert_eq "oncall: only it" 1 "$(grep -c ' kernel: ' <<<"$body")"
fi

rs_stop

# The statistics the module published, as `show log config` shows them:
# received (each message once, the same count in every target's line: the
# 9 messages logged, and rsyslogd's own that reach the
# action: its start message at least); sec accepted its 4 sshd messages
# (3 shown, the 4th counted), oncall its 1; each its own last mail.
if [ -x "$LOGMAIL" ]; then
	show=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show log config 2>&1)
	received=$(sed -n 's/^  Statistics \.* \([0-9]*\) messages received, .*$/\1/p' <<<"$show" | sort -u)
	# (rsyslogd's own messages: all but omlogmail's about itself, which
	# the module sets aside before its filters)
	internal=$(grep '^syslog\.' "$RS_DIR/all.log" | grep -c -v ' rsyslogd[^:]*: *omlogmail')
	lm_assert_eq "show log config: received, each message once" "$((9 + internal))" "$received"
	lm_assert_match "show log config: sec statistics" \
		"Email sec@example\.com:.*  Statistics \.+ [0-9]+ messages received, 4 accepted by filter \([0-9]{4} [A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\)   Mailed \.+ 3 messages \(last mail [0-9]{4} [A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\)" \
		"$(tr '\n' ' ' <<<"$show")"
	lm_assert_match "show log config: oncall statistics" \
		"Email oncall@example\.com:.*  Statistics \.+ [0-9]+ messages received, 1 accepted by filter .*  Mailed \.+ 1 message \(last mail " \
		"$(tr '\n' ' ' <<<"$show")"
	lm_assert_eq "show log config: the received count in every target's line" \
		"$(grep -c '^Email ' <<<"$show")" "$(grep -c '^  Statistics .* messages received, ' <<<"$show")"
fi
lm_done
