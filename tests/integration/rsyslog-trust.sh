#!/bin/bash
# omlogmail inside Debian's rsyslogd (root) follows no symbolic link planted
# in the spool and trusts no spool another user owns (omlogmail(8), FILES):
#
#   pending/journal -> VICTIM   the link is removed, not followed (VICTIM's
#                               content and time unchanged), the log says
#                               so, and messages go on being mailed;
#   queue/ID -> VICTIM          moved to failed/ as it is, with the reason;
#   lock -> VICTIM              delivery refused with a clear line, the mail
#                               stays queued (not lost) and goes once the
#                               link is gone;
#   a spool owned by nobody     refused with one line naming it, its owner,
#                               mode and fix; rsyslogd goes on and stops
#                               cleanly.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com program appa
log email ops@example.com digest window 1
EOF2
rs_conf
spool=$RS_DIR/spool

# VICTIM files: a text without a final newline (opening it as the journal
# would cut it) and an old time.
victim() {
	printf 'precious %s' "$1" >"$LM_TMP/victim-$1"
	touch -d '2001-02-03 04:05:06' "$LM_TMP/victim-$1"
}
unchanged() { # NAME
	lm_assert_eq "victim-$1: content and time unchanged" "precious $1 981173106" \
		"$(cat "$LM_TMP/victim-$1") $(stat -c %Y "$LM_TMP/victim-$1")"
}
for v in journal queue lock; do victim $v; done
mkdir -m 0700 -p "$spool" "$spool/pending" "$spool/queue" "$spool/tmp" "$spool/failed"
ln -s "$LM_TMP/victim-journal" "$spool/pending/journal"
ln -s "$LM_TMP/victim-queue" "$spool/queue/20010203040506.1"

# ---- the journal's and queue/'s links ----------------------------------------
rs_start || exit 99
rs_log -p user.notice -t appa "mailed although the journal was a link"
rs_wait_log "omlogmail: journal $spool/pending/journal was a symbolic link \(to $LM_TMP/victim-journal\): not followed, removed" ||
	lm_fail "the journal's link is not logged"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "nothing mailed with a link at pending/journal"
f=$(rs_mail_to ops@example.com | head -n 1)
[ -n "$f" ] && lm_assert_match "the message" "notice [^ ]+ appa(\[[0-9]+\])?: mailed although the journal was a link" \
	"$(rs_body "$f")"
unchanged journal
unchanged queue
lm_assert_eq "pending/journal is a file of its own now" "regular file" \
	"$(stat -c %F "$spool/pending/journal" | sed 's/regular empty file/regular file/')"
lm_assert_eq "queue/'s link moved to failed/ as a link" "yes" \
	"$([ -L "$spool/failed/20010203040506.1" ] && echo yes)"
lm_assert_match "with its reason" "corrupt spool file: a symbolic link \(not followed\)" \
	"$(cat "$spool/failed/20010203040506.1.reason" 2>&1)"
rs_stop

# ---- the lock's link ------------------------------------------------------------
ln -s "$LM_TMP/victim-lock" "$spool/lock.new"
mv -T "$spool/lock.new" "$spool/lock"
rs_start || exit 99
rs_log -p user.notice -t appa "queued while the lock was a link"
rs_wait_log "omlogmail: delivery to 127.0.0.1: spool: cannot open lock: a symbolic link, not followed: remove it" ||
	lm_fail "the lock's link is not logged"
rs_stop
unchanged lock
lm_assert_eq "the mail stays queued" 1 "$(ls "$spool/queue" | wc -l)"
lm_assert_eq "only the first mail was delivered" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
rm "$spool/lock"
"$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$spool" flush ||
	lm_fail "flush once the lock's link is gone"
lm_assert_eq "then it is delivered" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
f=$(rs_mail_to ops@example.com | tail -n 1)
[ -n "$f" ] && lm_assert_match "the queued message" "notice [^ ]+ appa(\[[0-9]+\])?: queued while the lock was a link" \
	"$(rs_body "$f")"

# ---- a spool owned by another user -----------------------------------------------
chown nobody "$spool"
rs_start || exit 99
rs_log -p user.notice -t appa "not taken into nobody's spool"
rs_wait_log "omlogmail: .*spool directory $spool is owned by nobody with mode 0700: not trusted .*; chown root $spool" ||
	lm_fail "the untrusted spool is not logged"
kill -0 "$RS_PID" 2>/dev/null || lm_fail "rsyslogd died"
rs_stop # exits 0, no sanitizer report
lm_assert_eq "nothing of it in nobody's spool" "" "$(ls "$spool/queue")"
lm_assert_eq "nothing more delivered" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_done
