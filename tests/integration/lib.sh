# tests/integration/lib.sh: shared helpers for integration tests (bash).
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   lm_setup                      # $LM_TMP, cleanup trap, skips (77) without python/aiosmtpd
#   lm_make_certs                 # $LM_CA, $LM_CERT/$LM_KEY (127.0.0.1, localhost),
#                                 # $LM_BADCERT/$LM_BADKEY (named wrong.example)
#   lm_smtpd_start NAME [smtpd.py options...]   # sets SMTPD_PORT, SMTPD_MAILDIR
#   lm_smtpd_stop NAME
#   lm_dead_port                  # sets DEAD_PORT: a loopback port nothing listens on
#   lm_queue N                    # (lm_cli_setup) N mails queued to rcpt1..rcptN; sets IDS
#   lm_wait_mails DIR N           # wait (bounded) until N mails were delivered
#   lm_mail_count DIR             # how many mails DIR holds
#   lm_header FILE.eml NAME       # a header's (unfolded, undecoded) value
#   lm_header_decoded FILE.eml NAME   # the same, RFC 2047 decoded
#   lm_assert_eq WHAT EXPECTED ACTUAL;  lm_assert_match WHAT REGEX ACTUAL
#   lm_host_prompts < DIALOGUE    # the shell's prompts of this host (`vm#`) in a pty dialogue
#   lm_fail MSG
#
# Servers listen on 127.0.0.1 port 0 and publish their port in a file; we
# poll for it (bounded), never sleep a fixed time.  Everything lives under a
# mktemp directory removed on exit, with every server we started killed.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
PY=/usr/bin/python3
SMTPD="$top_srcdir/tests/servers/smtpd.py"
LM_PIDS=()
LM_STOPS=() # commands run at exit, before the servers are killed
LM_FAILS=0

lm_cleanup() {
	local pid cmd
	for cmd in "${LM_STOPS[@]}"; do
		eval "$cmd" >/dev/null 2>&1
	done
	for pid in "${LM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -n "$LM_TMP" ] && rm -rf "$LM_TMP"
}

lm_setup() {
	if [ ! -x "$PY" ] || ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
		echo "SKIP: /usr/bin/python3 with aiosmtpd is needed (apt-get install python3-aiosmtpd)"
		exit 77
	fi
	command -v openssl >/dev/null || { echo "SKIP: openssl is needed"; exit 77; }
	LM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/logmail-test.XXXXXX")
	trap lm_cleanup EXIT
	trap 'exit 1' INT TERM
}

# lm_cli_setup: lm_setup for a test of the built logmail, with a
# configuration ($conf) and a spool ($spool) of the test's own; lm runs it.
lm_cli_setup() {
	LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
	[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }
	lm_setup
	conf=$LM_TMP/logmail.conf
	spool=$LM_TMP/spool
}

lm() { "$LOGMAIL" --config "$conf" --spool "$spool" "$@"; }

lm_fail() {
	echo "FAIL: $*" >&2
	LM_FAILS=$((LM_FAILS + 1))
}

lm_assert_eq() {
	if [ "$2" != "$3" ]; then
		lm_fail "$1: expected [$2], got [$3]"
		return 1
	fi
	echo "ok: $1"
}

lm_assert_match() {
	if ! [[ "$3" =~ $2 ]]; then
		lm_fail "$1: expected to match /$2/, got [$3]"
		return 1
	fi
	echo "ok: $1"
}

