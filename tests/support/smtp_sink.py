#!/usr/bin/env python3
"""A real SMTP server for parcd's alert tests, on 127.0.0.1 only (aiosmtpd).

Usage: smtp_sink.py PORT DIR [--username U --password P] [--starttls CERT KEY]

Every message it accepts is written to DIR as N.eml (the bytes received) and N.json
(envelope, decoded headers and body, parsed by Python's email package, so the tests check
the message with a parser other than the one that built it). The JSON is written last,
through a rename: a test that sees it can read both files whole.

A recipient whose address contains "reject" is refused with 550, as a relay refuses an
unknown mailbox. With --username and --password, AUTH PLAIN and LOGIN are offered and
required; TLS is not required for them, since the connection never leaves the machine.

With --echo-auth, a refused AUTH is answered with the exchange quoted in base64, as some
relays do, for the tests that check the password never shows.

With --starttls, STARTTLS is offered with that certificate and required before MAIL.

Prints "ready" on stdout once it accepts connections; runs until killed.
"""

import argparse
import base64
import email
import email.policy
import itertools
import json
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address.lower():
            return f"550 5.1.1 <{address}>: recipient rejected by the test sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        raw = envelope.original_content or envelope.content
        with open(os.path.join(self.directory, f"{n}.eml"), "wb") as f:
            f.write(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated_as": login_of(session),
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_content(),
        }
        tmp = os.path.join(self.directory, f".{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, f"{n}.json"))
        return "250 Message accepted for delivery"


def login_of(session):
    """The username the client authenticated with, or None."""
    data = session.auth_data
    if session.authenticated and isinstance(data, LoginPassword):
        return data.login.decode()
    return None


class Authenticator:
    def __init__(self, username, password, echo):
        self.username = username.encode()
        self.password = password.encode()
        self.echo = echo

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.username
            and auth_data.password == self.password
        )
        if ok or not self.echo or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=ok, handled=False, auth_data=auth_data)
        # What the client sent, re-encoded as it travelled: the PLAIN response, or the
        # LOGIN exchange's password line.
        if mechanism == "PLAIN":
            sent = b"\0" + auth_data.login + b"\0" + auth_data.password
        else:
            sent = auth_data.password
        quoted = base64.b64encode(sent).decode()
        return AuthResult(
            success=False,
            handled=False,
            message=f"535 5.7.8 AUTH {mechanism} {quoted} refused for {auth_data.login.decode()}",
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("directory")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument(
        "--echo-auth",
        action="store_true",
        help="quote a refused AUTH exchange (base64) in the 535 answer, as some relays do",
    )
    args = parser.parse_args()
    if (args.username is None) != (args.password is None):
        parser.error("--username and --password go together")
    os.makedirs(args.directory, exist_ok=True)

    auth = {}
    if args.username is not None:
        # The warning is about networks; this server only listens on loopback.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        auth = dict(
            authenticator=Authenticator(args.username, args.password, args.echo_auth),
            auth_required=True,
            auth_require_tls=False,
        )
    tls = {}
    if args.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.starttls)
        tls = dict(tls_context=context, require_starttls=True)
    controller = Controller(
        Sink(args.directory),
        hostname="127.0.0.1",
        port=args.port,
        enable_SMTPUTF8=True,
        **auth,
        **tls,
    )
    controller.start()
    print("ready", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
