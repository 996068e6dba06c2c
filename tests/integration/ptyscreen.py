#!/usr/bin/python3
"""Drive a program through a pseudo-terminal and assert on its screen.

    ptyscreen.py DIALOGUE PROGRAM [ARGS...]

The program runs on a pty whose output is rendered by pyte, a VT100
emulator (Debian's python3-pyte), so assertions are on what a person would
see, after libedit's redraws and cursor moves.  The DIALOGUE is a file of
commands, one a line:

    > TEXT        wait for a new prompt (the cursor right after a "#" on a
                  line after the last Enter), then type TEXT and Enter
    prompt        wait for a new prompt, as > does
    type TEXT     type TEXT at once (Python escapes: \\t is Tab, \\x03
                  Ctrl-C ...), after a new prompt when Enter was typed and
                  nothing was waited for since; wait for what it shows
                  before typing more
    key NAME      one key: TAB, ENTER, UP, DOWN, LEFT, C-c, C-d, C-z, or "?"
    screen        the lines up to "end" are the last lines of the screen
    ...           (trailing blanks ignored; the lines above them are not
    end           checked): waits until the screen shows them, at most 10 s;
                  a line "~ REGEX" matches a screen line that REGEX matches
                  whole (for what varies: a ciphertext, a time)
    contains T    waits until some line of the screen contains T
    run CMD       runs the shell command CMD (another process, meanwhile)
                  and waits for it; fails when it fails
    exit N        waits for the program to end with status N
    # ...         a comment

Nothing sleeps a fixed time: every wait polls the pty until the screen is as
expected or 10 s have passed, then fails showing the screen.
"""
import codecs
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time

import pyte

COLS, ROWS = 160, 60
LIMIT = 10.0
KEYS = {
    "TAB": b"\t", "ENTER": b"\r", "UP": b"\x1b[A", "DOWN": b"\x1b[B",
    "LEFT": b"\x1b[D", "RIGHT": b"\x1b[C", "C-c": b"\x03", "C-d": b"\x04",
    "C-z": b"\x1a", "?": b"?",
}


class Term:
    def __init__(self, argv):
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(argv[0], argv)
        self.eof = False
        self.newlines = 0  # line ends received: a prompt after Enter is a new one
        self.mark = -1     # newlines when Enter was last typed
        self.unsynced = False  # Enter typed, nothing waited for since

    def pump(self, timeout):
        if self.eof:
            return
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return
        self.newlines += data.count(b"\n")
        self.stream.feed(data)

    def lines(self):
        """The screen's lines, without the empty ones at the bottom."""
        rows = [line.rstrip() for line in self.screen.display]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def wait(self, ok, what):
        self.unsynced = False
        end = time.monotonic() + LIMIT
        while not ok():
            left = end - time.monotonic()
            if left <= 0 or (self.eof and not ok()):
                self.fail("timed out waiting for " + what)
            self.pump(min(left, 0.2))

    def fail(self, why):
        sys.stderr.write("%s\n--- screen ---\n%s\n--------------\n"
                         % (why, "\n".join(self.lines())))
        sys.exit(1)

    def at_prompt(self):
        """A new prompt is shown and the line editor reads (the terminal
        left canonical mode: what is typed now is not echoed twice)."""
        c = self.screen.cursor
        return (self.newlines > self.mark
                and self.screen.display[c.y][:c.x].endswith("#")
                and not termios.tcgetattr(self.fd)[3] & termios.ICANON)

    def send(self, data):
        if self.unsynced:
            self.wait(self.at_prompt, "a prompt")
        if b"\r" in data:
            self.mark = self.newlines
            self.unsynced = True
        os.write(self.fd, data)

    def wait_exit(self, want):
        end = time.monotonic() + LIMIT
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > end:
                self.fail("the program did not exit")
            self.pump(0.05)
        while not self.eof:
            self.pump(0.05)
        code = os.waitstatus_to_exitcode(status)
        if code != want:
            self.fail("exit status %d, want %d" % (code, want))


def shows(got, want):
    return len(got) == len(want) and all(
        re.fullmatch(w[2:], g) if w.startswith("~ ") else g == w
        for g, w in zip(got, want))


def main():
    dialogue, argv = sys.argv[1], sys.argv[2:]
    t = Term(argv)
    cmds = open(dialogue).read().split("\n")
    i = 0
    while i < len(cmds):
        line = cmds[i]
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("> "):
            t.wait(t.at_prompt, "a prompt")
            t.send(line[2:].encode() + b"\r")
        elif line == "prompt":
            t.wait(t.at_prompt, "a prompt")
        elif line.startswith("type "):
            t.send(codecs.decode(line[5:], "unicode_escape").encode("latin-1"))
        elif line.startswith("key "):
            t.send(KEYS[line[4:]])
        elif line == "screen":
            want = []
            while cmds[i] != "end":
                want.append(cmds[i].rstrip())
                i += 1
            i += 1
            t.wait(lambda: shows(t.lines()[-len(want):], want),
                   "the screen to end with:\n" + "\n".join(want))
        elif line.startswith("contains "):
            text = line[9:]
            t.wait(lambda: any(text in l for l in t.lines()), repr(text))
        elif line.startswith("run "):
            if subprocess.run(line[4:], shell=True).returncode != 0:
                t.fail("failed: " + line[4:])
        elif line.startswith("exit "):
            t.wait_exit(int(line[5:]))
        else:
            sys.exit("ptyscreen.py: bad dialogue line: %r" % line)


if __name__ == "__main__":
    main()
