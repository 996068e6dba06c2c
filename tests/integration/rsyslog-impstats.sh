#!/bin/bash
# omlogmail's counters in rsyslog's statistics: Debian's rsyslogd with
# impstats (format json, every second, to a file).  The action's object and
# one per recipient move to exactly the values the messages and mails call
# for: messages received and accepted (per recipient: by its filters),
# digests closed, mails spooled and sent, a held message in the journal;
# mails_deferred moves while the mail server is down and nothing is sent;
# after a HUP (a new server, one more recipient) the counters carry on from
# where they were, the held digest is mailed, and the new recipient gets an
# object of its own; with resetCounters the lines add up; and a report
# shows a message logged just after the one before it, not a report late.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; echo "---- stats.log (last lines)" >&2; tail -n 8 "$RS_DIR/stats.log" >&2; lm_cleanup' EXIT

STATS=$RS_DIR/stats.log
ACTION="omlogmail-$RS_DIR/spool"
OPS="$ACTION recipient ops@example.com"
AUDIT="$ACTION recipient audit@example.com"
NEW="$ACTION recipient new@example.com"

# stats last|sum|line:K NAME FIELD=VALUE...: NAME's last line in $STATS
# (the sum of all its lines, its K-th line) has these values (VALUE ">0":
# any positive value); prints what differs, status 1.
# stats count NAME: prints how many lines NAME has.
stats() {
	"$PY" - "$STATS" "$@" <<'EOF'
import collections, json, sys
path, mode, name, *want = sys.argv[1:]
lines, total = [], collections.Counter()
try:
    f = open(path, encoding="utf-8", errors="replace")
except FileNotFoundError:  # before impstats' first round
    f = []
for line in f:
    i = line.find("{")  # after impstats' "<date>: "
    try:
        o = json.loads(line[i:]) if i >= 0 else {}
    except ValueError:
        continue
    if o.get("name") == name:
        lines.append(o)
        total.update({k: v for k, v in o.items() if isinstance(v, int)})
if mode == "count":
    print(len(lines))
    sys.exit(0)
k = int(mode[5:]) if mode.startswith("line:") else len(lines)
if not 1 <= k <= len(lines):
    print(f"no line {k} for {name}")
    sys.exit(1)
last = lines[k - 1]
bad = []
for w in want:
    field, value = w.split("=")
    got = total[field] if mode == "sum" else last.get(field)
    ok = got is not None and (got > 0 if value == ">0" else str(got) == value)
    if not ok:
        bad.append(f"{field}={got} (expected {value})")
print(", ".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# stats_assert WHAT [sum] NAME FIELD=VALUE...: NAME's last line (the sum
# of its lines) has these values within 10 s.  impstats writes a line a
# second, each showing the figures of at most a second before (the
# refresher, plugin/stats.h); counts only grow, so a count that went past
# its value never comes back.
stats_assert() {
	local what=$1 mode=last out i
	shift
	[ "$1" = sum ] && { mode=sum; shift; }
	for ((i = 0; i < 200; i++)); do
		out=$(stats $mode "$@") && break
		sleep 0.05
	done
	if [ -z "$out" ]; then
		echo "ok: $what"
	else
		lm_fail "$what: $out"
		return 1
	fi
}

logmail_conf() { # PORT [EXTRA-LINES]
	rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $1
mail from logmail@test.example
log email ops@example.com program appa
log email ops@example.com digest window 2
log email ops@example.com digest max-interval 0
log email ops@example.com digest max-messages 3
log email ops@example.com digest fold off
log email audit@example.com program appb
log email audit@example.com digest window 3600
${2:-}
EOF
}

lm_smtpd_start smtpd || exit 99
logmail_conf "$SMTPD_PORT"
# The network's messages in a ruleset of their own, so that rsyslogd's
# own (start, HUP, omlogmail's delivery errors) never reach the action:
# every count below is exact.
cat >"$RS_DIR/rsyslog.conf" <<EOF
global(workDirectory="$RS_DIR/work" processInternalMessages="on")
module(load="impstats" interval="1" format="json" log.file="$STATS" log.syslog="off")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$RS_DIR/tcp.port" ruleset="net")
module(load="$OMLOGMAIL")
template(name="rs_all" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname%: %msg:::drop-last-lf%\n")
action(type="omfile" file="$RS_DIR/all.log" template="rs_all")
ruleset(name="net") {
	action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool")
}
EOF
rs_start || exit 99

# Before any message: the objects are there, every count at 0.
stats_assert "at the start" "$ACTION" received=0 accepted=0 digests_closed=0 mails_spooled=0 \
	mails_sent=0 mails_deferred=0 mails_failed=0 not_shown=0 batches_refused=0 \
	journal_bytes=0 outbox_depth=0
stats_assert "ops at the start" "$OPS" accepted=0 mailed=0 held=0

# 3 for ops (its window of 2 s, no pacing: one mail), 1 for audit (held:
# an hour's window), 1 for nobody.
for i in 1 2 3; do
	rs_log -p user.notice -t appa "for ops $i"
done
rs_log -p user.notice -t appb "for audit"
rs_log -p user.notice -t appc "for nobody"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "ops's digest was not mailed"
stats_assert "after one mail" "$ACTION" received=5 accepted=4 digests_closed=1 \
	mails_spooled=1 mails_sent=1 mails_deferred=0 mails_failed=0 not_shown=0 \
	batches_refused=0 outbox_depth=0 'journal_bytes=>0'
stats_assert "ops after one mail" "$OPS" accepted=3 mailed=3 held=0
stats_assert "audit holds its message" "$AUDIT" accepted=1 mailed=0 held=1

# The server goes away: the next digest is spooled, not sent, deferred.
lm_smtpd_stop smtpd
for i in 4 5 6; do
	rs_log -p user.notice -t appa "for ops $i"
done
stats_assert "server down" "$ACTION" received=8 accepted=7 digests_closed=2 mails_spooled=2 \
	'mails_deferred=>0' mails_sent=1 mails_failed=0
stats_assert "ops with the server down" "$OPS" accepted=6 mailed=6

# A HUP: a server again, one more recipient.  The queue is retried at
# once; audit's digest goes on in the new configuration (its window of an
# hour is not cut short), and every counter carries on.
lm_smtpd_start smtpd2 || exit 99
logmail_conf "$SMTPD_PORT" "log email new@example.com program appc
log email new@example.com digest window 3600"
kill -HUP "$RS_PID"
rs_wait_log "omlogmail: $RS_DIR/logmail.conf reloaded, 3 recipients" || exit 1
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the queue was not sent after the HUP"
rs_log -p user.notice -t appc "for new"
stats_assert "after the HUP" "$ACTION" received=9 accepted=8 digests_closed=2 mails_spooled=2 \
	mails_sent=2 mails_failed=0 outbox_depth=0 'journal_bytes=>0'
stats_assert "ops after the HUP" "$OPS" accepted=6 mailed=6 held=0
stats_assert "new after the HUP" "$NEW" accepted=1 mailed=0 held=1
stats_assert "audit after the HUP: still held" "$AUDIT" accepted=1 mailed=0 held=1
lm_assert_eq "mails to audit" 0 "$(rs_mail_to audit@example.com | wc -l)"

rs_stop
# impstats' last report comes before the actions stop (omlogmail(8),
# STATISTICS): the digests of audit and new, mailed by the stop, are not
# in it, but they are in the spool's queue (the stop does not wait for
# delivery) and counted in the statistics file.
out=$(stats last "$ACTION" digests_closed=2 mails_spooled=2) ||
	lm_fail "the last report counts the mails of the stop: $out"
lm_assert_eq "the stop's two mails in the queue" 2 "$(find "$RS_DIR/spool/queue" -type f | wc -l)"
show=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show log config 2>&1)
lm_assert_match "show log config counts audit's mail of the stop" \
	"Email audit@example\.com:.*   Mailed \.+ 1 message \(last mail " "$(tr '\n' ' ' <<<"$show")"

# resetCounters="on" (a new spool, a new object): each line shows what
# happened since the line before, so the lines add up to the counts and
# the last one shows 0; a gauge (audit's held message) is never reset.
sed -i -e 's/log.syslog="off"/& resetCounters="on"/' -e "s|$RS_DIR/spool\"|$RS_DIR/spool2\"|" \
	"$RS_DIR/rsyslog.conf"
rm -f "$STATS"
ACTION="omlogmail-$RS_DIR/spool2"
rs_start || exit 99
for i in 1 2 3; do
	rs_log -p user.notice -t appa "for ops again $i"
done
rs_log -p user.notice -t appb "for audit again"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "ops's digest was not mailed with resetCounters"
stats_assert "reset: the lines add up" sum "$ACTION" received=4 accepted=4 digests_closed=1 \
	mails_spooled=1 mails_sent=1 mails_deferred=0
stats_assert "reset: the last line" "$ACTION" received=0 accepted=0 mails_sent=0 'journal_bytes=>0'
stats_assert "reset: audit's held message" "$ACTION recipient audit@example.com" accepted=0 held=1
rs_stop

# Not a report late: with reports 5 s apart, a message logged just after
# one is in the next, for the action and for its recipient (the refresher
# brings the figures up to date every second; rsyslog's read notifiers
# alone would show them one report later).  A new spool, a new object.
sed -i -e 's/ resetCounters="on"//' -e 's/interval="1"/interval="5"/' \
	-e "s|$RS_DIR/spool2\"|$RS_DIR/spool3\"|" "$RS_DIR/rsyslog.conf"
rm -f "$STATS"
ACTION="omlogmail-$RS_DIR/spool3"
AUDIT="$ACTION recipient audit@example.com"
rs_start || exit 99
# lines_past NAME N: NAME has more than N lines within 15 s
lines_past() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(stats count "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	lm_fail "no report after line $2 of $1"
	return 1
}
lines_past "$ACTION" 0 || exit 1
n=$(stats count "$ACTION")
lines_past "$ACTION" "$n" || exit 1 # a report just now: log at once
n=$((n + 1))
rs_log -p user.notice -t appb "for audit, just after a report"
lines_past "$AUDIT" "$n" || exit 1
out=$(stats "line:$((n + 1))" "$ACTION" received=1 accepted=1) ||
	lm_fail "the report after the message: $out"
out=$(stats "line:$((n + 1))" "$AUDIT" accepted=1 held=1) ||
	lm_fail "audit's report after the message: $out"
rs_stop
lm_done
