#!/bin/bash
# Each error prints exactly one line naming the line (and column) and exits
# with its sysexits.h code; the configuration file's bytes are unchanged.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
conf=$dir/logmail.conf
export LOGMAIL_CONFIG=$conf LOGMAIL_SPOOL=$dir/spool
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# A configuration with authentication, so that changing the server is refused.
"$LOGMAIL" configure <<'EOF' || { echo "setup failed" >&2; exit 1; }
mail smtpserver smtp.example.com
mail smtpserver authentication login username example password uniquePassword
mail from example@example.com
log email admin@example.com level errors
EOF
sum=$(sha256sum < "$conf")

# expect NAME STATUS "ERROR LINE" [logmail args...] (stdin: the input)
expect() {
	local name=$1 status=$2 want=$3 rc got
	shift 3
	got=$("$LOGMAIL" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq "$status" ] || fail "$name: exit $rc, want $status"
	[ "$got" = "$want" ] || fail "$name: got
  '$got'
want
  '$want'"
	[ "$(sha256sum < "$conf")" = "$sum" ] || fail "$name: the configuration file changed"
}

# EX_USAGE (64): bad commands, in a batch: nothing of the batch is saved.
expect misspelt 64 'logmail: <stdin>:2:6: unknown word "smtpserverr" (expected smtpserver, from or serial-number)' configure <<'EOF'
mail from other@example.com
mail smtpserverr smtp.example.com
mail from third@example.com
EOF
expect port0 64 'logmail: <stdin>:1:22: expected a port number 1-65535, got "0"' configure <<'EOF'
mail smtpserver port 0
EOF
expect port70000 64 'logmail: <stdin>:3:22: expected a port number 1-65535, got "70000"' configure <<'EOF'
! a comment, then a good line
mail smtpserver port 587
mail smtpserver port 70000
EOF
expect level 64 'logmail: <stdin>:1:35: unknown level "bogus" (expected emergencies, alerts, critical, errors, warnings, notices, informational, debugging or 0-7)' configure <<'EOF'
log email admin@example.com level bogus
EOF
expect facility 64 'logmail: <stdin>:1:38: unknown facility "bogus" (expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp or local0-local7)' configure <<'EOF'
log email admin@example.com facility bogus
EOF
expect truncated 64 'logmail: <stdin>:2:21: expected a value after "port"' configure terminal <<'EOF'

mail smtpserver port
EOF
expect unterminated 64 'logmail: <stdin>:1:37: unterminated quote' configure <<'EOF'
log email admin@example.com msgtext "oops
EOF
expect no_such_filter 64 'logmail: <stdin>:1:32: no such filter for admin@example.com' configure <<'EOF'
no log email admin@example.com level debugging
EOF
# EX_DATAERR (65): refused in this state, with the device's wording.
expect auth_exists 65 'logmail: <stdin>:1:17: % Error: authentication configuration still exists' configure <<'EOF'
mail smtpserver other.example.com
EOF
# The same commands given as arguments.
expect argv_port 64 'logmail: <command>:1:22: expected a port number 1-65535, got "70000"' \
	mail smtpserver port 70000 </dev/null
expect argv_auth 65 'logmail: <command>:1:17: % Error: authentication configuration still exists' \
	mail smtpserver other.example.com </dev/null
# Unknown, incomplete, ambiguous exec commands, words too many.
expect unknown 64 'logmail: <command>:1:1: unknown command "xyz"' xyz </dev/null
expect unknown_show 64 'logmail: <command>:1:6: unknown word "xyz" (expected running-config, mail, counter, startup-config, debugging, version, clock or log)' show xyz </dev/null
expect incomplete 64 'logmail: <command>:1:13: expected mail after "counter"' show counter </dev/null
expect ambiguous 64 'logmail: <command>:1:1: ambiguous word "d"' d mail </dev/null
expect trailing 64 'logmail: <command>:1:12: unknown word "extra" (expected detail)' debug mail extra </dev/null
expect trailing_show 64 'logmail: <command>:1:21: unexpected word "now"' show running-config now </dev/null
expect no_id 64 'logmail: <command>:1:20: expected a value after "mail-id"' delete mail mail-id </dev/null
expect bad_option 64 'logmail: unknown option "--bogus" (see logmail --help)' --bogus </dev/null
expect no_optarg 64 'logmail: option "--config" needs an argument (see logmail --help)' --config </dev/null
expect script_and_words 64 'logmail: -f takes no command words (got "show")' -f x show </dev/null
expect configure_word 64 'logmail: <command>:1:11: unknown word "bogus" (expected terminal)' configure bogus </dev/null
# EX_NOINPUT (66): a script that is not there.
expect noscript 66 "logmail: $dir/none.scp: No such file or directory" -f "$dir/none.scp" </dev/null

# EX_CANTCREAT (73): the file cannot be saved (nothing can be created in /proc,
# not even the lock beside the file).
expect cantcreat 73 'logmail: /proc/logmail.conf: cannot open the lock file /proc/logmail.conf.lock: No such file or directory' \
	--config /proc/logmail.conf configure <<<'mail from other@example.com'
expect cantcreat_argv 73 'logmail: /proc/logmail.conf: cannot open the lock file /proc/logmail.conf.lock: No such file or directory' \
	--config /proc/logmail.conf mail from other@example.com </dev/null

# A configuration file that does not exist is empty: show commands say so
# (exit 0); the first change creates it.
got=$("$LOGMAIL" --config "$dir/mistyped.conf" show running-config 2>&1)
lm_rc=$?
[ $lm_rc -eq 0 ] || fail "missing file: exit $lm_rc, want 0"
[ "$got" = "logmail: % Warning: $dir/mistyped.conf does not exist: the configuration is empty (the first change creates it)" ] ||
	fail "missing file: got '$got'"
got=$("$LOGMAIL" --config "$dir/mistyped.conf" --spool "$dir/spool" show counter mail 2>&1 >/dev/null)
[ -z "$got" ] || fail "missing file: show counter mail warned: '$got'"
"$LOGMAIL" --config "$dir/mistyped.conf" mail from a@example.com || fail "missing file: first change"
[ "$(cat "$dir/mistyped.conf")" = "mail from a@example.com" ] || fail "missing file: not created"

# EX_CONFIG (78): a configuration file that does not parse names file:line:col.
bad=$dir/bad.conf
printf 'mail smtpserver smtp.example.com\nmail smtpserver port 0\n' > "$bad"
got=$("$LOGMAIL" --config "$bad" show running-config 2>&1)
rc=$?
[ $rc -eq 78 ] || fail "bad file: exit $rc, want 78"
[ "$got" = "logmail: $bad:2:22: expected a port number 1-65535, got \"0\"" ] ||
	fail "bad file: got '$got'"

[ $fails -eq 0 ] || exit 1
echo "cli-errors: all passed"
