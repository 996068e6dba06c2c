#!/usr/bin/env bash
# bench/bench-miner.sh: event kinds (digest/miner.h), side by side with
# Drain, in one run (make bench).
#
#   bench/bench-miner.sh BUILDDIR [LOGHUB_DIR]
#
# 1. Grouping accuracy (GA, Zhu et al., "Tools and Benchmarks for Automated
#    Log Parsing", ICSE-SEIP 2019) on loghub's labelled Linux_2k and
#    OpenSSH_2k samples: `logmail test patterns --by-line` (one
#    configuration for both) and bench/drain.py (Drain, with the loghub
#    benchmark's settings for each file), scored by bench/ga.py against
#    the files' _structured.csv EventId.  The samples are read where they
#    are, LOGHUB_DIR (default: $LOGHUB, else ../shared/loghub beside the
#    source tree); never copied into the project.  Loghub: Jieming Zhu,
#    Shilin He, Pinjia He, Jinyang Liu, Michael R. Lyu, "Loghub: A Large
#    Collection of System Log Datasets for AI-driven Log Analytics", ISSRE
#    2023, https://github.com/logpai/loghub.
# 2. Kinds per second on one core: bench/bench_miner over 1,000,000 lines,
#    the two samples' lines replicated, then bench/corpus.c's mix; then the
#    worst case, 200,000 lines nearly all different.
# 3. The digests a storm makes: each sample replayed with `logmail test
#    filters` (its lines' own times as the clock) to one recipient with
#    default settings (and a filter every line passes); the mails, the lines of their bodies, the messages
#    their trailers count (every line of the sample, or a loss), and how
#    many distinct IPv4 addresses the bodies show.
# Prints Markdown, the form kept in bench/README.md.
set -euo pipefail
build=${1:?usage: bench-miner.sh BUILDDIR [LOGHUB_DIR]}
src=$(cd "$(dirname "$0")/.." && pwd)
loghub=${2:-${LOGHUB:-$src/../shared/loghub}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-miner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# replay_rows: section 3's table.
replay_rows() {
	local f out mails lines counted addrs
	# every line of a sample has a blank in its text; its lines carry no
	# priority, so no level filter would take them
	printf 'mail from bench@example.com\nlog email ops@example.com msgtext " "\n' \
		>"$tmp/logmail.conf"
	chmod 600 "$tmp/logmail.conf"
	echo "| sample replayed | lines | mails | body lines | messages counted | addresses shown |"
	echo "|---|---:|---:|---:|---:|---:|"
	for f in Linux OpenSSH; do
		out=$tmp/$f.mails
		"$build/logmail" --config "$tmp/logmail.conf" --spool "$tmp/spool" test filters \
			"$loghub/${f}_2k.log" >"$out"
		mails=$(grep -c '^To: ' "$out")
		# a body runs from the blank line after its headers to the trailer,
		# the line after "-- "
		lines=$(awk '/^To: /{h=1; next} h && /^$/{h=0; b=1; next} b && /^-- $/{n += 2; b=0; next}
			b {n++} END {print n + 0}' "$out")
		counted=$(sed -n -E 's/^([0-9]+) messages?( \(|,).*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
		addrs=$(grep -v -E '^(To|Subject|Date|Closed): ' "$out" |
			grep -o -E '\b([0-9]{1,3}\.){3}[0-9]{1,3}\b' | sort -u | wc -l)
		echo "| ${f}_2k | $(grep -c . "$loghub/${f}_2k.log") | $mails | $lines | $counted | $addrs |"
	done
}

if [ ! -f "$loghub/Linux_2k.log" ] || [ ! -f "$loghub/OpenSSH_2k.log" ]; then
	echo "bench-miner.sh: no loghub samples in $loghub (give LOGHUB_DIR): GA skipped" >&2
else
	echo "| sample | lines | events | logmail kinds | logmail GA | Drain clusters | Drain GA | Drain published |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for f in Linux OpenSSH; do
		log=$loghub/${f}_2k.log
		"$build/logmail" test patterns "$log" --by-line >"$tmp/$f.logmail"
		/usr/bin/python3 "$src/bench/drain.py" "$f" "$log" >"$tmp/$f.drain"
		read -r ga lines events kinds < <(/usr/bin/python3 "$src/bench/ga.py" \
			"$log"_structured.csv "$tmp/$f.logmail")
		read -r dga _ _ dkinds < <(/usr/bin/python3 "$src/bench/ga.py" \
			"$log"_structured.csv "$tmp/$f.drain")
		case $f in Linux) pub=0.690 ;; OpenSSH) pub=0.7875 ;; esac
		echo "| ${f}_2k | $lines | $events | $kinds | $ga | $dkinds | $dga | $pub |"
	done
	echo
	replay_rows
	echo
	"$build/bench/bench_miner" 1000000 5 "$loghub/Linux_2k.log" "$loghub/OpenSSH_2k.log"
fi
"$build/bench/bench_miner" 1000000 5
"$build/bench/bench_miner" 200000 3 different
