#!/bin/bash
# omlogmail inside Debian's rsyslogd: a storm of 5,000 varied sshd lines
# reads as a handful of lines, one per kind of event, and what the rate
# limit held back is summarized.  One recipient: 4 lines at most per
# digest, 1 mail an hour.
#
#   3,000 lines of three kinds (IP addresses and ports varying) fold into
#   3 lines; a 4th kind fills the digest: mail 1, when its window (2 s)
#   closes (they come in one write, so they are one digest).  Then the
#   rest, in a second write:
#   1,000 more of the first kind fold into one line of the next digest;
#   "Invalid user u2 .. u4" are one kind once their user is seen to vary
#   (and u5 .. u100 fold into it later), two more kinds fill the digest,
#   and the rate limit holds it.  Then importance decides: the first
#   "Disconnected" line, a kind never seen before, takes the place of the
#   1,000 "Failed password" (a kind mail 1 had), which go to the summary
#   with the "Timeout" lines (a new kind too, but no more important than
#   the lines shown).  A constant pid stays (sshd[1006]).
#   The clean stop spools it; the next start delivers it: mail 2.
#
# The mails are checked as a reader sees them: the lines and their (xN)
# counts, which add up with the "not shown" count to the 5,000 logged; the
# summary (the commonest patterns, the counts by severity, host and
# program, which add up to the number not shown); the subjects.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email storm@example.com program sshd
log email storm@example.com digest window 2
log email storm@example.com digest max-messages 4
log email storm@example.com rate-limit 1
EOF
rs_conf
rs_one_worker
rs_start || exit 99

info() { printf '<38>Nov 30 10:00:00 web1 sshd[%d]: %s\n' $((1000 + n % 7)) "$1"; }
warn() { printf '<36>Nov 30 10:00:00 web1 sshd[%d]: %s\n' $((1000 + n % 7)) "$1"; }
{
	for ((n = 0; n < 3000; n++)); do
		case $((n % 3)) in
		0) info "Failed password for root from 203.0.113.$((n % 250)) port $((30000 + n)) ssh2" ;;
		1) info "Connection closed by 198.51.100.$((n % 200)) port $((40000 + n)) [preauth]" ;;
		2) info "Accepted publickey for alice from 192.0.2.$((n % 100)) port $((50000 + n)) ssh2" ;;
		esac
	done
	info "Invalid user u1 from 192.0.2.1 port 40001"
} >"$LM_TMP/storm"
{
	for ((n = 0; n < 1000; n++)); do
		info "Failed password for root from 203.0.113.$((n % 250)) port $((20000 + n)) ssh2"
	done
	for ((k = 2; k <= 4; k++)); do info "Invalid user u$k from 192.0.2.1 port 40001"; done
	for ((n = 0; n < 400; n++)); do
		info "Connection reset by 198.51.100.$((n % 250)) port $((10000 + n))"
	done
	for ((n = 0; n < 300; n++)); do
		warn "Did not receive identification string from 203.0.113.$((n % 250)) port $n"
	done
	for ((n = 0; n < 100; n++)); do
		info "Disconnected from 203.0.113.$((n % 250)) port $((60000 + n)) [preauth]"
		info "Timeout before authentication for 198.51.100.$((n % 250)) port $((61000 + n))"
	done
	n=300
	for ((k = 5; k <= 100; k++)); do info "Invalid user u$k from 192.0.2.1 port 40001"; done
} >"$LM_TMP/storm2"
lm_assert_eq "5000 lines logged" 5000 "$(cat "$LM_TMP/storm" "$LM_TMP/storm2" | grep -c .)"
cat "$LM_TMP/storm" >"/dev/tcp/127.0.0.1/$RS_PORT"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the first digest (4 lines, its window) was not delivered"
cat "$LM_TMP/storm2" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log 'sshd: +Invalid user u100 ' || exit 1
rs_stop # the held digest goes to the spool, whatever the rate limit
lm_assert_eq "one mail while the rate limit held the second" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
rs_start || exit 99
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "the held digest was not delivered after the restart"
rs_stop

mapfile -t mails < <(rs_mail_to storm@example.com)
lm_assert_eq "two mails" 2 "${#mails[@]}"
[ ${#mails[@]} -eq 2 ] || exit 1
one=$(rs_body "${mails[0]}")
two=$(rs_body "${mails[1]}")
t='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4}( \.\. [0-9:]{8})?'

# the lines of a body without their times: "(xN) info web1 sshd[<n>]: ..."
lines() { grep -E "^$t " <<<"$1" | sed -E "s/^$t //"; }
lm_assert_eq "mail 1: three folded lines and one of a single message" \
	"(x1000) info web1 sshd[<n>]: Failed password for root from <ip> port <n> ssh2
(x1000) info web1 sshd[<n>]: Connection closed by <ip> port <n> [preauth]
(x1000) info web1 sshd[<n>]: Accepted publickey for alice from <ip> port <n> ssh2
info web1 sshd[1004]: Invalid user u1 from 192.0.2.1 port 40001" "$(lines "$one")"
lm_assert_eq "mail 1: the closing counts" "3001 messages, 0 errors or worse, most severe: info" \
	"$(tail -1 <<<"$one")"
lm_assert_eq "mail 1: the subject" \
	"web1: INFO 1000x sshd: Failed password for root from <ip> port <n> ssh2 (3001 messages, 0 errors)" \
	"$(lm_header_decoded "${mails[0]}" Subject)"

lm_assert_eq "mail 2: four kinds, a constant pid kept, a new kind in place of an old one" \
	"(x99) info web1 sshd[1006]: Invalid user <*> from 192.0.2.1 port 40001
(x400) info web1 sshd[<n>]: Connection reset by <ip> port <n>
(x300) warning web1 sshd[<n>]: Did not receive identification string from <ip> port <n>
(x100) info web1 sshd[<n>]: Disconnected from <ip> port <n> [preauth]" \
	"$(lines "$two")"
lm_assert_eq "mail 2: what the rate limit held back" \
	"1100 further messages not shown (rate limit)
  (x1000) info web1 sshd[<n>]: Failed password for root from <ip> port <n> ssh2
  (x100) info web1 sshd[<n>]: Timeout before authentication for <ip> port <n>" \
	"$(grep -A 2 'not shown' <<<"$two")"
lm_assert_eq "mail 2: 2 patterns" 2 "$(grep -c '^  (x' <<<"$two")"
lm_assert_eq "mail 2: the counts of what was not shown" \
	"  by severity: 1100 info
  by host: 1100 web1
  by program: 1100 sshd" "$(grep '^  by ' <<<"$two")"
lm_assert_eq "mail 2: the closing counts" \
	"1999 messages (899 shown), 0 errors or worse, most severe: warning" "$(tail -1 <<<"$two")"
lm_assert_eq "mail 2: the subject" \
	"web1: WARNING 1000x sshd: Failed password for root from <ip> port <n> ssh2 (1999 messages, 0 errors)" \
	"$(lm_header_decoded "${mails[1]}" Subject)"

# Every message accounted for: the lines' counts (a line without (xN) is
# one message) and the "not shown" counts add up to what was logged.
sum=$(for b in "$one" "$two"; do
	lines "$b" | sed -n -E 's/^\(x([0-9]+)\) .*/\1/p;t;s/.*/1/p'
	sed -n -E 's/^([0-9]+) further messages? not shown .*/\1/p' <<<"$b"
done | awk '{s += $1} END {print s}')
lm_assert_eq "shown and not shown add up to the lines logged" 5000 "$sum"
lm_done
