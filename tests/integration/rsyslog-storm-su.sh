#!/bin/bash
# A storm that hides one su failure (issue 28), through Debian's rsyslogd:
# 3,000 lines of one application in about 20 seconds, with
# `su[2211]: FAILED SU (to root) mallory on pts/1` in the middle, to a
# `logcheck server` recipient with Debian's rules and default settings but
# for a window of 5 s (so the test takes half a minute, not one).
#
# Two recipients alike but for folding (nofold@: `digest fold off`).
# Before pacing, each digest closed full at 100 lines and the rate limit
# held the rest: 20 mails in 14 seconds.  Now caps bound what a mail
# shows and do not send it; the first mail goes when its window closes,
# the next one four windows (20 s) after it: at most 3 mails, every line
# counted in exactly one of them, and the su failure counted in the first
# mail that closes after it was logged (the mails before it cover only
# lines logged before it), shown as it came under "Security Events" (the
# application's lines fold into one line); without folding too, where it
# takes the place of an application line (importance).
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
. "$top_srcdir/tests/integration/logcheck-lib.sh"
lc_require
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

SU='FAILED SU (to root) mallory on pts/1'
lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email sec@example.com logcheck server
log email sec@example.com digest window 5
log email nofold@example.com logcheck server
log email nofold@example.com digest window 5
log email nofold@example.com digest fold off
EOF
rs_conf
rs_one_worker
# Debian's rules are compiled at the start: give it time (as rsyslog-logcheck.sh)
RS_START_TRIES=6000 rs_start || exit 99

# 20 bursts of 150 lines a second apart (the sender's pace, not an
# assertion); the su failure after line 1,500.
for ((b = 0; b < 20; b++)); do
	now=$(date '+%b %e %H:%M:%S')
	{
		for ((n = b * 150; n < (b + 1) * 150; n++)); do
			printf '<28>%s web1 billing[4242]: invoice %d not exported: queue full\n' "$now" "$n"
		done
		[ $b -eq 9 ] && printf '<85>%s web1 su[2211]: %s\n' "$now" "$SU"
	} >"/dev/tcp/127.0.0.1/$RS_PORT"
	sleep 1
done
rs_wait_log 'billing: +invoice 2999 ' || exit 1
lm_assert_eq "the su failure was logged once" 1 \
	"$(grep -c -E 'su: +FAILED SU \(to root\) mallory on pts/1$' "$RS_DIR/all.log")"
# the second mail goes 20 s after the first, which went 5 s after the
# first line: wait up to a minute for it
lm_wait_mails "$SMTPD_MAILDIR" 4 1200 || lm_fail "no second mail each within a minute"
rs_stop # what came after the second mail (if the storm outlasted it) is queued

# check ADDR HOW: ADDR's mails, delivered (oldest first) then queued: per
# mail, the messages it covers (its trailer) and whether it counts the su
# failure, as a line under Security Events (HOW "verbatim") or in what it
# did not show, by program ("summary").
check() {
	local addr=$1 want=$2 f n i covers su_in total=0 before=0 found=0 in_mail=0 how=
	local delivered queued=() per_mail
	mapfile -t delivered < <(rs_mail_to "$addr")
	for f in "$RS_DIR/spool/queue"/*; do
		[ -f "$f" ] && queued+=("$f")
	done
	mapfile -t per_mail < <("$PY" - "$SU" "$addr" "${delivered[@]}" -- "${queued[@]}" <<'PYEOF'
import sys, re, email, email.policy
su, addr, args = sys.argv[1], sys.argv[2], sys.argv[3:]
sep = args.index("--")
for path, spooled in [(f, False) for f in args[:sep]] + [(f, True) for f in args[sep + 1:]]:
    raw = open(path, "rb").read()
    if spooled:  # a header block, an empty line, the message
        raw = raw.split(b"\n\n", 1)[1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if spooled and addr not in str(msg["To"]):
        continue
    body = msg.get_content().replace("\r\n", "\n")
    covers = int(re.search(r"^-- \n(\d+) messages?", body, re.M).group(1))
    sec = re.search(r"^Security Events\n=+\n(.*?)(\n\n|\n-- \n)", body, re.M | re.S)
    verbatim = sec is not None and re.search(
        r"^[-0-9]+ [:0-9]+ [+-][0-9]{4} notice \S+ su\[2211\]: " + re.escape(su) + "$",
        sec.group(1), re.M) is not None
    summarized = re.search(r"^  by program: .*(: |, )1 su(,|$)", body, re.M) is not None
    print(covers, "verbatim" if verbatim else "summary" if summarized else "-")
PYEOF
	)
	n=${#per_mail[@]}
	[ "$n" -ge 1 ] && [ "$n" -le 3 ] || lm_fail "$addr: at most 3 mails for the storm, got $n"
	for ((i = 0; i < n; i++)); do
		read -r covers su_in <<<"${per_mail[i]}"
		total=$((total + covers))
		if [ "$su_in" != - ]; then
			found=$((found + 1)) in_mail=$((i + 1)) how=$su_in
		elif [ "$found" -eq 0 ]; then
			before=$((before + covers))
		fi
	done
	echo "$addr: mails (messages covered, su): ${per_mail[*]}"
	lm_assert_eq "$addr: every line counted once in the mails" 3001 "$total"
	lm_assert_eq "$addr: the su failure is counted in exactly one mail" 1 "$found"
	[ "$before" -le 1500 ] || lm_fail "$addr: the mails before mail $in_mail cover $before" \
		"lines: some logged after the su failure"
	lm_assert_eq "$addr: how mail $in_mail has the su failure" "$want" "$how"
}
# The storm's lines fold into one line (what varies is the invoice
# number), so no cap binds and the su failure is shown as it came, under
# Security Events.
check sec@example.com verbatim
# With `digest fold off` the application's lines fill the mail's 100
# lines first; the su failure, a Security Event, outranks them
# (digest/importance.c) and is shown as it came too.
check nofold@example.com verbatim
lm_done
