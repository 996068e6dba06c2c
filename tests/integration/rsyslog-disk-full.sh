#!/bin/bash
# omlogmail inside Debian's rsyslogd with its spool on a small tmpfs that is
# filled during a burst and emptied again (skipped when mounting is not
# permitted).  Run twice: with the action line the examples ship (its
# queue and retry settings, read from rsyslog.d/omlogmail-minimal.conf) and
# with rsyslog's default settings, which drop a batch the action refuses.
# Each time every line of
# the burst is mailed (the caps hold all of it: they bound what a mail
# shows), with its program, to a `program` recipient and to a
# `level` recipient; nothing was refused to rsyslog; and the journal did
# not take the room the spool needed.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'umount "$RS_DIR/spool" 2>/dev/null; rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
N=2000

# burst FIRST: lines FIRST .. FIRST+N-1, program "diskapp", severity err
burst() {
	local n
	for ((n = $1; n < $1 + N; n++)); do
		printf '<11>Dec  7 10:00:00 web1 diskapp[%d]: disk test line %05d\n' $((200 + n % 3)) "$n"
	done
}

# check_mails ADDR FIRST: every line FIRST .. FIRST+N-1 is in a delivered
# mail to ADDR, once, shown with its program (fold off: a line each).
check_mails() {
	local got
	got=$(for f in $(rs_mail_to "$1"); do rs_body "$f"; done |
		grep -o -E 'web1 diskapp\[[0-9]+\]: disk test line [0-9]{5}$' | sort | uniq -c |
		awk -v first="$2" -v n="$N" '
			{ k = substr($NF, 1) + 0; if ($1 != 1) dup++; if (k >= first && k < first + n) seen++ }
			END { printf "%d %d", seen, dup }')
	lm_assert_eq "$1: lines $2.. mailed once each with their program" "$N 0" "$got"
}

run() { # LABEL FIRST [ACTION-PARAMS]
	local label=$1 first=$2 i
	shift 2
	rm -rf "$RS_DIR/spool" "$SMTPD_MAILDIR"/*
	mkdir -p "$RS_DIR/spool"
	if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$RS_DIR/spool" 2>/dev/null; then
		echo "SKIP: cannot mount a tmpfs (needs root or CAP_SYS_ADMIN)"
		exit 77
	fi
	rs_conf "$@"
	rs_one_worker
	rs_start || exit 99
	rs_log -p user.err -t diskapp "before the disk filled"
	lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "$label: nothing mailed before the disk filled"
	rm -f "$SMTPD_MAILDIR"/*

	dd if=/dev/zero of="$RS_DIR/spool/filler" bs=4k 2>/dev/null
	lm_assert_eq "$label: the spool is full" 0 \
		"$(df --output=avail -k "$RS_DIR/spool" | tail -n 1 | tr -d ' ')"
	burst "$first" >"/dev/tcp/127.0.0.1/$RS_PORT"
	rs_wait_log "diskapp: +disk test line" "$N" || exit 1
	for ((i = 0; i < 60; i++)); do # the windows close on the full disk
		grep -q 'cannot queue' "$RS_DIR/all.log" && break
		sleep 0.1
	done
	rm -f "$RS_DIR/spool/filler"
	for ((i = 0; i < 300; i++)); do
		[ "$(for f in $(rs_mail_to prog@example.com); do rs_body "$f"; done |
			grep -c 'disk test line')" -ge "$N" ] &&
			[ "$(for f in $(rs_mail_to level@example.com); do rs_body "$f"; done |
				grep -c 'disk test line')" -ge "$N" ] && break
		sleep 0.1
	done
	check_mails prog@example.com "$first"
	check_mails level@example.com "$first"
	lm_assert_eq "$label: no batch refused to rsyslog" 0 \
		"$(grep -c -E 'omlogmail.*(suspended|batch is retried)' "$RS_DIR/all.log")"
	lm_assert_match "$label: the journal made way for the spool" \
		'messages are held in memory \(not safe from a crash\)' "$(cat "$RS_DIR/all.log")"
	rs_stop
	umount "$RS_DIR/spool"
}

rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email prog@example.com program diskapp
log email prog@example.com digest window 1
log email prog@example.com digest fold off
log email prog@example.com digest max-messages 100000
log email prog@example.com digest max-bytes 1000000
log email prog@example.com rate-limit 0
log email level@example.com level errors
log email level@example.com digest window 1
log email level@example.com digest fold off
log email level@example.com digest max-messages 100000
log email level@example.com digest max-bytes 1000000
log email level@example.com rate-limit 0
EOF
shipped=$(sed -n '/^action(type="omlogmail"/,/)$/p' "$top_srcdir/rsyslog.d/omlogmail-minimal.conf" |
	sed -e 's/^action(type="omlogmail"//' -e 's/)$//' | tr '\n' ' ')
lm_assert_match "the shipped line's retry settings" 'action\.resumeRetryCount="-1"' "$shipped"
run "the shipped action line" 0 $shipped
: >"$RS_DIR/all.log"
run "rsyslog's default settings" "$N"
lm_done
