#!/usr/bin/python3
"""bench/drain.py: a small reimplementation of Drain (Pinjia He, Jieming Zhu,
Zibin Zheng, Michael R. Lyu, "Drain: An Online Log Parsing Approach with
Fixed Depth Tree", ICWS 2017) as the loghub benchmark runs it (logpai's
logparser, Drain/benchmark.py), the reference beside which bench/README.md
puts logmail's miner.  Written from the paper and the behaviour of that
benchmark, not copied: no code of it is here.

    drain.py {Linux|OpenSSH} LOGFILE

prints "LINENO KIND" for each line of LOGFILE, KIND the first 8 hex digits
of the MD5 of the line's final template (as the benchmark's output names
events, so that two clusters that end with the same template are one).

The settings are the benchmark's for each data set (checked against
logparser's Drain/benchmark.py): the header format that cuts the content
out of a line, the regular expressions whose matches become <*> before
parsing, the tree depth and the similarity threshold st.
"""
import hashlib
import re
import sys

SETTINGS = {
    "Linux": {
        "log_format": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
        "regex": [r"(\d+\.){3}\d+", r"\d{2}:\d{2}:\d{2}"],
        "st": 0.39,
        "depth": 6,
    },
    "OpenSSH": {
        "log_format": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
        "regex": [r"(\d+\.){3}\d+", r"([\w-]+\.){2,}[\w-]+"],
        "st": 0.6,
        "depth": 5,
    },
}

WILD = "<*>"
MAX_CHILD = 100  # children of an inner node before the rest go to <*>


def header_regex(log_format):
    """The benchmark's header format as a regex: each <Field> a lazy group,
    each run of blanks between them any run of blanks."""
    parts = re.split(r"(<[^<>]+>)", log_format)
    out = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out += re.sub(" +", r"\\s+", part)
        else:
            out += "(?P<%s>.*?)" % part.strip("<>")
    return re.compile("^" + out + "$")


def has_digit(token):
    return any(c.isdigit() for c in token)


class Cluster:
    def __init__(self, template):
        self.template = template
        self.lines = []


class Drain:
    """Drain's fixed-depth tree: the root's children are token counts, then
    depth - 3 layers of leading tokens (a token with a digit, or a new one
    when a node is full, goes under <*>), then leaves holding clusters.  A
    line goes to the most similar cluster of its leaf (the share of
    positions equal to the cluster's template, <*> not counting; ties: more
    <*>) when that share is at least st, which then keeps only the positions
    where they agree; else it starts a cluster."""

    def __init__(self, depth, st, regex):
        self.layers = depth - 2  # as the benchmark: root and length take two
        self.st = st
        self.regex = [re.compile(r) for r in regex]
        self.root = {}
        self.clusters = []

    def tokens(self, content):
        for r in self.regex:
            content = r.sub(WILD, content)
        return content.strip().split()

    def leaf(self, seq, create):
        node = self.root.get(len(seq))
        if node is None:
            if not create:
                return None
            node = self.root[len(seq)] = {}
        depth = 1
        for token in seq:
            if depth >= self.layers or depth > len(seq):
                break
            if token in node:
                node = node[token]
            elif not create:
                if WILD not in node:
                    return None
                node = node[WILD]
            elif has_digit(token):
                node = node.setdefault(WILD, {})
            elif WILD in node:
                if len(node) < MAX_CHILD:
                    node = node.setdefault(token, {})
                else:
                    node = node[WILD]
            elif len(node) + 1 < MAX_CHILD:
                node = node.setdefault(token, {})
            elif len(node) + 1 == MAX_CHILD:
                node = node.setdefault(WILD, {})
            else:
                node = node[WILD]
            depth += 1
        return node.setdefault("", []) if create else node.get("", [])

    @staticmethod
    def similarity(template, seq):
        same = wild = 0
        for a, b in zip(template, seq):
            if a == WILD:
                wild += 1
            elif a == b:
                same += 1
        return same / len(template), wild

    def add(self, lineno, content):
        seq = self.tokens(content)
        best, best_sim, best_wild = None, -1.0, -1
        for c in self.leaf(seq, False) or []:
            sim, wild = self.similarity(c.template, seq)
            if sim > best_sim or (sim == best_sim and wild > best_wild):
                best, best_sim, best_wild = c, sim, wild
        if best is None or best_sim < self.st:
            best = Cluster(seq)
            self.clusters.append(best)
            self.leaf(seq, True).append(best)
        else:
            best.template = [a if a == b else WILD for a, b in zip(best.template, seq)]
        best.lines.append(lineno)

    def kinds(self):
        out = {}
        for c in self.clusters:
            kind = hashlib.md5(" ".join(c.template).encode("utf-8")).hexdigest()[:8]
            for lineno in c.lines:
                out[lineno] = kind
        return out


def main(argv):
    if len(argv) != 3 or argv[1] not in SETTINGS:
        sys.stderr.write(__doc__)
        return 2
    s = SETTINGS[argv[1]]
    head = header_regex(s["log_format"])
    drain = Drain(s["depth"], s["st"], s["regex"])
    with open(argv[2], encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = head.match(line.strip())
            if m is None:
                sys.stderr.write("drain.py: %s:%d: not in the data set's format\n" % (argv[2], lineno))
                return 1
            drain.add(lineno, m.group("Content"))
    for lineno, kind in sorted(drain.kinds().items()):
        print(lineno, kind)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
