"""Test helpers: make a botocore client answer some calls with a KMS error, in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        yield self._data

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        data, self._data = self._data, b""
        return data

    def close(self) -> None:
        pass


def error_response(url: str, code: str, message: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"__type": code, "message": message}).encode()
    headers = {"x-amzn-RequestId": "test-request-id", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(url, 400, headers, _Raw(body))


def answer_with_error(
    client: Any, code: str, message: str, operation: str | None = None, times: int | None = None
) -> list[int]:
    """Answer ``operation`` (every operation when None) with a 400 ``code`` error, the first
    ``times`` calls (always when None). Returns a one-element counter of errors answered."""
    counter = [0]

    def handler(request: Any, **_: object) -> Any:
        target = request.headers.get("X-Amz-Target", b"")
        if isinstance(target, bytes):
            target = target.decode()
        if operation is not None and not str(target).endswith("." + operation):
            return None
        if times is not None and counter[0] >= times:
            return None
        counter[0] += 1
        return error_response(request.url, code, message)

    client.meta.events.register_first("before-send.kms", handler)
    return counter
