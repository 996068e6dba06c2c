#!/usr/bin/python3
"""A test SMTP server for logmail's tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 (or --listen), port 0 (or --port N: a server back on the
port of one that stopped), and writes the port it got to --port-file
(atomically: the file appears complete).  Each accepted message is saved in
--maildir as two files, also published atomically (temporary name, rename):

    NNNN.eml   the DATA exactly as received (dot-unstuffed, CRLF kept)
    NNNN.env   the envelope, one "key: value" per line:
               from, to (one line per recipient), mail-options, auth (user or
               "-"), tls ("yes"/"no"), tls-session (the protocol and cipher,
               "TLSv1.3 TLS_AES_256_GCM_SHA384", or "-"), helo (the EHLO/HELO
               argument),
               session (1 for the first connection that said EHLO, 2...)

The .env is renamed last, so a test that sees NNNN.env can read NNNN.eml.

Modes: plain, starttls (STARTTLS offered; --require-starttls to insist),
smtps (implicit TLS, RFC 8314).  AUTH: --auth none|plain|login|cram-md5|all
with --user/--password, or --auth xoauth2|oauthbearer with --user/--token:
the one access token accepted; any other is answered as RFC 7628 3.2.2
says (334 with base64 JSON {"status":"invalid_token",...}, the client's
answer, then 535), and each token tried is appended to --token-log.
Misbehaviour for the reliability tests:

    --greeting-421      greet with 421 and close
    --hang              accept and never say anything
    --rcpt-451 [N]      answer RCPT with 451 (only the first N times if N > 0)
    --rcpt-550          answer RCPT with 550 5.1.1
    --data-554          reject the message after DATA with 554
    --drop-in-data      close the connection after the data, before replying
    --no-auth-offer     never offer AUTH
    --no-pipelining     do not announce PIPELINING (announced by default)
    --no-ehlo           answer EHLO with 502 (a HELO-only server)
    --no-smtputf8       do not announce SMTPUTF8
    --hide KEYWORD      do not announce this EHLO keyword (e.g. 8BITMIME;
                        repeatable); the server still takes what it gets
    --listen ADDR       listen there instead of 127.0.0.1 (e.g. ::1)
    --drop-at N         on each connection, close it (no reply) once the
                        N-th message's data is received, not storing it
    --rcpt-reply ADDR=REPLY   answer RCPT TO:<ADDR> with REPLY (e.g.
                        "452 4.5.3 Too many recipients"); a 421 also closes
                        the connection (repeatable)
    --hang-at STAGE     stop answering (keep the connection open, say nothing)
                        at STAGE: "mail" (MAIL FROM received), "rcpt" (RCPT TO
                        received), "data" (the message received after DATA,
                        not stored), "dot" (the message received AND stored
                        in --maildir, the final reply never sent)
    --tls-max 1.1       offer at most TLS 1.1 (security level 0, so OpenSSL 3
                        allows it), to check that clients refuse it
    --hang-marker FILE  written (atomically, holding STAGE) when --hang-at's
                        stage is reached, for the test to wait on
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def publish(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def server_tls_context(args):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    if args.tls_max == "1.1":
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx



def tls_session(server, session):
    """The protocol and cipher of the connection as this server sees them
    ("TLSv1.3 TLS_AES_256_GCM_SHA384"), or "-" in the clear: implicit TLS
    has them on the transport, STARTTLS on the session's TLS extras."""
    obj = server.transport.get_extra_info("ssl_object")
    if obj is None and isinstance(session.ssl, dict):
        obj = session.ssl.get("ssl_object")
    if obj is None:
        return "-"
    return "%s %s" % (obj.version(), obj.cipher()[0])

