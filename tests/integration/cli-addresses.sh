#!/bin/bash
# One verdict on an address wherever it enters (issue 24 point 4, issue 27):
# every address of tests/addresses.txt (the list tests/unit/test_address
# checks util_address_check on) is put to
#   `mail from ADDR` and `log email ADDR level errors` on the command line,
#   `log email ADDR level errors` given to `configure` on standard input,
#   a configuration file holding it, loaded by `test filters` (the module's
#     recipients: the engine loads the file the same way),
#   `mail to ADDR` (exit 65 when refused, as before for a bad recipient),
# and each gives the list's verdict: accepted, or refused with the same
# words after the address ("invalid email address "a@" (no domain after
# the @)").  The configuration commands exit 64 and a file that does not
# load 78, as for any bad value (logmail(1)).  A line of configuration
# cannot hold CR, LF or another control character but TAB (the line is
# refused before its words are read), so for those only the refusal is
# checked there.  Every accepted address is saved, shown by
# `show running-config` and loaded again.  The runs are those of
# tests/integration/cli_driver, all in one process (what main() does, for
# each: cli_load and cli_run_words); the program itself runs three of the
# addresses through the five entry points and must give the same verdicts.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_dead_port
export LC_ALL=C

# The list, its notation expanded as tests/unit/test_address.c does:
# VERDICT NUL ADDRESS NUL, for each address.
list=$LM_TMP/addresses
"$PY" - "$top_srcdir/tests/addresses.txt" >"$list" <<'EOF' || exit 99
import re, sys

ESC = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\"}
out = sys.stdout.buffer
for line in open(sys.argv[1], "rb"):
    line = line.rstrip(b"\n")
    if not line or line.startswith(b"#"):
        continue
    verdict, addr = line.split(b"\t", 1)
    addr = re.sub(rb"\{(\d+)\*(.)\}", lambda m: m.group(2) * int(m.group(1)), addr)
    addr = re.sub(rb"\\(x[0-9a-fA-F]{2}|[rnt\\])",
                  lambda m: bytes([int(m.group(1)[1:], 16)]) if m.group(1)[:1] == b"x"
                  else ESC[m.group(1)], addr)
    out.write(verdict + b"\0" + addr + b"\0")
EOF

# A value as one quoted word of a configuration line.
word() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# judged WHAT VERDICT OK-RC BAD-RC PREFIX RC OUT [ctl]: RC and OUT are what
# an entry point gave; with "ctl", a refusal that names a control character
# in any words is enough.
judged() {
	local what=$1 verdict=$2 okrc=$3 badrc=$4 prefix=$5 rc=$6 out=$7 ctl=${8:-}
	if [ "$verdict" = ok ]; then
		lm_assert_eq "$what: accepted" "$okrc" "$rc" || echo "  $out"
	elif [ -n "$ctl" ]; then
		[ "$rc" != 0 ] && [ "$rc" != "$okrc" ] || lm_fail "$what: accepted (rc $rc)"
		lm_assert_match "$what: refused" 'control character|CR or LF|unterminated quote' "$out"
	else
		lm_assert_eq "$what: exit code" "$badrc" "$rc"
		[[ $out == *"$prefix \""*"\" ($verdict)" ]] ||
			lm_fail "$what: expected [$prefix \"...\" ($verdict)], got [$out]"
	fi
}

printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\nmail from me@example.com\n' \
	"$DEAD_PORT" >"$LM_TMP/send.conf"
chmod 600 "$LM_TMP/send.conf"

# The five entry points of one address, as the records of the driver
# (tests/integration/cli_driver: logmail's runs in one process, CONF SPOOL
# INPUT N WORDS...) or, with "logmail" as P, as runs of the program itself.
# P names the files, so that the two keep apart.
record() { # CONF INPUT WORDS...
	local conf=$1 input=$2
	shift 2
	printf '%s\0%s\0%s\0%s\0' "$conf" "$LM_TMP/${P}spool" "$input" "$#"
	printf '%s\0' "$@"
}
records() { # N ADDR
	local n=$1 addr=$2
	record "$LM_TMP/${P}from.conf" "" mail from "$addr"
	record "$LM_TMP/${P}saved.conf" "" log email "$addr" level errors
	record "$LM_TMP/${P}stdin.conf" "log email $(word "$addr") level errors"$'\n' configure
	mkdir -p "$LM_TMP/${P}f$n"
	printf 'log email %s level errors\n' "$(word "$addr")" >"$LM_TMP/${P}f$n/file.conf"
	chmod 600 "$LM_TMP/${P}f$n/file.conf"
	record "$LM_TMP/${P}f$n/file.conf" "" test filters /dev/null
	record "$LM_TMP/send.conf" "" mail to "$addr" subject s file /dev/null
}

# Each record run by the program, as the driver would: RC NUL OUTPUT NUL.
by_program() {
	local conf spool input count words w out rc
	while IFS= read -r -d '' conf && IFS= read -r -d '' spool && IFS= read -r -d '' input &&
		IFS= read -r -d '' count; do
		words=()
		for ((w = 0; w < count; w++)); do
			IFS= read -r -d '' "words[w]"
		done
		if [ -n "$input" ]; then
			out=$(printf '%s' "$input" | "$LOGMAIL" --config "$conf" --spool "$spool" "${words[@]}" 2>&1)
		else
			out=$("$LOGMAIL" --config "$conf" --spool "$spool" "${words[@]}" 2>&1 </dev/null)
		fi
		rc=$?
		printf '%s\0%s\0' "$rc" "$out"
	done
}

