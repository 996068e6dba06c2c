# tests/integration/logcheck-lib.sh: logcheck itself against logmail's
# reading of its rules (bash; source after lib.sh).
#
#   lc_require                   skips (exit 77) without logcheck and its rules;
#                                ASan without allocation stacks (see there)
#   lc_messages                  the test messages, "TAG<TAB>TEXT" per line
#                                (TAG: "sshd[2101]", or "kernel" without pid)
#   lc_build_log FILE            a syslog file of them, as rsyslog writes it:
#                                every other line with an RFC 3339 timestamp,
#                                plus lc_odd_lines
#   lc_rules DIR                 a copy of /etc/logcheck in DIR with this test's
#                                local rules (see below), readable by user logcheck
#   lc_logcheck LEVEL RULES LOG OUT    run logcheck itself (-o -t, as user
#                                logcheck when we are root); its report in OUT
#   lc_report_pairs REPORT       a logcheck report as "HEADING<TAB>LINE" lines
#   lc_compare WHAT THEIRS OURS  THEIRS and OURS are "HEADING<TAB>LINE" files;
#                                fails (lm_fail) on every line where OURS is not
#                                what logcheck reported: not the same section,
#                                or under a heading logcheck did not use for it
#   lc_wire HOST1 HOST2          lc_messages as a sender puts them on the wire
#                                (RFC 3164, "<PRI>Nov 30 10:00:01 HOST TAG: TEXT"),
#                                from HOST1 and HOST2 in turn, plus lc_wire_odd
#
# The messages exercise cron, sshd, systemd, postfix, kernel, sudo, su,
# dhclient, rsyslogd and lines no rule ignores; rsyslog-logcheck.sh sends
# them (lc_wire) through rsyslogd and compares its mails the same way.

lc_require() {
	# Vectorscan's compiler allocates millions of times for Debian's rules;
	# in the sanitizer build ASan records a stack for each, two fifths of
	# the test's time.  Bad accesses are still reported with their stacks
	# (only the allocation's is left out).
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}malloc_context_size=0"
	if [ ! -x /usr/sbin/logcheck ] || [ ! -d /etc/logcheck/ignore.d.server ]; then
		echo "SKIP: logcheck and logcheck-database are needed (scripts/setup installs them)"
		exit 77
	fi
	if [ "$(id -u)" = 0 ] && ! id logcheck >/dev/null 2>&1; then
		echo "SKIP: logcheck runs as user logcheck, and there is none"
		exit 77
	fi
}

