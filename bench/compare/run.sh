#!/bin/bash
# bench/compare/run.sh: logmail side by side with what users would pick
# instead; run by `make bench-compare`, writes $top_srcdir/bench/RESULTS.md.
#
#   1. module overhead: rsyslogd fed N messages over imtcp, (a) discarding
#      them, (b) omlogmail 100 recipients x 5 filters, (c) the same 500 rules
#      as RainerScript `if ... then omfile`, (l) (b) and one recipient more,
#      `logcheck server` with Debian's rules, (m) (l) with that recipient
#      excluding everything (classifying, receiving nothing), (p) (b) and a
#      plain recipient receiving about what (l)'s does;
#   2. delivery: N spooled mails through spool_deliver (the worker's code)
#      vs smtp-source, msmtp (one process per mail), rsyslog's ommail; then
#      STARTTLS against tests/servers/smtpd.py: cost per session, sessions
#      per run;
#   3. storm: many matching messages, rsyslogd's peak RSS growth and the
#      accounting of every message in the mails; then the same number to
#      many recipients, nothing folding, for the memory of many digests;
#   4. urgent latency: logger -> mail at the server.
#
# Contenders alternate within each round; figures are medians of ROUNDS.
# Sizes come from the environment (defaults keep the run near 5 minutes on
# 2 cores): SECTIONS ROUNDS N_MOD N_DEL N_MSMTP N_OMMAIL N_TLS N_STORM
# N_STORM_RCPT N_URGENT.
# MOD_LINES=FILE: the module section's corpus made of FILE's lines instead
# (gen.py syslog: lines as rsyslog writes them to files), for instance
# `bench/bench_logcheck -n 200000 -w FILE`'s, lines logcheck's rules were
# written for; with MOD_LINES, SECTIONS must be a subset (no report).
# To compare two builds of the module side by side, alternate runs of
# SECTIONS=module MOD_KEYS="a b" with OMLOGMAIL=<the other build's .so>.
# Nothing here asserts on time (never part of `make check`).
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
ROUNDS=${ROUNDS:-3}
N_MOD=${N_MOD:-200000}
N_DEL=${N_DEL:-2000}
N_MSMTP=${N_MSMTP:-200}
N_OMMAIL=${N_OMMAIL:-200}
N_TLS=${N_TLS:-1000}
N_STORM=${N_STORM:-1000000}
N_URGENT=${N_URGENT:-20}
ALL_SECTIONS="module delivery tls storm urgent"
SECTIONS=${SECTIONS:-$ALL_SECTIONS} # a subset runs those and writes no report
[ -z "${MOD_LINES:-}" ] || [ "$SECTIONS" != "$ALL_SECTIONS" ] ||
	{ echo "run.sh: MOD_LINES needs SECTIONS (the report is of gen.py's corpus)" >&2; exit 2; }
PY=/usr/bin/python3
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
OMLOGMAIL=${OMLOGMAIL:-$top_builddir/plugin/.libs/omlogmail.so} # another build's, to compare
SPOOL_BENCH=$top_builddir/bench/compare/spool_bench
GEN=$top_srcdir/bench/compare/gen.py
COUNTSMTPD=$top_srcdir/bench/compare/countsmtpd.py
OUT=${RESULTS:-$top_srcdir/bench/RESULTS.md}

