#!/bin/bash
# omlogmail inside Debian's rsyslogd: a recipient's logcheck filter on a
# rules directory of the test's own.  Lines no rule ignores are mailed
# under "System Events"; an ignore rule added to the directory takes effect
# at the next HUP (logcheck's rules are re-read), and its line is no longer
# mailed, while other lines still are.  (RFC 3164 from logger, so that the
# tag is "appx:" as the rules expect; an RFC 5424 message's is "appx".
# rsyslogd's own lines are excluded: no rule ignores them, and they would
# make digests of their own, as many as the timing gives.)  Then the
# compiled rules kept in <spool>/cache, and a restart over a damaged cache.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT

rules=$RS_DIR/rules
mkdir -p "$rules"/{cracking.d,cracking.ignore.d,violations.d,violations.ignore.d}
mkdir -p "$rules"/{ignore.d.paranoid,ignore.d.server}
printf '%s\n' '^\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ appx(\[[0-9]+\])?: routine ' \
	>"$rules/ignore.d.server/appx"

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail from logmail@test.example
log email lc@example.com logcheck server rules $rules
log email lc@example.com digest window 1
log email lc@example.com exclude program rsyslogd
EOF
rs_conf
rs_start || exit 99
rs_wait_log "omlogmail: logcheck rules $rules \(server\): 1 rules loaded" || exit 1

rs_log --rfc3164 -p user.notice -t appx "routine work done"
rs_log --rfc3164 -p user.notice -t appx "ignore me before the HUP"
lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "no mail before the HUP"
f=$(rs_mail_to lc@example.com | head -n 1)
body=$(rs_body "$f")
lm_assert_match "before: the line under its section" \
	$'^System Events\n=============\n(.*\n)?[-0-9]+ [:0-9]+ [-+][0-9]{4} notice [^ ]+ appx(\\[[0-9]+\\])?: ignore me before the HUP\n-- \n' "$body"
lm_assert_eq "before: the ignored line is not there" 0 "$(grep -c 'routine work' <<<"$body")"

printf '%s\n' '^\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ appx(\[[0-9]+\])?: ignore me ' \
	>"$rules/ignore.d.server/local-appx"
kill -HUP "$RS_PID"
rs_wait_log "omlogmail: $RS_DIR/logmail.conf reloaded, 1 recipients" || exit 1
rs_wait_log "omlogmail: logcheck rules $rules \(server\): 2 rules loaded" || exit 1
rs_log --rfc3164 -p user.notice -t appx "ignore me after the HUP"
rs_log --rfc3164 -p user.notice -t appx "still reported after the HUP"
lm_wait_mails "$SMTPD_MAILDIR" 2 || lm_fail "no mail after the HUP"
rs_stop

all=$(for f in $(rs_mail_to lc@example.com); do rs_body "$f"; done)
lm_assert_eq "two mails" 2 "$(rs_mail_to lc@example.com | wc -l)"
lm_assert_match "after: the other line is mailed" 'notice [^ ]+ appx(\[[0-9]+\])?: still reported after the HUP' "$all"
lm_assert_eq "after: the newly ignored line is not" 0 "$(grep -c 'ignore me after' <<<"$all")"

# With Vectorscan, the compiled rules are kept in the spool's cache,
# private.  A restart over cache files that were all damaged compiles the
# rules again and answers the same.
cache=$RS_DIR/spool/cache
if [ "$("$top_builddir/tests/integration/logcheck_driver" -v)" = vectorscan ]; then
	lm_assert_eq "the cache directory is private" 700 "$(stat -c %a "$cache")"
	lm_assert_eq "cache files: at least the ignore rules' database" yes \
		"$([ -n "$(find "$cache" -type f -print -quit)" ] && echo yes)"
	lm_assert_eq "cache files are 0600" "" "$(find "$cache" -type f ! -perm 600)"
	for f in "$cache"/*; do
		printf 'garbage' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
	done
else
	lm_assert_eq "without Vectorscan, nothing to keep" no "$([ -e "$cache" ] && echo yes || echo no)"
fi
rs_start || exit 99
rs_wait_log "omlogmail: logcheck rules $rules \(server\): 2 rules loaded" 2 || exit 1
rs_log --rfc3164 -p user.notice -t appx "ignore me after the restart"
rs_log --rfc3164 -p user.notice -t appx "still reported after the restart"
lm_wait_mails "$SMTPD_MAILDIR" 3 || lm_fail "no mail after the restart"
rs_stop
all=$(for f in $(rs_mail_to lc@example.com); do rs_body "$f"; done)
lm_assert_match "restart: the other line is mailed" 'notice [^ ]+ appx(\[[0-9]+\])?: still reported after the restart' "$all"
lm_assert_eq "restart: the ignored line is not" 0 "$(grep -c 'ignore me after the restart' <<<"$all")"
lm_done
