"""HTTP on a bare socket, for requests no HTTP library would send (NUL bytes in headers,
unknown methods, a Content-Length without its body) and for watching connections."""

import json
import select
import socket
import time


def connect(server, timeout=10):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_response(sock, timeout=10):
    """One response: (status, headers with lower-case names, body). The body is read by its
    Content-Length, or to the end of the stream when there is none."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a whole head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed within the body")
            rest += chunk
        return status, headers, rest[:n]
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return status, headers, rest
        rest += chunk


def exchange(server, raw, timeout=10):
    """Send raw bytes on a new connection and read one response; also returns the socket."""
    s = connect(server, timeout)
    s.sendall(raw)
    return (*read_response(s, timeout), s)


def problem(status, headers, body, want_status, slug):
    """The body of a problem+json answer with that status and slug."""
    assert status == want_status, (status, body)
    assert headers["content-type"] == "application/problem+json", headers
    doc = json.loads(body)
    assert doc["type"] == f"/problems/{slug}", doc
    assert doc["status"] == want_status and doc["request_id"] == headers["x-request-id"]
    return doc


def closed_within(sock, seconds):
    """Whether the peer ends the connection (EOF or reset) within seconds; reads and drops
    whatever else arrives meanwhile."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return False
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