# TAG<TAB>TEXT, in groups by program; logcheck itself decides where each
# goes, but the set is made so that every section gets lines at every level.
lc_messages() {
	cat <<'END'
CRON[2001]	(root) CMD (   cd / && run-parts --report /etc/cron.hourly)
CRON[2002]	pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)
CRON[2002]	pam_unix(cron:session): session closed for user root
cron[411]	(CRON) INFO (pidfile fd = 3)
cron[411]	(CRON) INFO (Running @reboot jobs)
crontab[3001]	(deploy) REPLACE (deploy)
sshd[2101]	Accepted publickey for deploy from 10.0.1.7 port 52344 ssh2: ED25519 SHA256:q8Zk1x5vV2mG0yTt4b7rJqLwX8eN3pD6sH1kA9cF2uQ
sshd[2101]	pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)
sshd[2101]	Received disconnect from 10.0.1.7 port 52344:11: disconnected by user
sshd[2101]	pam_unix(sshd:session): session closed for user deploy
sshd[2202]	Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2
sshd[2202]	Invalid user oracle from 203.0.113.9 port 40023
sshd[2203]	error: kex_exchange_identification: banner line contains invalid characters
sshd[2204]	Server listening on 0.0.0.0 port 22.
systemd[1]	Started Session 42 of User deploy.
systemd[1]	Starting Daily apt upgrade and clean activities...
systemd[1]	apt-daily.service: Deactivated successfully.
systemd[1]	Finished Rotate log files.
systemd[1]	Failed to start nginx.service - A high performance web server and a reverse proxy server.
systemd[1]	nginx.service: Main process exited, code=exited, status=1/FAILURE
postfix/smtpd[3101]	connect from mail1.example.net[192.0.2.10]
postfix/smtpd[3101]	disconnect from mail1.example.net[192.0.2.10]
postfix/smtpd[3101]	NOQUEUE: reject: RCPT from unknown[198.51.100.4]: 554 5.7.1 <u1@example.org>: Relay access denied; from=<x@example.com> to=<u1@example.org> proto=ESMTP helo=<x>
postfix/cleanup[3102]	4F1A2C0B7: message-id=<20261130120001.4F1A2C0B7@web1.example.com>
postfix/qmgr[3103]	4F1A2C0B7: removed
postfix/local[3104]	4F1A2C0B7: to=<root@web1.example.com>, orig_to=<root>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)
kernel	[ 12.345678] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx
kernel	[ 99.000001] Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:1234kB
kernel	Oversized packet received from 198.51.100.77
kernel	Oversized packet received from 203.0.113.66
rlogind[777]	Connection from 203.0.113.66 on illegal port
kernel	[ 17.000002] end_request: I/O error, dev sda, sector 123456
kernel	[ 18.000003] cdrom: open failed.
kernel	[ 19.000004] Uniform CD-ROM driver Revision: 3.20
sudo[4101]	  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/apt update
sudo[4101]	pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000)
sudo[4101]	pam_unix(sudo:session): session closed for user root
sudo[4102]	  mallory : TTY=pts/3 ; PWD=/tmp ; USER=root ; COMMAND=/tmp/x
sudo[4103]	pam_unix(sudo:auth): authentication failure; logname=mallory uid=1001 euid=0 tty=/dev/pts/3 ruser=mallory rhost=  user=mallory
su[4201]	(to root) deploy on pts/1
su[4201]	pam_unix(su:session): session opened for user root(uid=0) by deploy(uid=1000)
su[4202]	FAILED SU (to root) mallory on pts/3
su[4203]	SECURITY override requested by mallory
smartd[512]	Device: /dev/sda, SMART Usage Attribute: 5 Reallocated_Sector_Ct changed from 100 to 99
smartd[512]	Device: /dev/sdb, 8 Currently unreadable (pending) sectors
smartd[512]	Device: /dev/sdc [SAT], 8 Currently unreadable (pending) sectors
dhclient[611]	DHCPREQUEST for 10.0.0.5 on eth0 to 10.0.0.1 port 67
dhclient[611]	DHCPACK of 10.0.0.5 from 10.0.0.1
rsyslogd	[origin software="rsyslogd" swVersion="8.2302.0" x-pid="380" x-info="https://www.rsyslog.com"] start
gdm[701]	gdm_slave_xioerror_handler: Fatal X error - Restarting :0
myapp[901]	processed batch 17 in 230 ms
myapp[901]	SECURITY token replay detected for session 77
myapp[906]	SECURITY drill, please ignore
myapp[902]	local-test: routine checkpoint reached
myapp[903]	skip-test: this stays a system event
END
}

# Lines only a file can hold: headers the rules' header does not accept,
# trailing blanks (logcheck removes them before matching).
lc_odd_lines() {
	printf '%s\n' \
		'N0v 30 12:00:01 web1 systemd[1]: Started Session 43 of User deploy.' \
		'Nov 30 12:00:02 web1 myapp[904]: trailing blanks are not part of the line   ' \
		$'Nov 30 12:00:06 web1 systemd[1]: Started Session 44 of User deploy. \t ' \
		'2026-11-30 12:00:03 web1 myapp[905]: a timestamp no rule expects' \
		'Nov 30 12:00:04 web1 sshd[2205]:Accepted publickey for x from 10.0.0.1 port 1 ssh2' \
		'Nov 30 12:00:05 web1.example.com su: (to root) deploy on pts/2'
}

lc_build_log() {
	local out=$1 i=0 tag text
	: >"$out"
	while IFS=$'\t' read -r tag text; do
		i=$((i + 1))
		if ((i % 2)); then
			printf 'Nov 30 %02d:%02d:%02d web1 %s: %s\n' $((10 + i / 60)) $((i % 60)) $((i % 60)) "$tag" "$text"
		else
			printf '2026-11-30T%02d:%02d:%02d.%06d+01:00 web1 %s: %s\n' $((10 + i / 60)) $((i % 60)) $((i % 60)) "$i" "$tag" "$text"
		fi
	done < <(lc_messages) >>"$out"
	lc_odd_lines >>"$out"
}

# lc_wire HOST1 HOST2: every other message from HOST2, every other
# timestamp one of a single-digit day (rsyslog writes "Dec  1"); the
# facility a program logs to, severity info (kernel: warning).
lc_wire() {
	local i=0 tag text pri stamp host
	while IFS=$'\t' read -r tag text; do
		i=$((i + 1))
		case $tag in
		kernel) pri=4 ;;
		CRON* | cron* | crontab*) pri=78 ;;
		sshd* | su\[* | sudo*) pri=86 ;;
		postfix*) pri=22 ;;
		*) pri=30 ;;
		esac
		if ((i % 2)); then
			stamp=$(printf 'Nov 30 10:%02d:%02d' $((i / 60)) $((i % 60))) host=$1
		else
			stamp=$(printf 'Dec  1 09:%02d:%02d' $((i / 60)) $((i % 60))) host=$2
		fi
		printf '<%d>%s %s %s: %s\n' "$pri" "$stamp" "$host" "$tag" "$text"
	done < <(lc_messages; lc_wire_odd)
}

