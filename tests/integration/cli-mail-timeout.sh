#!/bin/bash
# The `mail` command gives up on a silent server when `mail smtpserver
# timeout` is not set, and queues the mail (issue 26, point 9): someone is
# waiting at the prompt.  The wait is 30 s (logmail(1) says so); this test
# sets it to 2 s with $LOGMAIL_MAIL_TIMEOUT rather than wait them out, and
# checks that the value reaches the give-up.  `mail smtpserver timeout`
# still sets the wait (over the variable), and `flush` (like the module)
# keeps RFC 5321's values, the variable set or not: it is still waiting
# when `mail` has given up.  The server accepts the connection and never
# says a word (smtpd.py --hang).
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_dead_port # (before the server: it sets SMTPD_PORT too)
lm_smtpd_start silent --hang || { lm_fail "server"; lm_done; }
lm configure <<EOF || lm_fail "configure"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from sender@example.com
EOF
printf 'body\n' >"$LM_TMP/body"
grep -q 'gives up on a silent server after 30 seconds' "$top_srcdir/doc/logmail.1" ||
	lm_fail "logmail(1) no longer says that mail waits 30 s"
export LOGMAIL_MAIL_TIMEOUT=2

# flush, meanwhile, with a spool and configuration of its own: one mail
# queued there while no server listened, then flushed to the silent one
(
	conf=$LM_TMP/flush.conf spool=$LM_TMP/flush.spool
	lm configure <<<"mail smtpserver 127.0.0.1
mail from sender@example.com" || exit 1
	lm_queue 1 >/dev/null
	lm configure <<<"mail smtpserver port $SMTPD_PORT" || exit 1
	exec "$LOGMAIL" --config "$conf" --spool "$spool" flush
) >"$LM_TMP/flush.out" 2>&1 &
flush=$!
LM_PIDS+=("$flush")

start=$(date +%s)
out=$(lm mail to admin@example.com subject silent file "$LM_TMP/body" 2>&1)
rc=$?
took=$(($(date +%s) - start))
lm_assert_eq "mail: queued (exit 75)" 75 "$rc"
lm_assert_match "mail: why" '^Sending [0-9.]+\.\.\. queued: .*[^0-9]2 s' "$out"
[ "$took" -ge 1 ] && [ "$took" -le 15 ] || lm_fail "mail gave up after ${took} s, not 2"
lm_assert_eq "mail: the mail is queued" 1 "$(lm show mail | grep -c '^Message-ID ')"
if kill -0 "$flush" 2>/dev/null; then
	echo "ok: flush still waits after $took s (RFC 5321's values)"
	kill "$flush"
else
	lm_fail "flush gave up within $took s: $(cat "$LM_TMP/flush.out")"
fi

# mail smtpserver timeout still sets the wait, over the variable
lm configure <<<"mail smtpserver timeout 3" || lm_fail "configure the timeout"
start=$(date +%s)
out=$(lm mail to admin@example.com subject short file "$LM_TMP/body" 2>&1)
rc=$?
took=$(($(date +%s) - start))
lm_assert_eq "mail with timeout 3: queued (exit 75)" 75 "$rc"
lm_assert_match "mail with timeout 3: why" '^Sending [0-9.]+\.\.\. queued: .*3 s' "$out"
[ "$took" -ge 2 ] && [ "$took" -le 10 ] || lm_fail "mail with timeout 3 gave up after ${took} s"

lm_done
