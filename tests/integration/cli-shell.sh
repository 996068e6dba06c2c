#!/bin/bash
# The interactive shell, driven through a pseudo-terminal and asserted on the
# screen a person sees (tests/integration/ptyscreen.py renders it with a VT100
# emulator): the prompts and the banner, `?` anywhere in a line without
# consuming it, Tab completion, the AWP error with its caret, history across
# two runs (~/.logmail_history, 0600, no password in it), Ctrl-C at the
# prompt and at the To: of an interactive mail, Ctrl-Z and `end` leaving
# configuration mode, the output modifiers, `terminal monitor` with `debug
# mail`, and a configuration changed by another logmail while the shell is
# open.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
python3 -c 'import pyte' 2>/dev/null || "$PY" -c 'import pyte' || {
	echo "SKIP: python3-pyte is needed (apt-get install python3-pyte)"
	exit 77
}
export HOME=$LM_TMP/home
mkdir -p "$HOME"
shell() { # DIALOGUE-NAME: runs the shell on a pty with that dialogue (stdin)
	lm_host_prompts >"$LM_TMP/$1.dialogue"
	"$PY" "$top_srcdir/tests/integration/ptyscreen.py" "$LM_TMP/$1.dialogue" \
		"$LOGMAIL" --config "$conf" --spool "$spool" || lm_fail "$1"
}

# ---- `?`, Tab, errors, Ctrl-C, Ctrl-Z, end ---------------------------------
shell help <<'EOF'
screen
logmail#
end
> configure terminal
type mail smtpserver ?
screen
logmail#configure terminal
Enter configuration commands, one per line. End with CNTL/Z.
logmail(config)#mail smtpserver ?
HOST             IP address or host name of the SMTP server
authentication   Authentication on the SMTP server (SMTP AUTH)
helo             The name this host gives in EHLO and Message-IDs
oauth            OAuth 2.0 access tokens from a token endpoint
port             The port of the SMTP server
timeout          Limit every wait for the server
tls              TLS for the connection to the SMTP server
logmail(config)#mail smtpserver
end
# the line was kept: the rest of it is typed after the help
type smtp.example.com\r
prompt
type mail s?
screen
logmail(config)#mail s?
serial-number   The serial number %S stands for
smtpserver      The SMTP server mail is sent to
logmail(config)#mail s
end
type m\t
screen
logmail(config)#mail smtpserver
end
type p\t
screen
logmail(config)#mail smtpserver port
end
type ?
screen
logmail(config)#mail smtpserver port ?
<1-65535>   Port number
logmail(config)#mail smtpserver port
end
key C-c
> mail smtpserverr smtp.example.com
> mail smtpserver port
> mail smtpserver port 70000
> log email admin@example.com level error
> mail smtpserver authentication login username example password uniquePassword
prompt
type log email admin@example.com level ?
screen
logmail(config)#mail smtpserver port
logmail(config)#mail smtpserverr smtp.example.com
                     ^
% Invalid input detected at '^' marker.
logmail(config)#mail smtpserver port
% Incomplete command.
logmail(config)#mail smtpserver port 70000
                                     ^
% Invalid input detected at '^' marker.
logmail(config)#log email admin@example.com level error
logmail(config)#mail smtpserver authentication login username example password uniquePassword
logmail(config)#log email admin@example.com level ?
<0-7>           The severity as a number
alerts          Action must be taken immediately (1)
critical        Critical conditions (2)
debugging       Debug-level messages (7)
emergencies     System is unusable (0)
errors          Error conditions (3)
informational   Informational messages (6)
notices         Normal, but significant, conditions (5)
warnings        Warning conditions (4)
logmail(config)#log email admin@example.com level
end
key C-c
prompt
key C-z
> show running-config | grep mail
> show run | include ^mail smtpserver (smtp|auth)
> sh run | exclude mail
> show run | begin auth
> show run | count
prompt
type show running-config ?
screen
logmail(config)#log email admin@example.com level
logmail(config)#
logmail#show running-config | grep mail
mail smtpserver smtp.example.com
~ mail smtpserver authentication login username example password 8 [A-Za-z0-9+/=]{40,}
log email admin@example.com level errors
logmail#show run | include ^mail smtpserver (smtp|auth)
mail smtpserver smtp.example.com
~ mail smtpserver authentication login username example password 8 [A-Za-z0-9+/=]{40,}
logmail#sh run | exclude mail
logmail#show run | begin auth
~ mail smtpserver authentication login username example password 8 [A-Za-z0-9+/=]{40,}
log email admin@example.com level errors
logmail#show run | count
Number of lines: 3
logmail#show running-config ?
|      Output modifiers
<cr>
logmail#show running-config
end
key C-c
> configure terminal
> end
> exit
exit 0
EOF

# Each change was saved at once, the errors left no trace, the password only
# encrypted.
got=$(lm show running-config | sed -E 's/ password 8 [^ ]+$/ password 8 CIPHER/')
lm_assert_eq "saved configuration" "mail smtpserver smtp.example.com
mail smtpserver authentication login username example password 8 CIPHER
log email admin@example.com level errors" "$got"

# ---- the history: kept across runs, 0600, without the password --------------
hist=$HOME/.logmail_history
lm_assert_eq "history file mode" 600 "$(stat -c %a "$hist" 2>&1)"
if grep -q uniquePassword "$hist"; then
	lm_fail "the password is in the history"
