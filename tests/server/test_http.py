"""The HTTP server itself, in front of a fake app with the Sandbox's ``handle`` surface:
authentication refusals over the wire, malformed and oversized requests, slow clients,
keep-alive, the worker pool, and graceful shutdown."""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from kmsworkbench.sandbox.server import (
    DEFAULT_PORT,
    ServerHandle,
    ServerLimits,
    endpoint_url_for,
    is_loopback,
    serve_app_background,
)

from .helpers import FakeApp, Reply, make_request, now_utc, send

FAST = ServerLimits(
    read_timeout=0.5, request_timeout=2.0, max_workers=6, max_pending=4, max_connections=10
)


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


@pytest.fixture
def server(app: FakeApp) -> Iterator[ServerHandle]:
    handle = serve_app_background(app, "127.0.0.1", 0, limits=FAST)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def patient(app: FakeApp) -> Iterator[ServerHandle]:
    """FAST's caps with a head deadline of 30 s: the connection-cap tests hold idle
    connections, which FAST's 0.5 s deadline closed on a loaded machine before the extra
    one came, so that it was let in and then closed for saying nothing."""
    limits = dataclasses.replace(FAST, read_timeout=30.0, request_timeout=30.0)
    handle = serve_app_background(app, "127.0.0.1", 0, limits=limits)
    try:
        yield handle
    finally:
        handle.stop()


def request(server: ServerHandle, app: FakeApp, target: str | None = "TrentService.ListKeys", **kw):
    params = {"access_key": app.access_key_id, "secret_key": app.secret_access_key}
    params["region"] = app.region
    params.update(kw)
    return make_request(server.endpoint_url, target, **params)


def raw_exchange(server: ServerHandle, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes; read until the server closes the connection."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def parse_raw(data: bytes) -> Reply:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return Reply(status, headers, body)


def assert_kms_error(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status, reply
    assert reply.code == code, reply
    assert reply.message
    assert reply.header("x-amzn-RequestId")
    assert reply.header("Content-Type") == "application/x-amz-json-1.1"


def test_signed_request_reaches_the_app(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, "TrentService.Echo", body={"Limit": 3}))
    assert reply.status == 200
    assert reply.json() == {"Echo": {"Limit": 3}}
    assert reply.header("x-amzn-RequestId") == "fake-request-id"
    assert app.calls == ["TrentService.Echo"]


def test_unsigned_request_is_missing_token(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app), drop_headers=("Authorization",))
    assert_kms_error(reply, 400, "MissingAuthenticationTokenException")
    assert reply.message == "Missing Authentication Token"
    assert app.calls == []


def test_wrong_secret_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, secret_key="not-the-secret"))
    assert_kms_error(reply, 400, "InvalidSignatureException")
    assert app.calls == []


def test_unknown_key_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, access_key="AKIANOBODY0000000000"))
    assert_kms_error(reply, 400, "UnrecognizedClientException")
    assert reply.message == "The security token included in the request is invalid."


def test_region_comes_from_the_credential_scope(server: ServerHandle, app: FakeApp) -> None:
    for region in ("cn-north-1", "eu-west-1", app.region):
        assert send(request(server, app, region=region)).status == 200
    assert app.regions == ["cn-north-1", "eu-west-1", app.region]


@pytest.mark.parametrize("region", ["mars-1", "US-EAST-1", "us_east_1"])
def test_scope_without_a_valid_region_over_http(
    server: ServerHandle, app: FakeApp, region: str
) -> None:
    reply = send(request(server, app, region=region))
    assert_kms_error(reply, 400, "InvalidSignatureException")
    assert reply.message == f"Credential should be scoped to a valid region, not '{region}'. "
    assert app.calls == []


@pytest.mark.parametrize("minutes", [-10, 10])
def test_request_dated_far_from_now_is_refused(
    server: ServerHandle, app: FakeApp, minutes: int
) -> None:
    reply = send(request(server, app, when=now_utc() + timedelta(minutes=minutes)))
    assert_kms_error(reply, 400, "InvalidSignatureException")
    expected = "Signature expired:" if minutes < 0 else "Signature not yet current:"
    assert reply.message.startswith(expected)
    assert app.calls == []


