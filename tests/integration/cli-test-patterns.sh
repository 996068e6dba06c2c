#!/bin/bash
# `logmail test patterns FILE [--by-line]`: the event kinds of a small log
# (both timestamp forms, a line that is not a syslog line), exactly as
# printed: most frequent first, top values with counts, an example each;
# a word that varies (cyrus, news, root) merged, a rare other event (the
# su failure) and another program's variant kept apart; --by-line's one
# "LINENO KIND" per input line and nothing else on standard output, the
# merged lines under the oldest kind's id; standard input; a missing file.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
lm_cli_setup
export TZ=UTC LC_ALL=C

cat >"$LM_TMP/log" <<'EOF'
Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 203.0.113.45 port 40001 ssh2
Dec 10 06:55:47 LabSZ sshd[24200]: Failed password for root from 203.0.113.45 port 40002 ssh2
Dec 10 06:55:48 LabSZ sshd[24201]: Failed password for root from 198.51.100.7 port 40003 ssh2
2026-12-10T06:55:49.000001+00:00 LabSZ sshd[24202]: Failed password for root from 203.0.113.45 port 40004 ssh2
Dec 10 06:55:50 LabSZ su[2211]: FAILED SU (to root) mallory on pts/1
Dec 10 06:55:51 LabSZ sshd[24203]: Failed password for root from 198.51.100.7 port 40005 ssh2
Dec 10 06:55:52 LabSZ sshd[24204]: Failed password for root from 192.0.2.1 port 40006 ssh2
Dec 10 06:56:00 LabSZ su[2212]: pam_unix(su:session): session opened for user cyrus by (uid=0)
Dec 10 06:56:01 LabSZ su[2213]: pam_unix(su:session): session opened for user news by (uid=0)
this is not a syslog line
Dec 10 06:56:02 LabSZ sshd[2214]: pam_unix(sshd:session): session opened for user test by (uid=0)
Dec 10 06:56:03 LabSZ su[2215]: pam_unix(su:session): session opened for user root by (uid=0)
EOF

expected='      6     1  sshd: Failed password for root from 203.0.113.45 (x3), 198.51.100.7 (x2), 1 other port <n> ssh2
                e.g. Failed password for root from 203.0.113.45 port 40001 ssh2
      3     3  su: pam_unix(su:session): session opened for user <*> by (uid=0)
                e.g. pam_unix(su:session): session opened for user cyrus by (uid=0)
      1     2  su: FAILED SU (to root) mallory on pts/1
                e.g. FAILED SU (to root) mallory on pts/1
      1     5  this is not a syslog line
                e.g. this is not a syslog line
      1     6  sshd: pam_unix(sshd:session): session opened for user test by (uid=0)
                e.g. pam_unix(sshd:session): session opened for user test by (uid=0)
12 lines, 5 kinds'
note='logmail: note: 1 line not in syslog form, mined whole'
by_line='1 1
2 1
3 1
4 1
5 2
6 1
7 1
8 3
9 3
10 5
11 6
12 3'

out=$(lm test patterns "$LM_TMP/log" 2>"$LM_TMP/err")
lm_assert_eq "exit status" 0 "$?"
lm_assert_eq "the kinds, most frequent first" "$expected" "$out"
lm_assert_eq "the line not in syslog form, said" "$note" "$(cat "$LM_TMP/err")"

out=$(lm test patterns "$LM_TMP/log" --by-line 2>"$LM_TMP/err")
lm_assert_eq "--by-line: exit status" 0 "$?"
lm_assert_eq "--by-line: LINENO KIND, one a line" "$by_line" "$out"
lm_assert_eq "--by-line: the note on standard error only" "$note" "$(cat "$LM_TMP/err")"

out=$(lm test patterns - --by-line <"$LM_TMP/log" 2>/dev/null)
lm_assert_eq "standard input" "$by_line" "$out"
out=$(lm te pat "$LM_TMP/log" 2>/dev/null)
lm_assert_eq "abbreviated" "$expected" "$out"

out=$(lm test patterns "$LM_TMP/none" 2>&1)
lm_assert_eq "a missing file: exit status 66" 66 "$?"
lm_assert_eq "a missing file: said" "logmail: cannot read $LM_TMP/none: No such file or directory" "$out"

: >"$LM_TMP/empty"
out=$(lm test patterns "$LM_TMP/empty" 2>&1)
lm_assert_eq "an empty file" "0 lines, 0 kinds" "$out"
lm_done
