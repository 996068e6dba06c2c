# tests/integration/postfix-lib.sh: a Postfix of the test's own, for the
# SMTP client's tests against a second real server (source after lib.sh and
# lm_setup).
#
#   lm_postfix_start [main.cf lines...]
#       Postfix 3.x from a private directory under $LM_TMP: smtpd on
#       127.0.0.1:$PF_PORT, Cyrus SASL from a sasldb of its own (user tim,
#       password "tanstaaf tanstaaf": CRAM-MD5, PLAIN, LOGIN), every mail
#       to example.com delivered by virtual(8) into the Maildir $PF_MAILDIR
#       (new/ holds one file per mail, with Return-Path, X-Original-To and
#       Received prepended); its log in $PF_LOG.  Stopped at exit.
#   lm_postfix_wait N    wait (bounded) until N mails were delivered
#   lm_postfix_mail ADDR the path of the mail delivered to ADDR (by its
#                        X-Original-To; give each case its own recipient)
#
# Nothing under /etc is touched: `postfix -c DIR` reads DIR/main.cf and
# DIR/master.cf, and Debian's Postfix reads its SASL settings from
# DIR/sasl/smtpd.conf.  Needs root (Postfix's master starts as root and its
# daemons run as the postfix user); skips (77) without Postfix or root.

lm_postfix_start() {
	local d="$LM_TMP/postfix" uid gid
	command -v postfix >/dev/null && command -v saslpasswd2 >/dev/null ||
		{ echo "SKIP: postfix and sasl2-bin are needed"; exit 77; }
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix runs as root"; exit 77; }
	uid=$(id -u postfix) && gid=$(id -g postfix) || { echo "no postfix user" >&2; return 1; }
	PF_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	PF_DIR=$d PF_MAILDIR="$d/mail/box" PF_LOG="$d/maillog"
	# Postfix's daemons (user postfix) must get through $LM_TMP to their queue.
	chmod 711 "$LM_TMP"
	mkdir -p "$d/conf/sasl" "$d/queue" "$d/data" "$d/mail" || return 1
	chown postfix:postfix "$d/data" "$d/mail"
	cat >"$d/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_LOG
maillog_file_prefixes = $d
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.test
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = example.com
virtual_mailbox_base = $d/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
smtpd_sasl_auth_enable = yes
smtpd_sasl_path = smtpd
smtpd_sasl_security_options = noanonymous
EOF
	printf '%s\n' "$@" >>"$d/conf/main.cf"
	# Only what smtpd and local delivery need; no chroot (a private tree).
	cat >"$d/conf/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
	cat >"$d/conf/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $d/conf/sasl/sasldb2
mech_list: CRAM-MD5 PLAIN LOGIN
EOF
	# Cyrus keeps the password itself (CRAM-MD5 needs it), in realm myhostname.
	printf 'tanstaaf tanstaaf' | saslpasswd2 -p -c -f "$d/conf/sasl/sasldb2" -u postfix.test tim ||
		return 1
	chown postfix "$d/conf/sasl/sasldb2"
	LM_STOPS+=("postfix -c '$d/conf' stop")
	postfix -c "$d/conf" start >"$d/start.log" 2>&1 || { cat "$d/start.log" "$PF_LOG" >&2; return 1; }
	lm_postfix_listening || { echo "Postfix did not listen on $PF_PORT" >&2; cat "$PF_LOG" >&2; return 1; }
}

# Wait (at most 10 s) until smtpd accepts connections on $PF_PORT.
lm_postfix_listening() {
	local i
	for ((i = 0; i < 200; i++)); do
		"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
			"$PF_PORT" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

lm_postfix_count() {
	find "$PF_MAILDIR/new" -type f 2>/dev/null | wc -l
}

lm_postfix_wait() { # N
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(lm_postfix_count)" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

lm_postfix_mail() { # ADDR
	grep -l -x -F "X-Original-To: $1" "$PF_MAILDIR"/new/* 2>/dev/null | head -n 1
}