# judge_all LABEL LIST: the verdicts of the five entry points of every
# address of LIST, from RC NUL OUTPUT NUL on standard input in records'
# order; judged_n is how many addresses were judged.
judge_all() {
	local label=$1 n=0 verdict addr what ctl rc out
	while IFS= read -r -d '' verdict <&3 && IFS= read -r -d '' addr <&3; do
		n=$((n + 1))
		what="#$n $(printf '%q' "${addr:0:40}")$label"
		ctl=
		[[ $addr == *[$'\x01'-$'\x08\x0a'-$'\x1f\x7f']* ]] && ctl=ctl

		IFS= read -r -d '' rc && IFS= read -r -d '' out || { lm_fail "$what: no result"; return; }
		judged "$what mail from" "$verdict" 0 64 'invalid email address' "$rc" "$out" "$ctl"
		IFS= read -r -d '' rc && IFS= read -r -d '' out
		judged "$what log email" "$verdict" 0 64 'invalid email address' "$rc" "$out" "$ctl"
		IFS= read -r -d '' rc && IFS= read -r -d '' out
		judged "$what configure" "$verdict" 0 64 'invalid email address' "$rc" "$out" "$ctl"
		IFS= read -r -d '' rc && IFS= read -r -d '' out
		judged "$what file" "$verdict" 0 78 'invalid email address' "$rc" "$out" "$ctl"
		if [ "$verdict" != ok ] && [ -z "$ctl" ]; then
			lm_assert_match "$what file: file:line:column" "file\.conf:1:11: " "$out"
		fi
		# accepted: queued (the server is down: 75); refused: 65, nothing queued
		IFS= read -r -d '' rc && IFS= read -r -d '' out
		judged "$what mail to" "$verdict" 75 65 '% Error: mail: invalid recipient address' \
			"$rc" "$out"
	done 3<"$2"
	judged_n=$n
}

# Every address through the driver, in one process.
P=
n=0
while IFS= read -r -d '' verdict && IFS= read -r -d '' addr; do
	n=$((n + 1))
	records "$n" "$addr"
done <"$list" >"$LM_TMP/records"
"$top_builddir/tests/integration/cli_driver" <"$LM_TMP/records" >"$LM_TMP/results" ||
	lm_fail "the driver failed"
judge_all "" "$list" <"$LM_TMP/results"
lm_assert_eq "a verdict for every address" "$n" "$judged_n"

# The program itself gives the same verdicts: the first accepted address,
# the first refused one and the first with a control character, each
# through the five entry points as separate runs of logmail.
P=bin.
: >"$LM_TMP/sample"
for kind in ok refused ctl; do
	while IFS= read -r -d '' verdict && IFS= read -r -d '' addr; do
		c=
		[[ $addr == *[$'\x01'-$'\x08\x0a'-$'\x1f\x7f']* ]] && c=ctl
		case $kind in
		ok) [ "$verdict" = ok ] || continue ;;
		refused) [ "$verdict" != ok ] && [ -z "$c" ] || continue ;;
		ctl) [ -n "$c" ] || continue ;;
		esac
		printf '%s\0%s\0' "$verdict" "$addr" >>"$LM_TMP/sample"
		break
	done <"$list"
done
m=0
while IFS= read -r -d '' verdict && IFS= read -r -d '' addr; do
	m=$((m + 1))
	records "$m" "$addr"
done <"$LM_TMP/sample" | by_program >"$LM_TMP/bin.results"
judge_all " (logmail)" "$LM_TMP/sample" <"$LM_TMP/bin.results"
lm_assert_eq "the program ran an accepted, a refused and a control-character address" 3 \
	"$judged_n"
saved=$LM_TMP/saved.conf # every accepted address, by the driver's command lines
[ "$n" -gt 50 ] || lm_fail "only $n addresses read from tests/addresses.txt"

# The refused never reached the queue: one queued mail per accepted address.
oks=$(tr '\0' '\n' <"$list" | awk 'NR % 2 == 1 && $0 == "ok"' | wc -l)
queued=$(find "$LM_TMP/spool/queue" -type f | wc -l)
lm_assert_eq "one mail queued per accepted address" "$oks" "$queued"

# Every accepted address was saved in a form that loads again, quoted local
# parts included, and is shown as it was given.
out=$("$LOGMAIL" --config "$saved" --spool "$LM_TMP/spool" test filters /dev/null 2>&1)
lm_assert_eq "the saved configuration loads again" 0 $? || echo "  $out"
shown=$("$LOGMAIL" --config "$saved" --spool "$LM_TMP/spool" show running-config)
lm_assert_eq "one log email line per accepted address" "$oks" \
	"$(grep -c '^log email ' <<<"$shown")"
lm_assert_eq "a quoted local part is written as one quoted word" \
	'log email "\"john doe\"@example.com" level errors' \
	"$(grep -F 'john doe' <<<"$shown")"
lm_done
