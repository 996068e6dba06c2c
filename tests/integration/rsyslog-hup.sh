#!/bin/bash
# omlogmail inside Debian's rsyslogd: a HUP makes it read the shared file
# again; a digest open at the HUP goes on and is mailed when its window
# passes, though nothing is logged after the HUP (logrotate's daily HUP on
# a quiet host); new recipients get mail, and a broken file is refused with
# the old configuration kept.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
base="mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example"
rs_logmail_conf <<EOF2
$base
log email a@example.com program appa
log email a@example.com digest window 6
EOF2
rs_conf
rs_start || exit 99
rs_log -p user.notice -t appa "held in a digest before the HUP"
rs_log -p user.notice -t appb "nobody wants this yet"
rs_wait_log 'appb: nobody wants this yet' || exit 1

rs_logmail_conf <<EOF2
$base
log email a@example.com program appa
log email a@example.com digest window 6
log email b@example.com program appb
log email b@example.com digest window 1
EOF2
kill -HUP "$RS_PID"
rs_wait_log "omlogmail: $RS_DIR/logmail.conf reloaded, 2 recipients" || exit 1
# silence: nothing is logged until a's mail is in
lm_wait_mails "$SMTPD_MAILDIR" 1 400 ||
	lm_fail "the digest open at the HUP was not mailed when its window passed"
f=$(rs_mail_to a@example.com | head -n 1)
if [ -n "$f" ]; then
	lm_assert_match "a: the held message" "notice [^ ]+ appa(\[[0-9]+\])?: held in a digest before the HUP" "$(rs_body "$f")"
	# closed by its window (6 s after its message), not by the HUP
	waited=$("$PY" - "$f" <<'EOF'
import datetime, email, email.policy, email.utils, re, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
m = re.search(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}) ", msg.get_content(), re.M)
logged = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S %z")
print(int((email.utils.parsedate_to_datetime(msg["Date"]) - logged).total_seconds()))
EOF
)
	lm_assert_match "a: mailed when its window passed (seconds after the message)" \
		'^([5-9]|[1-9][0-9])$' "$waited"
fi
rs_log -p user.notice -t appb "wanted after the HUP"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "b@example.com got nothing after the HUP"
lm_assert_eq "mails to a" 1 "$(rs_mail_to a@example.com | wc -l)"

f=$(rs_mail_to b@example.com | head -n 1)
if [ -n "$f" ]; then
	body=$(rs_body "$f")
	lm_assert_match "b: the new message" "notice [^ ]+ appb(\[[0-9]+\])?: wanted after the HUP" "$body"
	lm_assert_eq "b: not what came before it" 0 "$(grep -c 'nobody wants' <<<"$body")"
fi

# A broken file: refused with its line and column, the old one stays.
printf '%s\nlog email c@example.com level shouting\n' "$base" | rs_logmail_conf
kill -HUP "$RS_PID"
rs_wait_log 'omlogmail: configuration not reloaded, the previous one stays in effect: .*logmail\.conf:4:[0-9]+: ' || exit 1
rs_log -p user.notice -t appb "still wanted"
lm_wait_mails "$SMTPD_MAILDIR" 3 || lm_fail "the old configuration did not stay in effect"
lm_assert_eq "mails to b" 2 "$(rs_mail_to b@example.com | wc -l)"

rs_stop
lm_done
