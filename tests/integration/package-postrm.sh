#!/bin/bash
# debian/logmail.postrm at purge, run for real in a mount namespace of its
# own (a tmpfs on /var/spool, and on /etc/logmail when there is one) so the
# host's files are never touched: a spool holding mail is kept and the
# message says what is there and how to get it out (issue 26, point 9: it
# used to say to run `logmail show mail`, which purge had just removed);
# a spool holding only bookkeeping is removed without a word.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_setup
postrm=$top_srcdir/debian/logmail.postrm
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "SKIP: needs root and unshare -m (a mount namespace) to run the postrm"
	exit 77
fi
# purge SETUP: run SETUP (shell code, in /var/spool) then the postrm with
# "purge", in a private mount namespace; prints its stderr, then "--", then
# what is left of the spool
purge() {
	unshare -m --propagation private /bin/sh -c '
		mount -t tmpfs tmpfs /var/spool || exit 1
		[ ! -d /etc/logmail ] || mount -t tmpfs tmpfs /etc/logmail || exit 1
		cd /var/spool && eval "$1" || exit 1
		sh "$2" purge 2>&1 >/dev/null || echo "exit $?"
		echo --
		cd /var/spool && find . -mindepth 1 | sort' sh "$1" "$postrm"
}

got=$(purge 'mkdir -p logmail/queue logmail/failed logmail/pending logmail/tmp &&
	echo mail >logmail/queue/20261207120000.1 && echo mail >logmail/queue/20261207120000.2 &&
	echo mail >logmail/failed/20261207110000.9 && echo why >logmail/failed/20261207110000.9.reason &&
	echo lines >logmail/pending/journal && touch logmail/lock logmail/counters')
lm_assert_eq "purge with mail: kept, and said so truly" \
"logmail: /var/spool/logmail still holds mail, kept: 2 queued (in queue/), 1 failed (in failed/, each with an ID.reason), and log lines omlogmail had not mailed yet (pending/journal).
logmail: each file in queue/ and failed/ is one mail: a header block, an empty line, then the message as it would be sent. Reinstall logmail to send them (logmail flush) or to list them (logmail show mail), or remove /var/spool/logmail by hand.
--
./logmail
./logmail/counters
./logmail/failed
./logmail/failed/20261207110000.9
./logmail/failed/20261207110000.9.reason
./logmail/lock
./logmail/pending
./logmail/pending/journal
./logmail/queue
./logmail/queue/20261207120000.1
./logmail/queue/20261207120000.2
./logmail/tmp" "$got"

got=$(purge 'mkdir -p logmail/queue logmail/failed logmail/pending &&
	echo mail >logmail/queue/20261207120000.1')
lm_assert_eq "purge with one queued mail" \
"logmail: /var/spool/logmail still holds mail, kept: 1 queued (in queue/), 0 failed (in failed/, each with an ID.reason).
logmail: each file in queue/ and failed/ is one mail: a header block, an empty line, then the message as it would be sent. Reinstall logmail to send them (logmail flush) or to list them (logmail show mail), or remove /var/spool/logmail by hand.
--
./logmail
./logmail/failed
./logmail/pending
./logmail/queue
./logmail/queue/20261207120000.1" "$got"

got=$(purge 'mkdir -p logmail/queue logmail/failed logmail/pending logmail/tmp &&
	touch logmail/lock logmail/counters logmail/stats logmail/pending/journal')
lm_assert_eq "purge without mail: the spool removed, nothing said" "--" "$got"

lm_done
