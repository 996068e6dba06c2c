#!/bin/bash
# Many hosts: three rsyslogd "edges", each with its own localHostname (web1,
# web2, db1), forward what they log to a collector rsyslogd that runs
# omlogmail, configured as the rsyslog.d/ examples say
# (omlogmail-collector.conf, omlogmail-edge.conf: web1 and db1 over RELP,
# web2 over plain TCP, the example's commented alternative).
#
#   - every digest line names the host that logged it (`digest fold off`:
#     a line per message, so that each one can be followed);
#   - `host web1` gives one host's messages, `host web*` the group's;
#   - %N in the subject names the host, or says how many ("3 hosts");
#   - the collector stopped while the edges log: once it is back, every
#     message arrives, exactly once (the edges' disk-assisted action queues
#     and RELP's acknowledgements).
#
# Messages enter each edge through imuxsock on a socket of its own (logger
# -u), as a local program's would through /dev/log, so they carry the
# edge's host name.  Waits are bounded polls on files and ports.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
for m in omrelp imrelp; do
	ls /usr/lib/*/rsyslog/$m.so >/dev/null 2>&1 ||
		{ echo "SKIP: $m is needed (apt-get install rsyslog-relp)"; exit 77; }
done
EDGES=(web1 web2 db1)
K=2 # messages per edge in the first round
M=5 # messages per edge during the outage

cl_show_failure() {
	local f
	[ "$LM_FAILS" -eq 0 ] && return
	for f in "$LM_TMP"/*.log; do
		echo "---- $(basename "$f")" >&2
		tail -n 30 "$f" >&2
	done
}
trap 'cl_show_failure; lm_cleanup' EXIT

declare -A PID
# cl_start NAME [preload]: rsyslogd -n on $LM_TMP/NAME.conf, stderr in NAME.log;
# preload: with the sanitizer runtimes (for the instance that loads omlogmail).
cl_start() {
	local pre=()
	[ "${2:-}" = preload ] && pre=("${RS_PRELOAD[@]}")
	"${pre[@]}" "$RSYSLOGD" -n -f "$LM_TMP/$1.conf" -i "$LM_TMP/$1.pid" >>"$LM_TMP/$1.log" 2>&1 &
	PID[$1]=$!
	LM_PIDS+=($!)
}

cl_stop() { # NAME
	rs_stop_pid "${PID[$1]}" "$LM_TMP/$1.log"
}

cl_wait() { # WHAT COMMAND...: run COMMAND (at most 20 s) until it succeeds
	local what=$1 i
	shift
	for ((i = 0; i < 400; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	lm_fail "$what: not within 20 s"
	return 1
}

listening() { # PORT: something listens on it (read from /proc, no connection made)
	grep -q -i "^ *[0-9]*: [0-9A-F]*:$(printf %04X "$1") [0-9A-F]*:0000 0A" /proc/net/tcp /proc/net/tcp6
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- the collector: the example, on loopback ports of the test ---------------
lm_smtpd_start smtpd || exit 99
RELP_PORT=$(free_port)
collector_conf() { # NAME TCP-PORT RELP-PORT
	echo "global(workDirectory=\"$LM_TMP/$1.work\" localHostname=\"$1\")"
	sed -e "s|input(type=\"imrelp\" port=\"2514\")|input(type=\"imrelp\" address=\"127.0.0.1\" port=\"$3\")|" \
		-e "s|input(type=\"imtcp\" port=\"514\")|input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$2\" listenPortFileName=\"$LM_TMP/$1.tcpport\")|" \
		-e "s|module(load=\"omlogmail\")|module(load=\"$OMLOGMAIL\")|" \
		-e "s|/etc/logmail/logmail.conf|$LM_TMP/$1.logmail.conf|" \
		-e "s|/var/spool/logmail|$LM_TMP/$1.spool|" \
		"$top_srcdir/rsyslog.d/omlogmail-collector.conf"
}
mkdir -p "$LM_TMP/collector.work" "$LM_TMP/collector2.work"
umask 077
cat >"$LM_TMP/collector.logmail.conf" <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from collector@test.example
log email all@example.com program app
log email all@example.com digest window 10
log email all@example.com digest max-messages $((3 * K))
log email all@example.com digest fold off
log email web@example.com program app host web*
log email web@example.com digest window 10
log email web@example.com digest max-messages $((2 * K))
log email web@example.com digest fold off
log email web1@example.com program app host WEB1
log email web1@example.com digest window 10
log email web1@example.com digest max-messages $K
log email web1@example.com digest fold off
log email outage@example.com program outage
log email outage@example.com digest window 2
log email outage@example.com rate-limit 0
log email outage@example.com digest fold off
log email failover@example.com program failover
log email failover@example.com digest window 2
log email failover@example.com rate-limit 0
log email failover@example.com digest fold off
EOF
sed 's/^mail from .*/mail from collector2@test.example/' "$LM_TMP/collector.logmail.conf" \
	>"$LM_TMP/collector2.logmail.conf"
