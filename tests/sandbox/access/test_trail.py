"""The CloudTrail record builder: CloudTrail's fields for KMS events (the Developer Guide's
per-operation examples), and never a secret."""

from __future__ import annotations

import base64
import json
import os

import pytest

from kmsworkbench.sandbox import trail
from kmsworkbench.sandbox.access import Caller

A = "111122223333"
KEY = f"arn:aws:kms:us-west-2:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALICE = Caller(A, "aws", "user", "Alice", "AKIAALICE", "AIDAALICE")
ROLE = Caller(A, "aws", "role", "App", "AKIAAPP", "AROAAPP")
ROOT = Caller(A, "aws", "root", None, "AKIAROOT", A)

RECORD_FIELDS = [
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
]


def call(op, params, response=None, caller=ALICE, **kw):
    return trail.build_event(
        trail.CallRecord(
            operation=op,
            params=params,
            caller=caller,
            region="us-west-2",
            time=1_747_773_976.0,
            request_id="52fb127b-0fe5-42bb-8e5e-f560febde6b0",
            response=response,
            key_arn=KEY,
            key_account=A,
            source_ip="192.0.2.0",
            user_agent="aws-cli/1.40",
            **kw,
        )
    )


def test_generate_data_key_pair_without_plaintext_matches_the_guide():
    material = "ab" * 32
    e = call(
        "GenerateDataKeyPairWithoutPlaintext",
        {
            "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "KeyPairSpec": "RSA_4096",
            "EncryptionContext": {"Index": "5"},
        },
        {
            "KeyId": KEY,
            "PublicKey": b"pub",
            "PrivateKeyCiphertextBlob": b"ct",
            "KeyMaterialId": material,
        },
    )
    for field in RECORD_FIELDS:
        assert field in e, field
    assert "errorCode" not in e
    assert e["eventVersion"] == "1.11" and e["eventSource"] == "kms.amazonaws.com"
    assert e["eventTime"] == "2025-05-20T20:46:16Z"
    assert e["userIdentity"] == {
        "type": "IAMUser",
        "principalId": "AIDAALICE",
        "arn": f"arn:aws:iam::{A}:user/Alice",
        "accountId": A,
        "accessKeyId": "AKIAALICE",
        "userName": "Alice",
    }
    assert e["requestParameters"] == {
        "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "keyPairSpec": "RSA_4096",
        "encryptionContext": {"Index": "5"},
    }
    assert e["responseElements"] is None
    assert e["additionalEventData"] == {"keyMaterialId": material}
    assert e["readOnly"] is True
    assert e["resources"] == [{"accountId": A, "type": "AWS::KMS::Key", "ARN": KEY}]
    assert (e["eventType"], e["managementEvent"], e["recipientAccountId"], e["eventCategory"]) == (
        "AwsApiCall",
        True,
        A,
        "Management",
    )


def test_decrypt_always_shows_the_algorithm_and_key_arn():
    e = call(
        "Decrypt",
        {"CiphertextBlob": b"x" * 40, "EncryptionContext": {"Department": "Engineering"}},
        {"KeyId": KEY, "Plaintext": b"secret"},
    )
    assert e["requestParameters"] == {
        "encryptionContext": {"Department": "Engineering"},
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "keyId": KEY,
    }


def test_failure_has_error_code_and_message_and_no_response_elements():
    e = call(
        "Decrypt",
        {"CiphertextBlob": b"x"},
        None,
        error_code="IncorrectKeyException",
        error_message="The key ID in the request does not identify a CMK that can perform this operation.",
    )
    assert e["errorCode"] == "IncorrectKeyException"
    assert e["errorMessage"].startswith("The key ID in the request")
    assert e["responseElements"] is None and "additionalEventData" not in e


def test_create_grant_response_elements():
    e = call(
        "CreateGrant",
        {
            "KeyId": KEY,
            "GranteePrincipal": "arn:aws:iam::111122223333:user/Bob",
            "Operations": ["Encrypt", "RetireGrant"],
            "Constraints": {"EncryptionContextSubset": {"ContextKey1": "Value1"}},
            "GrantTokens": ["tok"],
        },
        {"GrantId": "f0" * 32, "GrantToken": "SECRET-TOKEN"},
    )
    assert e["requestParameters"] == {
        "keyId": KEY,
        "granteePrincipal": "arn:aws:iam::111122223333:user/Bob",
        "operations": ["Encrypt", "RetireGrant"],
        "constraints": {"encryptionContextSubset": {"ContextKey1": "Value1"}},
    }
    assert e["responseElements"] == {"grantId": "f0" * 32, "keyId": KEY}
    assert e["readOnly"] is False
    assert "SECRET-TOKEN" not in json.dumps(e) and "tok" not in json.dumps(e["requestParameters"])