# lm_host_prompts < DIALOGUE: a ptyscreen.py dialogue written with the
# prompts `logmail#` and `logmail(config)#` at the start of its lines, with
# them as the shell shows them on this host, its short name (`vm#`), and
# the carets of its error lines (blanks and `^`) moved as far as the
# prompt's length changed.
lm_host_prompts() {
	local host
	host=$(uname -n)
	host=${host%%.*}
	awk -v host="${host:-logmail}" '
		/^logmail(#|\(config\)#)/ { $0 = host substr($0, 8) }
		/^ *\^$/ {
			n = length($0) - 1 + length(host) - length("logmail")
			$0 = ""
			while (n-- > 0)
				$0 = $0 " "
			$0 = $0 "^"
		}
		{ print }'
}

# Exit status for the script: 0 when no assertion failed.
lm_done() {
	if [ "$LM_FAILS" -ne 0 ]; then
		echo "$LM_FAILS assertion(s) failed"
		exit 1
	fi
	exit 0
}

lm_make_certs() {
	local d="$LM_TMP/pki" ext
	mkdir -p "$d"
	ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=logmail test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	lm_issue "$d" server "/CN=localhost" "$ext
subjectAltName=IP:127.0.0.1,DNS:localhost" || return 1
	lm_issue "$d" wrong "/CN=wrong.example" "$ext
subjectAltName=DNS:wrong.example" || return 1
	LM_CA="$d/ca.pem"
	LM_CERT="$d/server.pem" LM_KEY="$d/server.key"
	LM_BADCERT="$d/wrong.pem" LM_BADKEY="$d/wrong.key"
}

lm_issue() { # DIR NAME SUBJECT EXTENSIONS
	printf '%s\n' "$4" >"$1/$2.ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$1/$2.key" -out "$1/$2.csr" -subj "$3" 2>/dev/null &&
		openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
			-CAcreateserial -out "$1/$2.pem" -days 2 -extfile "$1/$2.ext" 2>/dev/null
}

# Start smtpd.py as NAME; waits (at most 10 s) for its port file.
lm_smtpd_start() {
	local name=$1
	shift
	SMTPD_MAILDIR="$LM_TMP/$name.mail"
	rm -f "$LM_TMP/$name.port"
	"$PY" "$SMTPD" --port-file "$LM_TMP/$name.port" --maildir "$SMTPD_MAILDIR" "$@" \
		>"$LM_TMP/$name.log" 2>&1 &
	LM_PIDS+=($!)
	eval "LM_PID_${name//[^A-Za-z0-9_]/_}=$!"
	SMTPD_PORT=$(lm_wait_port_file "$LM_TMP/$name.port" $! "$LM_TMP/$name.log") ||
		{ echo "smtpd.py $name did not start" >&2; return 1; }
}

# lm_wait_port_file FILE PID LOG [TRIES]: print the port a server wrote to
# FILE once it is there (at most TRIES x 50 ms, default 10 s); fails,
# showing LOG, when PID dies first.
lm_wait_port_file() {
	local i
	for ((i = 0; i < ${4:-200}; i++)); do
		if [ -s "$1" ]; then
			cat "$1"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	cat "$3" >&2
	return 1
}

lm_smtpd_stop() {
	local var="LM_PID_${1//[^A-Za-z0-9_]/_}"
	local pid=${!var}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "$var="
}

# A loopback port where nothing listens: one a server had, now stopped.
lm_dead_port() {
	lm_smtpd_start dead-port || exit 99
	DEAD_PORT=$SMTPD_PORT
	lm_smtpd_stop dead-port
}

# With lm_cli_setup's `lm`: queue N mails to rcpt1..rcptN ("mail i", body
# "Mail i of N.") with the server on DEAD_PORT (set by lm_dead_port), so
# they all wait in the queue; sets IDS to their mail-ids.
lm_queue() {
	local i out
	IDS=()
	lm configure <<<"mail smtpserver port $DEAD_PORT" || lm_fail "configure the dead port"
	for ((i = 1; i <= $1; i++)); do
		out=$(printf 'Mail %s of %s.\n' "$i" "$1" | lm mail to "rcpt$i@example.com" \
			subject "mail $i" 2>/dev/null)
		lm_assert_match "mail $i of $1 queued" '^Sending [0-9.]+\.\.\. queued: ' "$out"
		IDS+=("$(sed -nE 's/^Sending ([0-9.]+[0-9])\.\.\. queued: .*/\1/p' <<<"$out")")
	done
}

lm_mail_count() {
	local n=0 f
	for f in "$1"/*.env; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

lm_wait_mails() { # DIR N [TRIES of 50 ms, default 200]
	local i
	for ((i = 0; i < ${3:-200}; i++)); do
		[ "$(lm_mail_count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

lm_header() { # FILE NAME: unfolded raw value
	"$PY" - "$1" "$2" <<'EOF'
import sys, email, email.policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
v = msg.get(sys.argv[2])
print("" if v is None else "".join(str(v).replace("\r\n", "\n").split("\n")))
EOF
}

lm_header_decoded() { # FILE NAME: RFC 2047 decoded
	"$PY" - "$1" "$2" <<'EOF'
import sys, email, email.policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
v = msg.get(sys.argv[2])
print("" if v is None else str(v))
EOF
}

# ---- The SMTP client's driver (tests/integration/smtp_send_driver) --------

LM_DRIVER="$top_builddir/tests/integration/smtp_send_driver"
LM_DATE=1523331901 # Tue, 10 Apr 2018 03:45:01 +0000

# lm_send [driver options...]: runs the driver against 127.0.0.1:$SMTPD_PORT
# with fixed from/to/date/message-id (TZ=UTC) and a 20 s timeout unless
# given; sets LM_OUT (its stdout),
# LM_RC and LM_ERR (its stderr, the transcript with --transcript).
lm_send() {
	LM_OUT=$(TZ=UTC "$LM_DRIVER" --host 127.0.0.1 --port "$SMTPD_PORT" \
		--from switch@example.com --to admin@example.com \
		--date "$LM_DATE" --message-id 20180410034501.16737@top --timeout 20 "$@" \
		2>"$LM_TMP/driver.err")
	LM_RC=$?
	LM_ERR=$(cat "$LM_TMP/driver.err")
}

# The message lm_send composes for subject $1 and body $2 (RFC 2047 by
# Python, independently of the C encoder, for subjects up to 42 octets).
lm_expected_mail() {
	"$PY" - "$1" "$2" <<'PYEOF'
import base64, sys
subj, body = sys.argv[1], sys.argv[2]
if all(0x20 <= ord(c) < 0x7f for c in subj):
    s = subj
else:
    s = "=?UTF-8?B?" + base64.b64encode(subj.encode()).decode() + "?="
cte = "7bit" if body.isascii() else "8bit"
lines = [
    "Date: Tue, 10 Apr 2018 03:45:01 +0000",
    "From: <switch@example.com>",
    "To: <admin@example.com>",
    "Subject: " + s,
    "Message-ID: <20180410034501.16737@top>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: " + cte,
    "",
]
out = "\r\n".join(lines) + "\r\n" + body.replace("\n", "\r\n")
sys.stdout.buffer.write(out.encode())
PYEOF
}

# Assert mail number N in DIR is exactly the message for subject/body.
lm_assert_mail() { # WHAT DIR N SUBJECT BODY
	local f
	f="$2/$(printf %04d "$3").eml"
	lm_expected_mail "$4" "$5" >"$LM_TMP/expected.eml"
	if [ ! -f "$f" ]; then
		lm_fail "$1: no mail $f delivered"
	elif cmp -s "$LM_TMP/expected.eml" "$f"; then
		echo "ok: $1"
	else
		lm_fail "$1: delivered message differs from the expected one"
		diff <(cat -A "$LM_TMP/expected.eml") <(cat -A "$f") >&2
	fi
}

# lm_assert_body WHAT FILE.eml BODY [lf]: the delivered message's body,
# decoded as its Content-Transfer-Encoding says (Python's email package), is
# BODY with CRLF line ends (LF with "lf": a Maildir's), octet for octet; and
# the message is 7-bit when its encoding is not 8bit.
lm_assert_body() {
	local got
	got=$("$PY" - "$2" "$3" "${4:-crlf}" <<'PYEOF'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.compat32)
want = sys.argv[2] if sys.argv[3] == "lf" else sys.argv[2].replace("\n", "\r\n")
want = want.encode()
cte = (msg.get("Content-Transfer-Encoding") or "7bit").strip().lower()
if cte != "8bit" and any(b > 127 for b in raw):
    print("8-bit octets in a %s message" % cte)
elif msg.get_payload(decode=True) != want:
    print("decoded body %r, expected %r" % (msg.get_payload(decode=True), want))
else:
    print("ok")
PYEOF
)
	lm_assert_eq "$1" ok "$got"
}

# lm_env_value FILE.env KEY
lm_env_value() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# lm_tls_show_mail MODE TLS USE_TLS HOW: the built logmail, configured with
# `mail smtpserver tls TLS` and the test CA (or neither when TLS is -: the
# system's CAs, which do not know the test one), sends a mail through smtpd.py in MODE (starttls or smtps); `show mail`
# then is the guide's settings block (Use TLS: USE_TLS) followed by the
# address of the last session and how it was protected: HOW ("STARTTLS
# verified"...), then the protocol and cipher the server saw.
lm_tls_show_mail() {
	local mode=$1 tls=$2 use=$3 how=$4 conf=$LM_TMP/$1-$2.conf spool=$LM_TMP/$1-$2.spool
	local name=cli-$1-$2 out seen
	LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
	lm_smtpd_start "$name" --mode "$mode" --tls-cert "$LM_CERT" --tls-key "$LM_KEY" ||
		{ lm_fail "$name: no server"; return; }
	{
		printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\n' "$SMTPD_PORT"
		[ "$tls" = - ] || printf 'mail smtpserver tls %s\nmail smtpserver tls ca-file %s\n' \
			"$tls" "$LM_CA"
		printf 'mail from switch@example.com\n'
	} | lm configure || lm_fail "$name: configure"
	out=$(printf 'TLS test\n' | lm mail to admin@example.com subject "$name" 2>&1)
	lm_assert_match "$name: sent" '\.\.\. ok\.$' "$out"
	lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "$name: nothing delivered"
	seen=$(lm_env_value "$SMTPD_MAILDIR/0001.env" tls-session)
	lm_assert_match "$name: the server saw TLS" '^TLSv1\.[23] [A-Z0-9_-]+$' "$seen"
	lm_assert_eq "$name: show mail" "Mail Settings
-----
State                               : Alive
SMTP Server                         : 127.0.0.1
Host Name                           : switch@example.com
Port                                : $SMTPD_PORT
Use TLS                             : $use
Debug                               : Disabled
Server Address (last used)          : 127.0.0.1
TLS (last used)                     : $how, $seen

Messages
-----" "$(lm show mail)"
	lm_smtpd_stop "$name"
}

# lm_smtp_matrix MODE: for each of no AUTH, PLAIN, LOGIN and CRAM-MD5, start
# smtpd.py in MODE (plain, starttls, smtps) offering only that mechanism,
# send with the driver and assert the delivered envelope, headers and body.
LM_SUBJECT='Störung: port1.0.1 ist ausgefallen'
LM_BODY=$'Interface port1.0.1 is down.\n.a line starting with a dot\nGrüße\n'
lm_smtp_matrix() {
	local mode=$1 auth tls want_tls=yes opts env
	case $mode in
	plain) tls=none want_tls=no ;;
	starttls) tls=starttls ;;
	smtps) tls=smtps ;;
	esac
	for auth in none plain login cram-md5; do
		opts=(--mode "$mode" --auth "$auth" --user tim --password 'tanstaaf tanstaaf')
		[ "$mode" = plain ] || opts+=(--tls-cert "$LM_CERT" --tls-key "$LM_KEY")
		lm_smtpd_start "$mode-$auth" "${opts[@]}" || { lm_fail "$mode-$auth: no server"; continue; }
		opts=(--tls "$tls" --ca-file "$LM_CA" --auth "$auth" --transcript
			--subject "$LM_SUBJECT" --body "$LM_BODY")
		[ "$auth" = none ] || opts+=(--user tim --password 'tanstaaf tanstaaf')
		[ "$mode" = plain ] && opts+=(--auth-cleartext)
		lm_send "${opts[@]}"
		lm_assert_eq "$mode/$auth: driver says" "sent 1" "$LM_OUT"
		lm_assert_eq "$mode/$auth: exit status" 0 "$LM_RC"
		if ! lm_wait_mails "$SMTPD_MAILDIR" 1; then
			lm_fail "$mode/$auth: nothing delivered"
			echo "$LM_ERR" >&2
			lm_smtpd_stop "$mode-$auth"
			continue
		fi
		env="$SMTPD_MAILDIR/0001.env"
		lm_assert_eq "$mode/$auth: envelope from" switch@example.com "$(lm_env_value "$env" from)"
		lm_assert_eq "$mode/$auth: envelope to" admin@example.com "$(lm_env_value "$env" to)"
		lm_assert_eq "$mode/$auth: encrypted" "$want_tls" "$(lm_env_value "$env" tls)"
		lm_assert_eq "$mode/$auth: authenticated as" \
			"$([ "$auth" = none ] && echo - || echo tim)" "$(lm_env_value "$env" auth)"
		lm_assert_match "$mode/$auth: MAIL parameters" '^SIZE=[0-9]+ BODY=8BITMIME$' \
			"$(lm_env_value "$env" mail-options)"
		lm_assert_mail "$mode/$auth: message" "$SMTPD_MAILDIR" 1 "$LM_SUBJECT" "$LM_BODY"
		lm_assert_eq "$mode/$auth: decoded subject" "$LM_SUBJECT" \
			"$(lm_header_decoded "$SMTPD_MAILDIR/0001.eml" Subject)"
		# Credentials never reach the transcript.
		if grep -q -e 'tanstaaf' -e "$(printf '\0tim\0tanstaaf tanstaaf' | base64)" <<<"$LM_ERR"; then
			lm_fail "$mode/$auth: the transcript shows credentials"
		fi
		if [ "$auth" != none ]; then
			lm_assert_match "$mode/$auth: AUTH in the transcript" \
				"C: AUTH ${auth^^}" "$LM_ERR"
		fi
		lm_smtpd_stop "$mode-$auth"
	done
}
