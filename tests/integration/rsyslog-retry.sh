#!/bin/bash
# omlogmail inside Debian's rsyslogd: a batch that rsyslog offers again
# matches as the first offer would have.  The spool is a small tmpfs
# (skipped when mounting is not permitted), filled so that the journal
# write fails: the module refuses the batch (RS_RET_SUSPENDED) and rsyslog,
# with action.resumeRetryCount="-1", offers the same strings again until
# space is freed.  Then a `program sshd` recipient gets exactly the sshd
# line and an `exclude program cron` recipient everything but the cron
# line, each shown with its program.  (Before the fix, the module split
# rsyslog's strings in place: the retried batch had an empty program, so
# the sshd recipient got nothing and the cron line was not excluded.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
spool=$RS_DIR/spool
mkdir -p "$spool"
if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$spool" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs (needs root or CAP_SYS_ADMIN)"
	exit 77
fi
# rsyslogd must be gone before the spool can be unmounted.
unmount() {
	if [ -n "$RS_PID" ]; then
		kill -KILL "$RS_PID" 2>/dev/null
		wait "$RS_PID" 2>/dev/null
	fi
	umount "$spool"
}
trap 'rs_show_failure; unmount; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email sec@example.com program sshd
log email sec@example.com digest window 1
log email ops@example.com level notices
log email ops@example.com exclude program cron
log email ops@example.com digest window 1
EOF
rs_conf 'action.resumeRetryCount="-1" action.resumeInterval="1"'
rs_one_worker
rs_start || exit 99
# The module has made its spool (its journal, its statistics) before the
# disk fills.
for ((i = 0; i < 200; i++)); do
	[ -e "$spool/pending/journal" ] && break
	sleep 0.05
done

dd if=/dev/zero of="$spool/filler" bs=4k 2>/dev/null
lm_assert_eq "the spool is full" 0 "$(df --output=avail -k "$spool" | tail -n 1 | tr -d ' ')"
# Each text is over a page, so its journal record needs a page tmpfs no
# longer has.
pad=$(printf 'x%.0s' $(seq 4500))
{
	printf '<37>Nov 23 10:00:01 web1 sshd[4242]: Accepted publickey for admin %s\n' "$pad"
	printf '<77>Nov 23 10:00:02 web1 cron[99]: (root) CMD (backup) %s\n' "$pad"
	printf '<29>Nov 23 10:00:03 web1 ntpd[7]: time stepped %s\n' "$pad"
} >"/dev/tcp/127.0.0.1/$RS_PORT"
# The module logs the full disk once, on rsyslogd's stderr: the batch
# has reached it.  (Today it refuses the batch, "the batch is retried", and
# rsyslog offers it again; a module that holds such a batch in memory
# instead must give the same mails below, so only the disk is waited for.)
for ((i = 0; i < 200; i++)); do
	grep -q 'omlogmail: .*No space left on device' "$RS_DIR/rsyslogd.log" && break
	sleep 0.05
done
grep -q 'No space left on device (the batch is retried)' "$RS_DIR/rsyslogd.log" &&
	echo "note: the module refused the batch; rsyslog offers it again"
lm_assert_eq "nothing mailed while the disk is full" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

# Space is back: rsyslog's next offer of the batch is taken.
rm -f "$spool/filler"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the digests did not arrive"
rs_stop
lm_assert_eq "mails" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
sec=$(for f in $(rs_mail_to sec@example.com); do rs_body "$f"; done)
ops=$(for f in $(rs_mail_to ops@example.com); do rs_body "$f"; done)
lm_assert_eq "program sshd: the sshd line, with its program" \
	"sshd[4242]: Accepted publickey for admin" \
	"$(grep -o 'web1 [^ ]*: [A-Za-z ]* for admin' <<<"$sec" | sed 's/^web1 //')"
lm_assert_eq "program sshd: nothing else" 0 "$(grep -c -E 'cron|ntpd' <<<"$sec")"
lm_assert_eq "exclude program cron: the sshd and ntpd lines, with their programs" \
	"sshd[4242] ntpd[7]" \
	"$(grep -o -E 'web1 [^ ]+: ' <<<"$ops" | sed 's/^web1 //; s/: $//' | tr '\n' ' ' | sed 's/ $//')"
lm_assert_eq "exclude program cron: no cron line" 0 "$(grep -c 'CMD (backup)' <<<"$ops")"
lm_assert_eq "no line without its program" 0 "$(grep -c -E 'web1 -:' <<<"$sec$ops")"
lm_done
