#!/bin/bash
# The SMTP client against smtpd.py in starttls mode: no AUTH, PLAIN, LOGIN and
# CRAM-MD5, each delivering a message with a non-ASCII subject and body;
# the delivered envelope, headers and body are compared exactly.  Then
# logmail itself, with `tls starttls` and with no tls configured (STARTTLS
# when offered, Postfix's `may`: the test CA is not the system's, so
# unverified): `show mail` says how its last session was protected.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }
lm_smtp_matrix starttls
lm_tls_show_mail starttls starttls STARTTLS "STARTTLS verified"
lm_tls_show_mail starttls - None "STARTTLS unverified"
lm_done
