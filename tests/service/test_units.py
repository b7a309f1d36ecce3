"""Key references, error explanations, journal commands and KeyInfo eligibility."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoRegionError,
    TokenRetrievalError,
)

from kmsworkbench.service import Backend, KeyInfo, aws_cli_command, validate_key_reference
from kmsworkbench.service.errors import from_exception

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    "ref",
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        ARN,
        "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "alias/my-key",
        "alias/aws/s3",
        "arn:aws:kms:us-east-1:111122223333:alias/my/key_1",
    ],
)
def test_valid_key_references(ref: str) -> None:
    assert validate_key_reference(ref) is None


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("", "A key is needed"),
        ("my-key", "alias/"),
        ("alias/", "alias name"),
        ("alias/bad name", "alias name"),
        ("1234abcd-12ab", "truncated"),
        ("arn:aws:kms:us-east-1:1111:key/x", "malformed"),
        ("arn:aws:kms:us-east-1:111122223333:key/nope", "key ID"),
        (" alias/x", "spaces"),
    ],
)
def test_bad_key_references(ref: str, says: str) -> None:
    message = validate_key_reference(ref)
    assert message is not None and says in message


def _client_error(code: str, message: str, op: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "rid", "HTTPStatusCode": 400},
        },
        op,
    )


@pytest.mark.parametrize(
    ("code", "op", "says"),
    [
        (
            "AccessDeniedException",
            "GenerateDataKeyPairWithoutPlaintext",
            "kms:GenerateDataKeyPairWithoutPlaintext",
        ),
        ("AccessDeniedException", "Decrypt", "kms:Decrypt"),
        ("ExpiredToken", "Decrypt", "aws sso login --profile dev"),
        ("ExpiredTokenException", "Decrypt", "aws sso login --profile dev"),
        ("ThrottlingException", "GenerateDataKeyPair", "quota"),
        ("DisabledException", "Decrypt", "disabled"),
        ("KMSInvalidStateException", "Decrypt", "pending deletion"),
        ("NotFoundException", "DescribeKey", "No KMS key"),
        ("InvalidKeyUsageException", "GenerateDataKeyPair", "symmetric encryption key"),
        ("IncorrectKeyException", "Decrypt", "not the key"),
        ("DryRunOperationException", "Decrypt", "would have succeeded"),
        ("UnrecognizedClientException", "ListKeys", "region"),
        ("ValidationException", "GenerateDataKeyPair", "parameter"),
        ("InvalidCiphertextException", "Decrypt", "encryption context"),
    ],
)
def test_explanations(code: str, op: str, says: str) -> None:
    err = from_exception(_client_error(code, "msg", op), op, profile="dev")
    text = (err.explanation + " " + err.remedy).lower()
    assert says.lower() in text
    assert str(err) == f"An error occurred ({code}) when calling the {op} operation: msg"
    assert err.request_id == "rid" and err.http_status == 400 and err.exit_code == 254


def test_client_side_errors() -> None:
    err = from_exception(EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"), "ListKeys")
    assert (
        err.exit_code == 255
        and "http://127.0.0.1:1/" in err.explanation
        and "unreachable" in err.explanation
    )
    err = from_exception(NoRegionError(), "ListKeys")
    assert err.code == "NoRegionError" and "--region" in err.remedy
    err = from_exception(
        TokenRetrievalError(provider="sso", error_msg="expired"), "ListKeys", profile="dev"
    )
    assert "aws sso login --profile dev" in err.remedy and err.exit_code == 255


def test_wrong_region_arn_explained() -> None:
    other = ARN.replace("us-east-1", "eu-west-1")
    err = from_exception(
        _client_error("NotFoundException", "Invalid arn eu-west-1", "Decrypt"),
        "Decrypt",
        params={"KeyId": other},
        region="us-east-1",
    )
    assert "eu-west-1" in err.explanation and "--region eu-west-1" in err.remedy


def test_aws_cli_command_quoting() -> None:
    endpoint = Backend(kind="endpoint", endpoint_url="http://127.0.0.1:4599", region="us-east-1")
    cmd = aws_cli_command(
        "Decrypt",
        {"CiphertextBlob": b"xyz", "EncryptionContext": {"a": "it's"}, "DryRun": True},
        endpoint,
    )
    words = shlex.split(cmd)
    assert words[:3] == ["aws", "kms", "decrypt"]
    assert words[words.index("--encryption-context") + 1] == '{"a":"it\'s"}'
    assert "--dry-run" in words and "fileb://private-key-ciphertext.bin" in words
    assert words[-4:] == ["--endpoint-url", "http://127.0.0.1:4599", "--region", "us-east-1"]
    words = shlex.split(
        aws_cli_command(
            "GenerateDataKeyPair",
            {"KeyId": "alias/k", "KeyPairSpec": "RSA_2048", "GrantTokens": ["t1", "t 2"]},
            endpoint,
        )
    )
    assert words[words.index("--grant-tokens") + 1 : words.index("--grant-tokens") + 3] == [
        "t1",
        "t 2",
    ]
    aws = Backend(kind="aws", profile="dev o", region="eu-west-1")
    words = shlex.split(aws_cli_command("ListKeys", {"Limit": 10, "Marker": "m"}, aws))
    assert words == [
        "aws",
        "kms",
        "list-keys",
        "--page-size",
        "10",
        "--profile",
        "dev o",
        "--region",
        "eu-west-1",
    ]


def _info(**meta: object) -> KeyInfo:
    base = {
        "KeyId": "k",
        "Arn": ARN,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "KeyManager": "CUSTOMER",
        "Origin": "AWS_KMS",
    }
    base.update(meta)
    return KeyInfo("k", ARN, [], base)


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ({}, None),
        ({"KeySpec": "RSA_2048"}, "asymmetric"),
        ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, "HMAC"),
        ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, "SIGN_VERIFY"),
        (
            {"KeySpec": "ML_DSA_65", "KeyUsage": "SIGN_VERIFY"},
            "a signing key (SIGN_VERIFY, ML_DSA_65)",
        ),
        (
            {"KeySpec": "ECC_NIST_P384", "KeyUsage": "KEY_AGREEMENT"},
            "a key agreement key (KEY_AGREEMENT, ECC_NIST_P384)",
        ),
        (
            {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
            "a key encapsulation key (ENCAPSULATE_DECAPSULATE, ML_KEM_768)",
        ),
        ({"KeyState": "Disabled", "Enabled": False}, "disabled"),
        (
            {"KeyState": "PendingDeletion", "DeletionDate": datetime(2030, 1, 2, tzinfo=UTC)},
            "pending deletion (on 2030-01-02)",
        ),
        ({"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": "cks-1"}, "custom key store"),
        ({"KeyManager": "AWS"}, "AWS managed"),
    ],
)
def test_eligibility(meta: dict[str, object], reason: str | None) -> None:
    info = _info(**meta)
    if reason is None:
        assert info.eligible is True and info.ineligible_reason is None
    else:
        assert info.eligible is False and reason in (info.ineligible_reason or "")
    assert KeyInfo("k", ARN).eligible is None
