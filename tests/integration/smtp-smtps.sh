#!/bin/bash
# The SMTP client against smtpd.py in smtps mode: no AUTH, PLAIN, LOGIN and
# CRAM-MD5, each delivering a message with a non-ASCII subject and body;
# the delivered envelope, headers and body are compared exactly.  Then
# logmail itself with `tls smtps`: `show mail` says its last session used
# implicit TLS, verified.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }
lm_smtp_matrix smtps
lm_tls_show_mail smtps smtps SMTPS "implicit TLS verified"
lm_done