def test_tampered_target_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app), override_headers={"X-Amz-Target": "TrentService.Echo"})
    assert_kms_error(reply, 400, "InvalidSignatureException")
    assert app.calls == []


def test_tampered_body_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, "TrentService.Echo", body={"a": 1}), body=b'{"a": 2}')
    assert_kms_error(reply, 400, "InvalidSignatureException")


def test_malformed_authorization_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app), override_headers={"Authorization": "AWS4-HMAC-SHA256 x"})
    assert_kms_error(reply, 400, "IncompleteSignatureException")


def test_presigned_request_over_http(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, body=b"", presign_expires=60))
    assert reply.status == 200, reply
    assert reply.json() == {"Keys": [], "Truncated": False}


def test_garbage_json_body_reaches_engine_error(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, "TrentService.Echo", body=b"\x00\xffnot json"))
    assert_kms_error(reply, 400, "SerializationException")


@pytest.mark.parametrize("target", [None, "", "DynamoDB_20120810.ListTables", "TrentService."])
def test_missing_or_foreign_target(server: ServerHandle, app: FakeApp, target: str | None) -> None:
    reply = send(request(server, app, target))
    assert_kms_error(reply, 400, "UnknownOperationException")
    assert app.calls == []


def test_unknown_operation_goes_to_the_engine(server: ServerHandle, app: FakeApp) -> None:
    reply = send(request(server, app, "TrentService.MakeCoffee"))
    assert_kms_error(reply, 400, "UnknownOperationException")
    assert app.calls == ["TrentService.MakeCoffee"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_kms_errors(server: ServerHandle, app: FakeApp, method: str) -> None:
    reply = send(request(server, app, method=method, body=b""))
    assert_kms_error(reply, 400, "UnknownOperationException")
    unsigned = send(request(server, app, method=method, body=b""), drop_headers=("Authorization",))
    assert_kms_error(unsigned, 400, "MissingAuthenticationTokenException")
    assert app.calls == []


def test_extension_method_is_a_malformed_request(server: ServerHandle, app: FakeApp) -> None:
    # llhttp (the default parser) knows only registered methods: BREW does not parse.
    reply = send(request(server, app, method="BREW", body=b""))
    assert_kms_error(reply, 400, "BadRequestException")
    assert reply.header("Connection") == "close"
    assert app.calls == []
    assert send(request(server, app)).status == 200


def test_engine_exception_is_internal_error_and_server_lives(
    server: ServerHandle, app: FakeApp
) -> None:
    reply = send(request(server, app, "TrentService.Boom"))
    assert_kms_error(reply, 500, "KMSInternalException")
    assert send(request(server, app)).status == 200


def test_oversized_body_declared_is_refused_without_reading(
    server: ServerHandle, app: FakeApp
) -> None:
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Echo\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    ).encode()
    reply = parse_raw(raw_exchange(server, head + b"{" * 1000))
    assert_kms_error(reply, 413, "RequestEntityTooLargeException")
    assert reply.header("Connection") == "close"
    assert "52428800 bytes" in reply.message
    assert app.calls == []


def test_oversized_body_sent_in_full_gets_413(server: ServerHandle, app: FakeApp) -> None:
    big = b'{"Plaintext": "' + b"A" * (2 * 1024 * 1024) + b'"}'
    reply = send(request(server, app, "TrentService.Echo", body=big))
    assert_kms_error(reply, 413, "RequestEntityTooLargeException")
    assert app.calls == []
    assert send(request(server, app)).status == 200


def test_oversized_chunked_body_gets_413(server: ServerHandle, app: FakeApp) -> None:
    chunk = b"A" * 65536
    piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    reply = parse_raw(raw_exchange(server, head + piece * 20 + b"0\r\n\r\n"))
    assert_kms_error(reply, 413, "RequestEntityTooLargeException")


def test_expect_100_continue_oversized_is_refused_before_upload(
    server: ServerHandle, app: FakeApp
) -> None:
    head = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 9999999\r\n\r\n"
    reply = parse_raw(raw_exchange(server, head))
    assert_kms_error(reply, 413, "RequestEntityTooLargeException")


