#!/bin/bash
# kill -9 of the delivering `logmail mail` at each stage of the SMTP
# dialogue (tests/servers/smtpd.py --hang-at): the server stops answering
# at MAIL FROM, at RCPT TO, after the DATA content (not stored), or after
# the final dot with the mail stored but no reply.  The killed process
# leaves its mail queued and no lock behind (flock dies with it); once a
# good server answers, `logmail flush` delivers it: exactly once for the
# stages before the dot, at least once for the dot (twice here, since the
# hanging server did store it) with the same Message-ID; `show mail` is
# empty afterwards.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
command -v flock >/dev/null || { echo "SKIP: flock (util-linux) is needed"; exit 77; }
lm_cli_setup

host=$(hostname)
for stage in mail rcpt data dot; do
	conf=$LM_TMP/$stage.conf
	spool=$LM_TMP/$stage.spool
	marker=$LM_TMP/$stage.marker

	lm_smtpd_start "hang-$stage" --hang-at "$stage" --hang-marker "$marker" ||
		{ lm_fail "$stage: server did not start"; continue; }
	hang_dir=$SMTPD_MAILDIR
	lm configure <<EOF || lm_fail "$stage: configure failed"
mail smtpserver 127.0.0.1
mail smtpserver port $SMTPD_PORT
mail smtpserver timeout 600
mail from sender@example.com
EOF
	printf 'Body of %s\nsecond line\n' "$stage" >"$LM_TMP/$stage.body"
	(exec "$LOGMAIL" --config "$conf" --spool "$spool" mail to admin@example.com \
		subject "crash at $stage" <"$LM_TMP/$stage.body" >"$LM_TMP/$stage.out" 2>&1) &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -s "$marker" ] && break
		sleep 0.05
	done
	lm_assert_eq "$stage: the server reached the stage" "$stage" "$(cat "$marker" 2>/dev/null)"
	lm_assert_eq "$stage: logmail is still waiting" 0 "$(kill -0 "$pid" 2>/dev/null; echo $?)"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null

	lm_assert_eq "$stage: the mail is still queued" 1 "$(lm show mail | grep -c '^Message-ID ')"
	lm_assert_eq "$stage: no lock left behind" 0 \
		"$(flock -n "$spool/lock" true; echo $?)"
	lm_assert_eq "$stage: nothing half-written in the queue" "" \
		"$(grep -L '^Version: 1' "$spool"/queue/* 2>/dev/null)"
	lm_smtpd_stop "hang-$stage"

	lm_smtpd_start "good-$stage" || { lm_fail "$stage: good server did not start"; continue; }
	lm configure <<<"mail smtpserver port $SMTPD_PORT" || lm_fail "$stage: configure port"
	out=$(lm flush 2>&1)
	lm_assert_eq "$stage: flush exit code" 0 $?
	lm_assert_eq "$stage: flush output" "1 sent, 0 deferred, 0 failed" "$out"
	lm_assert_eq "$stage: show mail is empty" 0 "$(lm show mail | grep -c '^Message-ID ')"
	lm_assert_eq "$stage: queue empty" "" "$(ls "$spool/queue")"

	good=$(lm_mail_count "$SMTPD_MAILDIR")
	hung=$(lm_mail_count "$hang_dir")
	lm_assert_eq "$stage: delivered by the good server once" 1 "$good"
	if [ "$stage" = dot ]; then
		lm_assert_eq "$stage: the hanging server stored it too" 1 "$hung"
		[ "$hung" -eq 1 ] && lm_assert_eq "$stage: both copies have the same Message-ID" \
			"$(lm_header "$hang_dir/0001.eml" Message-ID)" \
			"$(lm_header "$SMTPD_MAILDIR/0001.eml" Message-ID)"
	else
		lm_assert_eq "$stage: the hanging server stored nothing" 0 "$hung"
	fi
	f=$SMTPD_MAILDIR/0001.eml
	if [ -f "$f" ]; then
		lm_assert_eq "$stage: subject" "crash at $stage" "$(lm_header "$f" Subject)"
		lm_assert_match "$stage: Message-ID" "^<[0-9]{14}\.[0-9]+(\.[0-9]+)?@$host>\$" \
			"$(lm_header "$f" Message-ID)"
		lm_assert_eq "$stage: body" "$(printf 'Body of %s\r\nsecond line\r\n' "$stage")" \
			"$(sed '1,/^\r$/d' "$f")"
	fi
	lm_smtpd_stop "good-$stage"
done
lm_done
