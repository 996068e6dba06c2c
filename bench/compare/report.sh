# bench/compare/report.sh: sourced by run.sh once every figure is in; prints
# bench/RESULTS.md (Markdown) on stdout.
met() { # VALUE OP TARGET -> "met" / "**missed**"
	if awk "BEGIN {exit !($1 $2 $3)}"; then echo met; else echo "**missed**"; fi
}
r_ab=$(calc "$MOD_b / $MOD_a" 2)
r_bc=$(calc "$MOD_b / $MOD_c" 2)
r_lb=$(calc "$MOD_l / $MOD_b" 2)
r_mb=$(calc "$MOD_m / $MOD_b" 2)
r_pb=$(calc "$MOD_p / $MOD_b" 2)
r_Lb=$(calc "$MOD_L / $MOD_b" 2)
r_LB=$(calc "$MOD_L / $MOD_B" 2)
r_src=$(calc "$DEL_LM / $DEL_SRC" 2)
r_src1=$(calc "$DEL_LM / $DEL_SRC1" 2)
r_msmtp=$(calc "$DEL_LM / $DEL_MSMTP" 1)
r_ommail=$(calc "$DEL_LM / $DEL_OMMAIL" 1)
tls_cost=$(calc "($TLS_ONE_TLS - $TLS_ONE_PLAIN) * 1000" 1)
cat <<EOF
# bench-compare results

