"""A DevTools protocol connection of its own to the browser the tests drive, for what
selenium's execute_cdp_cmd cannot do: receive events (Target.attachedToTarget) and answer
them at once, on a thread that reads the socket.

Chromedriver starts Chromium with a DevTools port (capabilities "goog:chromeOptions",
debuggerAddress); Chromium serves several clients on it, so this one works beside
chromedriver's. A WebSocket client of the few lines RFC 6455 needs: text frames, masked from
the client, fragments and control frames from the server."""
import base64
import json
import os
import socket
import struct
import threading
import urllib.request
from urllib.parse import urlparse


class CdpError(Exception):
    pass


class Cdp:
    """Cdp(driver): the browser target's DevTools session (flatten mode: commands to an
    attached target carry its sessionId). on_event(method, params, session_id) runs on the
    reading thread; it must not wait for an answer (send without waiting is fine)."""

    def __init__(self, driver, on_event=None):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/version", timeout=10) as r:
            url = urlparse(json.load(r)["webSocketDebuggerUrl"])
        self.on_event = on_event
        self._next_id = 0
        self._lock = threading.Lock()
        self._answers = {}
        self._answered = threading.Condition(self._lock)
        self._closed = False
        self.sock = socket.create_connection((url.hostname, url.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise CdpError("DevTools closed the connection during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise CdpError(f"DevTools refused the WebSocket: {head[:80]!r}")
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name="cdp-reader", daemon=True)
        self._reader.start()

    # -- frames

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self._lock:
            self.sock.sendall(head + mask + body)

    def _read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _read_message(self):
        parts = []
        while True:
            b0, b1 = self._read_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read_exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read_exact(8))
            payload = self._read_exact(n)  # a server's frames are not masked
            if opcode == 0x8:
                raise EOFError
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def _read_loop(self):
        try:
            while True:
                message = json.loads(self._read_message())
                if "id" in message:
                    with self._answered:
                        self._answers[message["id"]] = message
                        self._answered.notify_all()
                elif self.on_event:
                    self.on_event(message["method"], message.get("params", {}),
                                  message.get("sessionId"))
        except (EOFError, OSError):
            pass
        finally:
            with self._answered:
                self._closed = True
                self._answered.notify_all()

    # -- commands

    def send(self, method, params=None, session_id=None):
        """Sends a command without waiting; returns its id (for wait)."""
        with self._lock:
            self._next_id += 1
            command_id = self._next_id
        message = {"id": command_id, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        self._send_frame(0x1, json.dumps(message).encode())
        return command_id

    def wait(self, command_id, timeout=10):
        """The result of command command_id; CdpError for an error answer."""
        with self._answered:
            if not self._answered.wait_for(
                    lambda: command_id in self._answers or self._closed, timeout):
                raise CdpError(f"no answer to DevTools command {command_id} in {timeout}s")
            answer = self._answers.pop(command_id, None)
        if answer is None:
            raise CdpError("the DevTools connection closed")
        if "error" in answer:
            raise CdpError(answer["error"])
        return answer.get("result", {})

    def call(self, method, params=None, session_id=None, timeout=10):
        return self.wait(self.send(method, params, session_id), timeout)

    def close(self):
        try:
            self._send_frame(0x8, b"")
        except OSError:
            pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(timeout=5)
