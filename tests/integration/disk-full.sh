#!/bin/bash
# A full spool file system (a 64 KiB tmpfs mounted as the spool; skipped
# when mounting is not permitted): `logmail mail` fails with a clear error
# and EX_IOERR, leaves nothing in queue/ or tmp/, and the mail queued
# before is untouched; once space is freed, both are delivered.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
mkdir -p "$spool"
if ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$spool" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs (needs root or CAP_SYS_ADMIN)"
	exit 77
fi
trap 'umount "$spool" 2>/dev/null; lm_cleanup' EXIT

# A port nobody listens on: the first mail stays queued.
lm_dead_port
lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $DEAD_PORT
mail from sender@example.com
EOF
out=$(printf 'queued before the disk filled\n' | lm mail to admin@example.com subject before 2>&1)
lm_assert_eq "the first mail is queued" 75 $?
first=$(ls "$spool/queue")
sum_before=$(cat "$spool/queue/$first" | md5sum)

dd if=/dev/zero of="$spool/filler" bs=1k count=128 2>/dev/null
lm_assert_eq "the spool is full" 0 "$(df --output=avail -k "$spool" | tail -n 1 | tr -d ' ')"

head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70 >"$LM_TMP/big"
out=$(lm mail to admin@example.com subject during <"$LM_TMP/big" 2>&1)
rc=$?
lm_assert_eq "mail on a full disk: exit code (EX_IOERR)" 74 "$rc"
lm_assert_match "mail on a full disk: the error" \
	'^% Error: mail not queued: spool: cannot write tmp/[0-9.]+: No space left on device$' "$out"
out=$(printf 'tiny\n' | lm mail to admin@example.com subject tiny 2>&1)
lm_assert_eq "a small mail on a full disk: exit code" 74 $?
lm_assert_eq "queue/ holds only the first mail" "$first" "$(ls "$spool/queue")"
lm_assert_eq "tmp/ holds no partial file" "" "$(ls -A "$spool/tmp")"
lm_assert_eq "the queued mail is intact" "$sum_before" "$(cat "$spool/queue/$first" | md5sum)"
lm_assert_eq "show mail still lists it" "Message-ID                          : $first" \
	"$(lm show mail | grep '^Message-ID ')"

# Space is back: delivery works, for the old mail and a new one.
rm -f "$spool/filler"
lm_smtpd_start good || exit 99
lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure port"
out=$(lm flush 2>&1)
lm_assert_eq "flush after space is freed" "1 sent, 0 deferred, 0 failed" "$out"
out=$(printf 'after\n' | lm mail to admin@example.com subject after 2>&1)
lm_assert_eq "a new mail is sent" 0 $?
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "not delivered"
lm_assert_eq "two mails delivered" 2 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_assert_eq "the first one, intact" "$(printf 'queued before the disk filled\r\n')" \
	"$(sed '1,/^\r$/d' "$SMTPD_MAILDIR/0001.eml")"
lm_assert_eq "subjects" "before after" \
	"$(for f in "$SMTPD_MAILDIR"/*.eml; do lm_header "$f" Subject; done | tr '\n' ' ' | sed 's/ $//')"
lm_assert_eq "queue empty" "" "$(ls "$spool/queue")"
lm_smtpd_stop good
lm_done
