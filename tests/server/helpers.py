"""Helpers for the server tests: requests signed by botocore's own SigV4 signer, sent over a
plain HTTP connection (so a test can tamper with them after signing), and a tiny fake app
with the Sandbox's ``handle`` surface."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from kmsworkbench.sandbox.sigv4 import SignedRequest

JSON_TYPE = "application/x-amz-json-1.1"


def make_request(
    endpoint: str,
    target: str | None,
    body: bytes | dict[str, object] = b"{}",
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str = "kms",
    method: str = "POST",
    path: str = "/",
    extra_headers: dict[str, str] | None = None,
    when: datetime | None = None,
    presign_expires: int | None = None,
    token: str | None = None,
) -> AWSRequest:
    """A request signed by botocore exactly as the AWS CLI and boto3 sign them."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": JSON_TYPE}
    if target is not None:
        headers["X-Amz-Target"] = target
    headers.update(extra_headers or {})
    request = AWSRequest(method=method, url=endpoint.rstrip("/") + path, data=data, headers=headers)
    credentials = Credentials(access_key, secret_key, token)
    signer = (
        SigV4QueryAuth(credentials, service, region, expires=presign_expires)
        if presign_expires is not None
        else SigV4Auth(credentials, service, region)
    )
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return request


def to_signed(request: AWSRequest) -> SignedRequest:
    """The request as the server sees it (the Host header added, as the HTTP client will)."""
    parts = urlsplit(request.url)
    headers = list(request.headers.items())
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("Host", parts.netloc))
    body = request.data if isinstance(request.data, bytes) else (request.data or "").encode()
    return SignedRequest(
        method=request.method, path=parts.path, query=parts.query, headers=headers, body=body
    )


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        return str(self.json().get("__type", ""))

    @property
    def message(self) -> str:
        return str(self.json().get("message", ""))

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def send(
    request: AWSRequest,
    *,
    override_headers: dict[str, str] | None = None,
    drop_headers: tuple[str, ...] = (),
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    """Send a (possibly tampered) request; return status, headers and body."""
    parts = urlsplit(request.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {k: v for k, v in request.headers.items() if k not in drop_headers}
        headers.update(override_headers or {})
        data = body if body is not None else request.data
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(request.method, target, body=data, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class FakeApp:
    """Stands in for the Sandbox: same credentials attributes and ``handle`` signature."""

    region: str = "us-east-1"
    access_key_id: str = "AKIAFAKESANDBOX00001"
    secret_access_key: str = "fake/secret/key/for/server/tests/0000000"
    calls: list[str] = field(default_factory=list)
    regions: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_call: Callable[[str], None] | None = None

    def handle(
        self, target: str, body: bytes, region: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.calls.append(target)
            self.regions.append(region)
        headers = {"x-amzn-RequestId": "fake-request-id", "Content-Type": JSON_TYPE}
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, headers, b'{"__type":"SerializationException","message":"bad json"}'
        operation = target.removeprefix("TrentService.")
        if operation == "ListKeys":
            return 200, headers, b'{"Keys":[],"Truncated":false}'
        if operation == "Echo":
            return 200, headers, json.dumps({"Echo": payload}).encode()
        if operation == "Slow":
            self.entered.set()
            self.release.wait(10)
            return 200, headers, b'{"Slow":true}'
        if operation == "Boom":
            raise RuntimeError("engine bug")
        return (
            400,
            headers,
            json.dumps({"__type": "UnknownOperationException", "message": operation}).encode(),
        )