T=$(mktemp -d /tmp/bench-compare.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${SHM:-}" ] && rm -rf "$SHM"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
calc() { awk "BEGIN {printf \"%.${2:-1}f\\n\", $1}"; }
freeport() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_file() { # FILE [TENTHS]
	local i
	for ((i = 0; i < ${2:-300}; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- packages ---------------------------------------------------------------
ensure_packages() {
	if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
		log "installing postfix (smtp-sink, smtp-source), not started as a service"
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix \
			>"$T/apt.log" 2>&1 || die "apt-get install postfix (see $T/apt.log)"
	fi
	command -v msmtp >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q msmtp \
		>>"$T/apt.log" 2>&1 || die "apt-get install msmtp"
	# (l), (m), (L): without the rules their recipient would match nothing
	[ -d /etc/logcheck/ignore.d.server ] || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q logcheck-database >>"$T/apt.log" 2>&1 ||
		die "apt-get install logcheck-database"
	PATH=$PATH:/usr/sbin
}

# ---- servers ----------------------------------------------------------------
# sink_start NAME: smtp-sink on a free port, counters (-c) in $T/NAME.sink;
# sets SINK_PORT.
sink_start() {
	SINK_PORT=$(freeport)
	smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 256 >"$T/$1.sink" 2>&1 &
	PIDS+=($!)
	local i
	for ((i = 0; i < 50; i++)); do
		$PY -c "import socket;socket.create_connection(('127.0.0.1',$SINK_PORT)).close()" \
			2>/dev/null && return 0
		sleep 0.1
	done
	die "smtp-sink did not start"
}
sink_msgs() { tr '\r' '\n' <"$T/$1.sink" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1; }

# smtpd_start NAME ARGS...: bench/compare/countsmtpd.py; sets SMTPD_PORT,
# maildir $T/NAME.mail, counts in $T/NAME.count.
smtpd_start() {
	local name=$1
	shift
	$PY "$COUNTSMTPD" "$T/$name.count" --port-file "$T/$name.port" \
		--maildir "$T/$name.mail" "$@" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
	wait_file "$T/$name.port" 100 || die "smtpd.py $name did not start"
	SMTPD_PORT=$(cat "$T/$name.port")
}

# ---- rsyslogd ---------------------------------------------------------------
# rs_start DIR: rsyslogd -n with DIR/rsyslog.conf; sets RS_PID RS_PORT.
rs_start() {
	local d=$1
	mkdir -p "$d/work"
	rm -f "$d/tcp.port"
	"$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" >>"$d/rsyslogd.log" 2>&1 &
	RS_PID=$!
	PIDS+=($RS_PID)
	# (up to a minute: (l) compiles logcheck's rules first)
	wait_file "$d/tcp.port" 600 || { cat "$d/rsyslogd.log" >&2; die "rsyslogd did not start"; }
	RS_PORT=$(cat "$d/tcp.port")
}
# rs_cpu: CPU time (user + system, in clock ticks) rsyslogd has used so far.
rs_cpu() { awk '{print $14 + $15}' "/proc/$RS_PID/stat"; }
CLK_TCK=$(getconf CLK_TCK)
rs_stop() {
	kill -TERM "$RS_PID" 2>/dev/null
	wait "$RS_PID" 2>/dev/null
}
rs_head() { # DIR [WORKERS]
	cat <<EOF
global(workDirectory="$1/work")
main_queue(queue.workerThreads="${2:-1}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$1/tcp.port")
if \$programname == "benchend" then {
	action(type="omfile" file="$1/end.log")
	stop
}
EOF
}

# rs_time DIR CORPUS: seconds from the first byte sent to the end marker's
# arrival in DIR/end.log (rsyslogd already started).
rs_time() {
	local t0 t1 i
	rm -f "$1/end.log"
	t0=$(now)
	$PY "$GEN" send "$RS_PORT" "$2" || die "send"
	for ((i = 0; i < 60000; i++)); do
		[ -s "$1/end.log" ] && break
		sleep 0.005
	done
	t1=$(now)
	[ -s "$1/end.log" ] || die "no end marker in $1 (see $1/rsyslogd.log)"
	calc "$t1 - $t0" 4
}

# ---- 1. module overhead -------------------------------------------------------
# of_b K: "(K)/(b) RATIO " when both were measured
of_b() {
	local v
	eval "v=\${MOD_$1:-}"
	[ -n "$v" ] && [ -n "${MOD_b:-}" ] && printf '(%s)/(b) %s ' "$1" "$(calc "$v / $MOD_b" 2)"
}
# a discard, b omlogmail, c RainerScript, s b with the spool on tmpfs,
# y b with sync="on", n omlogmail without recipients (the action's floor),
# l b plus a recipient `logcheck server` (/etc/logcheck), m l whose logcheck
# recipient excludes everything (the rules still classify every message),
# p b plus a recipient of five programs (about the share l's receives),
# B and L: b and l with two main-queue workers, rsyslog's default (the end
# marker may then come in while the other worker ends its last batch)
MOD_KEYS=${MOD_KEYS:-a b c s y n l m p B L} # a subset with SECTIONS=module, e.g. "a b"
bench_module() {
	local r k d secs
	log "1. module overhead: $N_MOD messages, $ROUNDS rounds"
	if [ -n "${MOD_LINES:-}" ]; then
		$PY "$GEN" syslog "$MOD_LINES" "$T/corpus" --end END || die "corpus from $MOD_LINES"
	else
		$PY "$GEN" corpus "$N_MOD" "$T/corpus" --end END || die "corpus"
	fi
	sink_start mod
	$PY "$GEN" configs "$T" "$SINK_PORT" || die "configs"
	MOD_FILTERS=$(grep -c '^log email' "$T/mod.conf")
	SHM=$(mktemp -d /dev/shm/bench-compare.XXXXXX)
	for k in $MOD_KEYS; do
		d=$T/mod-$k
		mkdir -p "$d"
		rs_head "$d" "$(case $k in B | L) echo 2 ;; *) echo 1 ;; esac)" >"$d/rsyslog.conf"
		case $k in
		a) echo 'stop' >>"$d/rsyslog.conf" ;;
		b | B) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/mod.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		c) cat "$T/rules.conf" >>"$d/rsyslog.conf" ;;
		s) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/mod.conf" "$SHM/spool" >>"$d/rsyslog.conf" ;;
		y) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s" sync="on")\n' \
			"$OMLOGMAIL" "$T/mod.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		n) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/none.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		l | L) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/lc.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		m) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/lcx.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		p) printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
			"$OMLOGMAIL" "$T/share.conf" "$d/spool" >>"$d/rsyslog.conf" ;;
		esac
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		for k in $MOD_KEYS; do
			d=$T/mod-$k
			rm -rf "$d/spool" "$SHM/spool" "$T/rules"/*
			rs_start "$d"
			cpu0=$(rs_cpu)
			secs=$(rs_time "$d" "$T/corpus")
			echo "$(($(rs_cpu) - cpu0))" >>"$T/mod-$k.ticks"
			rs_stop
			echo "$secs" >>"$T/mod-$k.secs"
			[ "$k" != c ] || cat "$T/rules"/*.log 2>/dev/null | sort -u | wc -l >"$T/mod.matched"
			log "   round $r ($k): $secs s"
		done
	done
	rm -rf "$SHM"
	for k in $MOD_KEYS; do
		eval "MOD_$k=\$(calc \"$N_MOD / \$(median <\"\$T/mod-$k.secs\")\" 0)"
		eval "MOD_CPU_$k=\$(calc \"\$(median <\"\$T/mod-$k.ticks\") / $CLK_TCK\" 2)"
	done
	MOD_MATCHED=$(cat "$T/mod.matched" 2>/dev/null)
	MOD_SPOOLED=$(sink_msgs mod)
	log "   msg/s:$(for k in $MOD_KEYS; do eval "printf ' (%s) %s' $k \$MOD_$k"; done);" \
		"CPU s:$(for k in $MOD_KEYS; do eval "printf ' (%s) %s' $k \$MOD_CPU_$k"; done)" \
		"$([ -n "${MOD_a:-}" ] && [ -n "${MOD_b:-}" ] && echo "(b)/(a) $(calc "$MOD_b / $MOD_a" 2)")" \
		"$(for k in l m p B L; do of_b "$k"; done)"
}

# ---- 2. delivery ------------------------------------------------------------------
bench_delivery() {
	local r secs out sp=$T/del.spool i t0 t1 n d=$T/ommail
	log "2. delivery: $N_DEL mails, msmtp $N_MSMTP, ommail $N_OMMAIL, $ROUNDS rounds"
	sink_start del
	DEL_PORT=$SINK_PORT
	# a mail like logmail's (10 log lines) for msmtp
	"$SPOOL_BENCH" fill "$T/one.spool" 1 || die "fill"
	DEL_SIZE=$(find "$T/one.spool" -type f -size +300c -exec cat {} + | wc -c)
	{
		printf 'From: bench@example.com\r\nTo: ops@example.com\r\nSubject: bench\r\n\r\n'
		for i in $(seq 10); do printf '2026-11-23T10:00:00+0000 host sshd: Failed password for user%s\r\n' "$i"; done
	} >"$T/mail.eml"
	: >"$T/msmtprc"
	chmod 600 "$T/msmtprc"
	mkdir -p "$d"
	rs_head "$d" >"$d/rsyslog.conf"
	cat >>"$d/rsyslog.conf" <<EOF
module(load="ommail")
template(name="mbody" type="string" string="%timegenerated:::date-rfc3339% %hostname% %programname%: %msg%\n")
action(type="ommail" server="127.0.0.1" port="__PORT__" mailfrom="rsyslog@example.com"
       mailto="ops@example.com" subject.text="bench" template="mbody")
EOF
	$PY "$GEN" corpus "$N_OMMAIL" "$T/ommail.corpus" || die "corpus"
	# filled once (with spool_submit_batch, as the outbox does), copied per round
	"$SPOOL_BENCH" fill "$T/del.fill" "$N_DEL" || die "spool fill"
	for ((r = 1; r <= ROUNDS; r++)); do
		rm -rf "$sp"
		cp -a "$T/del.fill" "$sp" || die "copy the spool"
		out=$("$SPOOL_BENCH" deliver "$sp" 127.0.0.1 "$DEL_PORT") || die "deliver: $out"
		set -- $out
		[ "$1" = "$N_DEL" ] || die "delivered $1 of $N_DEL"
		calc "$N_DEL / $4" 0 >>"$T/del-lm.rate"
		DEL_EHLO=$5
		log "   round $r logmail: $out"

		t0=$(now)
		smtp-source -d -s 1 -m "$N_DEL" -l "$DEL_SIZE" -f bench@example.com \
			-t ops@example.com "127.0.0.1:$DEL_PORT" || die "smtp-source"
		t1=$(now)
		calc "$N_DEL / ($t1 - $t0)" 0 >>"$T/del-src.rate"
		t0=$(now)
		smtp-source -s 1 -m "$N_DEL" -l "$DEL_SIZE" -f bench@example.com \
			-t ops@example.com "127.0.0.1:$DEL_PORT" || die "smtp-source"
		t1=$(now)
		calc "$N_DEL / ($t1 - $t0)" 0 >>"$T/del-src1.rate"
		log "   round $r smtp-source: $(tail -1 "$T/del-src.rate")/s (-d), $(tail -1 "$T/del-src1.rate")/s"

		t0=$(now)
		for ((i = 0; i < N_MSMTP; i++)); do
			msmtp -C "$T/msmtprc" --host=127.0.0.1 --port="$DEL_PORT" --auth=off --tls=off \
				--from=bench@example.com ops@example.com <"$T/mail.eml" || die "msmtp"
		done
		t1=$(now)
		calc "$N_MSMTP / ($t1 - $t0)" 0 >>"$T/del-msmtp.rate"
		log "   round $r msmtp: $(tail -1 "$T/del-msmtp.rate")/s"

		sink_start "ommail$r"
		mkdir -p "$d/run$r"
		sed -e "s/__PORT__/$SINK_PORT/" -e "s|$d/|$d/run$r/|g" "$d/rsyslog.conf" \
			>"$d/run$r/rsyslog.conf"
		rs_start "$d/run$r"
		t0=$(now)
		$PY "$GEN" send "$RS_PORT" "$T/ommail.corpus" || die "send"
		for ((i = 0; i < 12000; i++)); do
			n=$(sink_msgs "ommail$r")
			[ "${n:-0}" -ge "$N_OMMAIL" ] && break
			sleep 0.01
		done
		t1=$(now)
		rs_stop
		[ "${n:-0}" -ge "$N_OMMAIL" ] || die "ommail delivered ${n:-0} of $N_OMMAIL"
		calc "$N_OMMAIL / ($t1 - $t0)" 0 >>"$T/del-ommail.rate"
		log "   round $r ommail: $(tail -1 "$T/del-ommail.rate")/s"
	done
	DEL_LM=$(median <"$T/del-lm.rate")
	DEL_SRC=$(median <"$T/del-src.rate")
	DEL_SRC1=$(median <"$T/del-src1.rate")
	DEL_MSMTP=$(median <"$T/del-msmtp.rate")
	DEL_OMMAIL=$(median <"$T/del-ommail.rate")
}

# ---- 2b. STARTTLS -----------------------------------------------------------------
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null || die "openssl req"
}

# tls_run MODE N: deliver N mails to the smtpd of MODE; prints "secs ehlos
# connections" (connections as the server counted them)
tls_run() {
	local mode=$1 n=$2 sp=$T/tls.spool before after out
	rm -rf "$sp"
	[ -d "$T/tls.fill$n" ] || "$SPOOL_BENCH" fill "$T/tls.fill$n" "$n" || die "fill"
	cp -a "$T/tls.fill$n" "$sp" || die "copy the spool"
	before=$(awk '{print $2}' "$T/tls-$mode.count")
	if [ "$mode" = starttls ]; then
		out=$("$SPOOL_BENCH" deliver "$sp" 127.0.0.1 "$(cat "$T/tls-$mode.port")" starttls \
			"$T/cert.pem") || die "deliver $mode: $out"
	else
		out=$("$SPOOL_BENCH" deliver "$sp" 127.0.0.1 "$(cat "$T/tls-$mode.port")") ||
			die "deliver $mode: $out"
	fi
	after=$(awk '{print $2}' "$T/tls-$mode.count")
	set -- $out
	[ "$1" = "$n" ] || die "$mode: delivered $1 of $n"
	echo "$4 $5 $((after - before))"
}

bench_tls() {
	local r m out
	log "2b. STARTTLS: $N_TLS mails per run, $ROUNDS rounds; 20 one-mail sessions each"
	make_cert
	smtpd_start tls-plain --mode plain
	smtpd_start tls-starttls --mode starttls --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
	for ((r = 1; r <= ROUNDS; r++)); do
		for m in plain starttls; do
			out=$(tls_run "$m" "$N_TLS")
			set -- $out
			calc "$N_TLS / $1" 0 >>"$T/tls-$m.rate"
			echo "$2 $3" >"$T/tls-$m.sessions"
			log "   round $r $m: $N_TLS mails in $1 s, $2 EHLO, $3 connections"
		done
	done
	for ((r = 1; r <= 20; r++)); do
		for m in plain starttls; do
			out=$(tls_run "$m" 1)
			set -- $out
			echo "$1" >>"$T/tls-$m.one"
		done
	done
	TLS_PLAIN=$(median <"$T/tls-plain.rate")
	TLS_TLS=$(median <"$T/tls-starttls.rate")
	TLS_ONE_PLAIN=$(median <"$T/tls-plain.one")
	TLS_ONE_TLS=$(median <"$T/tls-starttls.one")
	read -r TLS_EHLO TLS_CONN <"$T/tls-starttls.sessions"
	read -r PLAIN_EHLO PLAIN_CONN <"$T/tls-plain.sessions"
}

# ---- 3. storm ---------------------------------------------------------------------
# storm_rss DIR CONF CORPUS: rsyslogd on DIR with omlogmail on CONF (default
# main-queue workers), CORPUS sent; sets SECS, RATE (msg/s), RSS0, HWM and
# GROWTH (MiB).  rsyslogd still runs.
storm_rss() {
	local rss0 hwm
	rs_head "$1" | sed '/workerThreads/d' >"$1/rsyslog.conf"
	printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
		"$OMLOGMAIL" "$2" "$1/spool" >>"$1/rsyslog.conf"
	rs_start "$1"
	sleep 1
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$RS_PID/status")
	SECS=$(rs_time "$1" "$3")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$RS_PID/status")
	RATE=$(calc "$N_STORM / $SECS" 0)
	RSS0=$((rss0 / 1024))
	HWM=$(calc "$hwm / 1024" 1)
	GROWTH=$(calc "($hwm - $rss0) / 1024" 1)
}

bench_storm() {
	local d=$T/storm i out
	log "3. storm: $N_STORM matching messages"
	$PY "$GEN" corpus "$N_STORM" "$T/storm.corpus" --all-match --end END || die "corpus"
	smtpd_start storm --mode plain
	mkdir -p "$d"
	{
		printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\nmail from bench@example.com\n' \
			"$SMTPD_PORT"
		for i in 1 2 3; do echo "log email storm$i@example.com level errors program storm"; done
	} >"$T/storm.conf"
	chmod 600 "$T/storm.conf"
	storm_rss "$d" "$T/storm.conf" "$T/storm.corpus"
	STORM_DURING=$(ls "$T/storm.mail" | grep -c '\.env$')
	rs_stop
	STORM_SECS=$SECS STORM_RATE=$RATE STORM_RSS0=$RSS0 STORM_HWM=$HWM STORM_GROWTH=$GROWTH
	STORM_SPOOLED=$(find "$d/spool" -name '*.eml' -o -name '*.msg' 2>/dev/null | wc -l)
	out=$("$SPOOL_BENCH" deliver "$d/spool" 127.0.0.1 "$SMTPD_PORT") || die "storm deliver: $out"
	STORM_AFTER=$(echo "$out" | awk '{print $1}')
	$PY - "$T/storm.mail" "$N_STORM" >"$T/storm.acct" <<'EOF' || die "storm accounting"
import email, email.policy, glob, re, sys
d, n = sys.argv[1], int(sys.argv[2])
per = {}
mails = shown = notshown = lines = 0
for env in sorted(glob.glob(d + "/*.env")):
    to = [l[4:] for l in open(env).read().splitlines() if l.startswith("to: ")][0]
    msg = email.message_from_binary_file(open(env[:-4] + ".eml", "rb"), policy=email.policy.default)
    body = msg.get_content().replace("\r\n", "\n")
    m = re.search(r"^-- \n(\d+) messages?(?: \((\d+) shown\))?", body, re.M)
    if not m:
        sys.exit("no summary line in " + env)
    total = int(m.group(1))
    s = int(m.group(2)) if m.group(2) else total
    ns = re.search(r"^(\d+) further messages? not shown", body, re.M)
    if (int(ns.group(1)) if ns else 0) != total - s:
        sys.exit("not-shown line disagrees with the summary in " + env)
    # the lines: "(xN)" after the time when folded, else one message
    counted = 0
    for line in re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}(.*)$", body, re.M):
        x = re.match(r"(?: \.\. [-\d: ]+?)? \(x(\d+)\) ", line)
        counted += int(x.group(1)) if x else 1
        lines += 1
    if counted != s:
        sys.exit("the lines' counts (%d) disagree with the summary (%d shown) in %s" % (counted, s, env))
    per[to] = per.get(to, 0) + total
    mails += 1; shown += s; notshown += total - s
ok = len(per) == 3 and all(v == n for v in per.values())
print(mails, shown, notshown, " ".join("%s=%d" % kv for kv in sorted(per.items())),
      lines, "OK" if ok else "MISMATCH")
EOF
	read -r STORM_MAILS STORM_SHOWN STORM_NOTSHOWN STORM_PER <"$T/storm.acct"
	STORM_PER=$(cut -d' ' -f4-6 "$T/storm.acct")
	STORM_LINES=$(awk '{print $(NF - 1)}' "$T/storm.acct")
	STORM_OK=$(awk '{print $NF}' "$T/storm.acct")
	log "   $STORM_RATE msg/s, RSS growth $STORM_GROWTH MiB, $(cat "$T/storm.acct")"
	bench_storm_many
}

# The same number of messages to many recipients (N_STORM_RCPT, each its own
# program, so that every message goes to one of them), every text different
# in its words: nothing folds, every recipient's digests fill at their caps
# and close into mails, thousands at once: the digests' and the outbox's
# memory at their largest.  The server is smtp-sink.
N_STORM_RCPT=${N_STORM_RCPT:-1000}
bench_storm_many() {
	local d=$T/storm-many i
	log "3b. storm: $N_STORM messages to $N_STORM_RCPT recipients, nothing folding"
	$PY "$GEN" corpus "$N_STORM" "$T/storm-many.corpus" --programs "$N_STORM_RCPT" --end END ||
		die "corpus"
	sink_start storm-many
	mkdir -p "$d"
	{
		printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\nmail from bench@example.com\n' \
			"$SINK_PORT"
		for ((i = 0; i < N_STORM_RCPT; i++)); do
			echo "log email storm$i@example.com level errors program s$i"
		done
	} >"$T/storm-many.conf"
	chmod 600 "$T/storm-many.conf"
	storm_rss "$d" "$T/storm-many.conf" "$T/storm-many.corpus"
	rs_stop
	MANY_SECS=$SECS MANY_RATE=$RATE MANY_RSS0=$RSS0 MANY_HWM=$HWM MANY_GROWTH=$GROWTH
	MANY_MAILS=$(($(sink_msgs storm-many) + $(find "$d/spool/queue" -type f 2>/dev/null | wc -l)))
	log "   $MANY_RATE msg/s, RSS growth $MANY_GROWTH MiB (peak $MANY_HWM MiB), $MANY_MAILS mails"
}

# ---- 4. urgent latency --------------------------------------------------------------
bench_urgent() {
	local d=$T/urgent i t0 t1 j
	# one urgent mail after another: latency, not pacing (in a storm, an
	# urgent line breaks through once per paced interval), so no pacing
	log "4. urgent latency: $N_URGENT emergencies"
	smtpd_start urgent --mode plain
	mkdir -p "$d"
	printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\nmail from bench@example.com
log email urgent@example.com level emergencies
log email urgent@example.com rate-limit 1000
log email urgent@example.com digest max-interval 0\n' "$SMTPD_PORT" >"$T/urgent.conf"
	chmod 600 "$T/urgent.conf"
	rs_head "$d" | sed '/workerThreads/d' >"$d/rsyslog.conf"
	printf 'module(load="%s")\naction(type="omlogmail" config="%s" spool="%s")\n' \
		"$OMLOGMAIL" "$T/urgent.conf" "$d/spool" >>"$d/rsyslog.conf"
	rs_start "$d"
	sleep 1
	for ((i = 1; i <= N_URGENT; i++)); do
		t0=$(now)
		logger -n 127.0.0.1 -P "$RS_PORT" -T -p user.emerg -t bench "urgent test $i"
		for ((j = 0; j < 1000; j++)); do
			[ "$(ls "$T/urgent.mail" | grep -c '\.env$')" -ge "$i" ] && break
			sleep 0.005
		done
		t1=$(now)
		[ "$j" -lt 1000 ] || die "urgent mail $i did not arrive in 10 s"
		calc "($t1 - $t0) * 1000" 0 >>"$T/urgent.ms"
	done
	rs_stop
	URG_MED=$(median <"$T/urgent.ms")
	URG_MAX=$(sort -g "$T/urgent.ms" | tail -1)
	URG_MIN=$(sort -g "$T/urgent.ms" | head -1)
	log "   median $URG_MED ms (min $URG_MIN, max $URG_MAX)"
}

ensure_packages
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$(date +%s)
for s in $SECTIONS; do
	"bench_$s"
done
ELAPSED=$(($(date +%s) - T0))
if [ "$SECTIONS" != "$ALL_SECTIONS" ]; then
	log "SECTIONS=$SECTIONS: a partial run, $OUT left as it was (KEEP=1 keeps $T)"
	exit 0
fi
. "$top_srcdir/bench/compare/report.sh" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
log "wrote $OUT (${ELAPSED} s)"
cat "$OUT"
