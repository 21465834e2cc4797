#!/usr/bin/env python3
"""An HTTPS webhook receiver for parcd's alert tests, on 127.0.0.1 only (Python's standard
library).

Usage: https_sink.py PORT DIR CERT KEY

Answers every POST with 200 and writes it to DIR as N.json: path, headers and the body
parsed as JSON (through a rename, so a test that sees the file reads it whole). Prints
"ready" on stdout once it accepts connections; runs until killed.
"""

import http.server
import itertools
import json
import os
import ssl
import sys
import threading

COUNTER = itertools.count(1)
LOCK = threading.Lock()


def handler_for(directory):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with LOCK:
                n = next(COUNTER)
            record = {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": json.loads(body or b"null"),
            }
            tmp = os.path.join(directory, f".{n}.json.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(record, f, ensure_ascii=False)
            os.rename(tmp, os.path.join(directory, f"{n}.json"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main():
    port, directory, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    os.makedirs(directory, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler_for(directory))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
