#!/bin/bash
# `debug mail` to syslog: the AWP feature guide's lines reach a real
# rsyslogd through /dev/log as program `logmail`, facility mail, with the
# pid; a failed authentication is said there too; `debug mail detail`
# adds the dialogue at level debug, with the credentials as `***`.
#
# syslog(3) writes to /dev/log and nowhere else, so logmail runs in a
# mount namespace of its own (unshare -m, as root) whose /dev is a tmpfs
# with links to the real devices and a /dev/log that is the test
# rsyslogd's imuxsock socket: the host's syslog is neither used nor needed.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: a mount namespace needs root"; exit 77; }
[ -x "$RSYSLOGD" ] || { echo "ERROR: no $RSYSLOGD (apt-get install rsyslog)" >&2; exit 99; }
unshare -m true 2>/dev/null || { echo "SKIP: unshare -m is not permitted here"; exit 77; }
lm_cli_setup
RS_DIR=$LM_TMP # rs_wait_log reads $RS_DIR/all.log
trap 'cat "$LM_TMP/rsyslogd.log" "$LM_TMP/all.log" 2>/dev/null >&2; lm_cleanup' EXIT

# ---- a real rsyslogd listening where logmail's /dev/log will point --------
cat >"$LM_TMP/rsyslog.conf" <<EOF
global(workDirectory="$LM_TMP")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$LM_TMP/devlog" UsePIDFromSystem="on")
template(name="t" type="string"
	string="%programname%[%procid%] %syslogfacility-text%.%syslogseverity-text%: %msg:2:\$%\n")
if \$programname == "logmail" then action(type="omfile" file="$LM_TMP/all.log" template="t")
EOF
"$RSYSLOGD" -n -f "$LM_TMP/rsyslog.conf" -i "$LM_TMP/rsyslogd.pid" >"$LM_TMP/rsyslogd.log" 2>&1 &
LM_PIDS+=($!)
for _ in $(seq 200); do [ -S "$LM_TMP/devlog" ] && break; sleep 0.05; done
[ -S "$LM_TMP/devlog" ] || lm_fail "rsyslogd made no socket"

# lm_ns ARGS...: logmail with /dev/log leading to the test's rsyslogd
lm_ns() {
	unshare -m --propagation private bash -c '
		t=$1; shift
		mkdir -p "$t/realdev" && mount --rbind /dev "$t/realdev" &&
			mount -t tmpfs tmpfs /dev || exit 99
		for n in null zero urandom random tty pts shm fd stdin stdout stderr; do
			ln -s "$t/realdev/$n" "/dev/$n"
		done
		ln -s "$t/devlog" /dev/log
		exec "$@"' lm_ns "$LM_TMP" "$LOGMAIL" --config "$conf" --spool "$spool" "$@"
}

lm_smtpd_start srv --auth plain --user fred --password 'S3cret-pw'
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver authentication plain username fred password S3cret-pw
mail smtpserver authentication allow-cleartext
mail from sender@example.com
EOF
lm debug mail || lm_fail "debug mail failed"

# ---- a mail sent: the guide's four lines, as logmail[PID] mail.info ------
out=$(printf 'hello\n' | lm_ns mail to ops@example.com subject hi 2>/dev/null)
lm_assert_match "sent" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
rs_wait_log '^logmail\[' 4
pid=$(sed -nE '1s/^logmail\[([0-9]+)\] .*/\1/p' "$LM_TMP/all.log")
[ -n "$pid" ] || lm_fail "no pid in the first line: $(head -1 "$LM_TMP/all.log")"
lm_assert_eq "syslog: the guide's lines" "logmail[$pid] mail.info: Creating connection to host (127.0.0.1:$SMTPD_PORT)
logmail[$pid] mail.info: Authentication succeeded [fred]
logmail[$pid] mail.info: Recipient accepted [ops@example.com]
logmail[$pid] mail.info: Mail sent for ops@example.com. Closing connection" "$(cat "$LM_TMP/all.log")"

# ---- a wrong password: the failure is said, the mail stays queued --------
lm configure <<<"mail smtpserver authentication plain username fred password wrong-pw" ||
	lm_fail "configure wrong password failed"
: >"$LM_TMP/all.log"
printf 'held\n' | lm_ns mail to ops@example.com subject held >/dev/null 2>&1
rs_wait_log '^logmail\[' 3
lm_assert_match "syslog: authentication failed" \
	'mail\.info: Authentication failed \[fred\]: 535' "$(cat "$LM_TMP/all.log")"
lm_assert_match "syslog: the mails that stay queued" \
	'mail\.warning: authentication to 127\.0\.0\.1 refused .*: 1 mails stay queued' \
	"$(cat "$LM_TMP/all.log")"
lm_assert_eq "the mail is queued" 1 "$(lm show mail | grep -c '^Message-ID ')"

# ---- debug mail detail: the dialogue at level debug, credentials hidden --
lm configure <<<"mail smtpserver authentication plain username fred password S3cret-pw" ||
	lm_fail "configure the right password failed"
lm debug mail detail || lm_fail "debug mail detail failed"
: >"$LM_TMP/all.log"
lm_ns flush >/dev/null 2>&1 || lm_fail "flush failed"
rs_wait_log '^logmail\[' 8
grep -q 'mail\.debug: C: MAIL FROM:<sender@example.com>' "$LM_TMP/all.log" ||
	lm_fail "no MAIL FROM at level debug: $(cat "$LM_TMP/all.log")"
grep -q 'mail\.debug: C: AUTH PLAIN \*\*\*' "$LM_TMP/all.log" ||
	lm_fail "the AUTH line is not hidden as ***: $(grep AUTH "$LM_TMP/all.log")"
b64=$(printf '\0fred\0S3cret-pw' | base64)
if grep -q -e 'S3cret-pw' -e "$b64" "$LM_TMP/all.log"; then
	lm_fail "the password reached syslog"
fi
lm_assert_eq "the queue is delivered" 0 "$(lm show mail | grep -c '^Message-ID ')"
lm_done
