#!/bin/bash
# omlogmail inside Debian's rsyslogd: a digest the spool can never send is
# not dropped (issue 24 point 4).  With no `mail from`, the sender is
# logmail@<this host's name>; here (nss_wrapper: NSS_WRAPPER_HOSTNAME,
# NSS_WRAPPER_HOSTS, nothing in /etc) the host is "bad_host", which has no
# fully qualified name and is not a valid domain ('_' is not in a domain
# label).  Every digest then has an invalid sender: it goes to the spool's
# failed/ with the reason, is listed by `show mail` under Failed Messages
# with that reason, counted by `show counter mail`, logged, and never sent.
# (Before, the outbox dropped such a mail: "mails refused by the spool", in
# neither queue/ nor failed/.)
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'rs_show_failure; lm_cleanup' EXIT
nssw=$(find /usr/lib /lib -maxdepth 3 -name libnss_wrapper.so -print -quit 2>/dev/null)
[ -n "$nssw" ] || { echo "SKIP: libnss_wrapper.so is needed (apt-get install libnss-wrapper)"; exit 77; }

echo "192.0.2.4 bad_host" >"$LM_TMP/hosts"
# rsyslogd with nss_wrapper, after the sanitizer runtimes when there are any
# (rs_setup's RS_PRELOAD).
pre=
for a in "${RS_PRELOAD[@]}"; do
	case $a in LD_PRELOAD=*) pre=${a#LD_PRELOAD=}: ;; esac
done
RS_PRELOAD=(env "LD_PRELOAD=$pre$nssw" "NSS_WRAPPER_HOSTS=$LM_TMP/hosts"
	NSS_WRAPPER_HOSTNAME=bad_host
	"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0")

lm_smtpd_start smtpd || exit 99
rs_logmail_conf <<EOF2
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
log email ops@example.com level critical
EOF2
rs_conf
rs_start || exit 99
rs_log -p daemon.crit -t smartd "Device: /dev/sda, FAILED SMART self-check. BACK UP DATA NOW!"
rs_wait_log 'smartd: .*BACK UP DATA NOW' || exit 1

# The urgent line closes its digest at once; wait (bounded) for failed/.
for _ in $(seq 200); do
	reasons=("$RS_DIR"/spool/failed/*.reason)
	[ -f "${reasons[0]}" ] && break
	sleep 0.05
done
why='the sender address is not valid (character not allowed in the domain (letters, digits, '"'"'-'"'"' and dots))'
lm_assert_eq "one mail in failed/" 1 "$(find "$RS_DIR/spool/failed" -name '*.reason' | wc -l)"
lm_assert_eq "its reason" "$why" "$(cat "$RS_DIR"/spool/failed/*.reason 2>/dev/null)"
lm_assert_eq "nothing queued" 0 "$(find "$RS_DIR/spool/queue" -type f | wc -l)"

shown=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show mail 2>&1)
lm_assert_match "show mail lists it with its reason" \
	"Failed Messages.*ops@example\.com.*sender address is not valid" "$(tr '\n' ' ' <<<"$shown")"
counters=$("$LOGMAIL" --config "$RS_DIR/logmail.conf" --spool "$RS_DIR/spool" show counter mail)
lm_assert_match "counted as a fail" "Mails Sent Fails +\.+ 1" "$counters"
lm_assert_match "logged" "1 mails can never be sent and are kept in .*/failed: the sender address" \
	"$(cat "$RS_DIR/rsyslogd.log")"
rs_stop
lm_assert_eq "never sent" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"
lm_done
