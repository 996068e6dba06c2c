#!/bin/bash
# `rsyslogd -N1` with omlogmail: every rsyslog.d/ example validates (module
# path, config and spool pointed at temp files), a -N1 run creates no spool,
# and configuration errors are reported through rsyslog with the file, line
# and column of the offending logmail line.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/rsyslog-lib.sh"
rs_setup
trap 'lm_cleanup' EXIT

# check_conf NAME: rsyslogd -N1 on $RS_DIR/NAME.conf; output in $out, status in $rc.
check_conf() {
	out=$("${RS_PRELOAD[@]}" "$RSYSLOGD" -N1 -f "$RS_DIR/$1.conf" 2>&1)
	rc=$?
}

# An example, made to load the built module and use temp paths.  With
# $LOGMAIL_TEST_CACHE (scripts/test sets it), the compiled logcheck rules
# are kept there, as the other logcheck tests keep them: the logcheck
# example compiles Debian's whole rule database, for minutes under the
# sanitizers, and the cache names a file by what was compiled, so it is
# never stale (filters/hscache.h).
localize() { # EXAMPLE > CONF
	local cache=
	[ -n "${LOGMAIL_TEST_CACHE:-}" ] && cache=" cache=\"$LOGMAIL_TEST_CACHE\""
	echo "global(workDirectory=\"$RS_DIR/work\")"
	sed -e "s|module(load=\"omlogmail\")|module(load=\"$OMLOGMAIL\")|" \
		-e "s|/etc/logmail/logmail.conf|$RS_DIR/logmail.conf|g" \
		-e "s|/var/spool/logmail|$RS_DIR/spool|g" \
		-e "s|action(type=\"omlogmail\")|action(type=\"omlogmail\" config=\"$RS_DIR/logmail.conf\" spool=\"$RS_DIR/spool\")|" \
		-e "s|spool=\"$RS_DIR/spool\"|&$cache|" \
		"$1"
}

# The configuration of the TLS/AUTH example, written as it says: with the
# CLI (the password is stored as `password 8`) when it was built.
tls_auth_lines="mail smtpserver smtp.example.com
mail smtpserver tls starttls
mail smtpserver authentication login username alerts password S3cret
mail from alerts@example.com
log email noc@example.com level errors
log email noc@example.com exclude program cron
log email noc@example.com time utc +1:00"
if [ -x "$LOGMAIL" ]; then
	"$LOGMAIL" --config "$RS_DIR/logmail.conf" configure <<<"$tls_auth_lines" ||
		lm_fail "logmail configure refused the TLS/AUTH example's lines"
	grep -q 'password 8 ' "$RS_DIR/logmail.conf" || lm_fail "the password is not stored as password 8"
else
	rs_logmail_conf <<<"$(grep -v authentication <<<"$tls_auth_lines")"
fi

