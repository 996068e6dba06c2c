#!/bin/bash
# One configuration file, many editors: logmail processes changing it at the
# same time lose nothing (each change is a read-modify-save under the lock
# beside the file), a batch applies its lines again to the file as it is
# when it saves, and one that no longer applies is refused, naming its line,
# with nothing saved.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup

# ---- two processes saving at once, many times ------------------------------
lm mail from a@example.com || lm_fail "first change"
editor() { # NAME COUNT: COUNT one-shot changes, each its own recipient
	local i
	for ((i = 1; i <= $2; i++)); do
		lm log email "$1$i@example.com" level errors || return 1
	done
}
editor a 25 &
a=$!
editor b 25 &
b=$!
wait $a || lm_fail "editor a failed"
wait $b || lm_fail "editor b failed"
lm_assert_eq "every change of both is in the file" 50 \
	"$(grep -c '^log email [ab][0-9]*@example.com level errors$' "$conf")"
lm_assert_eq "and the first one" 1 "$(grep -c '^mail from a@example.com$' "$conf")"
lm_assert_eq "mode 0600" 600 "$(stat -c %a "$conf")"

# read_up_to N: wait (at most 10 s) until the batch answered N `?` lines: it
# has read every line before them.
read_up_to() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c '^smtpserver ' "$LM_TMP/batch.out")" -ge "$1" ] && return 0
		sleep 0.05
	done
	lm_fail "the batch did not read its lines: $(cat "$LM_TMP/batch.out")"
}

# ---- a batch sees what was saved while it read its lines -------------------
mkfifo "$LM_TMP/fifo"
lm configure <"$LM_TMP/fifo" >"$LM_TMP/batch.out" 2>&1 &
batch=$!
exec 3>"$LM_TMP/fifo"
echo "mail smtpserver smtp.example.com" >&3
echo "mail ?" >&3
read_up_to 1
lm log email late@example.com level notices || lm_fail "the change meanwhile"
echo "log email batch@example.com level errors" >&3
exec 3>&-
wait $batch || lm_fail "the batch failed: $(cat "$LM_TMP/batch.out")"
lm_assert_eq "the batch's lines and the change meanwhile" "mail smtpserver smtp.example.com
log email late@example.com level notices
log email batch@example.com level errors" \
	"$(grep -e smtpserver -e late@ -e batch@ "$conf")"

# ---- ... and refuses, naming the line, when its lines no longer apply --------
before=$(grep -c . "$conf")
lm configure <"$LM_TMP/fifo" >"$LM_TMP/batch.out" 2>&1 &
batch=$!
exec 3>"$LM_TMP/fifo"
echo "mail from b@example.com" >&3
echo "mail smtpserver other.example.com" >&3
echo "mail ?" >&3
read_up_to 1
lm mail smtpserver authentication login username fred password secret || lm_fail "auth meanwhile"
exec 3>&-
wait $batch
lm_assert_eq "refused batch: exit code (EX_DATAERR)" 65 $?
lm_assert_eq "refused batch: the message" "logmail: <stdin>:2: the configuration file changed meanwhile and this line no longer applies to it; nothing saved:
logmail: <stdin>:2:17: % Error: authentication configuration still exists" \
	"$(grep '^logmail: ' "$LM_TMP/batch.out")"
lm_assert_eq "refused batch: nothing of it saved" 1 "$(grep -c '^mail from a@example.com$' "$conf")"
lm_assert_eq "refused batch: the change meanwhile kept" 1 "$(grep -c '^mail smtpserver authentication login username fred ' "$conf")"
lm_assert_eq "refused batch: no line lost" $((before + 1)) "$(grep -c . "$conf")"

lm_done
