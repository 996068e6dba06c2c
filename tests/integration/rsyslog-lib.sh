# tests/integration/rsyslog-lib.sh: Debian's real rsyslogd with omlogmail,
# for the rsyslog-*.sh integration tests (bash).  Sources lib.sh.
#
#   . "$top_srcdir/tests/integration/rsyslog-lib.sh"
#   rs_setup                    # skips (77) when the module was not built
#   rs_logmail_conf <<EOF ...   # $RS_DIR/logmail.conf, mode 0600
#   rs_conf [ACTION-PARAMS]     # $RS_DIR/rsyslog.conf: imtcp on 127.0.0.1
#                               # port 0, omfile to $RS_DIR/all.log, omlogmail
#   rs_start                    # rsyslogd -n in the background; sets RS_PORT
#                               # (waits RS_START_TRIES x 50 ms, default 10 s)
#   rs_log ARGS...              # logger -n 127.0.0.1 -P $RS_PORT -T ARGS...
#   rs_send_raw LINE            # one raw syslog line over TCP (fixed timestamps)
#   rs_wait_log REGEX [N]       # until all.log has N (1) lines matching REGEX
#   rs_stop                     # kill -TERM, wait for the exit (bounded)
#   rs_stop_pid PID LOG         # the same for another rsyslogd of the test
#   rs_mail_to ADDR             # the .eml files delivered to ADDR, oldest first
#   rs_body FILE.eml            # the decoded body
#
# rsyslogd runs in the foreground with its own configuration, pid file and
# work directory under $LM_TMP; nothing in /etc or /var is touched.  Its
# stderr (where LogError lands in the foreground) is $RS_DIR/rsyslogd.log.
# Waits are bounded polling loops on files, never fixed sleeps.

. "${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh"

RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
OMLOGMAIL=${OMLOGMAIL:-$top_builddir/plugin/.libs/omlogmail.so}
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
RS_PID=
RS_PRELOAD=()

rs_setup() {
	if [ ! -f "$OMLOGMAIL" ]; then
		echo "SKIP: omlogmail was not built (configure --with-rsyslog-src=\$(scripts/fetch-rsyslog-src))"
		exit 77
	fi
	if [ ! -x "$RSYSLOGD" ]; then
		echo "ERROR: the module was built but there is no $RSYSLOGD (apt-get install rsyslog)" >&2
		exit 99
	fi
	command -v logger >/dev/null || { echo "ERROR: logger is needed (bsdutils)" >&2; exit 99; }
	lm_setup
	RS_DIR=$LM_TMP/rs
	mkdir -p "$RS_DIR/work"
	rs_sanitizer_preload
}

# A module built with --enable-sanitizers needs the ASan/UBSan runtimes
# loaded first into the (uninstrumented) rsyslogd.
rs_sanitizer_preload() {
	local lib libs=()
	if nm -D "$OMLOGMAIL" 2>/dev/null | grep -q ' U __asan_'; then
		lib=$(${CC:-gcc} -print-file-name=libasan.so)
		[ -f "$lib" ] && libs+=("$lib")
	fi
	if nm -D "$OMLOGMAIL" 2>/dev/null | grep -q ' U __ubsan_'; then
		lib=$(${CC:-gcc} -print-file-name=libubsan.so)
		[ -f "$lib" ] && libs+=("$lib")
	fi
	if [ ${#libs[@]} -gt 0 ]; then
		local IFS=:
		RS_PRELOAD=(env "LD_PRELOAD=${libs[*]}"
			"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
	fi
}

rs_logmail_conf() {
	umask 077
	cat >"$RS_DIR/logmail.conf"
	umask 022
}

# rs_conf [EXTRA-ACTION-PARAMS]: the rsyslog configuration of the test.
rs_conf() {
	cat >"$RS_DIR/rsyslog.conf" <<EOF
global(workDirectory="$RS_DIR/work" processInternalMessages="on")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$RS_DIR/tcp.port")
module(load="$OMLOGMAIL")
template(name="rs_all" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname%: %msg:::drop-last-lf%\n")
action(type="omfile" file="$RS_DIR/all.log" template="rs_all")
action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool" $*)
EOF
}

# rs_one_worker: one main-queue worker, so the digests see the lines in the
# order they were logged (a second worker would take batches alongside the
# first).  After rs_conf.
rs_one_worker() {
	echo 'main_queue(queue.workerThreads="1")' >>"$RS_DIR/rsyslog.conf"
}

rs_start() {
	rm -f "$RS_DIR/tcp.port"
	"${RS_PRELOAD[@]}" "$RSYSLOGD" -n -f "$RS_DIR/rsyslog.conf" -i "$RS_DIR/rsyslogd.pid" \
		>>"$RS_DIR/rsyslogd.log" 2>&1 &
	RS_PID=$!
	LM_PIDS+=("$RS_PID")
	RS_PORT=$(lm_wait_port_file "$RS_DIR/tcp.port" "$RS_PID" "$RS_DIR/rsyslogd.log" \
		"${RS_START_TRIES:-200}") ||
		{ echo "rsyslogd did not start" >&2; return 1; }
}

rs_stop() {
	[ -n "$RS_PID" ] || return 0
	rs_stop_pid "$RS_PID" "$RS_DIR/rsyslogd.log"
	RS_PID=
}

# rs_stop_pid PID LOG: SIGTERM to an rsyslogd, a bounded wait for its exit,
# which must be clean, and no sanitizer report in its LOG.
rs_stop_pid() {
	local i rc
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		lm_fail "rsyslogd $1 did not stop within 15 s of SIGTERM"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	rc=$?
	[ $rc -eq 0 ] || lm_fail "rsyslogd $1 exited with status $rc"
	if grep -q -E 'Sanitizer|runtime error:' "$2"; then
		lm_fail "a sanitizer report in $2"
	fi
}

rs_log() {
	logger -n 127.0.0.1 -P "$RS_PORT" -T "$@"
}

rs_send_raw() {
	printf '%s\n' "$1" >"/dev/tcp/127.0.0.1/$RS_PORT"
}

rs_wait_log() { # REGEX [N]
	local i n
	for ((i = 0; i < 200; i++)); do
		n=$(grep -c -E -- "$1" "$RS_DIR/all.log" 2>/dev/null) # nothing before the file exists
		[ "${n:-0}" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	lm_fail "all.log: no ${2:-1} lines matching /$1/ within 10 s"
	return 1
}

rs_mail_to() { # ADDR: .eml paths, oldest first
	local env
	for env in "$SMTPD_MAILDIR"/*.env; do
		[ -e "$env" ] || continue
		grep -qx "to: $1" "$env" && echo "${env%.env}.eml"
	done
}

rs_body() {
	"$PY" - "$1" <<'EOF'
import sys, email, email.policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
sys.stdout.write(msg.get_content().replace("\r\n", "\n"))
EOF
}

# rs_show_failure: what to look at when an assertion failed.
rs_show_failure() {
	[ "$LM_FAILS" -eq 0 ] && return
	echo "---- rsyslogd.log" >&2
	cat "$RS_DIR/rsyslogd.log" >&2 2>/dev/null
	echo "---- all.log" >&2
	tail -n 30 "$RS_DIR/all.log" >&2 2>/dev/null
}
