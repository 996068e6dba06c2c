#!/bin/bash
# Same answers as logcheck, through rsyslogd: Debian's rsyslogd receives
# the messages of logcheck-lib.sh over TCP as a sender puts them on the
# wire (RFC 3164, two hosts), writes them to a file in
# RSYSLOG_TraditionalFileFormat, and omlogmail mails them to three
# recipients, `logcheck paranoid`, `server` and `workstation` with the
# test's rules.  Then logcheck itself (-o -t) reads the file rsyslogd
# wrote, and each recipient's mail must hold, under its section headings,
# exactly the lines logcheck reported at that level, each in the same
# section, each once.  Besides: a line logcheck ignores but another filter
# of the recipient takes comes under "Other Events", an exclude beats the
# logcheck filter, and the comparison tells the levels apart.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
. "$top_srcdir/tests/integration/logcheck-lib.sh"
lc_require
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
chmod 755 "$LM_TMP" "$RS_DIR" # logcheck reads the log and the rules as user logcheck

LEVELS="paranoid server workstation"
OTHER="Started Session 42 of User deploy." # server: a line its rules ignore
EXCLUDED="SECURITY token replay"           # workstation: reported, but excluded
rules=$LM_TMP/rules
lc_rules "$rules"

lm_smtpd_start smtpd || exit 99
{
	printf '%s\n' "mail smtpserver 127.0.0.1" "mail smtpserver port $SMTPD_PORT" \
		"mail from logmail@test.example"
	for level in $LEVELS; do
		a=$level@example.com
		printf '%s\n' "log email $a logcheck $level rules \"$rules\"" \
			"log email $a digest fold off" "log email $a digest window 2" \
			"log email $a digest max-messages 1000" "log email $a digest max-bytes 1000000" \
			"log email $a rate-limit 0"
	done
	echo "log email server@example.com msgtext \"$OTHER\""
	echo "log email workstation@example.com exclude msgtext \"$EXCLUDED\""
} | rs_logmail_conf

# The messages of the input only (not rsyslogd's own), one worker so that
# the two files see them in the same order.  all.log is the file logcheck
# reads; keys.log has, for each of its lines, the properties omlogmail
# shows: host, program, text.
cache=${LOGMAIL_TEST_CACHE:+cache=\"$LOGMAIL_TEST_CACHE\"}
cat >"$RS_DIR/rsyslog.conf" <<EOF
global(workDirectory="$RS_DIR/work")
main_queue(queue.workerThreads="1")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="$RS_DIR/tcp.port" ruleset="lc")
module(load="$OMLOGMAIL")
template(name="lc_keys" type="string"
         string="%hostname%\t%programname%\t%msg%\t%timestamp% %hostname% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")
ruleset(name="lc") {
	action(type="omfile" file="$RS_DIR/all.log" template="RSYSLOG_TraditionalFileFormat")
	action(type="omfile" file="$RS_DIR/keys.log" template="lc_keys")
	action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool" $cache)
}
EOF
t0=$SECONDS
# three levels of rules: 15 s, 60-90 s with ASan; a second or two when
# LOGMAIL_TEST_CACHE (scripts/test) has them from an earlier run
RS_START_TRIES=6000 rs_start || exit 99
echo "rsyslogd started in $((SECONDS - t0)) s"

lc_wire web1 db-2.example.com >"$LM_TMP/wire"
sent=$(wc -l <"$LM_TMP/wire")
cat "$LM_TMP/wire" >"/dev/tcp/127.0.0.1/$RS_PORT"
rs_wait_log . "$sent" || exit 1

# One digest per recipient (a window of 2 s, everything sent within it).
lm_wait_mails "$SMTPD_MAILDIR" 3 400 || lm_fail "3 mails expected, $(lm_mail_count "$SMTPD_MAILDIR") arrived"
rs_stop
lm_assert_eq "nothing left in the spool" "" "$(find "$RS_DIR/spool/queue" -type f 2>/dev/null)"

# key: "HOST PROGRAM: TEXT", the text without blanks at either end
key() { # (awk) from the fields host, program, text
	cat <<'EOF'
function key(h, p, t) { gsub(/^[ \t]+|[ \t]+$/, "", t); return h " " p ": " t }
EOF
}

# every message sent, once in the file, its key unique: the mails can be
# mapped back to the messages
lm_assert_eq "all.log: every message" "$sent" "$(wc -l <"$RS_DIR/all.log")"
lm_assert_eq "keys.log: every message" "$sent" "$(wc -l <"$RS_DIR/keys.log")"
dups=$(awk -F'\t' "$(key)"' { print key($1, $2, $3) }' "$RS_DIR/keys.log" | sort | uniq -d)
lm_assert_eq "every message has its own host, program and text" "" "$dups"
lm_assert_eq "the host names came through" 2 "$(cut -f1 "$RS_DIR/keys.log" | sort -u | wc -l)"

