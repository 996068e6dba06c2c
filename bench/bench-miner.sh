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
# Prints Markdown, the form kept in bench/README.md.
set -euo pipefail
build=${1:?usage: bench-miner.sh BUILDDIR [LOGHUB_DIR]}
src=$(cd "$(dirname "$0")/.." && pwd)
loghub=${2:-${LOGHUB:-$src/../shared/loghub}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-miner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

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
	"$build/bench/bench_miner" 1000000 5 "$loghub/Linux_2k.log" "$loghub/OpenSSH_2k.log"
fi
"$build/bench/bench_miner" 1000000 5
"$build/bench/bench_miner" 200000 3 different
