#!/bin/bash
# The SMTP client against smtpd.py in plain mode: no AUTH, PLAIN, LOGIN and
# CRAM-MD5, each delivering a message with a non-ASCII subject and body;
# the delivered envelope, headers and body are compared exactly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
lm_setup
lm_make_certs || { echo "FAIL: cannot make certificates"; exit 1; }
lm_smtp_matrix plain
lm_done