# ours_pairs ADDR: "SECTION<TAB>KEY" for every line of ADDR's mails; a
# line that is not where the body's format puts it is reported as
# "!<TAB>what is wrong".  The format: headings in the order of ORDER, each
# underlined with "=", its lines, a blank line (or the end); then "-- " and
# the summary, whose count must be the number of lines.
ours_pairs() {
	local eml
	for eml in $(rs_mail_to "$1"); do
		rs_body "$eml" | awk "$(key)"'
		BEGIN { n = split("Security Alerts|Security Events|System Events|Other Events", o, "|")
			for (i = 1; i <= n; i++) order[o[i]] = i }
		{ line[NR] = $0 }
		END {
			last = 0; shown = 0
			for (i = 1; i <= NR && line[i] != "-- "; i++) {
				l = line[i]
				if (l in order) {
					u = l; gsub(/./, "=", u)
					if (line[i + 1] != u) print "!\tnot underlined: " l " / " line[i + 1]
					if (order[l] <= last) print "!\tout of order or twice: " l
					last = order[l]
					for (i += 2; i <= NR && line[i] != "" && line[i] != "-- "; i++) {
						shown++
						if (match(line[i], /^[-0-9]+ [:0-9]+ [-+][0-9][0-9][0-9][0-9] [a-z?]+ [^ ]+ [^ ]+: /)) {
							split(line[i], f, " ")
							p = f[6]; sub(/[\[:\/].*/, "", p) # the tag as logged: its program
							t = substr(line[i], length(f[1] f[2] f[3] f[4] f[5] f[6]) + 7)
							print l "\t" key(f[5], p, t)
						} else
							print "!\tnot a log line: " line[i]
					}
					if (line[i] == "-- ")
						break
				} else if (l != "")
					print "!\toutside the sections: " l
			}
			if (line[i] != "-- ") print "!\tno \"-- \" line"
			else if (line[i + 1] !~ "^" shown " messages")
				print "!\t" shown " lines, but the summary says: " line[i + 1]
		}'
	done
}

# theirs_pairs REPORT: logcheck's "HEADING<TAB>LINE" as "SECTION<TAB>KEY",
# through keys.log (the line as all.log has it -> host, program, text)
theirs_pairs() {
	lc_report_pairs "$1" | awk -F'\t' "$(key)"'
		FILENAME == ARGV[1] { l = $4; sub(/[ \t]+$/, "", l); k[l] = key($1, $2, $3); next }
		{ s = $1; sub(/ for .*/, "", s); l = $2; sub(/[ \t]+$/, "", l)
		  print s "\t" (l in k ? k[l] : "?not in all.log? " l) }' "$RS_DIR/keys.log" -
}

for level in $LEVELS; do
	lc_logcheck "$level" "$rules" "$RS_DIR/all.log" "$LM_TMP/$level.report" ||
		lm_fail "$level: logcheck failed: $(cat "$LM_TMP/$level.report")"
	theirs_pairs "$LM_TMP/$level.report" >"$LM_TMP/$level.logcheck"
	cp "$LM_TMP/$level.logcheck" "$LM_TMP/$level.theirs"
	for section in "Security Alerts" "Security Events" "System Events"; do
		grep -q "^$section"$'\t' "$LM_TMP/$level.logcheck" ||
			lm_fail "$level: logcheck reported no $section: the test needs more lines"
	done
	ours_pairs "$level@example.com" >"$LM_TMP/$level.ours"
	bad=$(grep $'^!\t' "$LM_TMP/$level.ours" | cut -f2-)
	lm_assert_eq "$level: the mail's sections as the format says" "" "$bad"
	grep -v $'^!\t' "$LM_TMP/$level.ours" >"$LM_TMP/$level.lines"
	lm_assert_eq "$level: each line once" "" "$(cut -f2 "$LM_TMP/$level.lines" | sort | uniq -d)"
done

# What the other filters add and take away (in $level.theirs, from
# logcheck's $level.logcheck), then the comparison.
other=$(grep -F -- "$OTHER" "$LM_TMP/server.logcheck")
lm_assert_eq "logcheck ignores '$OTHER' at the server level" "" "$other"
awk -F'\t' -v t="$OTHER" "$(key)"'index($3, t) { print "Other Events\t" key($1, $2, $3) }' \
	"$RS_DIR/keys.log" >>"$LM_TMP/server.theirs"
lm_assert_match "workstation: logcheck reports '$EXCLUDED'" "Security Events"$'\t'".*$EXCLUDED" \
	"$(cat "$LM_TMP/workstation.logcheck")"
grep -v -F -- "$EXCLUDED" "$LM_TMP/workstation.logcheck" >"$LM_TMP/workstation.theirs"
for level in $LEVELS; do
	lc_compare "$level, through rsyslogd" "$LM_TMP/$level.theirs" "$LM_TMP/$level.lines"
done

# The comparison tells the levels apart: the server's logcheck lines are
# not what logcheck reports at the other levels.
grep -v '^Other Events' "$LM_TMP/server.lines" >"$LM_TMP/server.logcheck-lines"
for level in paranoid workstation; do
	if (lc_compare x "$LM_TMP/$level.logcheck" "$LM_TMP/server.logcheck-lines") >/dev/null 2>&1; then
		lm_fail "the server's mail matches logcheck's $level report: the comparison cannot tell"
	else
		echo "ok: the server's mail is not logcheck's $level report"
	fi
done
lm_done
