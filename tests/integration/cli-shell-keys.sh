#!/bin/bash
# The interactive shell survives every keystroke (issue 26, point 2): Enter
# on an empty line, on a line of blanks and after Ctrl-C each give a new
# prompt (they used to end the shell with SIGSEGV); Ctrl-D in the middle of
# a line deletes the character under the cursor and ends nothing; Ctrl-D
# on an empty line ends the shell, and the commands of that session are in
# the history file, which the next run brings back with Up.  Driven through
# a pseudo-terminal (tests/integration/ptyscreen.py), asserted on the screen.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
"$PY" -c 'import pyte' 2>/dev/null || {
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
lm mail from example@example.com || lm_fail "configure"

# ---- empty and blank lines, Ctrl-C then Enter, Ctrl-D mid-line -----------
shell keys <<'EOF'
prompt
key ENTER
# a line of blanks (Tab there lists the commands, so spaces)
type      \r
prompt
type show run\x03
prompt
key ENTER
type show runx | count
# the cursor onto the x, which Ctrl-D deletes
key LEFT
key LEFT
key LEFT
key LEFT
key LEFT
key LEFT
key LEFT
key LEFT
key LEFT
key C-d
key ENTER
screen
logmail#
logmail#
logmail#show run
logmail#
logmail#show run | count
Number of lines: 1
logmail#
end
> configure terminal
key ENTER
type    \r
prompt
type log email x\x03
prompt
key ENTER
> end
screen
logmail(config)#
logmail(config)#
logmail(config)#log email x
logmail(config)#
logmail(config)#end
logmail#
end
key C-d
exit 0
EOF

# ---- the session's history was written: the next run has it --------------
hist=$HOME/.logmail_history
lm_assert_eq "history file mode" 600 "$(stat -c %a "$hist" 2>&1)"
lm_assert_match "history holds the session's commands" \
	'show run \| count configure terminal end $' "$(sed 's/\\040/ /g' "$hist" | tr '\n' ' ')"
shell history <<'EOF'
prompt
key UP
screen
logmail#end
end
key UP
key UP
screen
logmail#show run | count
end
key ENTER
screen
logmail#show run | count
Number of lines: 1
logmail#
end
key C-d
exit 0
EOF

# ---- the prompt is the host's short name, as the switch shows its own ------
# (in a UTS namespace of its own, where there is one, to name the host)
if unshare --uts true 2>/dev/null; then
	cat >"$LM_TMP/prompt.dialogue" <<'EOF'
screen
sw1#
end
> conf t
screen
sw1#conf t
Enter configuration commands, one per line. End with CNTL/Z.
sw1(config)#
end
> end
> exit
exit 0
EOF
	"$PY" "$top_srcdir/tests/integration/ptyscreen.py" "$LM_TMP/prompt.dialogue" \
		/usr/bin/unshare --uts /bin/sh -c 'hostname sw1.example.com && exec "$@"' sh \
		"$LOGMAIL" --config "$conf" --spool "$spool" || lm_fail "prompt"
else
	echo "the host-name prompt with another name not tested: no unshare --uts here"
fi

lm_done
