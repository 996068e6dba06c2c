#!/usr/bin/python3
"""bench/compare/gen.py: inputs for bench/compare/run.sh.

    gen.py corpus N FILE [--all-match | --programs K] [--end MARKER]
        N LF-framed RFC 3164 syslog lines (then the marker line when given),
        shaped like bench/bench_filters.c's corpus: sshd, cron, kernel, dhcpd,
        systemd, postfix, nginx, ..., mostly informational.  --all-match: every
        line is an error from "storm" (for the storm test).  --programs K:
        errors from programs s0 ... s(K-1) in turn, every text different in
        its words (nothing folds: the many-recipients storm).
    gen.py filters NR LOGMAIL-CONF RAINER-CONF OUTDIR
        NR recipients x 5 filters (the kinds of bench_filters.c) twice: as
        `log email` lines for omlogmail, and as the equivalent RainerScript
        `if ... then omfile` rules, one omfile per recipient under OUTDIR.
    gen.py configs OUTDIR PORT
        The module's configurations of bench-compare (mail to 127.0.0.1:PORT),
        mode 0600, in OUTDIR: mod.conf, the 100 recipients of `filters` (and
        their RainerScript twin, rules.conf, writing under OUTDIR/rules);
        none.conf, no recipient; lc.conf, mod.conf and a `logcheck server`
        recipient; lcx.conf, lc.conf with that recipient excluding everything;
        share.conf, mod.conf and a recipient of the five programs that make
        up most of lc.conf's System Events.
    gen.py syslog IN OUT [--end MARKER]
        IN's lines, in the form rsyslog writes to files ("Nov 30 12:00:01
        HOST TAG TEXT", or with an RFC 3339 time; bench/bench_logcheck -w
        writes its corpus so), rewritten as `corpus` writes its lines: each
        gets a priority by its program (and an error's words) and the time
        of `corpus`'s lines.
    gen.py send PORT FILE
        FILE over one TCP connection to 127.0.0.1:PORT (sendfile).

Seeded: the same inputs every run.
"""
import os
import random
import socket
import sys

TEMPLATES = [  # program, facility, severity, weight, format (%d: random)
    ("sshd", 10, 6, 60, "Accepted publickey for deploy{} from 10.0.{}.{} port 52344 ssh2"),
    ("sshd", 10, 6, 40, "Connection closed by 198.51.100.{} port {} [preauth]"),
    ("sshd", 10, 6, 30, "pam_unix(sshd:session): session opened for user user{}(uid={}) by (uid=0)"),
    ("sshd", 10, 4, 8, "Failed password for invalid user user{} from 203.0.113.{} port {} ssh2"),
    ("sshd", 10, 3, 1, "error: maximum authentication attempts exceeded for user{} from 203.0.113.{} port {} ssh2"),
    ("cron", 9, 6, 60, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly) # job {}"),
    ("CRON", 9, 6, 30, "pam_unix(cron:session): session closed for user user{}"),
    ("kernel", 0, 6, 25, "[{}.{}] eth0: Link is Up - 1Gbps/Full - flow control rx/tx"),
    ("kernel", 0, 4, 5, "[{}.{}] TCP: request_sock_TCP: Possible SYN flooding on port {}. Sending cookies."),
    ("kernel", 0, 3, 1, "[{}.{}] EXT4-fs error (device sda{}): ext4_find_entry:1455: inode #2"),
    ("kernel", 0, 2, 1, "[{}.{}] Out of memory: Killed process {} (java) total-vm:8123456kB"),
    ("dhcpd", 3, 6, 50, "DHCPDISCOVER from 00:16:3e:{}:{}:{} via eth1"),
    ("dhcpd", 3, 6, 50, "DHCPACK on 10.20.{}.{} to 00:16:3e:12:34:{} via eth1"),
    ("dhcpd", 3, 4, 1, "DHCPDISCOVER from 00:16:3e:{}:{}:{} via eth1: network 10.20.0.0/16: no free leases -- pool exhausted"),
    ("systemd", 3, 6, 50, "Started Session {} of User user{}."),
    ("systemd", 3, 6, 30, "Starting Daily apt upgrade and clean activities (run {})..."),
    ("systemd", 3, 3, 1, "Failed to start nginx.service - A high performance web server (attempt {})."),
    ("postfix", 2, 6, 50, "connect from mail{}.example.net[192.0.2.{}]"),
    ("postfix", 2, 6, 40, "disconnect from mail{}.example.net[192.0.2.{}] ehlo=1 mail=1 rcpt=1 data=1 quit=1"),
    ("postfix", 2, 5, 5, "NOQUEUE: reject: RCPT from unknown[198.51.100.{}]: 554 5.7.1 <user{}@example.org>: Relay access denied"),
    ("nginx", 23, 6, 80, "10.1.{}.{} - - \"GET /api/v1/items/{} HTTP/1.1\" 200 612 \"-\" \"curl/7.88.1\""),
    ("nginx", 23, 3, 2, "upstream timed out (110: Connection timed out) while reading response header, client: 10.1.{}.{}, request {}"),
    ("named", 3, 7, 20, "client @0x7f{} 10.0.0.{}#{} (example.com): query: example.com IN A +E(0)"),
    ("sudo", 10, 5, 10, "user{} : TTY=pts/{} ; PWD=/home ; USER=root ; COMMAND=/usr/bin/apt update {}"),
]

