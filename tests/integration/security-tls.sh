#!/bin/bash
# TLS 1.2 is the minimum: a server that offers at most TLS 1.1
# (tests/servers/smtpd.py --tls-max 1.1), with STARTTLS or SMTPS, gets no
# mail: `logmail mail` keeps it queued with a TLS error, and nothing reaches
# the server.  The same server without the cap takes it (the control).
# Skipped when this OpenSSL cannot even run a TLS 1.1 server.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
lm_make_certs || { echo "cannot make certificates" >&2; exit 99; }

printf 'TLS test\n' >"$LM_TMP/body"

# Is a TLS 1.1 server possible here at all?  (openssl s_client, SMTPS)
lm_smtpd_start probe --mode smtps --tls-cert "$LM_CERT" --tls-key "$LM_KEY" --tls-max 1.1 ||
	exit 99
proto=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$SMTPD_PORT" -tls1_1 \
	-cipher 'DEFAULT:@SECLEVEL=0' 2>/dev/null | sed -n 's/^ *Protocol *: *//p')
lm_smtpd_stop probe
if [ "$proto" != TLSv1.1 ]; then
	echo "SKIP: this OpenSSL cannot run a TLS 1.1 server (got '$proto')"
	exit 77
fi

for mode in smtps starttls; do
	for cap in 1.1 none; do
		name=$mode-$cap
		opts=(--mode "$mode" --tls-cert "$LM_CERT" --tls-key "$LM_KEY")
		[ "$cap" = none ] || opts+=(--tls-max "$cap")
		lm_smtpd_start "$name" "${opts[@]}" || { lm_fail "$name: no server"; continue; }
		rm -rf "$spool"
		lm configure <<EOF || lm_fail "$name: configure"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver tls $mode
mail smtpserver tls ca-file $LM_CA
mail smtpserver timeout 10
mail from sender@example.com
EOF
		out=$(lm mail to admin@example.com subject "$name" file "$LM_TMP/body" 2>&1)
		rc=$?
		if [ "$cap" = none ]; then
			lm_assert_eq "$name: TLS 1.2+ server: exit code" 0 "$rc"
			lm_wait_mails "$SMTPD_MAILDIR" 1 || lm_fail "$name: not delivered"
			lm_assert_eq "$name: delivered over TLS" "tls: yes" \
				"$(grep -h '^tls:' "$SMTPD_MAILDIR"/*.env 2>/dev/null)"
		else
			lm_assert_eq "$name: TLS 1.1 server: exit code (queued)" 75 "$rc"
			lm_assert_match "$name: a TLS error" '\.\.\. queued: .*(TLS|SSL|tls|ssl|protocol|handshake)' "$out"
			lm_assert_eq "$name: nothing reached the server" 0 \
				"$(lm_mail_count "$SMTPD_MAILDIR")"
			lm_assert_eq "$name: the mail stays queued" 1 \
				"$(lm show mail | grep -c '^Message-ID ')"
		fi
		lm_smtpd_stop "$name"
	done
done
lm_done
