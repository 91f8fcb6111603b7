"""The HTTP core: routing errors, body checks, request ids, the request log, metrics."""

import ctypes
import json
import os
import re
import socket
import time
import uuid

import pytest

from checks import assert_problem, error_fields, new_login, snapshot
from harness import Api


def account_body(**extra):
    body = {"login": new_login(), "display_name": "Test", "role": "admin",
            "password": "long-enough-password"}
    body.update(extra)
    return body


def test_unknown_route_is_404_problem(api):
    r = api.get("/v1/no-such-thing")
    body = assert_problem(r, 404, "not-found")
    assert body["instance"] == "/v1/no-such-thing"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", body["request_id"])


def test_wrong_method_is_405_with_allow(admin):
    r = admin.delete("/v1/me")
    assert_problem(r, 405, "method-not-allowed")
    assert r.headers["Allow"] == "GET, HEAD"
    r = admin.put("/v1/accounts", json={})
    assert_problem(r, 405, "method-not-allowed")
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_text_plain_is_415_and_writes_nothing(admin, db):
    before = snapshot(db, "account")
    r = admin.post("/v1/accounts", data=json.dumps(account_body()),
                   headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported-media-type")
    assert snapshot(db, "account") == before


@pytest.mark.parametrize("raw", [
    b'{"login": "x", ',                                            # cut off
    b'{"login": "a", "login": "b", "display_name": "x", "role": "admin"}',  # duplicate key
    b'{"login": "\xff\xfe", "display_name": "x", "role": "admin"}',  # invalid UTF-8
    b'[{"login": "abc"}]',                                           # an array
    b'{"login": "abcdef", "display_name": "x"} trailing',           # garbage after
    b'',                                                             # empty
], ids=["truncated", "duplicate-key", "invalid-utf8", "array", "trailing", "empty"])
def test_malformed_json_is_400_and_writes_nothing(admin, db, raw):
    before = snapshot(db, "account")
    audit = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    r = admin.post("/v1/accounts", data=raw, headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "malformed-json")
    assert snapshot(db, "account") == before
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit


def test_unknown_fields_are_422_naming_them(admin, db):
    before = snapshot(db, "account")
    r = admin.post("/v1/accounts", json=account_body(colour="blue", shoe_size=42))
    body = assert_problem(r, 422, "validation")
    assert error_fields(body) == ["colour", "shoe_size"]
    assert snapshot(db, "account") == before


def sized_body(size):
    """A JSON account body of exactly size bytes (padded in an unknown field)."""
    body = account_body(pad="")
    body["pad"] = "p" * (size - len(json.dumps(body)))
    data = json.dumps(body).encode()
    assert len(data) == size
    return data


def test_body_just_over_the_limit_is_413(pnetd_factory, admin, db):
    server = pnetd_factory("--max-body-bytes=4096")
    client = Api(server.base_url, admin.token)
    before = snapshot(db, "account")
    r = client.post("/v1/accounts", data=sized_body(4097),
                    headers={"Content-Type": "application/json"})
    body = assert_problem(r, 413, "body-too-large")
    assert "4096" in body["detail"]
    assert snapshot(db, "account") == before
    # 4096 bytes are read and judged on their content (the unknown field).
    r = client.post("/v1/accounts", data=sized_body(4096),
                    headers={"Content-Type": "application/json"})
    assert error_fields(assert_problem(r, 422, "validation")) == ["pad"]
    assert snapshot(db, "account") == before
    client.close()


def test_body_megabytes_over_the_default_is_413(admin, db):
    before = snapshot(db, "account")
    data = b'{"login": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    r = admin.post("/v1/accounts", data=data, headers={"Content-Type": "application/json"})
    assert_problem(r, 413, "body-too-large")
    assert snapshot(db, "account") == before


def test_body_on_a_bodiless_route(admin):
    r = admin.post("/v1/auth/logout", data=b"hello", headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported-media-type")
    r = admin.post("/v1/auth/logout", json={"all": True})
    body = assert_problem(r, 400, "unknown-field")
    assert error_fields(body) == ["all"]
    assert admin.get("/v1/me").status_code == 200


def test_request_id_echoed_or_generated(api):
    r = api.get("/healthz", headers={"X-Request-Id": "abc-123.x:y_z"})
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] == "abc-123.x:y_z"
    r = api.get("/v1/nothing-here", headers={"X-Request-Id": "mine-42"})
    assert r.headers["X-Request-Id"] == "mine-42"
    assert r.json()["request_id"] == "mine-42"
    # Missing or unsafe ones are replaced.
    a = api.get("/healthz").headers["X-Request-Id"]
    b = api.get("/healthz").headers["X-Request-Id"]
    assert a and b and a != b
    r = api.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
    assert r.headers["X-Request-Id"] != "bad id <script>"
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,}", r.headers["X-Request-Id"])


