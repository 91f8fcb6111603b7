"""A real SMTP receiver for the e-mail tests (Debian's python3-aiosmtpd): STARTTLS with a
certificate the test makes, AUTH PLAIN when asked, every message kept as it arrived; and a
way to read the messages as a person's mail program would (subject and text decoded)."""

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1 (and localhost); returns (cert, key) paths."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class Received:
    """One message as the receiver got it."""

    def __init__(self, envelope_from, rcpt_tos, raw, tls):
        self.envelope_from = envelope_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.tls = tls
        self.message = email.message_from_bytes(raw, policy=email.policy.default)
        self.subject = str(self.message["Subject"])
        self.text = self.message.get_content()
        self.message_id = str(self.message["Message-ID"])


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        self.box.add(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                              session.ssl is not None))
        return "250 OK"


class SmtpReceiver:
    """An SMTP server on 127.0.0.1:port. tls: offer STARTTLS and require it; user/password:
    require AUTH. stop() and start() again on the same port simulate an outage."""

    def __init__(self, cert=None, key=None, user=None, password=None, port=None):
        self.port = port or free_port()
        self.cert, self.key = cert, key
        self.user, self.password = user, password
        self.messages = []
        self.lock = threading.Lock()
        self.controller = None
        self.auth_attempts = []

    def add(self, message):
        with self.lock:
            self.messages.append(message)

    def _authenticate(self, server, session, envelope, mechanism, data):
        self.auth_attempts.append(mechanism)
        ok = (mechanism == "PLAIN" and data.login.decode() == self.user
              and data.password.decode() == self.password)
        return AuthResult(success=ok)

    def start(self):
        kwargs = {}
        if self.cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.cert), str(self.key))
            kwargs.update(tls_context=context, require_starttls=True)
        if self.user:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=bool(self.cert))
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     **kwargs)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def wait(self, address, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(address)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        return self.to(address)


def smtp_options(receiver, ca=None, batch_minutes=0, starttls=True, extra=()):
    """pnetd options for sending through receiver."""
    options = [f"--smtp-host=127.0.0.1", f"--smtp-port={receiver.port}",
               f"--smtp-starttls={'true' if starttls else 'false'}",
               "--mail-from=pnet@pnet.example", "--public-url=https://pnet.example/app/",
               f"--mail-batch-minutes={batch_minutes}", "--mail-poll-ms=200",
               "--mail-backoff-base-ms=200", "--mail-backoff-max-s=1", "--smtp-timeout-s=5"]
    if ca:
        options.append(f"--smtp-ca-file={ca}")
    return options + list(extra)
