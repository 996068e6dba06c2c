#!/usr/bin/python3
"""A test OAuth 2.0 token endpoint (RFC 6749) for logmail's tests, over HTTPS.

Listens on 127.0.0.1 port 0 and writes its port to --port-file (atomically).
POST /token with a form answers:

    grant_type=client_credentials (4.4) or refresh_token (6), with client_id
    (and client_secret when --client-secret is given) in the body:
    200 {"access_token": --access-token, "token_type": "Bearer",
         "expires_in": --expires-in[, "refresh_token": NEW]}

A wrong client is answered 401 {"error": "invalid_client"}, a refresh token
other than the current one 400 {"error": "invalid_grant", ...}.  With
--rotate each refresh answers a new refresh token ("rt-2", "rt-3"...) and
only that one is accepted next.  Each grant served is appended to --log as
"GRANT_TYPE REFRESH_TOKEN_GIVEN" (or "-"), so a test counts them.
"""

import argparse
import http.server
import json
import os
import ssl
import urllib.parse


def publish(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Endpoint(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet: the test reads --log
        pass

    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        a = self.server.args
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
        get = lambda k: form.get(k, [None])[0]
        grant = get("grant_type")
        with open(a.log, "a") as f:
            f.write("%s %s\n" % (grant, get("refresh_token") or "-"))
        if self.path != "/token":
            return self.answer(404, {"error": "not_found"})
        if get("client_id") != a.client_id or (a.client_secret and
                                               get("client_secret") != a.client_secret):
            return self.answer(401, {"error": "invalid_client",
                                     "error_description": "unknown client or wrong secret"})
        reply = {"access_token": a.access_token, "token_type": "Bearer",
                 "expires_in": a.expires_in}
        if grant == "refresh_token":
            if get("refresh_token") != self.server.refresh:
                return self.answer(400, {"error": "invalid_grant",
                                         "error_description": "refresh token expired or revoked"})
            if a.rotate:
                self.server.rotations += 1
                self.server.refresh = "rt-%d" % (self.server.rotations + 1)
                reply["refresh_token"] = self.server.refresh
        elif grant != "client_credentials":
            return self.answer(400, {"error": "unsupported_grant_type"})
        if get("scope") != a.scope:
            return self.answer(400, {"error": "invalid_scope"})
        self.answer(200, reply)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--client-id", default="logmail-test")
    ap.add_argument("--client-secret")
    ap.add_argument("--refresh-token", default="rt-1")
    ap.add_argument("--scope")
    ap.add_argument("--access-token", required=True)
    ap.add_argument("--expires-in", type=int, default=3600)
    ap.add_argument("--rotate", action="store_true")
    args = ap.parse_args()
    server = http.server.HTTPServer(("127.0.0.1", 0), Endpoint)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.args = args
    server.refresh = args.refresh_token
    server.rotations = 0
    publish(args.port_file, b"%d\n" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
