#!/bin/bash
# logmail trusts only what only the right user can change (logmail(1),
# FILES): a spool or one of its directories owned by another user, or
# writable by group or others, is refused by `show mail` and `flush` with
# one line naming it, its owner and mode and the fix; so is a configuration
# file, password or not.  Root's files and the running user's own are used.
# A symbolic link to the configuration stays a link when `logmail
# configure` saves, and its target gets the new content.
#
# Another user is `nobody` (setpriv); the test needs root, else it skips.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown, setpriv)"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: needs setpriv (util-linux)"; exit 77; }

lm_smtpd_start smtpd || exit 99
printf 'mail smtpserver 127.0.0.1\nmail smtpserver port %s\nmail from logmail@test.example\n' \
	"$SMTPD_PORT" >"$conf"
chmod 600 "$conf"
lm show mail >/dev/null || lm_fail "show mail with a fresh spool"

# refused: WHAT REGEX COMMAND...: exit 73 for the spool (EX_CANTCREAT), 78
# for the configuration (EX_CONFIG), one line on stderr matching REGEX.
refused() {
	local what=$1 re=$2 out rc want=73
	shift 2
	[[ $what == *configuration* ]] && want=78
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	lm_assert_eq "$what: exit status" "$want" "$rc"
	lm_assert_match "$what" "$re" "$out"
	lm_assert_eq "$what: one line" 1 "$(grep -c . <<<"$out")"
}

# ---- the spool ----------------------------------------------------------------
chown nobody "$spool"
refused "show mail, spool owned by nobody" \
	"^% Error: spool: directory $spool is owned by nobody with mode 0700: not trusted .*; chown root $spool\$" \
	lm show mail
refused "flush, spool owned by nobody" "directory $spool is owned by nobody" lm flush
chown root "$spool"
chown nobody "$spool/queue"
refused "show mail, queue/ owned by nobody" "directory $spool/queue is owned by nobody" lm show mail
chown root "$spool/queue"
chmod 0777 "$spool/failed"
refused "flush, failed/ world-writable" \
	"directory $spool/failed is owned by root with mode 0777: not trusted .*; chmod go-w $spool/failed\$" \
	lm flush
chmod 0700 "$spool/failed"
mkdir -m 0770 "$spool/pending"
refused "show mail, pending/ group-writable" "directory $spool/pending is owned by root with mode 0770" \
	lm show mail
rmdir "$spool/pending"
ln -s /tmp "$spool/cache"
refused "show mail, cache a symbolic link" "$spool/cache is not a directory \(a symbolic link is not followed\)" \
	lm show mail
rm "$spool/cache"
lm show mail >/dev/null || lm_fail "show mail, the spool put right"

# A symbolic link planted in queue/ is never followed: the delivery run
# moves the link itself to failed/, its target untouched.
echo precious >"$LM_TMP/victim"
touch -d '2001-02-03 04:05:06' "$LM_TMP/victim"
ln -s "$LM_TMP/victim" "$spool/queue/20010203040506.1"
lm flush >/dev/null 2>&1
lm_assert_eq "queue/ link: its target unchanged" "precious 981173106" \
	"$(cat "$LM_TMP/victim") $(stat -c %Y "$LM_TMP/victim")"
lm_assert_eq "queue/ link moved to failed/" "yes" \
	"$([ -L "$spool/failed/20010203040506.1" ] && echo yes)"
lm_assert_match "with the reason" "corrupt spool file: a symbolic link \(not followed\)" \
	"$(cat "$spool/failed/20010203040506.1.reason" 2>&1)"
lm_assert_eq "nothing was mailed" 0 "$(lm_mail_count "$SMTPD_MAILDIR")"

# ---- the configuration ------------------------------------------------------------
chmod 0666 "$conf"
refused "a world-writable configuration" \
	"^logmail: $conf: the file is owned by root with mode 0666: not trusted .*; chmod go-w $conf\$" \
	lm show running-config
chmod 0620 "$conf"
refused "a group-writable configuration" "$conf: the file is owned by root with mode 0620" \
	lm show mail
chmod 0600 "$conf"
chown nobody "$conf"
refused "a configuration owned by nobody" \
	"$conf: the file is owned by nobody with mode 0600: not trusted .*; chown root $conf\$" \
	lm show running-config
chown root "$conf"
chmod 0644 "$conf"
lm_assert_match "root's, readable by all, no password: used" "mail from logmail@test.example" \
	"$(lm show running-config 2>&1)"

# The running user's own files, and root's, when that user is nobody.
mine=$LM_TMP/nobody
mkdir -m 0700 "$mine"
chmod 0711 "$LM_TMP"
cp "$conf" "$mine/logmail.conf"
chown -R nobody:nogroup "$mine"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$LOGMAIL" "$@"; }
out=$(as_nobody --config "$mine/logmail.conf" --spool "$mine/spool" show mail 2>&1)
lm_assert_eq "nobody's own configuration and spool: exit" 0 $?
lm_assert_match "nobody's own: show mail" "SMTP Server +: 127.0.0.1" "$(tr '\n' ' ' <<<"$out")"
out=$(as_nobody --config "$conf" --spool "$mine/spool" show running-config 2>&1)
lm_assert_match "root's configuration, read by nobody: used" "mail from logmail@test.example" "$out"
out=$(as_nobody --config "$mine/logmail.conf" --spool "$spool" show mail 2>&1)
lm_assert_match "root's spool, used by nobody: refused for lack of access, not trust" \
	"Permission denied" "$out"
chown root "$mine/logmail.conf"
chmod 0666 "$mine/logmail.conf"
out=$(as_nobody --config "$mine/logmail.conf" --spool "$mine/spool" show mail 2>&1)
lm_assert_match "nobody: a world-writable file of root's refused" "with mode 0666: not trusted" "$out"

# ---- a symbolic link to the configuration ----------------------------------------
chmod 0600 "$conf"
mkdir -m 0700 "$LM_TMP/repo"
mv "$conf" "$LM_TMP/repo/logmail.conf"
ln -s repo/logmail.conf "$conf"
lm configure <<<'mail from changed@test.example' || lm_fail "configure through a link"
lm_assert_eq "the link stays a link" "repo/logmail.conf" "$(readlink "$conf")"
lm_assert_eq "its target has the new content" "mail smtpserver 127.0.0.1 | mail from changed@test.example" \
	"$(grep -E '^mail (smtpserver 1|from)' "$LM_TMP/repo/logmail.conf" | paste -sd'|' | sed 's/|/ | /')"
lm_assert_eq "its target stays 0600" 600 "$(stat -c %a "$LM_TMP/repo/logmail.conf")"
lm_assert_eq "no temporary file left" "logmail.conf logmail.conf.lock" \
	"$(cd "$LM_TMP/repo" && echo $(ls -A))"
rm "$LM_TMP/repo/logmail.conf"
out=$(lm configure <<<'mail from again@test.example' 2>&1)
lm_assert_eq "a dangling link: configure fails" 1 "$([ $? -ne 0 ] && echo 1)"
lm_assert_match "a dangling link: said so" \
	"is a symbolic link to $LM_TMP/repo/logmail.conf, which does not exist; nothing saved" "$out"
lm_assert_eq "a dangling link: left as it was" "repo/logmail.conf no" \
	"$(readlink "$conf") $([ -e "$LM_TMP/repo/logmail.conf" ] && echo yes || echo no)"
lm_done