umask 022

start_collector() { # NAME TCP-PORT RELP-PORT (TCP 0: any; imtcp writes the port file only then)
	collector_conf "$@" >"$LM_TMP/$1.conf"
	rm -f "$LM_TMP/$1.tcpport"
	cl_start "$1" preload
	if [ "$2" = 0 ]; then
		TCP_PORT=$(lm_wait_port_file "$LM_TMP/$1.tcpport" "${PID[$1]}" "$LM_TMP/$1.log") ||
			{ lm_fail "$1 did not start"; exit 1; }
	else
		cl_wait "$1's TCP port $2" listening "$2"
	fi
	cl_wait "$1's RELP port $3" listening "$3"
}
start_collector collector 0 "$RELP_PORT"
for want in 'input\(type="imrelp" address="127.0.0.1" port="'"$RELP_PORT" \
	'input\(type="imtcp" address="127.0.0.1" port="0"' 'action\(type="omlogmail" name="mail"'; do
	lm_assert_match "collector: the example's $want" "$want" "$(cat "$LM_TMP/collector.conf")"
done

# ---- the edges: the example's RELP action, and its TCP alternative -------------
# processInternalMessages: the edges of round 2 log their action's
# suspension through their rules, where the test sees it; db2 (round 3)
# does not, so that only the test's messages take the failover path.
edge_conf() { # NAME relp|tcp|failover
	cat <<EOF
global(workDirectory="$LM_TMP/$1.work" localHostname="$1"
       processInternalMessages="$([ "$2" = failover ] && echo off || echo on)")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$LM_TMP/$1.sock")
template(name="all" type="string" string="%hostname% %programname%: %msg%\n")
action(type="omfile" file="$LM_TMP/$1.all" template="all")
EOF
	case $2 in
	relp) sed -n '/^module(load="omrelp")/,/resumeInterval/p' "$top_srcdir/rsyslog.d/omlogmail-edge.conf" ;;
	tcp) sed -n '/^# action(type="omfwd"/,/resumeInterval/s/^# //p' "$top_srcdir/rsyslog.d/omlogmail-edge.conf" ;;
	failover) sed -n '/^module(load="omrelp")/,$p' "$top_srcdir/rsyslog.d/omlogmail-edge-failover.conf" ;;
	esac | sed -e 's/collector1\.example\.com/127.0.0.1/' -e "/collector1/,/port=/s/port=\"2514\"/port=\"$RELP_PORT\"/" \
		-e 's/collector2\.example\.com/127.0.0.1/' -e "/collector2/,/port=/s/port=\"2514\"/port=\"$RELP_PORT2\"/" \
		-e 's/collector\.example\.com/127.0.0.1/' -e "s/port=\"2514\"/port=\"$RELP_PORT\"/" \
		-e "s/port=\"514\"/port=\"$TCP_PORT\"/" -e 's/resumeInterval="10"/resumeInterval="1"/'
}
RELP_PORT2=$(free_port)
for e in "${EDGES[@]}" db2; do
	mkdir -p "$LM_TMP/$e.work"
	case $e in
	web2) edge_conf "$e" tcp ;;
	db2) edge_conf "$e" failover ;;
	*) edge_conf "$e" relp ;;
	esac >"$LM_TMP/$e.conf"
	cl_start "$e"