def test_identities_of_root_and_role():
    assert call("DescribeKey", {"KeyId": KEY}, {}, caller=ROOT)["userIdentity"]["type"] == "Root"
    ui = call("DescribeKey", {"KeyId": KEY}, {}, caller=ROLE)["userIdentity"]
    assert ui["type"] == "AssumedRole"
    assert ui["arn"] == f"arn:aws:sts::{A}:assumed-role/App/kmsworkbench"
    assert ui["sessionContext"]["sessionIssuer"]["arn"] == f"arn:aws:iam::{A}:role/App"


@pytest.mark.parametrize(
    ("op", "params", "response"),
    [
        (
            "Decrypt",
            {"CiphertextBlob": os.urandom(64)},
            {"KeyId": KEY, "Plaintext": os.urandom(32)},
        ),
        (
            "Encrypt",
            {"KeyId": KEY, "Plaintext": os.urandom(32)},
            {"CiphertextBlob": os.urandom(80)},
        ),
        (
            "GenerateDataKey",
            {"KeyId": KEY, "NumberOfBytes": 32},
            {"Plaintext": os.urandom(32), "CiphertextBlob": os.urandom(80)},
        ),
        (
            "GenerateDataKeyPair",
            {"KeyId": KEY, "KeyPairSpec": "ECC_NIST_P256"},
            {
                "PrivateKeyPlaintext": os.urandom(138),
                "PrivateKeyCiphertextBlob": os.urandom(200),
                "PublicKey": os.urandom(91),
            },
        ),
        (
            "Sign",
            {"KeyId": KEY, "Message": os.urandom(32), "SigningAlgorithm": "ECDSA_SHA_256"},
            {"Signature": os.urandom(70)},
        ),
        ("GenerateRandom", {"NumberOfBytes": 32}, {"Plaintext": os.urandom(32)}),
        (
            "ImportKeyMaterial",
            {"KeyId": KEY, "ImportToken": os.urandom(100), "EncryptedKeyMaterial": os.urandom(256)},
            {},
        ),
        (
            "ReEncrypt",
            {"CiphertextBlob": os.urandom(64), "DestinationKeyId": KEY},
            {"CiphertextBlob": os.urandom(64)},
        ),
        (
            "GenerateMac",
            {"KeyId": KEY, "Message": os.urandom(20), "MacAlgorithm": "HMAC_SHA_256"},
            {"Mac": os.urandom(32)},
        ),
    ],
)
def test_no_secret_in_any_event(op, params, response):
    text = json.dumps(call(op, params, response))
    blobs = [v for v in [*params.values(), *response.values()] if isinstance(v, bytes)]
    for b in blobs:
        for form in (base64.b64encode(b).decode(), b.hex(), base64.urlsafe_b64encode(b).decode()):
            assert form not in text


@pytest.mark.parametrize(
    ("op", "read_only"),
    [
        ("Decrypt", True),
        ("DescribeKey", True),
        ("ListAliases", True),
        ("GetPublicKey", True),
        ("CreateKey", False),
        ("ScheduleKeyDeletion", False),
        ("PutKeyPolicy", False),
        ("Sign", True),
    ],
)
def test_read_only(op, read_only):
    assert trail.is_read_only(op) is read_only


def test_lookup_entry_shape_and_paging():
    events = [
        (i, 1_000.0 + i, call("Decrypt", {"CiphertextBlob": b"x"}, {"KeyId": KEY}))
        for i in range(5, 0, -1)
    ]
    page = trail.lookup_page(events, 2)
    assert len(page["Events"]) == 2 and trail.decode_token(page["NextToken"]) == 4
    entry = page["Events"][0]
    assert set(entry) == {
        "EventId",
        "EventName",
        "ReadOnly",
        "AccessKeyId",
        "EventTime",
        "EventSource",
        "Username",
        "Resources",
        "CloudTrailEvent",
    }
    assert entry["Username"] == "Alice" and entry["ReadOnly"] == "true"
    assert entry["Resources"] == [{"ResourceType": "AWS::KMS::Key", "ResourceName": KEY}]
    assert json.loads(entry["CloudTrailEvent"])["eventID"] == entry["EventId"]
    assert "NextToken" not in trail.lookup_page(events, 5)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "a"},
                    {"AttributeKey": "Username", "AttributeValue": "b"},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": "a"}]},
            "InvalidLookupAttributesException",
        ),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        ({"StartTime": 10, "EndTime": 5}, "InvalidTimeRangeException"),
    ],
)
def test_lookup_refusals(params, code):
    with pytest.raises(trail.LookupRefused) as exc:
        trail.check_lookup(params)
    assert exc.value.code == code


def test_bad_next_token():
    with pytest.raises(trail.LookupRefused) as exc:
        trail.decode_token("!!not-a-token")
    assert exc.value.code == "InvalidNextTokenException"


def test_iso_times_match_strftime_through_the_per_second_cache() -> None:
    from datetime import UTC, datetime

    from kmsworkbench.sandbox.access.context import iso

    assert trail.iso is iso  # the trail's times and the conditions' are made in one place
    # The same second twice, the next one, back to an earlier one, a negative time.
    for ts in (1796193819.1, 1796193819.99, 1796193820.0, 1796193819.5, 0.0, -1.5, 1.0):
        assert iso(ts) == datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