def test_chunked_signed_body_is_accepted(server: ServerHandle, app: FakeApp) -> None:
    signed = request(server, app, "TrentService.Echo", body={"Limit": 7})
    parts = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        headers = dict(signed.headers)
        connection.request(
            "POST", "/", body=iter([signed.data[:5], signed.data[5:]]), headers=headers
        )
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read()) == {"Echo": {"Limit": 7}}
    finally:
        connection.close()


@pytest.mark.parametrize(
    "raw",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage-tls-hello\r\n\r\n",
        b"NOT A REQUEST\r\n\r\n",
        b"POST / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
        b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    ],
)
def test_garbage_requests_get_json_errors_and_server_lives(
    server: ServerHandle, app: FakeApp, raw: bytes
) -> None:
    reply = parse_raw(raw_exchange(server, raw))
    assert 400 <= reply.status < 500
    assert reply.code
    assert reply.header("x-amzn-RequestId")
    assert send(request(server, app)).status == 200


def test_body_shorter_than_declared_then_close(server: ServerHandle, app: FakeApp) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        sock.shutdown(socket.SHUT_WR)
        data = sock.recv(65536)
    reply = parse_raw(data)
    assert reply.status == 400
    assert send(request(server, app)).status == 200


def test_keep_alive_serves_many_requests_on_one_connection(
    server: ServerHandle, app: FakeApp
) -> None:
    parts = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        for _ in range(5):
            signed = request(server, app)
            connection.request("POST", "/", body=signed.data, headers=dict(signed.headers))
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Connection") != "close"
            response.read()
        sock = connection.sock
        assert sock is not None
    finally:
        connection.close()
    assert len(app.calls) == 5


def test_slow_client_times_out_and_others_are_served(server: ServerHandle, app: FakeApp) -> None:
    slow = socket.create_connection((server.host, server.port), timeout=5)
    try:
        slow.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{"half')
        for _ in range(3):
            assert send(request(server, app)).status == 200
        data = b""
        while True:  # the server gives up on the stalled request and closes
            chunk = slow.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        slow.close()
    reply = parse_raw(data)
    assert_kms_error(reply, 408, "RequestTimeoutException")


def test_stalled_headers_are_dropped(server: ServerHandle, app: FakeApp) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Ta")
        assert send(request(server, app)).status == 200
        while sock.recv(65536):
            pass  # the server closes the connection after its read timeout


def test_connections_beyond_the_pool_are_throttled(patient: ServerHandle, app: FakeApp) -> None:
    server = patient
    limit = FAST.max_connections
    idle = [socket.create_connection((server.host, server.port), timeout=5) for _ in range(limit)]
    try:
        extra = socket.create_connection((server.host, server.port), timeout=5)
        with extra:
            data = b""
            while chunk := extra.recv(65536):
                data += chunk
        reply = parse_raw(data)
        assert_kms_error(reply, 400, "ThrottlingException")
    finally:
        for sock in idle:
            sock.close()


def test_a_shed_connection_takes_its_request_without_a_reset(
    patient: ServerHandle, app: FakeApp
) -> None:
    """A client past the connection cap that sends its request after the answer came (as
    http.client does: head, then body) reads the answer and a clean end, not a reset: the
    server shuts its side and drops what follows instead of closing with it unread."""
    server = patient
    limit = FAST.max_connections
    idle = [socket.create_connection((server.host, server.port), timeout=5) for _ in range(limit)]
    try:
        signed = request(server, app)
        head = f"POST / HTTP/1.1\r\nHost: {server.host}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in signed.headers.items()
        )
        body = signed.data if isinstance(signed.data, bytes) else str(signed.data).encode()
        for _ in range(5):
            with socket.create_connection((server.host, server.port), timeout=5) as extra:
                data = b""
                while chunk := extra.recv(65536):
                    data += chunk  # the whole answer, then the server's end of writing
                assert_kms_error(parse_raw(data), 400, "ThrottlingException")
                extra.sendall((head + "\r\n").encode("latin-1"))
                extra.sendall(body)  # a reset here would raise BrokenPipeError
                extra.shutdown(socket.SHUT_WR)
                assert extra.recv(10) == b""
    finally:
        for sock in idle:
            sock.close()