done
lm_assert_match "web1 forwards over RELP" 'action\(type="omrelp".*port="'"$RELP_PORT"'"' \
	"$(tr '\n' ' ' <"$LM_TMP/web1.conf")"
lm_assert_match "web2 forwards over TCP" 'action\(type="omfwd".*protocol="tcp".*port="'"$TCP_PORT"'"' \
	"$(tr '\n' ' ' <"$LM_TMP/web2.conf")"
lm_assert_match "db2 fails over" \
	'ruleset\(name="to-collectors".*port="'"$RELP_PORT"'".*port="'"$RELP_PORT2"'" +action.execOnlyWhenPreviousIsSuspended="on"' \
	"$(tr '\n' ' ' <"$LM_TMP/db2.conf")"
for e in "${EDGES[@]}" db2; do
	cl_wait "$e's socket" test -S "$LM_TMP/$e.sock"
done

suspensions() { # EDGE: how often it said its forwarding action was suspended
	grep -c "action 'to-collector' suspended" "$LM_TMP/$1.all"
}

suspended_again() { # EDGE: since the count in ${suspended[EDGE]}
	[ "$(suspensions "$1")" -gt "${suspended[$1]}" ]
}

edge_log() { # EDGE PROGRAM TEXT
	logger -u "$LM_TMP/$1.sock" -t "$2" -p daemon.err "$3"
}

# ---- round 1: who gets what -------------------------------------------------------
for ((i = 1; i <= K; i++)); do
	for e in "${EDGES[@]}"; do
		edge_log "$e" app "$e message $i"
	done
done
# each recipient's digest goes 10 s after its first line (its caps, the
# number of lines it gets, bound what it shows; they do not send it)
lm_wait_mails "$SMTPD_MAILDIR" 3 600 || lm_fail "3 mails expected, $(lm_mail_count "$SMTPD_MAILDIR") arrived"

