#!/bin/bash
# omlogmail inside Debian's rsyslogd with its mail server down: rsyslog
# keeps running, the digest waits in the spool, the failure is logged once
# per attempt and never mailed itself (no feedback loop, although the
# recipient takes every error); after the file is fixed, a HUP retries the
# queue at once and the mail arrives, alone.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_dead_port
dead_port=$DEAD_PORT
lm_smtpd_start smtpd || exit 99

conf() { # PORT
	rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $1
mail from logmail@test.example
log email ops@example.com level errors
log email ops@example.com digest window 1
EOF2
}
conf "$dead_port"
rs_conf
rs_start || exit 99
rs_log -p daemon.err -t nfsd "nfsd: too many open connections, consider increasing the number of threads"
rs_wait_log "omlogmail: delivery to 127\.0\.0\.1: .*" || exit 1
lm_assert_eq "nothing delivered while the server is down" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
if [ -x "$LOGMAIL" ]; then
	lm_assert_match "the digest waits in the spool" "ops@example\.com" \
		"$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show mail 2>&1)"
fi

conf "$SMTPD_PORT"
# `debug mail detail` (set through the spool by the CLI): the guide's lines
# and the dialogue are logged.
[ -x "$LOGMAIL" ] && "$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" debug mail detail
kill -HUP "$RS_PID"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "not delivered after the HUP"
if [ -x "$LOGMAIL" ]; then
	rs_wait_log 'omlogmail: smtp C: MAIL FROM:<logmail@test\.example>'
	rs_wait_log 'omlogmail: smtp S: 250'
	rs_wait_log 'omlogmail: Creating connection to host \(127\.0\.0\.1:[0-9]+\)'
	rs_wait_log 'omlogmail: Recipient accepted \[ops@example\.com\]'
	rs_wait_log 'omlogmail: Mail sent for ops@example\.com'
fi
# One more error message through the whole path proves the earlier ones
# (rsyslogd's own "omlogmail: delivery ..." errors) were not mailed.
rs_log -p daemon.err -t nfsd "nfsd: last message"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the second digest did not arrive"
rs_stop
lm_assert_eq "mails" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
for f in $(rs_mail_to ops@example.com); do
	body=$(rs_body "$f")
	lm_assert_eq "$(basename "$f"): no mail about omlogmail itself" 0 "$(grep -c 'omlogmail' <<<"$body")"
	lm_assert_eq "$(basename "$f"): one nfsd line" 1 "$(grep -c -E ' err [^ ]+ nfsd(\[[0-9]+\])?: nfsd: ' <<<"$body")"
done
lm_done