Made by \`make bench-compare\` (bench/compare/run.sh) on $START, Debian 12,
rsyslog $("$RSYSLOGD" -v | head -1 | awk '{print $2}'), $(nproc) cores online
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), total run ${ELAPSED} s.
Sizes: ROUNDS=$ROUNDS N_MOD=$N_MOD N_DEL=$N_DEL N_MSMTP=$N_MSMTP N_OMMAIL=$N_OMMAIL
N_TLS=$N_TLS N_STORM=$N_STORM N_STORM_RCPT=$N_STORM_RCPT N_URGENT=$N_URGENT (environment variables of the
same names change them). Everything runs on loopback on the same machine as
the contenders, which compete with the servers for the $(nproc) cores; figures
are medians of the rounds, the contenders alternating within each round.
Nothing here is part of \`make check\`.

## Summary

| # | target | result | |
|---|---|---|---|
| 1 | omlogmail (b) >= 90 % of discarding (a) | $(calc "100 * $r_ab" 0) % | $(met "$r_ab" '>=' 0.9) |
| 1 | omlogmail (b) not slower than RainerScript (c) | $r_bc x | $(met "$r_bc" '>=' 1) |
| 1 | (b) with a \`logcheck server\` recipient more (l) >= 80 % of (b) | $(calc "100 * $r_lb" 0) % | $(met "$r_lb" '>=' 0.8) |
| 1 | ...its rules' classification alone (m) >= 80 % of (b) | $(calc "100 * $r_mb" 0) % | $(met "$r_mb" '>=' 0.8) |
| 1 | ...(l) on rsyslog's default two workers (L), against (b) on one; against (B), (b) on two | $(calc "100 * $r_Lb" 0) %; $(calc "100 * $r_LB" 0) % | (not a target) |
| 2 | spool delivery >= 50 % of smtp-source | $(calc "100 * $r_src" 0) % of \`smtp-source -d\` (one session), $(calc "100 * $r_src1" 0) % of one session per mail | $(met "$r_src" '>=' 0.5) |
| 2 | spool delivery >= 10x msmtp | $r_msmtp x | $(met "$r_msmtp" '>=' 10) |
| 2 | spool delivery >= 5x ommail | $r_ommail x | $(met "$r_ommail" '>=' 5) |
| 3 | storm: rsyslogd peak RSS growth < 64 MiB | $STORM_GROWTH MiB | $(met "$STORM_GROWTH" '<' 64) |
| 3 | storm: every message mailed or counted | $STORM_OK | $([ "$STORM_OK" = OK ] && echo met || echo "**missed**") |
| 3 | storm to $N_STORM_RCPT recipients, nothing folding: RSS growth < 64 MiB | $MANY_GROWTH MiB | $(met "$MANY_GROWTH" '<' 64) |
| 4 | urgent latency < 1 s (median of $N_URGENT) | $URG_MED ms | $(met "$URG_MED" '<' 1000) |

## 1. Module overhead

Debian's rsyslogd, one imtcp connection on 127.0.0.1 fed $N_MOD LF-framed
RFC 3164 lines (bench/compare/gen.py: the bench_filters corpus shapes) by one
\`sendfile\`, timed from the first byte to the arrival of a final marker
message in an omfile. One main-queue worker thread (\`queue.workerThreads="1"\`)
so the marker is processed last; the marker test (\`if \$programname ==
"benchend"\`) is in every configuration.

- (a) \`stop\`: parse and discard.
- (b) omlogmail, 100 recipients x 5 \`log email\` filters ($MOD_FILTERS lines
  with the excludes), spool in a temp dir, server smtp-sink.
- (c) the same 500 filters as RainerScript: per recipient
  \`if (f1) or ... or (f5) [and not excluded] then action(type="omfile")\`,
  100 omfile actions.
- (b') as (b) with the spool on tmpfs; (b-sync) as (b) with \`sync="on"\`
  (the journal fdatasync'd for every batch instead of at most once a
  second); (n) omlogmail with no recipient at all: what rsyslog's action
  machinery and the module's templates cost before any filter runs.
- (l) as (b) with one more recipient, \`log email logcheck@example.com
  logcheck server\`: Debian's rule database from /etc/logcheck
  (logcheck-database $(dpkg-query -W -f '\${Version}' logcheck-database 2>/dev/null),
  $(cat /etc/logcheck/ignore.d.server/* 2>/dev/null | grep -c -v -E '^[[:space:]]*(#|$)') rules in
  ignore.d.server), default digests; rsyslogd starts once its rules are
  compiled, before the clock starts.  About 45 % of the corpus is System
  Events for it.
- (m) as (l) with \`log email logcheck@example.com exclude level
  debugging\` more: the rules still classify every message (the engine
  classifies before it looks at filters and excludes), the recipient
  receives nothing: what the matching costs.
- (p) as (b) with one more recipient, \`log email share@example.com
  program P\` for P in postfix, nginx, cron, kernel and named (about 44 %
  of the corpus, the programs most of (l)'s System Events come from): what
  receiving that share costs, without logcheck.
- (B) and (L): (b) and (l) with two main-queue workers, rsyslog's default
  (\`queue.workerThreads="2"\`): both call the module, each with its own
  engine worker.  The end marker may then come in while the other worker
  ends its last batch, an error of one batch at most.

$MOD_MATCHED distinct messages of $N_MOD (per round) reached at least one
recipient in (c).

| configuration | msg/s | vs (a) | rsyslogd CPU s |
|---|---:|---:|---:|
| (a) discard | $MOD_a | 1.00 | $MOD_CPU_a |
| (b) omlogmail | $MOD_b | $r_ab | $MOD_CPU_b |
| (c) RainerScript + omfile | $MOD_c | $(calc "$MOD_c / $MOD_a" 2) | $MOD_CPU_c |
| (b') omlogmail, spool on tmpfs (/dev/shm: no disk flush) | $MOD_s | $(calc "$MOD_s / $MOD_a" 2) | $MOD_CPU_s |
| (b-sync) omlogmail, \`sync="on"\` | $MOD_y | $(calc "$MOD_y / $MOD_a" 2) | $MOD_CPU_y |
| (n) omlogmail, no recipients | $MOD_n | $(calc "$MOD_n / $MOD_a" 2) | $MOD_CPU_n |
| (l) omlogmail, (b) + \`logcheck server\` | $MOD_l | $(calc "$MOD_l / $MOD_a" 2) | $MOD_CPU_l |
| (m) omlogmail, (l) whose logcheck recipient excludes everything | $MOD_m | $(calc "$MOD_m / $MOD_a" 2) | $MOD_CPU_m |
| (p) omlogmail, (b) + a recipient of five programs (~44 %) | $MOD_p | $(calc "$MOD_p / $MOD_a" 2) | $MOD_CPU_p |
| (B) omlogmail, (b) on two workers | $MOD_B | $(calc "$MOD_B / $MOD_a" 2) | $MOD_CPU_B |
| (L) omlogmail, (l) on two workers | $MOD_L | $(calc "$MOD_L / $MOD_a" 2) | $MOD_CPU_L |

"rsyslogd CPU s": user + system time of the whole rsyslogd process (all
its threads, the module's outbox and delivery threads included) from the
first byte sent to the end marker, median of the rounds (resolution
1/$CLK_TCK s); smtp-sink's own CPU is not in it.

(b)/(a) = $r_ab, (b)/(c) = $r_bc, (l)/(b) = $r_lb, (m)/(b) = $r_mb, (p)/(b) = $r_pb,
(L)/(b) = $r_Lb, (L)/(B) = $r_LB, (B)/(b) = $(calc "$MOD_B / $MOD_b" 2).

Rounds (seconds): a: $(tr '\n' ' ' <"$T/mod-a.secs"); b: $(tr '\n' ' ' <"$T/mod-b.secs"); c: $(tr '\n' ' ' <"$T/mod-c.secs"); b': $(tr '\n' ' ' <"$T/mod-s.secs"); b-sync: $(tr '\n' ' ' <"$T/mod-y.secs"); n: $(tr '\n' ' ' <"$T/mod-n.secs"); l: $(tr '\n' ' ' <"$T/mod-l.secs"); m: $(tr '\n' ' ' <"$T/mod-m.secs"); p: $(tr '\n' ' ' <"$T/mod-p.secs"); B: $(tr '\n' ' ' <"$T/mod-B.secs"); L: $(tr '\n' ' ' <"$T/mod-L.secs").
Digests (b), (b'), (b-sync), (l), (m), (p), (B) and (L) mailed to smtp-sink over all rounds: $MOD_SPOOLED (100 recipients, max-messages 100 lines, folding on, rate limit 20 an hour each).

## 2. Delivery

$N_DEL mails (about $DEL_SIZE octets each, 10 log lines) queued beforehand
with \`spool_submit_batch\` (as the outbox does), then one \`spool_deliver\` run (what omlogmail's
delivery thread and \`logmail\` call; bench/compare/spool_bench.c) to
Postfix's \`smtp-sink\` on loopback. Against it, the same server and size:

| sender | mails/s | logmail / it |
|---|---:|---:|
| logmail spool_deliver (one session, $DEL_EHLO EHLO for $N_DEL mails) | $DEL_LM | 1.00 |
| \`smtp-source -d -s 1\` (one session, no disk) | $DEL_SRC | $r_src |
| \`smtp-source -s 1\` (a session per mail) | $DEL_SRC1 | $r_src1 |
| msmtp, one process per mail ($N_MSMTP mails) | $DEL_MSMTP | $r_msmtp |
| rsyslog ommail, one mail per message ($N_OMMAIL messages) | $DEL_OMMAIL | $r_ommail |

logmail's figure includes reading each mail from the spool and removing it
from \`queue/\` (fsync'd once per run), and the counters; smtp-source
generates its mails in memory.

### STARTTLS

tests/servers/smtpd.py (aiosmtpd, Python: it is the bottleneck here, not the
client) in plain and in STARTTLS mode with a P-256 certificate made at run
time, wrapped by bench/compare/countsmtpd.py to count connections and EHLOs
as the server sees them.

| | plain | STARTTLS |
|---|---:|---:|
| $N_TLS mails in one spool_deliver run, mails/s | $TLS_PLAIN | $TLS_TLS |
| connections / EHLO seen by the server for that run | $PLAIN_CONN / $PLAIN_EHLO | $TLS_CONN / $TLS_EHLO |
| one-mail run (session setup + 1 mail), median of 20, ms | $(calc "$TLS_ONE_PLAIN * 1000" 1) | $(calc "$TLS_ONE_TLS * 1000" 1) |

Cost of a STARTTLS session over a plain one: about $tls_cost ms (the handshake
and the second EHLO), paid once per delivery run: the worker sends all
$N_TLS mails over one session (STARTTLS gives two EHLOs per session, before
and after the handshake).

## 3. Storm

$N_STORM messages, every one matching (\`<11>\` user.err from program
"storm"), into rsyslogd (default main-queue workers) with omlogmail and three
recipients \`log email stormN@example.com level errors program storm\`
(default digests: 30 s window, 100 lines, 64 KiB, rate limit 20 mails an
hour, folding on). Server: smtpd.py, which keeps every mail.

- sent and processed in $STORM_SECS s: $STORM_RATE msg/s;
- rsyslogd RSS before: $STORM_RSS0 MiB; peak (VmHWM) $STORM_HWM MiB; growth **$STORM_GROWTH MiB**;
- mails delivered during the storm: $STORM_DURING; after the shutdown flush (spool delivered by spool_bench): $STORM_AFTER more;
- mails in all: $STORM_MAILS, in $STORM_LINES lines (folded: \`(xN)\`); messages shown in them: $STORM_SHOWN; counted as not shown: $STORM_NOTSHOWN;
- per recipient, the sum of the summary lines (\`-- \` then \`N messages (M shown), ...\`, which the lines' counts must match): $STORM_PER (each should be $N_STORM): **$STORM_OK**.

### 3b. The same storm to $N_STORM_RCPT recipients

$N_STORM messages from programs s0 ... s$((N_STORM_RCPT - 1)) in turn, each recipient
\`log email stormN@example.com level errors program sN\`, every text different in
its words (\`session s123 of user u45 closed by peer\`): nothing folds, and
every recipient's digest fills at once, the most memory digests and the
outbox can take. Server: smtp-sink.

- sent and processed in $MANY_SECS s: $MANY_RATE msg/s; mails: $MANY_MAILS;
- rsyslogd RSS before: $MANY_RSS0 MiB; peak (VmHWM) $MANY_HWM MiB; growth **$MANY_GROWTH MiB**.

## 4. Urgent latency

\`logger -n 127.0.0.1 -P PORT -T -p user.emerg\` to rsyslogd with omlogmail
(\`level emergencies\`, urgent level left at its default, critical;
rate-limit 1000), timed until the server (smtpd.py) has published the mail's
envelope file; $N_URGENT in a row.

median $URG_MED ms, min $URG_MIN ms, max $URG_MAX ms.

## Command

    make bench-compare            # in a build dir configured --with-rsyslog-src
    ROUNDS=5 N_MOD=500000 make bench-compare    # larger
EOF
cat "$top_srcdir/bench/compare/analysis.md"
