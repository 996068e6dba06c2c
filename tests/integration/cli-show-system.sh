#!/bin/bash
# The AlliedWare Plus habits of the shell that are not mail (issue 26,
# point 8): `write`, `write memory` and `copy running-config startup-config`
# print the switch's confirmation; `show startup-config` prints the file as
# saved (its ! comments too); `show debugging` says what `debug mail` turned
# on; `show version` names logmail, the rsyslog it was built for and the
# OpenSSL in use; `show clock` prints the switch's layout with RFC 5322
# dates whatever the locale.  Each from the command line, in a script and
# in the shell, asserted on the exact output.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup

# ---- write and its spellings ------------------------------------------------
ok="Building configuration...
[OK]"
lm_assert_eq "write" "$ok" "$(lm write 2>&1)"
lm_assert_eq "write memory" "$ok" "$(lm write memory 2>&1)"
lm_assert_eq "copy running-config startup-config" "$ok" \
	"$(lm copy running-config startup-config 2>&1)"
lm_assert_eq "wr mem (abbreviated)" "$ok" "$(lm wr mem 2>&1)"
# in a script, write saves the lines before it there and then
printf 'mail from a@example.com\nwrite\nshow startup-config\n' >"$LM_TMP/w.scp"
lm_assert_eq "write in a script saves at once" "$ok
mail from a@example.com" "$(lm -f "$LM_TMP/w.scp" 2>&1)"

# ---- show startup-config: the file as saved --------------------------------
cat >"$conf" <<'EOF'
! the site's mail relay
mail smtpserver smtp.example.com
!
mail from a@example.com
EOF
chmod 600 "$conf"
lm_assert_eq "show startup-config" "$(cat "$conf")" "$(lm show startup-config 2>&1)"
lm_assert_eq "show startup-config | include" "mail smtpserver smtp.example.com" \
	"$(lm show startup-config '|' include smtpserver 2>&1)"
# a password written in the file by hand, in the clear, is never printed
printf 'mail smtpserver authentication login username u password s3cr3t\n' >"$conf"
lm_assert_eq "show startup-config hides a password in the clear" \
	"mail smtpserver authentication login username u password ***" \
	"$(lm show startup-config 2>&1)"
rm -f "$conf"
lm_assert_eq "show startup-config without a file" \
	"logmail: % Warning: $conf does not exist: the configuration is empty (the first change creates it)" \
	"$(lm show startup-config 2>&1)"

# ---- show debugging -----------------------------------------------------------
dbg() { # MAIL DETAIL
	printf 'Mail (SMTP) debugging status:\n  Mail debugging is %s\n  Mail detail (SMTP dialogue) debugging is %s' "$1" "$2"
}
lm_assert_eq "show debugging, nothing on" "$(dbg off off)" "$(lm show debugging 2>&1)"
lm debug mail || lm_fail "debug mail"
lm_assert_eq "show debugging after debug mail" "$(dbg on off)" "$(lm show debugging 2>&1)"
lm debug mail detail || lm_fail "debug mail detail"
lm_assert_eq "show debugging mail after debug mail detail" "$(dbg on on)" \
	"$(lm show debugging mail 2>&1)"
lm undebug all || lm_fail "undebug all"
lm_assert_eq "show debugging after undebug all" "$(dbg off off)" "$(lm show debugging 2>&1)"

# ---- show version --------------------------------------------------------------
got=$(lm show version 2>&1)
lm_assert_match "show version" \
	'^logmail [0-9]+\.[0-9]+\.[0-9]+

Build name : logmail-[0-9]+\.[0-9]+\.[0-9]+
rsyslog    : ([0-9]+\.[0-9]+\.[0-9]+|-) \(the version omlogmail was built for\)
OpenSSL    : OpenSSL [0-9][^
]*$' "$got"
lm_assert_eq "show version: the OpenSSL library in use" \
	"OpenSSL    : $(openssl version | sed -n 's/.*(Library: \(.*\))$/\1/p;t;p')" \
	"$(printf '%s\n' "$got" | sed -n '/^OpenSSL/p')"
if [ -e "$top_builddir/plugin/.libs/omlogmail.so" ] && command -v rsyslogd >/dev/null; then
	lm_assert_eq "show version: rsyslog as installed" \
		"$(rsyslogd -v | sed -n '1s/^rsyslogd  *\([0-9.]*\).*/\1/p')" \
		"$(printf '%s\n' "$got" | sed -n 's/^rsyslog    : \([^ ]*\) .*/\1/p')"
fi

# ---- show clock: the switch's layout, RFC 5322 dates whatever the locale -----
clock_ok() { # TZ OFFSET ZONE-REGEX: one show clock, checked against date(1)
	local before after got utc local
	before=$(date +%s)
	got=$(TZ=$1 LC_ALL=fr_FR.UTF-8 lm show clock 2>&1)
	after=$(date +%s)
	d='(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}'
	lm_assert_match "show clock in $1" "^Local Time: $d \\${2/:/}
UTC Time:   $d \+0000
Timezone: ($3)
Timezone Offset: \\$2\$" "$got" || return
	utc=$(date -d "$(printf '%s\n' "$got" | sed -n 's/^UTC Time: *//p')" +%s)
	local=$(date -d "$(printf '%s\n' "$got" | sed -n 's/^Local Time: *//p')" +%s)
	lm_assert_eq "show clock in $1: local and UTC the same instant" "$utc" "$local"
	[ "$utc" -ge "$before" ] && [ "$utc" -le "$after" ] ||
		lm_fail "show clock in $1: $utc is not between $before and $after"
}
clock_ok UTC +00:00 UTC
clock_ok Pacific/Chatham "+1[23]:45" '\+1[23]45|CHA[DS]T'
clock_ok America/St_Johns "-0[23]:30" 'N[DS]T|-0[23]30'

# ---- the same in the shell, on a terminal ------------------------------------
if "$PY" -c 'import pyte' 2>/dev/null; then
	export HOME=$LM_TMP/home
	mkdir -p "$HOME"
	lm mail from a@example.com || lm_fail "configure"
	lm_host_prompts >"$LM_TMP/shell.dialogue" <<'EOF'
> write
> configure terminal
> do copy run start
> end
> show startup-config
screen
logmail#write
Building configuration...
[OK]
logmail#configure terminal
Enter configuration commands, one per line. End with CNTL/Z.
logmail(config)#do copy run start
Building configuration...
[OK]
logmail(config)#end
logmail#show startup-config
mail from a@example.com
logmail#
end
> exit
exit 0
EOF
	"$PY" "$top_srcdir/tests/integration/ptyscreen.py" "$LM_TMP/shell.dialogue" \
		"$LOGMAIL" --config "$conf" --spool "$spool" || lm_fail "shell"
fi

lm_done
