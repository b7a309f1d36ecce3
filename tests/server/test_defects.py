"""Regression tests for the defects found in the hand-written HTTP server (issue 11), each
against the real server on a real sandbox: keep-alive starvation, slow headers, inputs that
once gave a traceback and no answer, UNSIGNED-PAYLOAD, a slow operation stalling the others,
and ``--latency-ms``."""

from __future__ import annotations

import hashlib
import json
import logging
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from kmsworkbench.sandbox.server import ServerHandle, ServerLimits, start_background

from .helpers import make_request, send
from .test_http import parse_raw, raw_exchange


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    limits = ServerLimits(read_timeout=1.0, request_timeout=3.0)
    handle = start_background(tmp_path_factory.mktemp("defects"), "127.0.0.1", 0, limits=limits)
    try:
        yield handle
    finally:
        handle.stop()


def signed(handle: ServerHandle, target: str, body: dict[str, object] | None = None, **kw):
    sandbox = handle.sandbox
    return make_request(
        handle.endpoint_url,
        f"TrentService.{target}",
        body or {},
        access_key=sandbox.access_key_id,
        secret_key=sandbox.secret_access_key,
        region=kw.pop("region", sandbox.region),
        **kw,
    )


def raw_bytes(request: AWSRequest, netloc: str) -> bytes:
    """The request as bytes on the wire (HTTP/1.1, keep-alive)."""
    body = request.data if isinstance(request.data, bytes) else str(request.data).encode()
    lines = ["POST / HTTP/1.1", f"Host: {netloc}"]
    lines += [f"{k}: {v}" for k, v in request.headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a blocking socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]


# -- 1. keep-alive starvation --------------------------------------------------------------


@pytest.mark.parametrize("clients", [64, 256])
def test_keep_alive_clients_all_get_a_first_answer(real: ServerHandle, clients: int) -> None:
    """Each client opens a keep-alive connection, sends ListKeys and keeps the connection
    open. The old server gave each connection a thread until it had been idle 10 s: with 64
    clients, 32 waited 25 to 60 s. Every client here gets its answer while all the others
    stay connected. (The 1 s target is measured by benchmarks/bench_serve_load.py; the bound
    here leaves room for a loaded test machine and still fails the old design.)"""
    netloc = f"{real.host}:{real.port}"
    payloads = [raw_bytes(signed(real, "ListKeys", {"Limit": 1}), netloc) for _ in range(clients)]
    socks: list[socket.socket] = []
    selector = selectors.DefaultSelector()
    try:
        sent_at: dict[int, float] = {}
        for index, payload in enumerate(payloads):
            # Each client sends as soon as it is connected, as a client does: one connected
            # while the next 255 connect and says nothing is rightly closed after the head's
            # 1 s deadline (which a loaded machine took, once, to open them all).
            sock = socket.create_connection((real.host, real.port), timeout=10)
            socks.append(sock)
            sock.sendall(payload)
            sent_at[index] = time.monotonic()
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, index)
        waits: dict[int, float] = {}
        buffers: dict[int, bytes] = {i: b"" for i in range(clients)}
        deadline = time.monotonic() + 8.0
        while len(waits) < clients and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                index = key.data
                chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
                assert chunk, f"client {index}'s connection was closed"
                buffers[index] += chunk
                if b"\r\n\r\n" in buffers[index] and index not in waits:
                    waits[index] = time.monotonic() - sent_at[index]
                    selector.unregister(key.fileobj)
        assert len(waits) == clients, f"{clients - len(waits)} clients got no first answer"
        for data in buffers.values():
            reply = parse_raw(data)
            assert reply.status == 200, reply
            assert reply.header("Connection") != "close"
        assert max(waits.values()) < 5.0, sorted(waits.values())[-5:]
    finally:
        selector.close()
        for sock in socks:
            sock.close()


# -- 2. slow headers -------------------------------------------------------------------------


def test_slow_header_senders_stall_nobody_and_are_cut_off(real: ServerHandle) -> None:
    """32 sockets, no credentials, each sending one header line at a time: the others are
    served meanwhile, and each slow socket gets a 408 once its head has taken longer than the
    read timeout, even though it never stopped sending."""
    slow = [socket.create_connection((real.host, real.port), timeout=5) for _ in range(32)]
    try:
        for sock in slow:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: slow\r\n")
        for _ in range(5):
            assert send(signed(real, "ListKeys")).status == 200
        answers: dict[int, bytes] = {}
        started = time.monotonic()
        line = 0
        while len(answers) < len(slow) and time.monotonic() - started < 15:
            line += 1
            for index, sock in enumerate(slow):
                if index in answers:
                    continue
                try:
                    sock.sendall(f"X-Slow-{line}: still coming\r\n".encode())
                except OSError:
                    pass  # closed by the server; its answer is read below
            ready = selectors.DefaultSelector()
            for index, sock in enumerate(slow):
                if index not in answers:
                    ready.register(sock, selectors.EVENT_READ, index)
            for key, _ in ready.select(timeout=0.2):  # wait for the server, not a sleep
                answers[key.data] = raw_exchange_rest(key.fileobj)  # type: ignore[arg-type]
            ready.close()
            assert send(signed(real, "ListKeys")).status == 200  # still serving the others
        assert len(answers) == len(slow)
        assert line >= 3  # they really did keep sending, line after line
        for data in answers.values():
            reply = parse_raw(data)
            assert reply.status == 408 and reply.code == "RequestTimeoutException", reply
    finally:
        for sock in slow:
            sock.close()


