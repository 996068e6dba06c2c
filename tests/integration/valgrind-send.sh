#!/bin/bash
# The CLI's send path under valgrind (memcheck): `logmail mail to ...
# subject ... file F` over STARTTLS with AUTH PLAIN (certificate verified
# against the test CA), a queued mail then `logmail flush`, and
# `show mail`: no memory error and no definite or indirect leak.  Skipped in
# a sanitizer build (ASan and valgrind do not mix) and without valgrind.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
if ldd "$LOGMAIL" 2>/dev/null | grep -q -E 'lib(asan|ubsan)' ||
	nm "$LOGMAIL" 2>/dev/null | grep -q -E ' [TU] __(asan|ubsan)_'; then
	echo "SKIP: a sanitizer build: valgrind cannot run it"
	exit 77
fi
lm_setup
lm_make_certs || { echo "cannot make certificates" >&2; exit 99; }

conf=$LM_TMP/logmail.conf
spool=$LM_TMP/spool
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--log-file="$LM_TMP/vg.$1.log" "$LOGMAIL" --config "$conf" --spool "$spool" "${@:2}"
}
# vg_check WHAT RC WANT-RC: the exit code and an empty valgrind log.
vg_check() {
	lm_assert_eq "$1: exit code" "$3" "$2"
	lm_assert_eq "$1: valgrind found nothing" "" "$(cat "$LM_TMP/vg.$1.log")"
}

lm_smtpd_start tls --mode starttls --tls-cert "$LM_CERT" --tls-key "$LM_KEY" \
	--require-starttls --auth plain --user fred --password 'S3cret-pw' || exit 99
maildir=$SMTPD_MAILDIR
lm_dead_port
down_port=$DEAD_PORT
"$LOGMAIL" --config "$conf" --spool "$spool" configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $down_port
mail smtpserver tls starttls
mail smtpserver tls ca-file $LM_CA
mail smtpserver authentication plain username fred password S3cret-pw
mail from sender@example.com
EOF
printf 'The LAN interface is down\nline two\n' >"$LM_TMP/body.txt"

# First with the server down: queued (the error path), then flushed.
out=$(vg queue mail to admin@example.com subject "queued first" file "$LM_TMP/body.txt" 2>&1)
vg_check queue $? 75
lm_assert_match "queue: output" '\.\.\. queued: ' "$out"
tls_port=$(cat "$LM_TMP/tls.port")
"$LOGMAIL" --config "$conf" --spool "$spool" configure <<<"mail smtpserver port $tls_port" ||
	lm_fail "configure port"

out=$(vg send mail to admin@example.com subject "Link down on %N" file "$LM_TMP/body.txt" 2>&1)
vg_check send $? 0
lm_assert_match "send: output" '^Sending [0-9.]+\.\.\. ok\.$' "$out"
out=$(vg flush flush 2>&1)
vg_check flush $? 0
lm_assert_eq "flush: output" "1 sent, 0 deferred, 0 failed" "$out"
out=$(vg show show mail 2>&1)
vg_check show $? 0
lm_assert_match "show mail: the settings" 'Use TLS +: STARTTLS' "$out"
lm_wait_mails "$maildir" 2 || lm_fail "not delivered"
lm_assert_eq "two mails, over TLS" "tls: yes
tls: yes" "$(grep -h '^tls:' "$maildir"/*.env)"
lm_assert_eq "authenticated" "auth: fred
auth: fred" "$(grep -h '^auth:' "$maildir"/*.env)"
lm_done