def test_one_json_log_line_per_request(pnetd, admin):
    rid = f"log-{uuid.uuid4().hex}"
    r = admin.get("/v1/me", headers={"X-Request-Id": rid})
    assert r.status_code == 200
    rid2 = f"log-{uuid.uuid4().hex}"
    admin.get("/v1/missing", headers={"X-Request-Id": rid2})
    rec = pnetd.wait_for_log(lambda x: x.get("request_id") == rid2 and x.get("msg") == "request")
    assert rec["method"] == "GET" and rec["path"] == "/v1/missing" and rec["status"] == 404
    records = [x for x in pnetd.records() if x.get("request_id") == rid and x.get("msg") == "request"]
    assert len(records) == 1, records
    rec = records[0]
    assert rec["method"] == "GET"
    assert rec["path"] == "/v1/me"
    assert rec["route"] == "/v1/me"
    assert rec["status"] == 200
    assert isinstance(rec["ms"], int) and rec["ms"] >= 0
    assert rec["level"] == "info" and rec["time"]


def test_problem_for_a_bad_uuid_path_parameter(admin):
    r = admin.get("/v1/accounts/not-a-uuid")
    assert_problem(r, 404, "not-found")


def test_head_is_answered_like_get(api):
    r = api.request("HEAD", "/healthz")
    assert r.status_code == 200
    assert r.content == b""


def test_healthz_readyz(api):
    r = api.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = api.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert body["schema_version"] == body["expected_schema_version"] >= 1


def test_metrics(api, admin):
    assert admin.get("/v1/me").status_code == 200
    r = api.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = r.text
    m = re.search(r'^pnet_http_requests_total\{route="/v1/me",method="GET",status="200"\} (\d+)$',
                  text, re.M)
    assert m and int(m.group(1)) >= 1, text
    assert "# TYPE pnet_http_request_duration_seconds histogram" in text
    assert re.search(r'^pnet_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+$', text, re.M)
    assert re.search(r"^pnet_http_request_duration_seconds_count \d+$", text, re.M)
    assert re.search(r"^pnet_db_connections\{state=\"ready\"\} \d+$", text, re.M)
    before = int(m.group(1))
    assert admin.get("/v1/me").status_code == 200
    m = re.search(r'^pnet_http_requests_total\{route="/v1/me",method="GET",status="200"\} (\d+)$',
                  api.get("/metrics").text, re.M)
    assert int(m.group(1)) == before + 1


def test_raw_garbage_request_line(pnetd):
    with socket.create_connection(("127.0.0.1", pnetd.port), timeout=5) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        data = s.recv(4096)
    assert data == b"" or data.startswith(b"HTTP/1.1 400")
    assert Api(pnetd.base_url).get("/healthz").status_code == 200


# -- protocol edges: what a careless client or an attacker sends

from rawhttp import closed_within, connect, exchange, problem, read_response  # noqa: E402


def test_nul_in_a_path_parameter_is_404(admin):
    """%00 must not cut an id short: the rest after it would be ignored."""
    me = admin.get("/v1/me").json()["account"]["id"]
    assert admin.get(f"/v1/accounts/{me}").status_code == 200
    for tail in ("%00anything", "%00", "%zz"):
        assert_problem(admin.get(f"/v1/accounts/{me}{tail}"), 404, "not-found")


@pytest.mark.parametrize("header", [b"X-Note: a\x00b", b"X-Note: a\x01b", b"X-Note: a\x7fb",
                                    b"X-Note: a\rb", b"X-A\x00b: c", b"X-Note: a\r\n folded",
                                    b"X-Note : spaced", b"no colon"],
                         ids=["nul", "soh", "del", "bare-cr", "nul-in-name", "folded",
                              "space-before-colon", "no-colon"])