def raw_exchange_rest(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


# -- 3. inputs that gave a traceback and no answer ---------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ²\r\n\r\n".encode(),
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ١٢\r\n\r\n{}".encode(),
        b"POST http://[ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        b"POST http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
)
def test_malformed_framing_gets_an_http_error(
    real: ServerHandle, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reply = parse_raw(raw_exchange(real, raw))
    assert 400 <= reply.status < 500, reply
    assert reply.code in ("BadRequestException", "MissingAuthenticationTokenException"), reply
    assert reply.header("x-amzn-RequestId")
    assert send(signed(real, "ListKeys")).status == 200
    assert_no_traceback(caplog)


@pytest.mark.parametrize("expires", ["²", "١٢٠", "-5", "", "9" * 40])
def test_presigned_expires_that_is_not_a_number(
    real: ServerHandle, expires: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    request = signed(real, "ListKeys", presign_expires=60)
    request.url = request.url.replace("X-Amz-Expires=60", f"X-Amz-Expires={quote(expires)}")
    reply = send(request)
    assert reply.status == 400, reply
    assert reply.code == "IncompleteSignatureException", reply
    assert "X-Amz-Expires" in reply.message
    assert_no_traceback(caplog)


# -- 4. UNSIGNED-PAYLOAD -------------------------------------------------------------------------


class UnsignedPayloadAuth(SigV4Auth):
    """Signs as an S3 client does when it leaves the payload out of the signature."""

    def payload(self, request: AWSRequest) -> str:
        return "UNSIGNED-PAYLOAD"


def unsigned_payload_request(handle: ServerHandle, target: str, body: dict[str, object]):
    from botocore.credentials import Credentials

    sandbox = handle.sandbox
    request = AWSRequest(
        method="POST",
        url=handle.endpoint_url + "/",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"TrentService.{target}",
            "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
        },
    )
    credentials = Credentials(sandbox.access_key_id, sandbox.secret_access_key)
    UnsignedPayloadAuth(credentials, "kms", sandbox.region).add_auth(request)
    return request


def key_count(handle: ServerHandle) -> int:
    return len(json.loads(send(signed(handle, "ListKeys", {"Limit": 1000})).body)["Keys"])


@pytest.mark.parametrize("swap", [False, True])
def test_unsigned_payload_is_refused_and_never_executed(real: ServerHandle, swap: bool) -> None:
    before = key_count(real)
    request = unsigned_payload_request(real, "CreateKey", {"Description": "signed"})
    swapped = json.dumps({"Description": "swapped by someone in the middle"}).encode()
    sent = swapped if swap else request.data
    reply = send(request, body=sent)
    assert reply.status == 400, reply
    assert reply.code == "InvalidSignatureException", reply
    assert reply.message.startswith("The request signature we calculated does not match")
    # As AWS does for services other than S3: the canonical request has the body's own hash.
    canonical = reply.message.split("should have been\n'", 1)[1].split("'\n\nThe String", 1)[0]
    assert canonical.rsplit("\n", 1)[1] == hashlib.sha256(sent).hexdigest()
    assert key_count(real) == before


# -- 5. a slow operation does not stall the others ----------------------------------------------


@pytest.mark.slow
def test_rsa_4096_generation_does_not_stall_other_clients(real: ServerHandle) -> None:
    key_id = json.loads(send(signed(real, "CreateKey", {"Description": "rsa"})).body)[
        "KeyMetadata"
    ]["KeyId"]
    done: list[float] = []
    lock = threading.Lock()

    def generate() -> None:
        body = {"KeyId": key_id, "KeyPairSpec": "RSA_4096"}
        reply = send(signed(real, "GenerateDataKeyPairWithoutPlaintext", body), timeout=60)
        assert reply.status == 200, reply
        with lock:
            done.append(time.monotonic())

    workers = [threading.Thread(target=generate) for _ in range(2)]
    for worker in workers:
        worker.start()
    answered: list[float] = []
    while len(answered) < 5:
        assert send(signed(real, "ListKeys", {"Limit": 1})).status == 200
        answered.append(time.monotonic())
    for worker in workers:
        worker.join(120)
    assert len(done) == 2
    # The quick requests were answered while RSA keys were still being generated.
    assert answered[-1] < max(done)


# -- 6. --latency-ms ---------------------------------------------------------------------------


def test_latency_holds_no_worker(tmp_path: Path) -> None:
    """Eight requests at once with one worker thread and 0.4 s of latency: each answer waits
    at least 0.4 s, and they are not served one after another (that would take 3.2 s)."""
    limits = ServerLimits(latency=0.4, max_workers=1)
    with start_background(tmp_path / "slow-net", "127.0.0.1", 0, limits=limits) as handle:
        times: list[float] = []
        lock = threading.Lock()

        def call() -> None:
            began = time.monotonic()
            assert send(signed(handle, "ListKeys", {"Limit": 1})).status == 200
            with lock:
                times.append(time.monotonic() - began)

        began = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        total = time.monotonic() - began
    assert len(times) == 8
    assert min(times) >= 0.4
    assert total < 8 * 0.4 * 0.75, (total, times)
