#!/bin/bash
# omlogmail inside Debian's rsyslogd: every message accepted by a digest
# recipient is accounted for once.  30 errors in three rounds of 10
# against max-messages 5 and a rate limit of 2 mails an hour: the first
# round's mail goes when its window (1 s) closes, the second's when the
# storm's pace allows (4 s later), each showing 5 lines and counting 5 in
# a "not shown (digest full)" line (caps bound what a mail shows, they do
# not send it); the third is held by the rate limit, counted in a "not
# shown (rate limit)" line, and the clean stop (SIGTERM) queues it in the
# spool.  Each round is one write, so it lands in one digest.  Shown lines in
# delivered and queued mails plus the "not shown" counts add up to 30, no
# text appears twice, and `show log config` reports 30 accepted by filter.
# (`digest fold off`: a line per message, so that each can be followed;
# rsyslog-storm.sh accounts for folded lines.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email ops@example.com level errors
log email ops@example.com digest window 1
log email ops@example.com digest max-messages 5
log email ops@example.com rate-limit 2
no log email ops@example.com urgent
log email ops@example.com digest fold off
EOF
rs_conf
rs_start || exit 99

round() { # FIRST: errors FIRST .. FIRST+9 and one info, in one write
	local i
	for ((i = $1; i < $1 + 10; i++)); do
		printf '<27>Nov 30 10:00:00 web1 diskmon: disk error %02d\n' "$i"
		[ $((i % 10)) -eq 5 ] && printf '<30>Nov 30 10:00:00 web1 diskmon: disk info %02d\n' "$i"
	done >"/dev/tcp/127.0.0.1/$RS_PORT"
	rs_wait_log 'diskmon: +disk error [0-9]{2}$' $(($1 + 9))
}
round 1
lm_wait_mails "$SMTPD_MAILDIR" 1 400 || lm_fail "the first mail (its window) did not arrive"
round 11
lm_wait_mails "$SMTPD_MAILDIR" 2 400 || lm_fail "the second mail (paced) did not arrive"
round 21
rs_wait_log 'diskmon: +disk info' 3

# The clean stop flushes what is pending into the spool's queue; the rate
# limit (2 an hour, both used) keeps it from going out.
rs_stop
lm_assert_eq "delivered mails after the stop" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
mapfile -t ops < <(rs_mail_to ops@example.com)
lm_assert_eq "mails to ops" 2 "${#ops[@]}"
queued=()
for f in "$RS_DIR/spool/queue"/*; do
	[ -f "$f" ] && queued+=("$f")
done
lm_assert_eq "mails left in the spool queue" 1 "${#queued[@]}"

# Per mail: "shown not-shown total" plus each shown text, checked for the
# summary line "-- " / "T messages[ (S shown)]" agreeing with the lines.
account=$("$PY" - "${ops[@]}" -- "${queued[@]}" <<'EOF'
import sys, re, email, email.policy
args = sys.argv[1:]
sep = args.index("--")
files = [(f, False) for f in args[:sep]] + [(f, True) for f in args[sep + 1:]]
shown_total = not_shown_total = 0
texts = []
rate_lines = 0
for path, spooled in files:
    raw = open(path, "rb").read()
    if spooled:  # a header block of "Key: value" lines, an empty line, the message
        raw = raw.split(b"\n\n", 1)[1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_content().replace("\r\n", "\n")
    shown = re.findall(r" err \S+ diskmon(?:\[\d+\])?: (disk error \d\d)$", body, re.M)
    if "disk info" in body:
        print("ERROR %s: an info message in the mail" % path)
    ns = 0
    for m in re.finditer(r"^(\d+) further messages? not shown \((.*)\)$", body, re.M):
        ns += int(m.group(1))
        if m.group(2) == "rate limit":
            rate_lines += 1
    m = re.search(r"^-- \n(\d+) messages?( \((\d+) shown\))?,", body, re.M)
    if not m:
        print("ERROR %s: no summary line" % path)
    else:
        total = int(m.group(1))
        if total != len(shown) + ns:
            print("ERROR %s: summary %d != %d shown + %d not shown" % (path, total, len(shown), ns))
        if m.group(3) is not None and int(m.group(3)) != len(shown):
            print("ERROR %s: summary says %s shown, %d lines" % (path, m.group(3), len(shown)))
    shown_total += len(shown)
    not_shown_total += ns
    texts += shown
print("shown %d" % shown_total)
print("not-shown %d" % not_shown_total)
print("rate-limit-lines %d" % rate_lines)
print("sum %d" % (shown_total + not_shown_total))
dups = sorted({t for t in texts if texts.count(t) > 1})
print("duplicates %d %s" % (len(dups), " ".join(dups)))
EOF
)
echo "$account"
lm_assert_eq "no errors in the mails" "" "$(grep '^ERROR' <<<"$account")"
lm_assert_eq "shown + not shown" "sum 30" "$(grep '^sum ' <<<"$account")"
lm_assert_eq "no text twice" "duplicates 0 " "$(grep '^duplicates ' <<<"$account")"
lm_assert_match "a rate-limit line" "^rate-limit-lines [1-9]" "$(grep '^rate-limit-lines ' <<<"$account")"
if [ ${#ops[@]} -ge 2 ]; then
	for f in "${ops[@]}"; do
		lm_assert_eq "$(basename "$f"): 5 shown" 5 \
			"$(rs_body "$f" | grep -c -E ' err [^ ]+ diskmon(\[[0-9]+\])?: disk error [0-9]{2}$')"
	done
fi

show=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show log config 2>&1)
# received: the 33 logged and rsyslogd's own messages that reached the
# action; mailed: 5 shown in each of the 2 mails sent and in the one spooled
# (the same received count in every target's line, as on the switch)
lm_assert_eq "show log config: received" \
	"  Statistics ..... $((33 + $(grep '^syslog\.' "$RS_DIR/all.log" | grep -c -v ' rsyslogd[^:]*: *omlogmail'))) messages received" \
	"$(grep -o '^  Statistics \.* [0-9]* messages received' <<<"$show" | sort -u)"
lm_assert_match "show log config: ops statistics" \
	"Email ops@example\.com:.*  Statistics \.+ [0-9]+ messages received, 30 accepted by filter \([0-9]{4} [A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\)   Mailed \.+ 15 messages \(last mail " \
	"$(tr '\n' ' ' <<<"$show")"
lm_done
