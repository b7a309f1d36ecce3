"""The error table (errors.TABLE) and the wire form of errors: every message the sandbox
sends has one entry with its source; errors AWS sends without a message carry no
``message`` member; the tag errors are AWS's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.sandbox import errors as E

SANDBOX_SRC = Path(E.__file__).parent
ERR_CALL = re.compile(r"""\berr\(\s*["']([a-z0-9_]+)["']""")


def _sources() -> str:
    return "\n".join(p.read_text() for p in SANDBOX_SRC.rglob("*.py") if p.name != "errors.py")


def test_every_error_raised_is_in_the_table_and_every_entry_is_used() -> None:
    used = set(ERR_CALL.findall(_sources()))
    assert used, "no err() calls found"
    assert used <= set(E.TABLE), sorted(used - set(E.TABLE))
    assert set(E.TABLE) <= used, f"entries nothing raises: {sorted(set(E.TABLE) - used)}"


def test_no_operation_builds_its_own_message() -> None:
    """Messages live in the table: no ``SomeException("text")`` outside errors.py."""
    direct = re.compile(r"\bE\.[A-Z][A-Za-z]+Exception\(")
    offenders = [
        p.name
        for p in SANDBOX_SRC.rglob("*.py")
        if p.name != "errors.py" and direct.search(p.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("name", sorted(E.TABLE))
def test_table_entries_are_well_formed(name: str) -> None:
    entry = E.TABLE[name]
    assert entry.code in E.CODES
    assert entry.source in ("model", "doc", "aws", "unverified", "sandbox")
    fields = set(re.findall(r"\{(\w+)", entry.text or ""))
    error = E.err(name, **{f: "X" for f in fields})
    assert error.code == entry.code and error.message == (
        None if entry.text is None else entry.text.format(**{f: "X" for f in fields})
    )


def _raw_error(kms: Any, call: str, **kwargs: Any) -> dict[str, Any]:
    """The error body exactly as it came over the wire (not botocore's parsed view)."""
    seen: dict[str, bytes] = {}

    def grab(http_response: Any, **_: Any) -> None:
        seen["body"] = http_response.content

    event = f"after-call.kms.{kwargs.pop('_op')}"
    kms.meta.events.register(event, grab)
    try:
        with pytest.raises(kms.exceptions.ClientError):
            getattr(kms, call)(**kwargs)
    finally:
        kms.meta.events.unregister(event, grab)
    return dict(json.loads(seen["body"]))


def test_errors_without_message_send_no_message_member(kms: Any, demo_key: str) -> None:
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    mac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    blob = kms.encrypt(KeyId=demo_key, Plaintext=b"x", EncryptionContext={"a": "1"})
    body = _raw_error(
        kms, "decrypt", _op="Decrypt", CiphertextBlob=blob["CiphertextBlob"]
    )  # context missing
    assert body == {"__type": "InvalidCiphertextException"}
    body = _raw_error(
        kms,
        "verify",
        _op="Verify",
        KeyId=ecc["Arn"],
        Message=b"m",
        Signature=b"0" * 70,
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert body == {"__type": "KMSInvalidSignatureException"}
    body = _raw_error(
        kms,
        "verify_mac",
        _op="VerifyMac",
        KeyId=mac["Arn"],
        Message=b"m",
        Mac=b"0" * 32,
        MacAlgorithm="HMAC_SHA_256",
    )
    assert body == {"__type": "KMSInvalidMacException"}
    # An error with a message keeps it.
    body = _raw_error(kms, "describe_key", _op="DescribeKey", KeyId="alias/no-such-alias")
    assert body["__type"] == "NotFoundException" and body["message"]


def _tags(n: int, prefix: str = "k") -> list[dict[str, str]]:
    return [{"TagKey": f"{prefix}{i:02}", "TagValue": "v"} for i in range(n)]


def test_tag_errors_are_aws_s(kms: Any, error_of: Any) -> None:
    arn = kms.create_key(Description="tag errors")["KeyMetadata"]["Arn"]
    too_many = {"Code": "TagException", "Message": "Too many tags"}
    assert error_of(kms.create_key, Tags=_tags(51)) == too_many
    assert error_of(kms.tag_resource, KeyId=arn, Tags=_tags(51)) == too_many
    kms.tag_resource(KeyId=arn, Tags=_tags(50))
    assert error_of(kms.tag_resource, KeyId=arn, Tags=_tags(1, "new")) == too_many
    kms.tag_resource(KeyId=arn, Tags=_tags(3))  # re-tagging existing keys is not "more"
    duplicate = [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}]
    assert error_of(kms.tag_resource, KeyId=arn, Tags=duplicate) == {
        "Code": "TagException",
        "Message": "Duplicate tag keys",
    }
    for key in ("aws:x", "AWS:key1", "Aws:y"):
        assert error_of(kms.create_key, Tags=[{"TagKey": key, "TagValue": "1"}]) == {
            "Code": "TagException",
            "Message": "Tags beginning with aws: are reserved",
        }
    kms.create_key(Description="not reserved", Tags=[{"TagKey": "awsome", "TagValue": "ok"}])