def test_control_bytes_and_malformed_header_lines_are_400(pnetd, header):
    status, headers, body, s = exchange(
        pnetd, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n")
    problem(status, headers, body, 400, "bad-header")
    assert headers["connection"] == "close"
    assert closed_within(s, 5)
    s.close()


def test_tab_and_high_bytes_in_values_are_fine(pnetd):
    status, _, _, s = exchange(
        pnetd, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\tcaf\xc3\xa9\r\n\r\n")
    assert status == 200
    s.close()


def test_unknown_method_is_501_problem_and_closes(pnetd):
    for method in (b"PROPFIND", b"BREW"):
        status, headers, body, s = exchange(pnetd, method + b" /v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
        problem(status, headers, body, 501, "not-implemented")
        assert closed_within(s, 5)
        s.close()


def test_connect_is_answered_and_closed_at_once(pnetd):
    s = connect(pnetd)
    started = time.monotonic()
    s.sendall(b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n")
    status, headers, body = read_response(s)  # read to the end: there is no Content-Length
    assert status == 501 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == "/problems/not-implemented"
    assert time.monotonic() - started < 5  # not the 30 s of the idle timeout
    s.close()


def test_bad_percent_encoding_in_the_query_is_400(admin):
    for query, field in (("q=%zz", "q"), ("limit=5&after=%", "after"), ("status=se%00nt", "status"),
                         ("b%zz=1", "b%zz")):
        r = admin.get("/v1/accounts?" + query)
        body = assert_problem(r, 400, "bad-query")
        assert error_fields(body) == [field], body
    # '+' and %20 are spaces, as forms send them
    assert admin.get("/v1/accounts?limit=%35").status_code == 200


def test_content_length_over_the_limit_is_refused_before_the_body(pnetd_factory):
    server = pnetd_factory("--max-body-bytes=4096")
    head = (b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n%s\r\n")
    # The answer comes before a byte of the body was sent.
    s = connect(server)
    s.sendall(head % (50000, b""))
    status, headers, body = read_response(s)
    doc = problem(status, headers, body, 413, "body-too-large")
    assert "50000" in doc["detail"] and "4096" in doc["detail"]
    assert headers.get("connection") != "close"
    # Sent anyway, the body is thrown away as it comes: the connection serves the next request.
    s.sendall(b"x" * 50000 + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, body = read_response(s)
    assert status == 200 and json.loads(body) == {"status": "ok"}
    s.close()
    # More than 16 times the limit, or a client waiting for 100-continue: answered, closed.
    for length, extra in ((16 * 4096 + 1, b""), (5000, b"Expect: 100-continue\r\n")):
        s = connect(server)
        s.sendall(head % (length, extra))
        status, headers, body = read_response(s)
        problem(status, headers, body, 413, "body-too-large")
        assert headers["connection"] == "close"
        assert closed_within(s, 5)
        s.close()
    # At the limit the body is read and judged on its content.
    data = b'{"login": "' + b"a" * (4096 - 13) + b'"}'
    assert len(data) == 4096
    status, headers, body, s = exchange(server, head % (4096, b"") + data)
    problem(status, headers, body, 400, "validation")
    s.close()


def test_transfer_encoding_is_411_and_with_content_length_400(pnetd):
    status, headers, body, s = exchange(
        pnetd, b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    problem(status, headers, body, 411, "length-required")
    assert closed_within(s, 5)
    s.close()
    status, headers, body, s = exchange(
        pnetd, b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    problem(status, headers, body, 400, "bad-header")
    s.close()
    for length in (b"5, 5", b"-1", b"5\r\nContent-Length: 6"):
        status, headers, body, s = exchange(
            pnetd, b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: " + length +
                   b"\r\n\r\n{}   ")
        problem(status, headers, body, 400, "bad-header")
        s.close()


def _server_socket_of(pid, client):
    """A duplicate of pnetd's end of the TCP connection client (found by its inode among the
    process's descriptors, taken with pidfd_getfd), as a socket object."""
    here_port = client.getsockname()[1]
    peer = f"0100007F:{here_port:04X}"
    inode = None
    with open(f"/proc/{pid}/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[2] == peer:      # remote address of pnetd's socket is ours
                inode = fields[9]
    assert inode, "pnetd's end of the connection is not in /proc/net/tcp"
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target == f"socket:[{inode}]":
            libc = ctypes.CDLL(None, use_errno=True)
            pidfd = os.pidfd_open(pid)
            try:
                fd = libc.syscall(438, pidfd, int(name), 0)  # SYS_pidfd_getfd
                assert fd >= 0, os.strerror(ctypes.get_errno())
            finally:
                os.close(pidfd)
            return socket.socket(fileno=fd)
    raise AssertionError("no descriptor of pnetd holds the connection")


def test_accepted_sockets_have_tcp_nodelay(pnetd):
    """Answers leave without waiting for the client's delayed ACK (Nagle): pnetd sets
    TCP_NODELAY on every socket it accepts. Looked at on pnetd's own descriptor."""
    with socket.create_connection(("127.0.0.1", pnetd.port)) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        server_end = _server_socket_of(pnetd.pid, client)
        with server_end:  # closes the duplicate only; pnetd's descriptor stays open
            assert server_end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
