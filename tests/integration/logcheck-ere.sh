#!/usr/bin/env bash
# logcheck's rules are GNU EREs; logmail translates them for PCRE2 and
# Vectorscan (filters/logcheck_ere.c).  For each ERE below, GNU grep -E -v in the
# C locale (as logcheck's cleanchecked() runs it) and the driver, with the ERE
# as the only rule of ignore.d.paranoid, must leave the same lines; an ERE
# grep refuses must be reported as a rule that does not compile.  The EREs
# are the corners of the dialect; the ones starting with the syslog header
# also go through the header split and the grouping by program.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
. "$top_srcdir/tests/integration/lib.sh"

DRIVER=$top_builddir/tests/integration/logcheck_driver
[ -x "$DRIVER" ] || { echo "no $DRIVER: build it first" >&2; exit 99; }
LM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/logmail-test.XXXXXX")
trap 'rm -rf "$LM_TMP"' EXIT

H='^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ '
# @H@ stands for the header, H.
cat >"$LM_TMP/ere" <<'END'
a\dc
*y
(*a)
^b+?c$
^ba*+c$
^ba+++?*c$
a{1
a{1,2
^a{,2}$
^a{2}{2}$
(?:a)
a)
\<bar\>
a\>
[\w]
[]a]
[^]a]x
[a-]
[[.-.]]q
[[=a=]]b
a.b
x{ 1}
^*b
a|*b
\`a
a\'
[\:]
{1}a
[[[:digit:]]+]
(a)(b)\2
[[:alpha:]]{3} [[:upper:]]
\Bx
[^[:space:]]+$
.{3}$
a\
[z-a]
(a
[[:foo:]]
a{2,1}
@H@sshd\[[[:digit:]]+\]: Accepted publickey for [^[:space:]]+ from [^[:space:]]+ port [[:digit:]]+
@H@(/USR/SBIN/)?CRON\[[0-9]+\]: \([_[:alnum:]-]+\) CMD \(.*\)$
@H@su(\[[0-9]+\])?: .*$
@H@kernel:( \[ *[[:digit:]]+\.[[:digit:]]+\])? ([[:lower:]]+):( (\1[[:digit:]]+|[<>]))+
@H@app: x$|zzz
@H@(app|other)\[[0-9]+\]: SECURITY .*$
^([[:alpha:]]{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ systemd\[[0-9]+\]: (Start|Stopp)ed .+\.$
^\w{3} [ :0-9]{11} [._[:alnum:]-]+ rsyslogd: start$
@H@[ns]mbd\[[[:digit:]]+\]: connect from$
@H@(dovecot: )?deliver\([-_.@[:alnum:]]+\): saved$
@H@{2}x
@H@+x
END

cat >"$LM_TMP/lines" <<'END'
adc
a1c
y
*y
c
bc
bac
a{1
a{1,2
aa
aaa
aaaa
(?:a)
a)
foo bar baz
foobar
ab
a b
w
\
]
x
]x
bx
-
-q
ab
a\xb
x{ 1}
b
`a
a'
ba
:
{1}a
[12]
abb
Nov OK
Nov ok
Nov 30 12:00:01 web1 sshd[42]: Accepted publickey for deploy from 10.0.0.1 port 22 ssh2
2026-11-30T12:00:01.123456+01:00 web1 sshd[42]: Accepted publickey for deploy from 10.0.0.1 port 22
Nov 30 12:00:01 web1 sshd[42]: Accepted password for deploy from 10.0.0.1 port 22
Nov 30 12:00:01 web1 CRON[7]: (root) CMD (true)
Nov 30 12:00:01 web1 /USR/SBIN/CRON[7]: (root) CMD (true)
Nov 30 12:00:01 web1 CRONX[7]: (root) CMD (true)
Nov 30 12:00:01 web1 su: (to root) x on pts/0
Nov 30 12:00:01 web1 su[9]: anything
Nov 30 12:00:01 web1 sudo[9]: anything
Nov 30 12:00:01 web1 kernel: [ 1.5] usb: usb1 <
Nov 30 12:00:01 web1 kernel: usb: Nov 30 12:00:013 >
Nov 30 12:00:01 web1 app: x
zzz
Nov 30 12:00:01 web1 app: y
Nov 30 12:00:01 web1 other[5]: SECURITY alert
Nov 30 12:00:01 web1 systemd[1]: Started foo.
N0v 30 12:00:01 web1 systemd[1]: Started foo.
2026-11-30T12:00:01.000000+00:00 web1 systemd[1]: Stopped foo.
Nov 30 12:00:01 web1 rsyslogd: start
2026-11-30T12:00:01.000000+00:00 web1 rsyslogd: start
Nov 30 12:00:01 web1 smbd[3]: connect from
Nov 30 12:00:01 web1 xmbd[3]: connect from
Nov 30 12:00:01 web1 dovecot: deliver(u@x): saved
Nov 30 12:00:01 web1 deliver(u@x): saved
Nov 30 12:00:01 web1  x
Nov 30 12:00:01 web1 x
Nov 30 12:00:01 web1   x
END

i=0
matched=0 # EREs that leave out some line: the others test nothing
all=$(wc -l <"$LM_TMP/lines")
while IFS= read -r ere; do
	ere=${ere//@H@/$H}
	i=$((i + 1))
	dir=$LM_TMP/r$i
	mkdir -p "$dir/ignore.d.paranoid"
	printf '%s\n' "$ere" >"$dir/ignore.d.paranoid/rule"
	theirs=$(LC_ALL=C grep -E --text -v -f "$dir/ignore.d.paranoid/rule" "$LM_TMP/lines" 2>/dev/null)
	rc=$?
	[ $rc -ne 2 ] && [ "$(printf '%s\n' "$theirs" | grep -c .)" -lt "$all" ] && matched=$((matched + 1))
	ours=$("$DRIVER" -t -r "$dir" paranoid "$LM_TMP/lines" 2>"$dir/err" | cut -f2-)
	if [ $rc -eq 2 ]; then
		grep -q "rule:1: does not compile" "$dir/err" &&
			echo "ok: grep and logmail refuse $ere" ||
			lm_fail "grep refuses $ere, logmail does not: $(cat "$dir/err")"
	elif [ "$theirs" = "$ours" ]; then
		echo "ok: $ere"
	else
		lm_fail "$ere: grep -v and logmail differ:"$'\n'"$(diff <(printf '%s\n' "$theirs") <(printf '%s\n' "$ours"))"
	fi
done <"$LM_TMP/ere"
[ "$i" -gt 40 ] || lm_fail "only $i EREs were read"
[ "$matched" -ge $((i - 8)) ] || lm_fail "only $matched of $i EREs match a line: the lines need more"
lm_done
