#!/bin/bash
# omlogmail inside Debian's rsyslogd: HUPs during a burst, and a rate limit
# across HUPs.
#
#   20,000 lines sent while rsyslogd is HUPed 40 times (each a reload of the
#   configuration): after the burst, with nothing logged, every line is in
#   a delivered mail (no digest waits for the next message), the mails'
#   counts add up to 20,000, and `show log config` counts each line once:
#   received, accepted by filter and mailed.
#   `rate-limit 2` with every line urgent: four lines with a HUP between
#   each make two mails, not four; the clean stop spools the other two in
#   one mail.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email burst@example.com program burst
log email burst@example.com digest window 2
log email rate@example.com program paced
log email rate@example.com urgent level debugging
log email rate@example.com rate-limit 2
EOF
rs_conf
rs_start || exit 99

# ---- a HUP storm during a burst ----
N=20000
for ((n = 0; n < N; n++)); do
	printf '<14>Dec  7 10:00:00 web1 burst[%d]: event %d of the burst\n' $((100 + n % 5)) "$n"
done >"$LM_TMP/burst"
cat "$LM_TMP/burst" >"/dev/tcp/127.0.0.1/$RS_PORT" &
sender=$!
for ((k = 0; k < 40; k++)); do
	kill -HUP "$RS_PID"
	sleep 0.05
done
wait "$sender"
rs_wait_log 'burst: +event [0-9]+ of the burst$' "$N" || exit 1
rs_wait_log "omlogmail: $RS_DIR/logmail.conf reloaded" 10 || exit 1

# The mails' trailers ("-- " then "N messages[ (M shown)], ...") add up.
mailed_total() {
	local f sum=0 n
	while read -r f; do
		n=$(rs_body "$f" | sed -n '/^-- $/{n;s/^\([0-9]*\) messages\{0,1\}.*/\1/p;q}')
		sum=$((sum + ${n:-0}))
	done < <(rs_mail_to burst@example.com)
	echo "$sum"
}
for ((i = 0; i < 300; i++)); do # 30 s, nothing logged meanwhile
	[ "$(mailed_total)" -ge "$N" ] && break
	sleep 0.1
done
lm_assert_eq "messages in the mails to burst@" "$N" "$(mailed_total)"

# ---- rate-limit 2 across HUPs ----
wait_mails_to() { # ADDR N: until N mails to ADDR are delivered (10 s)
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(rs_mail_to "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
for k in 1 2 3 4; do
	rs_log -p user.notice -t paced "paced line $k"
	rs_wait_log "paced: paced line $k" || exit 1
	[ "$k" -le 2 ] && { wait_mails_to rate@example.com "$k" || lm_fail "paced line $k not mailed"; }
	kill -HUP "$RS_PID"
	rs_wait_log "omlogmail: $RS_DIR/logmail.conf reloaded" $((40 + k)) || exit 1
done
rs_stop
lm_assert_eq "mails to rate@ while rsyslogd ran" 2 "$(rs_mail_to rate@example.com | wc -l)"
queued=$(grep -l -x 'To: rate@example.com' "$RS_DIR/spool/queue"/* 2>/dev/null | wc -l)
lm_assert_eq "rate@'s held lines spooled at the stop, in one mail" 1 "$queued"

show=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show log config 2>&1)
own=$(grep '^syslog\.' "$RS_DIR/all.log" | grep -c -v ' rsyslogd[^:]*: *omlogmail')
received=$((N + 4 + own))
lm_assert_match "show log config: burst@ counted once" \
	"Email burst@example\.com:.*Statistics \.+ $received messages received, $N accepted by filter \([^)]*\) +Mailed \.+ $N messages " \
	"$(tr '\n' ' ' <<<"$show")"
lm_assert_match "show log config: rate@ counted once" \
	"Email rate@example\.com:.*Statistics \.+ $received messages received, 4 accepted by filter \([^)]*\) +Mailed \.+ 4 messages " \
	"$(tr '\n' ' ' <<<"$show")"
lm_done