mapfile -t all < <(rs_mail_to all@example.com)
mapfile -t web < <(rs_mail_to web@example.com)
mapfile -t web1 < <(rs_mail_to web1@example.com)
lm_assert_eq "mails to all, web, web1" "1 1 1" "${#all[@]} ${#web[@]} ${#web1[@]}"
line='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4}'
if [ ${#all[@]} -ge 1 ]; then
	body=$(rs_body "${all[0]}")
	lm_assert_eq "all: every line names a host" $((3 * K)) \
		"$(grep -c -E "^$line err (web1|web2|db1) app(\[[0-9]+\])?: (web1|web2|db1) message [0-9]+\$" <<<"$body")"
	lm_assert_eq "all: ...the host that logged it" 0 \
		"$(grep -E "^$line err [a-z0-9]+ app" <<<"$body" | awk '$5 != $7' | wc -l)"
	# (%A: the first line, whichever edge's message came first)
	lm_assert_match "all: the subject says how many hosts" \
		"^3 hosts: ERR app: (web1|web2|db1) message 1 \($((3 * K)) messages, $((3 * K)) errors\)\$" \
		"$(lm_header_decoded "${all[0]}" Subject)"
fi
if [ ${#web[@]} -ge 1 ]; then
	body=$(rs_body "${web[0]}")
	lm_assert_eq "web (host web*): web1's and web2's lines" "web1 $K web2 $K db1 0" \
		"$(for e in web1 web2 db1; do
			printf '%s %s ' $e "$(grep -c -E " err $e app(\[[0-9]+\])?: $e message" <<<"$body")"
		done | sed 's/ $//')"
	lm_assert_match "web: 2 hosts" \
		"^2 hosts: ERR app: (web1|web2) message 1 \($((2 * K)) messages, $((2 * K)) errors\)\$" \
		"$(lm_header_decoded "${web[0]}" Subject)"
fi
if [ ${#web1[@]} -ge 1 ]; then
	body=$(rs_body "${web1[0]}")
	lm_assert_eq "web1 (host WEB1): only web1's lines" "$K $K" \
		"$(grep -c -E ' app(\[[0-9]+\])?: ' <<<"$body") $(grep -c -E ' err web1 app(\[[0-9]+\])?: web1 message' <<<"$body")"
	lm_assert_eq "web1: its host name" "web1: ERR app: web1 message 1 ($K messages, $K errors)" \
		"$(lm_header_decoded "${web1[0]}" Subject)"
fi

# ---- round 2: the collector is down while the edges log ---------------------------
declare -A suspended
for e in "${EDGES[@]}"; do
	suspended[$e]=$(suspensions "$e")
done
cl_stop collector
for ((i = 1; i <= M; i++)); do
	for e in "${EDGES[@]}"; do
		edge_log "$e" outage "$e outage $i"
	done
done
# Each edge tried, found the collector gone and holds the messages.
for e in "${EDGES[@]}"; do
	cl_wait "$e: its forwarding action suspended" suspended_again "$e"
	lm_assert_eq "$e: logged during the outage" $M "$(grep -c -E " $e outage [0-9]+\$" "$LM_TMP/$e.all")"
done
lm_assert_eq "nothing mailed while the collector is down" 0 "$(rs_mail_to outage@example.com | wc -l)"

start_collector collector "$TCP_PORT" "$RELP_PORT"
outage_lines() {
	local f
	for f in $(rs_mail_to outage@example.com); do
		rs_body "$f" | sed -n -E 's/.* err [^ ]+ outage(\[[0-9]+\])?: (.*)$/\2/p'
	done | sort
}
want=$(for e in "${EDGES[@]}"; do for ((i = 1; i <= M; i++)); do echo "$e outage $i"; done; done | sort)
outage_mailed() {
	[ "$(outage_lines | wc -l)" -ge $((3 * M)) ]
}
cl_wait "all $((3 * M)) messages of the outage mailed" outage_mailed
lm_assert_eq "after the outage: every message, exactly once" "$want" "$(outage_lines)"

# ---- round 3: failover to a second collector while the first is down --------------
# db2 runs omlogmail-edge-failover.conf: while the first collector is down,
# what it logs goes to the second, every message exactly once (batches of
# one: see the example); once the first is back, it takes over again.
start_collector collector2 "$(free_port)" "$RELP_PORT2"
cl_stop collector
for ((i = 1; i <= M; i++)); do
	edge_log db2 failover "db2 failover $i"
done
failover_lines() { # FROM: the lines mailed to failover@ by FROM's collector
	local f
	for f in $(rs_mail_to failover@example.com); do
		[ "$(lm_header "$f" From)" = "<$1>" ] || continue
		rs_body "$f" | sed -n -E 's/.* err [^ ]+ failover(\[[0-9]+\])?: (.*)$/\2/p'
	done | sort
}
failover_mailed() { # FROM N
	[ "$(failover_lines "$1" | wc -l)" -ge "$2" ]
}
cl_wait "the second collector mails what came while the first was down" \
	failover_mailed collector2@test.example $M
lm_assert_eq "failover: every message through the second collector, exactly once" \
	"$(for ((i = 1; i <= M; i++)); do echo "db2 failover $i"; done | sort)" \
	"$(failover_lines collector2@test.example)"

# The first collector is back: once db2 retries it (resumeInterval), it
# takes over.  Until then messages still go to the second; each is mailed
# once, by one or the other.
start_collector collector "$TCP_PORT" "$RELP_PORT"
back=0
log_back_until_first_takes_over() {
	back=$((back + 1))
	edge_log db2 failover "db2 back $back"
	failover_mailed collector@test.example 1
}
cl_wait "the first collector, back, takes over" log_back_until_first_takes_over
all_back_mailed() {
	[ "$( (failover_lines collector@test.example; failover_lines collector2@test.example) |
		grep -c '^db2 back ')" -ge "$back" ]
}
cl_wait "all $back messages after the first collector is back mailed" all_back_mailed
lm_assert_eq "after the takeover: every message once, by one collector or the other" \
	"$(for ((i = 1; i <= back; i++)); do echo "db2 back $i"; done | sort)" \
	"$( (failover_lines collector@test.example; failover_lines collector2@test.example) |
		grep '^db2 back ' | sort)"
echo "takeover: the first collector mailed $(failover_lines collector@test.example | wc -l) of $back"

for e in "${EDGES[@]}" db2; do
	cl_stop "$e"
done
cl_stop collector
cl_stop collector2
lm_done
