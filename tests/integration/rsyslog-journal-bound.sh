#!/bin/bash
# omlogmail inside Debian's rsyslogd: in a storm that sends no mail (the
# recipient's rate limit is reached), the journal of held messages is still
# compacted as it grows, by the delivery thread that the workers wake: it
# stays near its compaction threshold (256 KiB) instead of growing with every
# message (20,000 records of about 250 octets here, some 5 MB), and what
# the digest holds still reaches the spool at the stop.  (`digest fold off`:
# the numbered messages would fold into one line and never fill it.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

N=20000
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com level errors
log email ops@example.com digest window 1
log email ops@example.com digest max-messages 10
log email ops@example.com rate-limit 1
no log email ops@example.com urgent
log email ops@example.com digest fold off
EOF2
rs_conf
rs_start || exit 99
journal=$RS_DIR/spool/pending/journal

# The first 10 messages, in one write: their digest's mail goes when its
# window (1 s) closes, after which the rate limit holds everything (the
# delivery thread sleeps: nothing may go for an hour).  Then the storm.
pad=$(printf 'x%.0s' $(seq 200))
line() { printf '<11>Nov 23 10:00:00 web1 diskmon: disk error %05d %s\n' "$1" "$pad"; }
for ((i = 1; i <= 10; i++)); do line "$i"; done >"/dev/tcp/127.0.0.1/$RS_PORT"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the first digest was not delivered"
for ((i = 11; i <= N; i++)); do line "$i"; done >"$LM_TMP/storm"
cat "$LM_TMP/storm" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log "diskmon: +disk error $N " || exit 1

# Compaction runs while the storm goes on; give the last batch's a moment.
for ((i = 0; i < 30; i++)); do
	[ "$(stat -c %s "$journal")" -le $((512 * 1024)) ] && break
	sleep 0.05
done
size=$(stat -c %s "$journal")
[ "$size" -le $((512 * 1024)) ] ||
	lm_fail "the journal holds $size octets after the storm (compaction not run)"

rs_stop
lm_assert_eq "the held digest is queued at the stop" 1 "$(ls "$RS_DIR/spool/queue" | grep -c .)"
lm_done