class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.sessions = 0
        self.rcpt_451_left = args.rcpt_451
        self.rcpt_reply = dict(r.split("=", 1) for r in args.rcpt_reply)

    async def hang(self, stage):
        if self.args.hang_marker:
            publish(self.args.hang_marker, stage.encode() + b"\n")
        await asyncio.Event().wait()  # never set: the client waits forever

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.args.hang_at == "mail":
            await self.hang("mail")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.args.no_ehlo:
            return ["502 5.5.1 EHLO not implemented, try HELO"]
        session.host_name = hostname
        if not hasattr(session, "number"):
            self.sessions += 1
            session.number = self.sessions
            session.messages = 0
        # aiosmtpd says "250-AUTH " even with no mechanism left: drop it.
        responses = [r for r in responses if r.rstrip() != "250-AUTH"]
        hidden = {h.upper() for h in self.args.hide}
        responses = [r for r in responses
                     if r[4:].split(" ")[0].upper() not in hidden]
        if self.args.no_pipelining:
            return responses
        # aiosmtpd reads one command line at a time, so it copes with
        # pipelined groups; announce it to exercise the client's pipelining.
        return responses[:1] + ["250-PIPELINING"] + responses[1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.hang_at == "rcpt":
            await self.hang("rcpt")
        if self.args.rcpt_451 is not None:
            if self.args.rcpt_451 == 0 or self.rcpt_451_left > 0:
                self.rcpt_451_left -= 1
                return "451 4.3.0 temporary failure, try again later"
        reply = self.rcpt_reply.get(address)
        if reply is not None:
            if reply.startswith("421"):
                # After the reply went out (close() flushes what is queued).
                asyncio.get_running_loop().call_soon(server.transport.close)
            return reply
        if self.args.rcpt_550:
            return "550 5.1.1 <%s>: unknown user" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.drop_in_data:
            server.transport.close()
            return "451 never seen"
        if self.args.data_554:
            return "554 5.6.0 message rejected as spam"
        if self.args.hang_at == "data":
            await self.hang("data")
        session.messages = getattr(session, "messages", 0) + 1
        if self.args.drop_at and session.messages == self.args.drop_at:
            server.transport.close()
            return "451 never seen"
        self.count += 1
        base = os.path.join(self.args.maildir, "%04d" % self.count)
        publish(base + ".eml", envelope.original_content)
        user = "-"
        if session.auth_data is not None:
            login = getattr(session.auth_data, "login", session.auth_data)
            user = login.decode() if isinstance(login, bytes) else str(login)
        env = ["from: %s" % envelope.mail_from]
        env += ["to: %s" % r for r in envelope.rcpt_tos]
        env += ["mail-options: %s" % " ".join(envelope.mail_options),
                "auth: %s" % user,
                "tls: %s" % ("yes" if session.ssl or
                             server.transport.get_extra_info("sslcontext")
                             else "no"),
                "tls-session: %s" % tls_session(server, session),
                "helo: %s" % session.host_name,
                "session: %s" % getattr(session, "number", 0)]
        publish(base + ".env", ("\n".join(env) + "\n").encode())
        if self.args.hang_at == "dot":
            await self.hang("dot")
        return "250 2.0.0 OK queued as %04d" % self.count

    async def auth_CRAM__MD5(self, server, args):
        challenge = ("<%d.%d@logmail-test>" % (os.getpid(), self.count)).encode()
        answer = await server.challenge_auth(challenge)
        if answer is None or not isinstance(answer, bytes):
            return AuthResult(success=False, handled=False)
        user, _, digest = answer.decode(errors="replace").rpartition(" ")
        want = hmac.new(self.args.password.encode(), challenge, hashlib.md5).hexdigest()
        ok = user == self.args.user and hmac.compare_digest(digest, want)
        return AuthResult(success=ok, handled=False,
                          auth_data=LoginPassword(user.encode(), b""))

    # OAuth 2.0 bearer tokens.  The initial response comes with AUTH (or
    # after an empty 334 when the client sent none).
    async def oauth(self, server, args, parse):
        blob = args[1] if len(args) > 1 else None
        if blob is None:
            raw = await server.challenge_auth(b"")
        else:
            try:
                raw = base64.b64decode(blob, validate=True)
            except ValueError:
                return AuthResult(success=False, handled=False)
        if not isinstance(raw, bytes):
            return AuthResult(success=False, handled=False)
        user, token = parse(raw.decode(errors="replace"))
        if self.args.token_log:
            with open(self.args.token_log, "a") as f:
                f.write("%s %s\n" % (args[0], token))
        if user == self.args.user and token == self.args.token:
            return AuthResult(success=True, handled=False,
                              auth_data=LoginPassword(user.encode(), b""))
        error = json.dumps({"status": "invalid_token", "scope": "https://mail.test/",
                            "openid-configuration":
                                "https://auth.test/.well-known/openid-configuration"})
        answer = await server.challenge_auth(error.encode())
        # RFC 7628 3.2.3: OAUTHBEARER answers %x01; XOAUTH2 an empty line.
        want = b"\x01" if args[0].upper() == "OAUTHBEARER" else b""
        if answer != want:
            server.transport.close()
        return AuthResult(success=False, handled=False)

    async def auth_XOAUTH2(self, server, args):
        def parse(s):
            # user=U ^A auth=Bearer T ^A ^A
            fields = dict(f.split("=", 1) for f in s.split("\x01") if "=" in f)
            return fields.get("user"), fields.get("auth", "").removeprefix("Bearer ")
        return await self.oauth(server, args, parse)

    async def auth_OAUTHBEARER(self, server, args):
        def parse(s):
            # n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A (RFC 7628 3.1)
            gs2, _, rest = s.partition("\x01")
            parts = gs2.split(",")
            user = None
            if len(parts) >= 2 and parts[1].startswith("a="):
                user = parts[1][2:].replace("=2C", ",").replace("=3D", "=")
            fields = dict(f.split("=", 1) for f in rest.split("\x01") if "=" in f)
            return user, fields.get("auth", "").removeprefix("Bearer ")
        return await self.oauth(server, args, parse)


def make_authenticator(args):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


ALL_MECHS = {"plain": "PLAIN", "login": "LOGIN", "cram-md5": "CRAM-MD5",
             "xoauth2": "XOAUTH2", "oauthbearer": "OAUTHBEARER"}
PASSWORD_MECHS = {"PLAIN", "LOGIN", "CRAM-MD5"}


def smtp_factory(args, handler):
    tls = None
    if args.mode == "starttls":
        tls = server_tls_context(args)
    offered = set()
    if not args.no_auth_offer:
        offered = PASSWORD_MECHS if args.auth == "all" else (
            {ALL_MECHS[args.auth]} if args.auth in ALL_MECHS else set())
    exclude = [m for m in ALL_MECHS.values() if m not in offered]
    kwargs = dict(
        enable_SMTPUTF8=not args.no_smtputf8,
        decode_data=False,
        hostname="smtpd.test",
        tls_context=tls,
        require_starttls=args.require_starttls,
        auth_require_tls=False,
        auth_exclude_mechanism=exclude,
        authenticator=make_authenticator(args),
        data_size_limit=args.size_limit,
    )

    def factory():
        server = LongAuthSMTP(handler, **kwargs)
        server.command_size_limits["AUTH"] = 12288
        return server
    return factory


class LongAuthSMTP(SMTP):
    """RFC 4954 4: an AUTH line may be 12288 octets (a token of some KB)."""
    line_length_limit = 16384


class Greet421(asyncio.Protocol):
    def connection_made(self, transport):
        transport.write(b"421 4.3.2 smtpd.test service not available\r\n")
        transport.close()


class Hang(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport  # keep it open, say nothing


async def main(args):
    loop = asyncio.get_running_loop()
    handler = Handler(args)
    if args.greeting_421:
        factory = Greet421
    elif args.hang:
        factory = Hang
    else:
        factory = smtp_factory(args, handler)
    ssl_ctx = None
    if args.mode == "smtps":
        ssl_ctx = server_tls_context(args)
    server = await loop.create_server(factory, args.listen, args.port, ssl=ssl_ctx)
    port = server.sockets[0].getsockname()[1]
    publish(args.port_file, b"%d\n" % port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--mode", choices=["plain", "starttls", "smtps"], default="plain")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth", choices=["none", "plain", "login", "cram-md5", "all",
                                       "xoauth2", "oauthbearer"],
                    default="none")
    ap.add_argument("--token", default="token")
    ap.add_argument("--token-log")
    ap.add_argument("--user", default="user")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--size-limit", type=int, default=33554432)
    ap.add_argument("--greeting-421", action="store_true")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--rcpt-451", type=int, nargs="?", const=0, default=None,
                    metavar="N")
    ap.add_argument("--rcpt-550", action="store_true")
    ap.add_argument("--data-554", action="store_true")
    ap.add_argument("--drop-in-data", action="store_true")
    ap.add_argument("--no-auth-offer", action="store_true")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--no-ehlo", action="store_true")
    ap.add_argument("--no-smtputf8", action="store_true")
    ap.add_argument("--hide", action="append", default=[], metavar="KEYWORD")
    ap.add_argument("--listen", default="127.0.0.1", metavar="ADDR")
    ap.add_argument("--drop-at", type=int, default=0, metavar="N")
    ap.add_argument("--rcpt-reply", action="append", default=[], metavar="ADDR=REPLY")
    ap.add_argument("--hang-at", choices=["mail", "rcpt", "data", "dot"])
    ap.add_argument("--hang-marker")
    ap.add_argument("--tls-max", choices=["1.1"])
    args = ap.parse_args()
    if args.mode != "plain" and not (args.tls_cert and args.tls_key):
        ap.error("--mode %s needs --tls-cert and --tls-key" % args.mode)
    os.makedirs(args.maildir, exist_ok=True)
    return args


if __name__ == "__main__":
    try:
        asyncio.run(main(parse()))
    except KeyboardInterrupt:
        sys.exit(0)
