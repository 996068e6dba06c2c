#!/usr/bin/python3
"""bench/compare/countsmtpd.py COUNT-FILE SMTPD-ARGS...: tests/servers/smtpd.py
that also counts connections and EHLO commands, rewriting COUNT-FILE as
"connections N ehlo M" after each (to show how many sessions a delivery run
opened, as the server saw them)."""
import asyncio
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "smtpd", os.path.join(here, "..", "..", "tests", "servers", "smtpd.py"))
smtpd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smtpd)

count_file = sys.argv.pop(1)
counts = {"connections": 0, "ehlo": 0}


def save():
    smtpd.publish(count_file, ("connections %(connections)d ehlo %(ehlo)d\n" % counts).encode())


orig_made = smtpd.SMTP.connection_made
orig_ehlo = smtpd.Handler.handle_EHLO


def connection_made(self, transport):
    # called again on the TLS transport after STARTTLS: count plain ones only
    if not getattr(self, "_bench_counted", False):
        self._bench_counted = True
        counts["connections"] += 1
        save()
    return orig_made(self, transport)


async def handle_EHLO(self, server, session, envelope, hostname, responses):
    counts["ehlo"] += 1
    save()
    return await orig_ehlo(self, server, session, envelope, hostname, responses)


smtpd.SMTP.connection_made = connection_made
smtpd.Handler.handle_EHLO = handle_EHLO
save()
asyncio.run(smtpd.main(smtpd.parse()))