def test_requests_beyond_the_pool_and_queue_are_throttled(
    server: ServerHandle, app: FakeApp
) -> None:
    """Six requests are worked on and four wait for a thread; the next one is answered
    ThrottlingException at once, and every accepted one is answered once threads free up."""
    capacity = FAST.max_workers + FAST.max_pending
    replies: list[Reply] = []
    lock = threading.Lock()

    def slow() -> None:
        reply = send(request(server, app, "TrentService.Slow"))
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=slow) for _ in range(capacity)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while server.server.asgi._in_flight < capacity and time.monotonic() < deadline:
        time.sleep(0.005)  # wait for the condition: every slow request accepted
    assert server.server.asgi._in_flight == capacity
    extra = send(request(server, app))
    assert_kms_error(extra, 400, "ThrottlingException")
    assert extra.message == "Rate exceeded"
    app.release.set()
    for thread in threads:
        thread.join(15)
    assert [r.status for r in replies] == [200] * capacity


def test_graceful_stop_finishes_request_in_flight(app: FakeApp) -> None:
    handle = serve_app_background(app, "127.0.0.1", 0, limits=FAST)
    idle = socket.create_connection((handle.host, handle.port), timeout=5)
    result: dict[str, Reply] = {}

    def slow_call() -> None:
        result["reply"] = send(request(handle, app, "TrentService.Slow"))

    worker = threading.Thread(target=slow_call)
    worker.start()
    assert app.entered.wait(5)
    stopper = threading.Thread(target=handle.stop)
    stopper.start()
    deadline = time.monotonic() + 5
    while not handle.server.stopping and time.monotonic() < deadline:
        time.sleep(0.002)  # wait for the condition: the server has begun stopping
    assert handle.server.stopping
    app.release.set()
    stopper.join(10)
    worker.join(10)
    assert not stopper.is_alive()
    reply = result["reply"]
    assert reply.status == 200
    assert reply.json() == {"Slow": True}
    assert reply.header("Connection") == "close"
    assert idle.recv(10) == b""  # idle keep-alive connections are closed
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection((handle.host, handle.port), timeout=1).close()


def test_stop_releases_port_and_threads(app: FakeApp) -> None:
    before = {t.ident for t in threading.enumerate()}
    handle = serve_app_background(app, "127.0.0.1", 0, limits=FAST)
    assert send(request(handle, app)).status == 200
    port = handle.port
    handle.stop()
    handle.stop()  # idempotent
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leftover == []
    again = serve_app_background(app, "127.0.0.1", port, limits=FAST)
    try:
        assert send(request(again, app)).status == 200
    finally:
        again.stop()


def test_context_manager_stops(app: FakeApp) -> None:
    with serve_app_background(app, "127.0.0.1", 0) as handle:
        assert send(request(handle, app)).status == 200
        port = handle.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_request_log_has_operation_status_and_no_body(
    server: ServerHandle, app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="kmsworkbench.sandbox.server")
    secret_marker = "PRIVATE-KEY-MATERIAL-MARKER"
    send(request(server, app, "TrentService.Echo", body={"Plaintext": secret_marker}))
    send(request(server, app, secret_key="bad"))
    lines = [r.getMessage() for r in caplog.records]
    assert any("Echo 200" in line and line.endswith("ms") for line in lines), lines
    assert any("ListKeys 400 InvalidSignatureException" in line for line in lines), lines
    assert not any(secret_marker in line for line in lines)


def test_helpers() -> None:
    assert DEFAULT_PORT == 4599
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert endpoint_url_for("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert endpoint_url_for("::1", 81) == "http://[::1]:81"


def test_head_request_gets_headers_only(server: ServerHandle, app: FakeApp) -> None:
    raw = raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-amzn-requestid" in head.lower()  # header names are case-insensitive
    assert body == b""


def test_ipv6_loopback(app: FakeApp) -> None:
    try:
        handle = serve_app_background(app, "::1", 0, limits=FAST)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with handle:
        assert handle.endpoint_url.startswith("http://[::1]:")
        assert send(request(handle, app)).status == 200
