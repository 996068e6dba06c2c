#!/bin/bash
# Every configuration example of the AlliedWare Plus feature guide (Mail (SMTP)),
# typed into `logmail configure`, comes back from `show running-config` in
# the guide's form; passwords are stored only as `password 8 <ciphertext>`;
# the file is mode 0600; the output of show running-config reads back the same.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# check NAME EXPECTED: configure from stdin in a fresh directory, then
# compare show running-config (password 8 values replaced by CIPHER).
check() {
	local name=$1 want=$2 conf="$dir/$1/logmail.conf" got rc
	mkdir -p "$dir/$name"
	"$LOGMAIL" --config "$conf" configure > "$dir/$name.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { fail "$name: configure exited $rc: $(cat "$dir/$name.out")"; return; }
	[ ! -s "$dir/$name.out" ] || fail "$name: configure printed: $(cat "$dir/$name.out")"
	"$LOGMAIL" --config "$conf" show running-config > "$dir/$name.run" 2>&1 ||
		fail "$name: show running-config exited $?"
	got=$(sed -E 's/ password 8 [^ ]+$/ password 8 CIPHER/' "$dir/$name.run")
	[ "$got" = "$want" ] || {
		fail "$name: running-config differs"
		diff <(echo "$want") <(echo "$got") >&2
	}
	if grep -q ' password 8 ' "$dir/$name.run"; then
		local c
		c=$(sed -nE 's/.* password 8 ([^ ]+)$/\1/p' "$dir/$name.run")
		[ -n "$c" ] && [ "$c" != uniquePassword ] && [ "$c" != CIPHER ] ||
			fail "$name: password 8 holds '$c'"
	fi
	if grep -rq uniquePassword "$dir/$name"; then
		fail "$name: the plain password is in $(grep -rl uniquePassword "$dir/$name")"
	fi
	[ "$(stat -c %a "$conf")" = 600 ] || fail "$name: mode $(stat -c %a "$conf"), want 600"
	# What show running-config prints reads back as the same configuration
	# (password 8 taken as already encrypted, same key file).
	"$LOGMAIL" --config "$dir/$name/again.conf" configure < "$dir/$name.run" ||
		fail "$name: the running-config does not read back"
	"$LOGMAIL" --config "$dir/$name/again.conf" show running-config |
		cmp -s - "$dir/$name.run" || fail "$name: read back differs"
}

# Set up your SMTP server / Interactive message
check interactive "mail smtpserver smtp.example.com
mail from example@example.com" <<'EOF'
mail smtpserver smtp.example.com
mail from example@example.com
exit
EOF

# Non interactive message
check noninteractive "mail smtpserver 192.0.2.1
mail from example@example.com" <<'EOF'
mail smtpserver 192.0.2.1
mail from example@example.com
exit
EOF

# Non interactive message with authentication and port parameters: the
# guide's "Example show running-config".
check auth_port "mail smtpserver 192.0.2.1
mail smtpserver authentication plain username example3 password 8 CIPHER
mail smtpserver port 587
mail from example@example.com" <<'EOF'
mail smtpserver 192.0.2.1
mail smtpserver authentication plain username example3 password uniquePassword
mail smtpserver port 587
mail from example@example.com
exit
EOF

# Interactive message with TLS method using STARTTLS (show run | grep mail)
check starttls "mail smtpserver smtp.example.com
mail smtpserver authentication login username example password 8 CIPHER
mail smtpserver tls starttls
mail from example@example.com" <<'EOF'
mail smtpserver smtp.example.com
mail from example@example.com
mail smtpserver tls starttls
mail smtpserver authentication login username example password uniquePassword
EOF

# Interactive message with TLS method using SMTPS
check smtps "mail smtpserver smtp.example.com
mail smtpserver authentication login username example password 8 CIPHER
mail smtpserver tls smtps
mail from example@example.com" <<'EOF'
mail smtpserver smtp.example.com
mail from example@example.com
mail smtpserver tls smtps
mail smtpserver authentication login username example password uniquePassword
end
EOF

