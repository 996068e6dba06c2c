#!/bin/bash
# omlogmail inside Debian's rsyslogd: a change made with the CLI takes
# effect without a HUP, as a command on the switch does when it is entered.
# The module looks at its configuration file every second and reads it
# again once it has changed and stayed as it is.
#
#   the server's port corrected with `logmail configure`: the mail queued
#   while it was wrong goes out (the queue is retried at once);
#   a recipient added with `logmail configure` gets its mail;
#   a file broken by hand: the error is logged with file:line, once, and
#   the running configuration stays in effect.
# No HUP is sent.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_dead_port
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $DEAD_PORT
mail from logmail@test.example
log email a@example.com program appa
log email a@example.com digest window 1
EOF
rs_conf
rs_start || exit 99
lm() { "$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" "$@"; }
wait_rs_log() { # REGEX: until rsyslogd's own log (omlogmail's lines) matches (10 s)
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -E -- "$1" "$RS_DIR/all.log" "$RS_DIR/rsyslogd.log" 2>/dev/null && return 0
		sleep 0.05
	done
	lm_fail "no line matching /$1/ within 10 s"
	return 1
}

rs_log -p user.notice -t appa "while the server was away"
wait_rs_log 'omlogmail: delivery to 127\.0\.0\.1' || exit 1
lm_assert_eq "queued while the port is wrong" 1 "$(ls "$RS_DIR/spool/queue" | wc -l)"

lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure the port"
lm_wait_mails "$SMTPD_MAILDIR" 1 100 || lm_fail "the corrected port was not used within 5 s"

lm configure <<'EOF' || lm_fail "configure a new recipient"
log email new@example.com program appn
log email new@example.com digest window 1
EOF
wait_rs_log "omlogmail: $RS_DIR/logmail\.conf reloaded, 2 recipients" || exit 1
rs_log -p user.notice -t appn "for the new recipient"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the new recipient got nothing"
lm_assert_eq "mails to new@" 1 "$(rs_mail_to new@example.com | wc -l)"

# A typo written by hand, in place: logged once with its line; the
# configuration in effect stays.
echo 'log email c@example.com level shouting' >>"$RS_DIR/logmail.conf"
line=$(wc -l <"$RS_DIR/logmail.conf")
wait_rs_log "omlogmail: configuration not reloaded, the previous one stays in effect: .*logmail\.conf:$line:[0-9]+: " ||
	exit 1
rs_log -p user.notice -t appn "still wanted"
lm_wait_mails "$SMTPD_MAILDIR" 3 || lm_fail "the configuration in effect was dropped"
lm_assert_eq "the broken file logged once" 1 \
	"$(grep -c "configuration not reloaded" "$RS_DIR/all.log")"
lm_assert_eq "no HUP was sent" 0 "$(grep -c 'rsyslogd was HUPed' "$RS_DIR/all.log")"
rs_stop
lm_done
