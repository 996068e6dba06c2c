#!/bin/bash
# Names and addresses, through `logmail mail` against tests/servers/smtpd.py,
# with the host name and the name lookups of the test's own making
# (nss_wrapper: NSS_WRAPPER_HOSTNAME, NSS_WRAPPER_HOSTS; nothing in /etc):
#   - EHLO names this host by its fully qualified name (RFC 5321 4.1.4),
#     found from a bare host name; the Message-ID carries the same domain;
#   - a host without one sends an address literal of the connection:
#     [127.0.0.1], [IPv6:::1];
#   - `mail smtpserver helo NAME` overrides both (and shows in
#     running-config);
#   - `mail smtpserver ::1` (IPv6), and a name with an AAAA and an A record
#     whose first address refuses: each address is tried in turn; show mail
#     names the address used last; when all refuse, the reason names each.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup

nssw=$(find /usr/lib /lib -maxdepth 3 -name libnss_wrapper.so -print -quit 2>/dev/null)
[ -n "$nssw" ] || { echo "SKIP: libnss_wrapper.so is needed (apt-get install libnss-wrapper)"; exit 77; }
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' ||
	{ echo "SKIP: this kernel has no IPv6 loopback (::1)"; exit 77; }

hosts=$LM_TMP/hosts
cat >"$hosts" <<EOF
192.0.2.2 box.example.net box
192.0.2.3 nofqdn
::1 multi.test
127.0.0.1 multi.test
EOF
# lmw HOSTNAME ARGS...: logmail with that host name and $hosts.  ASan wants
# its runtime first among the preloaded libraries; here it is second.
lmw() {
	local name=$1
	shift
	LD_PRELOAD=$nssw NSS_WRAPPER_HOSTS=$hosts NSS_WRAPPER_HOSTNAME=$name \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$LOGMAIL" --config "$conf" --spool "$spool" "$@"
}

lm configure <<EOF || lm_fail "configure failed"
mail smtpserver 127.0.0.1
mail from sender@example.com
mail smtpserver timeout 10
EOF

# send HOSTNAME SUBJECT: one mail; sets OUT, RC, and N, the number of
# mails the current server holds afterwards.
send() {
	OUT=$(printf 'Body.\n' | lmw "$1" mail to admin@example.com subject "$2" 2>&1)
	RC=$?
	N=$(lm_mail_count "$SMTPD_MAILDIR")
}
# got N KEY: the envelope's KEY of mail N; mid N: its Message-ID's domain.
got() { lm_env_value "$SMTPD_MAILDIR/$(printf %04d "$1").env" "$2"; }
mid() { lm_header "$SMTPD_MAILDIR/$(printf %04d "$1").eml" Message-ID | sed 's/^<[^@]*@\(.*\)>$/\1/'; }

# ---- EHLO and Message-ID ------------------------------------------------------
lm_smtpd_start v4 || exit 99
lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure port"
send box "fully qualified"
lm_assert_match "box: sent" '^Sending [0-9.]+\.\.\. ok\.$' "$OUT"
lm_assert_eq "box: EHLO with the fully qualified name" box.example.net "$(got 1 helo)"
lm_assert_eq "box: the Message-ID's domain" box.example.net "$(mid 1)"

send nofqdn "no fully qualified name"
lm_assert_eq "nofqdn: EHLO with an address literal" "[127.0.0.1]" "$(got 2 helo)"
lm_assert_eq "nofqdn: the Message-ID keeps the host name" nofqdn "$(mid 2)"

lm configure <<<"mail smtpserver helo switch1.example.com" || lm_fail "configure helo"
lm_assert_eq "helo in running-config" "mail smtpserver helo switch1.example.com" \
	"$(lm show running-config | grep '^mail smtpserver helo')"
send nofqdn "configured name"
lm_assert_eq "helo NAME: EHLO" switch1.example.com "$(got 3 helo)"
lm_assert_eq "helo NAME: the Message-ID's domain" switch1.example.com "$(mid 3)"
lm configure <<<"no mail smtpserver helo" || lm_fail "configure no helo"

# ---- a name with an AAAA and an A record --------------------------------------
# ::1 comes first (RFC 6724 prefers it to 127.0.0.1) and refuses: nothing
# listens there on this port.
lm configure <<<"mail smtpserver multi.test" || lm_fail "configure multi.test"
send nofqdn "to the second address"
lm_assert_match "multi.test, ::1 refuses: sent" '\.\.\. ok\.$' "$OUT"
lm_assert_eq "multi.test, ::1 refuses: delivered over IPv4" 4 "$N"
lm_assert_eq "multi.test: show mail, the address used last" \
	"Server Address (last used)          : 127.0.0.1" \
	"$(lmw nofqdn show mail | grep '^Server Address')"
v4_port=$SMTPD_PORT
lm_smtpd_stop v4

lm_smtpd_start v6 --listen ::1 || exit 99
lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "configure port"
send nofqdn "to the first address"
lm_assert_eq "multi.test, ::1 listens: delivered" 1 "$N"
lm_assert_eq "multi.test, ::1 listens: show mail" \
	"Server Address (last used)          : ::1" \
	"$(lmw nofqdn show mail | grep '^Server Address')"

# ---- an IPv6 address --------------------------------------------------------
lm configure <<<"mail smtpserver ::1" || lm_fail "configure ::1"
send nofqdn "over IPv6"
lm_assert_match "::1: sent" '\.\.\. ok\.$' "$OUT"
lm_assert_eq "::1: the envelope" admin@example.com "$(got 2 to)"
lm_assert_eq "::1: EHLO with an IPv6 address literal" "[IPv6:::1]" "$(got 2 helo)"
lm_smtpd_stop v6

# ---- every address refuses: deferred, each named -----------------------------
lm configure <<EOF || lm_fail "configure multi.test again"
mail smtpserver multi.test
mail smtpserver port $v4_port
EOF
send nofqdn "nobody listens"
lm_assert_match "multi.test, both refuse: queued, each address named" \
	"\\.\\.\\. queued: connect: cannot connect to multi\\.test port $v4_port \\(::1: Connection refused; 127\\.0\\.0\\.1: Connection refused\\)\$" \
	"$OUT"
lm_assert_eq "multi.test, both refuse: exit code (EX_TEMPFAIL)" 75 "$RC"

lm_done
