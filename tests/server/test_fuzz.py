"""Property tests against the real sandbox served over HTTP: whatever a correctly signed
client sends (any target, any body), and whatever bytes a broken client writes to the socket,
the answer is a KMS-shaped JSON error below 500 and the server keeps serving."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsworkbench.sandbox.server import ServerHandle, ServerLimits, start_background

from .helpers import make_request, send

OPERATIONS = [
    "ListKeys",
    "ListAliases",
    "DescribeKey",
    "CreateKey",
    "CreateAlias",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyPair",
    "Decrypt",
    "Encrypt",
    "DisableKey",
    "EnableKey",
    "ScheduleKeyDeletion",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "KeyId",
        "KeyPairSpec",
        "EncryptionContext",
        "CiphertextBlob",
        "Limit",
        "Marker",
        "DryRun",
        "GrantTokens",
        "Description",
        "AliasName",
        "TargetKeyId",
        "PendingWindowInDays",
        "Plaintext",
        "KeySpec",
        "KeyUsage",
    ]
)
bodies = st.one_of(
    st.dictionaries(field_names, json_values, max_size=5).map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=200),
    st.text(max_size=100).map(str.encode),
)
targets = st.one_of(
    st.sampled_from(OPERATIONS).map(lambda op: f"TrentService.{op}"),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40).map(
        lambda s: f"TrentService.{s}"
    ),
)


@pytest.fixture(scope="module")
def served_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    limits = ServerLimits(read_timeout=1.0, request_timeout=3.0)
    handle = start_background(tmp_path_factory.mktemp("fuzz"), "127.0.0.1", 0, limits=limits)
    try:
        yield handle
    finally:
        handle.stop()


def signed_send(handle: ServerHandle, target: str, body: bytes):
    sandbox = handle.sandbox
    request = make_request(
        handle.endpoint_url,
        target,
        body,
        access_key=sandbox.access_key_id,
        secret_key=sandbox.secret_access_key,
        region=sandbox.region,
    )
    return send(request)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(target=targets, body=bodies)
def test_signed_garbage_gets_kms_errors(
    served_module: ServerHandle, target: str, body: bytes
) -> None:
    reply = signed_send(served_module, target, body)
    assert reply.status < 500, (target, body, reply)
    assert reply.header("x-amzn-RequestId")
    if reply.status != 200:
        assert reply.code, reply
        assert isinstance(reply.json().get("message", ""), str)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(min_size=1, max_size=300))
def test_raw_garbage_never_kills_the_server(served_module: ServerHandle, data: bytes) -> None:
    with socket.create_connection((served_module.host, served_module.port), timeout=10) as sock:
        sock.sendall(data + b"\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    if reply:
        status = int(reply.split(b" ", 2)[1])
        assert 400 <= status < 500, reply[:200]
        assert b'"__type"' in reply
    assert signed_send(served_module, "TrentService.ListKeys", b"{}").status == 200
