"""The protocol boundary: whatever arrives gets a KMS error response, never an exception."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.errors import TABLE
from kmsworkbench.sandbox.validation import operation_names

OPERATIONS = sorted(operation_names())
TARGETS = st.one_of(
    st.sampled_from([f"TrentService.{op}" for op in OPERATIONS]),
    st.text(max_size=40),
    st.just("TrentService."),
    st.just("TrentService.NoSuchOperation"),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
MEMBER_NAMES = st.sampled_from(
    [
        "KeyId",
        "KeyPairSpec",
        "CiphertextBlob",
        "EncryptionContext",
        "GrantTokens",
        "Limit",
        "Marker",
        "DryRun",
        "Plaintext",
        "AliasName",
        "TargetKeyId",
        "NumberOfBytes",
        "KeySpec",
        "KeyUsage",
        "Tags",
        "Operations",
        "SigningAlgorithm",
        "Message",
    ]
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(MEMBER_NAMES, JSON_VALUES, max_size=5).map(lambda d: json.dumps(d).encode()),
)


NO_MESSAGE_CODES = {e.code for e in TABLE.values() if e.text is None}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox.open(tmp_path_factory.mktemp("protocol") / "data")
    yield sb
    sb.close()


def assert_kms_answer(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-RequestId"]
    document = json.loads(body)
    assert isinstance(document, dict)
    if status != 200:
        assert 400 <= status < 500, document
        assert isinstance(document.get("__type"), str) and document["__type"]
        # AWS sends no message member for some errors (errors.TABLE marks them); every
        # other error has a string message.
        if "message" in document or document["__type"] not in NO_MESSAGE_CODES:
            assert isinstance(document.get("message"), str)
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=TARGETS, body=BODIES)
def test_arbitrary_requests_get_kms_answers(sandbox: Sandbox, target: str, body: bytes) -> None:
    status, headers, payload = sandbox.handle(target, body)
    assert_kms_answer(status, headers, payload)


@settings(max_examples=200, deadline=None)
@given(
    operation=st.sampled_from(OPERATIONS),
    members=st.dictionaries(MEMBER_NAMES, JSON_VALUES, max_size=6),
)
def test_arbitrary_members_for_real_operations(
    sandbox: Sandbox, operation: str, members: dict[str, object]
) -> None:
    # CreateKey with arbitrary members could succeed and fill the folder; fine either way.
    status, headers, payload = sandbox.handle(
        f"TrentService.{operation}", json.dumps(members).encode()
    )
    assert_kms_answer(status, headers, payload)


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("TrentService.ListKeys", b"{not json", "SerializationException"),
        ("TrentService.ListKeys", b"[]", "SerializationException"),
        ("TrentService.ListKeys", b"\xff\xfe", "SerializationException"),
        ("TrentService.ListKeys", b'{"Limit": "ten"}', "SerializationException"),
        ("TrentService.ListKeys", b'{"Limit": true}', "SerializationException"),
        ("TrentService.ListKeys", b'{"Limit": 99999999999}', "SerializationException"),
        ("TrentService.Decrypt", b'{"CiphertextBlob": "***"}', "SerializationException"),
        ("TrentService.DescribeKey", b'{"KeyId": 5}', "SerializationException"),
        ("TrentService.DescribeKey", b"{}", "ValidationException"),
        ("TrentService.NoSuchThing", b"{}", "UnknownOperationException"),
        ("", b"{}", "UnknownOperationException"),
        ("Other.ListKeys", b"{}", "UnknownOperationException"),
        ("TrentService.ListKeys", b"[" * 100000, "SerializationException"),
    ],
)
def test_malformed_requests(sandbox: Sandbox, target: str, body: bytes, code: str) -> None:
    status, headers, payload = sandbox.handle(target, body)
    document = assert_kms_answer(status, headers, payload)
    assert status == 400 and document["__type"] == code


def test_missing_required_member_message(sandbox: Sandbox) -> None:
    status, _, payload = sandbox.handle("TrentService.DescribeKey", b"{}")
    assert json.loads(payload)["message"] == (
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_wire_format(sandbox: Sandbox) -> None:
    status, _, payload = sandbox.handle(
        "TrentService.GenerateDataKey",
        json.dumps({"KeyId": "alias/workbench-demo", "NumberOfBytes": 16}).encode(),
    )
    document = json.loads(payload)
    assert status == 200
    assert len(base64.b64decode(document["Plaintext"])) == 16
    status, _, payload = sandbox.handle(
        "TrentService.DescribeKey", json.dumps({"KeyId": "alias/workbench-demo"}).encode()
    )
    assert isinstance(json.loads(payload)["KeyMetadata"]["CreationDate"], float)


def test_unimplemented_model_operation(sandbox: Sandbox) -> None:
    status, _, payload = sandbox.handle("TrentService.ImportKeyMaterial", b"{}")
    assert status == 400
    assert json.loads(payload)["__type"] in ("ValidationException", "UnsupportedOperationException")


def test_handle_after_close_still_answers(tmp_path: Path) -> None:
    sb = Sandbox.open(tmp_path / "d")
    sb.close()
    status, headers, payload = sb.handle("TrentService.ListKeys", b"{}")
    assert status == 500 and json.loads(payload)["__type"] == "KMSInternalException"