fi
shell history <<'EOF'
prompt
key UP
screen
logmail#exit
end
key UP
key UP
screen
logmail#configure terminal
end
key UP
screen
logmail#show run | count
end
key ENTER
screen
logmail#show run | count
Number of lines: 3
logmail#
end
key C-d
exit 0
EOF

# ---- interactive mail, Ctrl-C at To:, debug mail on the terminal, and a
# configuration changed by another logmail while the shell is open ---------
lm_dead_port
dead=$DEAD_PORT
lm_smtpd_start srv
conf=$LM_TMP/mail.conf
lm configure <<EOF || lm_fail "configure"
mail smtpserver 127.0.0.1
mail smtpserver port $dead
mail from example@example.com
EOF
shell mail <<EOF
> debug mail
> terminal monitor
> mail
screen
logmail#mail
To:
end
type exa
screen
To: exa
end
key C-c
prompt
run "$LOGMAIL" --config "$conf" --spool "$spool" mail smtpserver port $SMTPD_PORT
> mail
screen
logmail#mail
To:
end
type example1@example1.com\r
screen
To: example1@example1.com
Subject:
end
type The LAN interface is down\r
screen
Subject: The LAN interface is down

Type the message below and finish with a CTRL-d
end
type The LAN interface is down\r
screen
Type the message below and finish with a CTRL-d
The LAN interface is down
end
key C-d
prompt
> show running-config
> configure terminal
> log email admin@example.com level error
> end
> exit
screen
~ Sending [0-9]{14}\.[0-9]+\.\.\. ok\.
~ [0-9]{2}:[0-9]{2}:[0-9]{2} \S+ logmail\[[0-9]+\]: Creating connection to host \(127\.0\.0\.1:$SMTPD_PORT\)
~ [0-9]{2}:[0-9]{2}:[0-9]{2} \S+ logmail\[[0-9]+\]: Recipient accepted \[example1@example1\.com\]
~ [0-9]{2}:[0-9]{2}:[0-9]{2} \S+ logmail\[[0-9]+\]: Mail sent for example1@example1\.com\. Closing connection
logmail#show running-config
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from example@example.com
logmail#configure terminal
Enter configuration commands, one per line. End with CNTL/Z.
logmail(config)#log email admin@example.com level error
logmail(config)#end
logmail#exit
end
exit 0
EOF
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "the shell's mail was not delivered"
eml=$SMTPD_MAILDIR/0001.eml
if [ -f "$eml" ]; then
	lm_assert_eq "delivered To" "<example1@example1.com>" "$(lm_header "$eml" To)"
	lm_assert_eq "delivered Subject" "The LAN interface is down" "$(lm_header "$eml" Subject)"
fi
lm_assert_eq "only the shell's mail" 1 "$(lm_mail_count "$SMTPD_MAILDIR")"
# the shell's save kept what the other logmail saved meanwhile
lm_assert_eq "both changes in the file" "mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from example@example.com
log email admin@example.com level errors" "$(lm show running-config)"

# ---- the AWP feature guide's STARTTLS example, typed as the guide shows it
conf=$LM_TMP/guide.conf
shell guide <<'EOF'
> en
> configure terminal
> mail smtpserver smtp.example.com
> mail from example@example.com
> mail smtpserver tls starttls
> mail smtpserver authentication login username example password uniquePassword
> exit
> show run | grep mail
screen
logmail#show run | grep mail
mail smtpserver smtp.example.com
~ mail smtpserver authentication login username example password 8 [A-Za-z0-9+/=]{40,}
mail smtpserver tls starttls
mail from example@example.com
logmail#
end
> debug mail
> term mon
> show mail
screen
logmail#show mail
Mail Settings
-----
State                               : Alive
SMTP Server                         : smtp.example.com
Host Name                           : example@example.com
Authentication                      : login
Username                            : example
Port                                : 587
Use TLS                             : STARTTLS
Debug                               : Enabled
Server Address (last used)          : 127.0.0.1
TLS (last used)                     : none

Messages
-----
logmail#
end
> undebug mail
> exit
exit 0
EOF

# ---- Ctrl-C while a mail is being sent: the server would keep it waiting
# until the timeout; the mail stays queued, with why, and the prompt is back
lm_smtpd_start hang --hang-at mail --hang-marker "$LM_TMP/hang.marker"
conf=$LM_TMP/hang.conf spool=$LM_TMP/hang.spool
lm configure <<EOF || lm_fail "configure the hanging server"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver timeout 300
mail from example@example.com
EOF
printf 'stuck\n' >"$LM_TMP/stuck.txt"
shell interrupt <<EOF
> mail to ops@example.com subject stuck file $LM_TMP/stuck.txt
contains Sending
run for i in \$(seq 200); do [ -s "$LM_TMP/hang.marker" ] && exit 0; sleep 0.05; done; exit 1
key C-c
screen
~ Sending [0-9]{14}\.[0-9]+\.\.\.\^C queued: MAIL FROM: interrupted

logmail#
end
> exit
exit 0
EOF
lm_assert_eq "interrupted: the mail stays queued" 1 "$(lm show mail | grep -c '^Message-ID ')"
lm_assert_match "interrupted: why, in show mail" 'Last Error +: MAIL FROM: interrupted' "$(lm show mail)"

lm_done
