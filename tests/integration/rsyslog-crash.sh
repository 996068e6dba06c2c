#!/bin/bash
# omlogmail inside Debian's rsyslogd: kill -9 while digests hold messages
# loses nothing.  Every accepted message is in <spool>/pending/journal
# (written; fdatasync'd at once with sync="on", else within a second) before
# rsyslog hears the batch is done; the next start replays the journal into
# the digests, and they are mailed.  CRASH_ACTION_ARGS adds parameters to
# the action (rsyslog-crash-sync.sh: sync="on").  ops has `digest fold off`,
# a line per message, so that each one can be followed.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

N=25
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com level warnings
log email ops@example.com digest window 3600
log email ops@example.com digest fold off
log email sec@example.com program sshd
log email sec@example.com digest window 3600
EOF2
rs_conf ${CRASH_ACTION_ARGS:-}
rs_start || exit 99
journal=$RS_DIR/spool/pending/journal

for ((i = 1; i <= N; i++)); do
	rs_log -p daemon.warning -t smartd "sector $i pending, tab	inside"
done
rs_log -p auth.info -t sshd 'Accepted publickey for root from 192.0.2.7'
rs_wait_log 'sshd: Accepted publickey' || exit 1

# Wait until the journal holds every accepted message: N for ops, 1 for sec.
for ((i = 0; i < 200; i++)); do
	[ "$(grep -c . "$journal" 2>/dev/null)" -ge $((N + 1)) ] && break
	sleep 0.05
done
lm_assert_eq "journal records before the crash" $((N + 1)) "$(grep -c . "$journal" 2>/dev/null)"
lm_assert_eq "nothing sent before the window" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

kill -KILL "$RS_PID"
wait "$RS_PID" 2>/dev/null
RS_PID=
lm_assert_eq "nothing reached the spool's queue" "" "$(ls "$RS_DIR/spool/queue")"

# The restart replays the journal; a clean stop flushes the digests into
# the spool, and the next start delivers them.
rs_start || exit 99
# (rsyslogd logs it as an internal message: it reaches all.log)
rs_wait_log "omlogmail: recovered $((N + 1)) messages held in digests" ||
	lm_fail "the recovery is not logged"
rs_stop
lm_assert_eq "the journal is empty once the digests are spooled" 0 \
	"$(stat -c %s "$journal" 2>/dev/null)"
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the recovered digests were not delivered"
rs_stop

f=$(rs_mail_to ops@example.com)
lm_assert_eq "one mail to ops" 1 "$(printf '%s\n' "$f" | grep -c .)"
if [ -n "$f" ]; then
	body=$(rs_body "$f")
	lm_assert_eq "every message, once" "$N" "$(grep -c -E 'warning [^ ]+ smartd(\[[0-9]+\])?: sector [0-9]* pending' <<<"$body")"
	for ((i = 1; i <= N; i++)); do
		grep -q -E "warning [^ ]+ smartd(\[[0-9]+\])?: sector $i pending, tab#011inside\$" <<<"$body" ||
			lm_fail "message $i missing or altered"
	done
	lm_assert_match "in order" "sector 1 pending.*
.*sector 2 pending" "$body"
fi
f=$(rs_mail_to sec@example.com)
lm_assert_eq "one mail to sec" 1 "$(printf '%s\n' "$f" | grep -c .)"
[ -n "$f" ] && lm_assert_match "the sshd message" \
	"info [^ ]+ sshd(\[[0-9]+\])?: Accepted publickey for root from 192\.0\.2\.7" "$(rs_body "$f")"
lm_assert_eq "two mails in all" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_done