# Non interactive message with a trigger script (its mail configuration)
check trigger "mail smtpserver example@example.com
mail smtpserver authentication crammd5 username fred password 8 CIPHER
mail from fred@example.com" <<'EOF'
mail smtpserver example@example.com
mail smtpserver authentication crammd5 username fred password uniquePassword
mail from fred@example.com
end
EOF

# SMTP server authentication options / port options / sender
check person "mail smtpserver smtp.example.com
mail smtpserver authentication login username person password 8 CIPHER
mail smtpserver port 587
mail from person@example.com" <<'EOF'
mail smtpserver smtp.example.com
mail smtpserver authentication login username person password uniquePassword
mail smtpserver port 587
mail from person@example.com
EOF

# Email log: the two filters, then removing one, then the recipient.
check log_email 'log email admin@example.com msgtext "Pool exhausted"
log email admin@example.com level informational' <<'EOF'
log email admin@example.com msgtext "Pool exhausted"
log email admin@example.com level informational
EOF
check log_email_no_filter 'log email admin@example.com msgtext "Pool exhausted"' <<'EOF'
log email admin@example.com msgtext "Pool exhausted"
log email admin@example.com level informational
no log email admin@example.com level informational
EOF
check log_email_no "" <<'EOF'
log email admin@example.com msgtext "Pool exhausted"
log email admin@example.com level informational
no log email admin@example.com
EOF

# The configuration file of DESIGN.md, with comments and blank lines.
check design 'mail smtpserver smtp.example.com
mail smtpserver authentication login username example password 8 CIPHER
mail smtpserver port 587
mail smtpserver tls starttls
mail from example@example.com
log email admin@example.com level errors
log email admin@example.com program dhcp msgtext "pool exhausted"
log email admin@example.com exclude program cron
log email admin@example.com time utc +2:00' <<'EOF'
! the example of DESIGN.md
mail smtpserver smtp.example.com
mail smtpserver port 587
mail smtpserver tls starttls

mail smtpserver authentication login username example password uniquePassword
mail from example@example.com
log email admin@example.com level errors
log email admin@example.com program dhcp msgtext "pool exhausted"
log email admin@example.com exclude program cron
log email admin@example.com time utc +2:00
EOF

# One configuration command straight from the command line is saved too.
conf="$dir/argv/logmail.conf"
mkdir -p "$dir/argv"
"$LOGMAIL" --config "$conf" mail smtpserver smtp.example.com || fail "argv: exit $?"
LOGMAIL_CONFIG=$conf "$LOGMAIL" log email admin@example.com msgtext "Pool exhausted" ||
	fail "argv log email: exit $?"
got=$(LOGMAIL_CONFIG=$conf "$LOGMAIL" show running-config)
want='mail smtpserver smtp.example.com
log email admin@example.com msgtext "Pool exhausted"'
[ "$got" = "$want" ] || fail "argv: got '$got'"
[ "$(stat -c %a "$conf")" = 600 ] || fail "argv: mode $(stat -c %a "$conf")"

# `!` comments of a hand-written file survive a save where they stood.
printf '%s\n' '! the alerts of this host' 'mail smtpserver smtp.example.com' '' \
	'! who is woken at night' 'log email oncall@example.com level critical' >"$conf"
chmod 600 "$conf"
"$LOGMAIL" --config "$conf" configure <<<'log email oncall@example.com rate-limit 5' ||
	fail "comments: configure"
want='! the alerts of this host
mail smtpserver smtp.example.com

! who is woken at night
log email oncall@example.com level critical
log email oncall@example.com rate-limit 5'
[ "$(cat "$conf")" = "$want" ] || fail "comments: got '$(cat "$conf")'"

[ $fails -eq 0 ] || exit 1
echo "cli-configure: all passed"
