#!/bin/bash
# The interactive shell, driven through a pseudo-terminal: the prompts
# `logmail#` and `logmail(config)#`, the banner of `configure terminal`,
# a configuration change saved at once, an error that prints one line and
# lets the shell go on, `exit`, `end`, Ctrl-Z (leaves configuration mode, as
# the banner says) and Ctrl-D.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
LOGMAIL=${LOGMAIL:-$top_builddir/logmail}
[ -x "$LOGMAIL" ] || { echo "no $LOGMAIL: build it first" >&2; exit 99; }
lm_setup
dir=$LM_TMP
conf=$dir/logmail.conf

# expect.py DIALOGUE: runs logmail under a pty; DIALOGUE lines are
# "> text" (send text and a newline), "< text" (wait, at most 10 s, until
# the output so far ends with text after the last send), "^D" and "^Z"
# (send Ctrl-D, Ctrl-Z) and "= N" (wait for the exit status N).
cat > "$dir/expect.py" <<'EOF'
import os, pty, select, sys, time

logmail, conf, script = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execv(logmail, [logmail, "--config", conf, "--spool", conf + ".spool"])

out = b""
def wait_for(text, limit=10.0):
    global out
    end = time.monotonic() + limit
    while not out.replace(b"\r\n", b"\n").endswith(text.encode()):
        left = end - time.monotonic()
        if left <= 0:
            sys.exit("timed out waiting for %r; output so far:\n%s" % (text, out.decode(errors="replace")))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                sys.exit("EOF waiting for %r; output:\n%s" % (text, out.decode(errors="replace")))
            out += data

for line in open(script).read().split("\n"):
    if line.startswith("> "):
        out = b""
        os.write(fd, line[2:].encode() + b"\n")
    elif line.startswith("< "):
        wait_for(line[2:].replace("\\n", "\n"))
    elif line == "^D":
        out = b""
        os.write(fd, b"\x04")
    elif line == "^Z":
        out = b""
        os.write(fd, b"\x1a")
    elif line.startswith("= "):
        end = time.monotonic() + 10
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > end:
                sys.exit("logmail did not exit")
            select.select([fd], [], [], 0.05)
            try:
                os.read(fd, 4096)
            except OSError:
                pass
        code = os.waitstatus_to_exitcode(status)
        if code != int(line[2:]):
            sys.exit("exit status %d, want %s" % (code, line[2:]))
EOF

fail() { lm_fail "$@"; }

# The seed's "Interactive message" session, then an error, then end/exit.
cat > "$dir/session1" <<'EOF'
< logmail#
> configure terminal
< configure terminal\nEnter configuration commands, one per line. End with CNTL/Z.\nlogmail(config)#
> mail smtpserver smtp.example.com
< mail smtpserver smtp.example.com\nlogmail(config)#
> mail from example@example.com
< logmail(config)#
> mail smtpserver port 70000
< mail smtpserver port 70000\n% expected a port number 1-65535, got "70000" (column 22)\nlogmail(config)#
> mail smtpserverr smtp.example.com
< % unknown word "smtpserverr" (expected smtpserver, from, serial-number) (column 6)\nlogmail(config)#
> exit
< exit\nlogmail#
> show running-config
< show running-config\nmail smtpserver smtp.example.com\nmail from example@example.com\nlogmail#
> conf t
< logmail(config)#
> log email admin@example.com level informational
< logmail(config)#
> end
< end\nlogmail#
> configure terminal
< logmail(config)#
^Z
< \nlogmail#
> show bogus
< % Unknown command "show bogus" (expected running-config, mail, counter, log after "show")\nlogmail#
> exit
= 0
EOF
/usr/bin/python3 "$dir/expect.py" "$LOGMAIL" "$conf" "$dir/session1" || fail "session 1"

# Each change was saved at once (as on the device), the error left no trace.
want='mail smtpserver smtp.example.com
mail from example@example.com
log email admin@example.com level informational'
got=$("$LOGMAIL" --config "$conf" show running-config)
[ "$got" = "$want" ] || fail "saved configuration: got '$got'"
[ "$(stat -c %a "$conf")" = 600 ] || fail "mode $(stat -c %a "$conf")"

# Ctrl-D ends the shell, from configuration mode too.
cat > "$dir/session2" <<'EOF'
< logmail#
> configure terminal
< logmail(config)#
> no log email admin@example.com
< logmail(config)#
> do show running-config
< do show running-config\nmail smtpserver smtp.example.com\nmail from example@example.com\nlogmail(config)#
> sh run
< sh run\nmail smtpserver smtp.example.com\nmail from example@example.com\nlogmail(config)#
> no log email admin@example.com
< no log email admin@example.com\n% no email log target "admin@example.com" (column 14)\nlogmail(config)#
> mail smtpserver authentication login username example password shellSecret
< logmail(config)#
> mail smtpserver other.example.com
< mail smtpserver other.example.com\n% Error: authentication configuration still exists\nlogmail(config)#
> no mail smtpserver authentication
< logmail(config)#
^D
= 0
EOF
/usr/bin/python3 "$dir/expect.py" "$LOGMAIL" "$conf" "$dir/session2" || fail "session 2"
got=$("$LOGMAIL" --config "$conf" show running-config)
want='mail smtpserver smtp.example.com
mail from example@example.com'
[ "$got" = "$want" ] || fail "after no log email: got '$got'"
! grep -q shellSecret "$conf" || fail "the plain password reached $conf"

# The seed's "Interactive message": `mail` asks for To, Subject and the body
# (ended by Ctrl-D), sends it, and the shell goes on.
lm_smtpd_start srv
cat > "$dir/session3" <<EOF
< logmail#
> configure terminal
< logmail(config)#
> mail smtpserver 127.0.0.1
< logmail(config)#
> mail smtpserver port $SMTPD_PORT
< logmail(config)#
> exit
< logmail#
> mail
< mail\nTo: 
> example1@example1.com
< example1@example1.com\nSubject: 
> The LAN interface is down
< The LAN interface is down\n\nType the message below and finish with a CTRL-d\n
> The LAN interface is down
< The LAN interface is down\n
^D
< ... ok.\nlogmail#
> show running-config
< show running-config\nmail smtpserver 127.0.0.1\nmail smtpserver port $SMTPD_PORT\nmail from example@example.com\nlogmail#
> exit
= 0
EOF
/usr/bin/python3 "$dir/expect.py" "$LOGMAIL" "$conf" "$dir/session3" || fail "session 3"
lm_wait_mails "$SMTPD_MAILDIR" 1 || fail "session 3: no mail delivered"
eml=$SMTPD_MAILDIR/0001.eml
if [ -f "$eml" ]; then
	lm_assert_eq "session 3: To" "<example1@example1.com>" "$(lm_header "$eml" To)"
	lm_assert_eq "session 3: Subject" "The LAN interface is down" "$(lm_header "$eml" Subject)"
fi

lm_done