n=0
for ex in "$top_srcdir"/rsyslog.d/*.conf; do
	name=$(basename "$ex" .conf)
	localize "$ex" >"$RS_DIR/$name.conf"
	check_conf "$name"
	lm_assert_eq "$name: rsyslogd -N1 status" 0 "$rc" || echo "$out" >&2
	if grep -qiE 'error|omlogmail:' <<<"$out"; then
		lm_fail "$name: rsyslogd -N1 complained: $out"
	fi
	n=$((n + 1))
done
lm_assert_match "examples checked" "^[3-9]$" "$n"
[ -e "$RS_DIR/spool" ] && lm_fail "rsyslogd -N1 created the spool"

# cache= says where compiled logcheck rules are kept (with Vectorscan: without
# it nothing is compiled to keep); cache="" keeps them nowhere, not even in
# the spool's cache, the default (the spool made beforehand, as a package
# does).
rules=$RS_DIR/rules
mkdir -m 700 "$RS_DIR/sp"
mkdir -p "$rules"/{cracking.d,violations.d,ignore.d.paranoid,ignore.d.server}
printf '%s\n' '^\w{3} [ :[:digit:]]{11} [._[:alnum:]-]+ appx\[[0-9]+\]: routine$' \
	>"$rules/ignore.d.server/appx"
rs_logmail_conf <<<"mail smtpserver smtp.example.com"
for cache in "$RS_DIR/kept" ""; do
	cat >"$RS_DIR/cache.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/sp" cache="$cache"
       filters=["log email lc@example.com logcheck server rules \\"$rules\\""])
EOF
	check_conf cache
	lm_assert_eq "cache=\"$cache\": rsyslogd -N1 status" 0 "$rc" || echo "$out" >&2
done
if [ "$("$top_builddir/tests/integration/logcheck_driver" -v)" = vectorscan ]; then
	lm_assert_eq "cache=DIR: the compiled rules kept there" yes \
		"$([ -n "$(find "$RS_DIR/kept" -type f -print -quit 2>/dev/null)" ] && echo yes)"
fi
lm_assert_eq "cache=\"\": nothing kept in the spool" no \
	"$([ -e "$RS_DIR/sp/cache" ] && echo yes || echo no)"

# A bad line in the shared file: file, line and column through rsyslog.
rs_logmail_conf <<'EOF'
mail smtpserver smtp.example.com
log email ops@example.com level errors
log email ops@example.com level loud
EOF
cat >"$RS_DIR/bad.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool")
EOF
check_conf bad
lm_assert_match "bad file: status" "^[1-9]" "$rc"
lm_assert_match "bad file: file:line:column" \
	"rsyslogd: omlogmail: $RS_DIR/logmail.conf:3:[0-9]+: [^\"]*\"loud\"" "$out"
lm_assert_match "bad file: rsyslog names its own line" "$RS_DIR/bad.conf, on or before line 2" "$out"

# A bad line in filters=[...]: its index and column.
rs_logmail_conf <<<"mail smtpserver smtp.example.com"
cat >"$RS_DIR/badfilter.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool"
       filters=["log email a@example.com level errors",
                "log email b@example.com msgtext regex \"(unclosed\""])
EOF
check_conf badfilter
lm_assert_match "bad filter: status" "^[1-9]" "$rc"
lm_assert_match "bad filter: line 2 of filters" "omlogmail: omlogmail filters:2:[0-9]+: .*regular expression" "$out"

# Relative paths would be wrong once rsyslogd has changed directory to /.
cat >"$RS_DIR/relative.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="logmail.conf" spool="$RS_DIR/spool" cache="cache")
EOF
check_conf relative
lm_assert_match "relative path: status" "^[1-9]" "$rc"
lm_assert_match "relative path: said" \
	"omlogmail: config=\"logmail.conf\" must be an absolute path \(rsyslogd changes directory to /\)" "$out"
lm_assert_match "relative cache: said" "omlogmail: cache=\"cache\" must be an absolute path" "$out"
lm_assert_eq "the spool's absolute path: not named" 0 "$(grep -c 'spool=.* must be' <<<"$out")"

# An unknown parameter is rsyslog's own error.
cat >"$RS_DIR/unknown.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/logmail.conf" spool="$RS_DIR/spool" smtpserver="x")
EOF
check_conf unknown
lm_assert_match "unknown parameter: status" "^[1-9]" "$rc"
lm_assert_match "unknown parameter: said" "smtpserver" "$out"

# A missing shared file is an empty configuration: valid (the warning that
# nothing will be mailed is LOG_WARNING, which -N1 does not print).
cat >"$RS_DIR/missing.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/nothere.conf" spool="$RS_DIR/spool"
       filters=["log email a@example.com level errors"])
EOF
check_conf missing
lm_assert_eq "missing file, inline filter: status" 0 "$rc"
cat >"$RS_DIR/empty.conf" <<EOF
module(load="$OMLOGMAIL")
action(type="omlogmail" config="$RS_DIR/nothere.conf" spool="$RS_DIR/spool")
EOF
check_conf empty
lm_assert_eq "no recipients: status" 0 "$rc"

lm_done