# What only the wire adds: trailing blanks (logcheck removes them from the
# file's lines before matching).
lc_wire_odd() {
	printf '%s\n' $'myapp[904]\ttrailing blanks are not part of the line   ' \
		$'systemd[1]\tStarted Session 44 of User deploy.   '
}

# The test's local rules, the way an administrator adds them:
#   violations.d/logcheck      reported as plain "Security Events", unless
#                              another violations.d file reports the line
#   violations.ignore.d/myapp  quiets one of those: every violations.ignore.d
#                              file applies to violations.d/logcheck
#   cracking.ignore.d/local-test   quiets one cracking.d line
#   ignore.d.server/local-test     ignores a line of our own application
#   ignore.d.server/local-skip.dpkg-old   not a name run-parts takes: unused
lc_rules() {
	local dir=$1
	cp -r /etc/logcheck "$dir"
	printf '# test\n\n^.* (myapp|su)\\[[0-9]+\\]: SECURITY .*$\n' >>"$dir/violations.d/logcheck"
	printf '%s\n' '^.* myapp\[[0-9]+\]: SECURITY drill, .*$' >"$dir/violations.ignore.d/myapp"
	printf '%s\n' '^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ kernel: Oversized packet received from 198\.51\.100\.77$' \
		>"$dir/cracking.ignore.d/local-test"
	printf '%s\n' '# our application' '^(\w{3} [ :[:digit:]]{11}|[0-9T:.+-]{32}) [._[:alnum:]-]+ myapp\[[0-9]+\]: local-test: .*$' \
		>"$dir/ignore.d.server/local-test"
	printf '%s\n' '^.* myapp\[[0-9]+\]: skip-test: .*$' >"$dir/ignore.d.server/local-skip.dpkg-old"
	chmod -R a+rX "$dir"
}

# logcheck with its own configuration, state and lock under the test's
# directory: report to stdout (-o), offsets untouched (-t), no header.
lc_logcheck() {
	local level=$1 rules=$2 log=$3 out=$4 work
	local flag=-s
	case $level in paranoid) flag=-p ;; workstation) flag=-w ;; esac
	work=$(mktemp -d "${LM_TMP:-/tmp}/logcheck.XXXXXX")
	mkdir -p "$work/state" "$work/lock" "$work/tmp"
	cat >"$work/logcheck.conf" <<END
INTRO=0
SUPPORT_CRACKING_IGNORE=1
TMP=$work/tmp
LOCKDIR=$work/lock
LOCKFILE=$work/lock/logcheck
END
	chmod -R a+rwX "$work"
	chmod a+r "$log"
	local cmd=(/usr/sbin/logcheck -c "$work/logcheck.conf" -r "$rules" -S "$work/state" -o -t
		"$flag" -l "$log")
	if [ "$(id -u)" = 0 ]; then
		runuser -u logcheck -- "${cmd[@]}" >"$out"
	else
		"${cmd[@]}" >"$out"
	fi
}

# A report: a heading, a line of "=-=-", the lines, a blank line.
lc_report_pairs() {
	awk 'heading == "" && /^[=-]+$/ { heading = prev; next }
	     heading != "" && /^$/ { heading = ""; next }
	     heading != "" { print heading "\t" $0; next }
	     { prev = $0 }' "$1"
}

lc_compare() {
	local what=$1 theirs=$2 ours=$3 diffs
	diffs=$(awk -F'\t' '
		function section(h) { sub(/ for .*/, "", h); return h }
		FILENAME == ARGV[1] {
			ok[$0] = 1
			s = section($1)
			if (!($2 in sec)) sec[$2] = s
			else if (sec[$2] != s) sec[$2] = sec[$2] "+" s
			next
		}
		{
			line = $2
			seen[line] = 1
			if (!(line in sec)) print "logmail reports, logcheck does not: " $0
			else if (sec[line] != section($1)) print "logcheck says " sec[line] ", logmail " $0
			else if (!($0 in ok)) print "heading differs: " $0
		}
		END { for (l in sec) if (!(l in seen)) print "logcheck reports, logmail does not: " sec[l] "\t" l }
		' "$theirs" "$ours") || { lm_fail "$what: the comparison failed"; return 1; }
	if [ -n "$diffs" ]; then
		lm_fail "$what: differs from logcheck:"$'\n'"$diffs"
		return 1
	fi
	echo "ok: $what: the same lines in the same sections as logcheck ($(wc -l <"$ours") reported)"
}
