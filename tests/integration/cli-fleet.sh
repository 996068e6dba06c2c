#!/bin/bash
# One configuration for many hosts.  A `password 8` value is encrypted with
# the key beside the file (logmail.key): a configuration copied to another
# host without it says which key is missing and what to do (the mail
# queued, not lost; flush exits 78); with the key copied too (mode 0600), the same
# file delivers there, through AUTH, unchanged.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
trap 'lm_cleanup' EXIT

lm_smtpd_start srv --auth plain --user fleet --password 'Fl33t-pw'
lm configure <<EOF || lm_fail "configure the first host"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver authentication allow-cleartext
mail smtpserver authentication plain username fleet password Fl33t-pw
mail from alerts@example.com
EOF
grep -q ' password 8 ' "$conf" || lm_fail "the password is stored as password 8"

# The second host: the file alone.
other=$LM_TMP/other
mkdir -m 700 "$other"
cp -p "$conf" "$other/logmail.conf"
lo() { "$LOGMAIL" --config "$other/logmail.conf" --spool "$other/spool" "$@"; }
out=$(printf 'body\n' | lo mail to admin@example.com subject "from the second host" 2>&1)
lm_assert_eq "without the key: exit code (EX_TEMPFAIL: queued)" 75 $?
lm_assert_match "without the key: what is missing and what to do" \
	"^Sending [0-9.]+\.\.\. queued: cannot use the SMTP password: key file $other/logmail\.key is missing: password 8 was encrypted with another host's key; copy that key file here \(mode 0600, see logmail\.conf\(5\), FLEETS\) or enter the password again\$" \
	"$out"
lm_assert_eq "without the key: the mail waits in the queue" 1 "$(lo show mail | grep -c '^Message-ID ')"

# Another host's key: the value cannot be decrypted, and it says so.
head -c 32 /dev/urandom >"$other/logmail.key"
chmod 600 "$other/logmail.key"
out=$(lo flush 2>&1)
lm_assert_eq "another key: exit code" 78 $?
lm_assert_match "another key: says so" \
	"^% Error: cannot use the SMTP password: password 8 cannot be decrypted with this key file \\(another host's key, or a damaged value\\)" "$out"

# The first host's key copied: the queued mail goes, through AUTH.
cp -p "$(dirname "$conf")/logmail.key" "$other/logmail.key"
out=$(lo flush 2>&1)
lm_assert_eq "with the key: flush exit code" 0 $?
lm_assert_eq "with the key: delivered" "1 sent, 0 deferred, 0 failed" "$out"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the second host's mail did not arrive"
lm_done