SHARED = ["pool exhausted", "Out of memory", "EXT4-fs error", "Failed to start",
          "Relay access denied", "upstream timed out", "segfault", "I/O error",
          "No space left on device", "Possible SYN flooding", "authentication failure",
          "link is down"]
PROGRAMS = ["sshd", "dhcpd", "nginx", "postfix", "systemd", "kernel", "named", "ntpd",
            "haproxy", "slapd"]
FACILITIES = [0, 2, 3, 4, 10, 9, 23]
LEVELS = ["emergencies", "alerts", "critical", "errors", "warnings", "notices",
          "informational", "debugging"]
FACNAMES = {0: "kern", 2: "mail", 3: "daemon", 4: "auth", 9: "cron", 10: "authpriv",
            23: "local7"}


def corpus(n, path, all_match, marker, programs=0):
    rnd = random.Random(42)
    weights = [t[3] for t in TEMPLATES]
    with open(path, "w") as f:
        if programs:
            for i in range(n):
                f.write("<11>Nov 23 10:00:00 benchhost s%d[1]: session s%d of user u%d "
                        "closed by peer\n" % (i % programs, i, i // programs))
        elif all_match:
            for i in range(n):
                f.write("<11>Nov 23 10:00:00 benchhost storm[1]: disk failure %d on "
                        "/dev/sd%d: I/O error\n" % (i, i % 8))
        else:
            picks = rnd.choices(TEMPLATES, weights=weights, k=n)
            for prog, fac, sev, _, fmt in picks:
                text = fmt.format(rnd.randrange(250), rnd.randrange(250), rnd.randrange(60000))
                f.write("<%d>Nov 23 10:00:00 benchhost %s[%d]: %s\n" %
                        (fac * 8 + sev, prog, 1000 + rnd.randrange(9000), text))
        if marker:
            f.write("<14>Nov 23 10:00:00 benchhost benchend[1]: %s\n" % marker)


def make_filter(rnd, kind, r):
    """(level, facility, program, msgtext) with None for 'any'."""
    if kind == 0:
        return (rnd.randrange(3), None, None, None)
    if kind == 1:
        return (3 + rnd.randrange(2), None, rnd.choice(PROGRAMS), None)
    if kind == 2:
        return (3, rnd.choice(FACILITIES), None, None)
    if kind == 3:
        return (None if rnd.randrange(2) else 4, None, None, rnd.choice(SHARED))
    return (4, None, "sshd", "user user%d " % (r % 250))


def logmail_line(addr, f, exclude=False):
    lvl, fac, prog, text = f
    words = ["log email", addr] + (["exclude"] if exclude else [])
    if lvl is not None:
        words += ["level", LEVELS[lvl]]
    if prog is not None:
        words += ["program", prog]
    if fac is not None:
        words += ["facility", FACNAMES[fac]]
    if text is not None:
        words += ["msgtext", '"%s"' % text]
    return " ".join(words)


def rainer_cond(f):
    lvl, fac, prog, text = f
    c = []
    if lvl is not None:
        c.append("$syslogseverity <= %d" % lvl)
    if prog is not None:
        c.append("$programname == \"%s\"" % prog)
    if fac is not None:
        c.append("$syslogfacility == %d" % fac)
    if text is not None:
        c.append("$msg contains \"%s\"" % text)
    return "(" + " and ".join(c) + ")"


def filters(nr, logmail_path, rainer_path, outdir):
    rnd = random.Random(7)
    lm, rs = [], []
    for r in range(nr):
        addr = "ops%d@example.com" % r
        fs = [make_filter(rnd, k, r) for k in range(5)]
        lm += [logmail_line(addr, f) for f in fs]
        cond = " or ".join(rainer_cond(f) for f in fs)
        excl = ""
        if r % 10 == 3:
            lm.append(logmail_line(addr, (None, None, "cron", None), exclude=True))
            excl = " and not ($programname == \"cron\")"
        rs.append("if (%s)%s then action(type=\"omfile\" file=\"%s/r%d.log\")" %
                  (cond, excl, outdir, r))
    with open(logmail_path, "a") as f:
        f.write("\n".join(lm) + "\n")
    with open(rainer_path, "w") as f:
        f.write("\n".join(rs) + "\n")


def configs(outdir, port):
    server = "mail smtpserver 127.0.0.1\nmail smtpserver port %s\n" % port

    def path(name):
        return os.path.join(outdir, name)

    os.makedirs(path("rules"), exist_ok=True)
    with open(path("mod.conf"), "w") as f:
        f.write(server + "mail from bench@example.com\n")
    filters(100, path("mod.conf"), path("rules.conf"), path("rules"))
    with open(path("mod.conf")) as f:
        mod = f.read()
    more = {
        "none.conf": server,
        "lc.conf": mod + "log email logcheck@example.com logcheck server\n",
        "lcx.conf": mod + "log email logcheck@example.com logcheck server\n"
                    "log email logcheck@example.com exclude level debugging\n",
        "share.conf": mod + "".join("log email share@example.com program %s\n" % p
                                    for p in ["postfix", "nginx", "cron", "kernel", "named"]),
    }
    for name, text in more.items():
        with open(path(name), "w") as f:
            f.write(text)
    for name in ["mod.conf"] + list(more):
        os.chmod(path(name), 0o600)


# The facility and severity of a program's lines in bench_logcheck's
# corpus, as Debian's daemons log them; then texts that are errors.
PROGRAM_PRI = {"CRON": (9, 6), "sshd": (10, 6), "systemd": (3, 6), "postfix": (2, 6),
               "kernel": (0, 6), "sudo": (10, 5), "su": (4, 5), "dhclient": (3, 6),
               "named": (3, 6), "myapp": (1, 6), "nginx": (23, 3)}
ERRORS = ["Failed to start", "Out of memory"]


def syslog(src, dst, marker):
    with open(src) as f, open(dst, "w") as out:
        for number, line in enumerate(f, 1):
            words = line.split(None, 1)
            rfc3339 = bool(words) and "T" in words[0]
            fields = line.rstrip("\n").split(None, 2 if rfc3339 else 4)
            if len(fields) != (3 if rfc3339 else 5):
                sys.exit("gen.py: %s:%d: expected TIME HOST TAG TEXT, as rsyslog writes "
                         "files" % (src, number))
            host, text = fields[-2:]
            program = text.split(" ", 1)[0].split("[")[0].split("/")[0].rstrip(":")
            fac, sev = PROGRAM_PRI.get(program, (1, 6))
            if any(e in text for e in ERRORS):
                sev = 3
            out.write("<%d>Nov 23 10:00:00 %s %s\n" % (fac * 8 + sev, host, text))
        if marker:
            out.write("<14>Nov 23 10:00:00 benchhost benchend[1]: %s\n" % marker)


def send(port, path):
    with socket.create_connection(("127.0.0.1", port)) as s, open(path, "rb") as f:
        s.sendfile(f)
        s.shutdown(socket.SHUT_WR)


def main(argv):
    if argv[1] == "corpus":
        marker = argv[argv.index("--end") + 1] if "--end" in argv else None
        programs = int(argv[argv.index("--programs") + 1]) if "--programs" in argv else 0
        corpus(int(argv[2]), argv[3], "--all-match" in argv, marker, programs)
    elif argv[1] == "filters":
        filters(int(argv[2]), argv[3], argv[4], argv[5])
    elif argv[1] == "syslog":
        marker = argv[argv.index("--end") + 1] if "--end" in argv else None
        syslog(argv[2], argv[3], marker)
    elif argv[1] == "configs":
        configs(argv[2], argv[3])
    elif argv[1] == "send":
        send(int(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
