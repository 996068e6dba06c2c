#!/usr/bin/python3
"""bench/ga.py: grouping accuracy (GA) of a parser's kinds against loghub's
labels, as Zhu et al. define it ("Tools and Benchmarks for Automated Log
Parsing", ICSE-SEIP 2019): a line is parsed right when the set of lines of
its kind is exactly the set of lines of its labelled event (EventId in
FILE_structured.csv); GA is the share of lines parsed right.

    ga.py STRUCTURED_CSV KINDS

KINDS: "LINENO KIND" lines (LINENO 1-based), as `logmail test patterns
--by-line` and bench/drain.py print them, one for every line of the log.
Prints "GA LINES EVENTS KINDS"; with -v, each wrong kind on standard
error.  Exit 1 when KINDS does not give every line exactly one kind.
"""
import collections
import csv
import sys


def grouping_accuracy(labels, kinds):
    """labels, kinds: lists of the same length.  The share of lines whose
    kind holds exactly the lines of their label."""
    by_kind = collections.defaultdict(set)
    by_label = collections.defaultdict(set)
    for i, (lab, kind) in enumerate(zip(labels, kinds)):
        by_kind[kind].add(i)
        by_label[lab].add(i)
    right = 0
    wrong = []
    for kind, lines in by_kind.items():
        lab = labels[next(iter(lines))]
        if by_label[lab] == lines:
            right += len(lines)
        else:
            wrong.append((kind, lines))
    return right / len(labels), wrong


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], newline="", encoding="utf-8", errors="replace") as f:
        labels = [row["EventId"] for row in csv.DictReader(f)]
    kinds = [None] * len(labels)
    with open(argv[2], encoding="utf-8") as f:
        for line in f:
            lineno, kind = line.split()
            i = int(lineno) - 1
            if not 0 <= i < len(kinds) or kinds[i] is not None:
                sys.stderr.write("ga.py: line %s given twice or out of range\n" % lineno)
                return 1
            kinds[i] = kind
    if None in kinds:
        sys.stderr.write("ga.py: line %d has no kind\n" % (kinds.index(None) + 1))
        return 1
    ga, wrong = grouping_accuracy(labels, kinds)
    if verbose:
        for kind, lines in sorted(wrong, key=lambda w: -len(w[1])):
            events = collections.Counter(labels[i] for i in lines)
            sys.stderr.write("kind %s: %d lines, events %s\n" % (kind, len(lines), dict(events)))
    print("%.4f %d %d %d" % (ga, len(labels), len(set(labels)), len(set(kinds))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
