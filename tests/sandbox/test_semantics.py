"""The table of KMS situations (kms-semantics.md section 1), each through a real boto3 client,
over both transports."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import pytest

from kmsworkbench import keypairs

ARN_RE = re.compile(r"^arn:aws:kms:us-east-1:\d{12}:key/[0-9a-f-]{36}$")
HEX64 = re.compile(r"^[a-f0-9]{64}$")
DRY_RUN_MESSAGE = "The request would have succeeded, but the DryRun option is set."


def new_key(kms: Any, **kwargs: Any) -> str:
    kwargs.setdefault("Description", "test key")
    return kms.create_key(**kwargs)["KeyMetadata"]["Arn"]


def seeded(kms: Any, description_start: str) -> dict[str, Any]:
    for page in kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            md = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            if md["Description"].startswith(description_start):
                return md
    raise AssertionError(f"no seeded key described {description_start!r}")


@pytest.fixture(scope="module")
def ecc_key(kms: Any) -> dict[str, Any]:
    return seeded(kms, "ECC P-256 signing key")


@pytest.fixture(scope="module")
def rsa_key(kms: Any) -> dict[str, Any]:
    return seeded(kms, "RSA 2048 encryption key")


@pytest.fixture(scope="module")
def hmac_key(kms: Any) -> dict[str, Any]:
    return seeded(kms, "HMAC-SHA-256 key")


@pytest.fixture(scope="module")
def disabled_key(kms: Any) -> dict[str, Any]:
    return seeded(kms, "Disabled symmetric key")


# --- key identification ---------------------------------------------------------------


def test_key_forms_resolve_to_the_same_key(kms: Any, demo_key: str) -> None:
    key_id = demo_key.rsplit("/", 1)[1]
    alias_arn = demo_key.split(":key/")[0] + ":alias/workbench-demo"
    for ref in (key_id, demo_key, "alias/workbench-demo", alias_arn):
        assert kms.describe_key(KeyId=ref)["KeyMetadata"]["Arn"] == demo_key


def test_unknown_key_id(kms: Any, demo_key: str, error_of: Any) -> None:
    unknown = str(uuid.uuid4())
    arn = demo_key.rsplit("/", 1)[0] + "/" + unknown
    err = error_of(kms.describe_key, KeyId=unknown)
    assert err == {"Code": "NotFoundException", "Message": f"Key '{arn}' does not exist"}
    err = error_of(kms.generate_data_key_pair_without_plaintext, KeyId=arn, KeyPairSpec="RSA_2048")
    assert err["Message"] == f"Key '{arn}' does not exist"


def test_unknown_multi_region_key_id(kms: Any, demo_key: str, error_of: Any) -> None:
    mrk = "mrk-" + "d3b95762" * 4
    err = error_of(kms.describe_key, KeyId=mrk)
    assert err["Code"] == "NotFoundException"
    assert err["Message"] == f"Key '{demo_key.rsplit('/', 1)[0]}/{mrk}' does not exist"


@pytest.mark.parametrize("bad", ["fake-key-id", "134f2428cec14b25a1ae9048164dba47", "mrk-fake"])
def test_malformed_key_id(kms: Any, bad: str, error_of: Any) -> None:
    err = error_of(kms.describe_key, KeyId=bad)
    assert err == {"Code": "NotFoundException", "Message": f"Invalid keyId '{bad}'"}


def test_unknown_alias(kms: Any, demo_key: str, error_of: Any) -> None:
    prefix = demo_key.split(":key/")[0]
    err = error_of(kms.encrypt, KeyId="alias/does-not-exist", Plaintext=b"x")
    assert err == {
        "Code": "NotFoundException",
        "Message": f"Alias {prefix}:alias/does-not-exist is not found.",
    }


def test_arn_of_another_region(kms: Any, demo_key: str, error_of: Any) -> None:
    other = demo_key.replace(":us-east-1:", ":eu-west-1:")
    err = error_of(kms.describe_key, KeyId=other)
    assert err == {"Code": "NotFoundException", "Message": "Invalid arn eu-west-1"}


def test_arn_of_another_account(kms: Any, demo_key: str, error_of: Any) -> None:
    account = demo_key.split(":")[4]
    other_account = "111122223333" if account != "111122223333" else "444455556666"
    other = demo_key.replace(f":{account}:", f":{other_account}:")
    err = error_of(kms.describe_key, KeyId=other)
    assert err == {"Code": "NotFoundException", "Message": f"Key '{other}' does not exist"}


def test_malformed_arn(kms: Any, error_of: Any) -> None:
    err = error_of(kms.describe_key, KeyId="arn:aws:s3:::bucket")
    assert err["Code"] == "InvalidArnException"


# --- key states -----------------------------------------------------------------------


def test_disabled_key(kms: Any, error_of: Any) -> None:
    arn = new_key(kms)
    blob = kms.encrypt(KeyId=arn, Plaintext=b"secret")["CiphertextBlob"]
    kms.disable_key(KeyId=arn)
    expected = {"Code": "DisabledException", "Message": f"{arn} is disabled."}
    assert error_of(kms.encrypt, KeyId=arn, Plaintext=b"x") == expected
    assert error_of(kms.decrypt, CiphertextBlob=blob) == expected
    assert error_of(kms.generate_data_key, KeyId=arn, KeySpec="AES_256") == expected
    assert error_of(kms.generate_data_key_pair, KeyId=arn, KeyPairSpec="ECC_NIST_P256") == expected
    assert (
        error_of(
            kms.generate_data_key_pair_without_plaintext, KeyId=arn, KeyPairSpec="ECC_NIST_P256"
        )
        == expected
    )
    md = kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert (md["KeyState"], md["Enabled"]) == ("Disabled", False)
    kms.enable_key(KeyId=arn)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_seeded_disabled_key(kms: Any, disabled_key: dict[str, Any], error_of: Any) -> None:
    err = error_of(
        kms.generate_data_key_pair_without_plaintext,
        KeyId=disabled_key["KeyId"],
        KeyPairSpec="ECC_NIST_P256",
    )
    assert err == {"Code": "DisabledException", "Message": f"{disabled_key['Arn']} is disabled."}


def test_pending_deletion(kms: Any, error_of: Any) -> None:
    arn = new_key(kms)
    kms.create_alias(AliasName="alias/pending-" + uuid.uuid4().hex[:8], TargetKeyId=arn)
    blob = kms.encrypt(KeyId=arn, Plaintext=b"secret")["CiphertextBlob"]
    out = kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert out["KeyId"] == arn and out["KeyState"] == "PendingDeletion"
    assert out["PendingWindowInDays"] == 7
    expected = {"Code": "KMSInvalidStateException", "Message": f"{arn} is pending deletion."}
    assert error_of(kms.decrypt, CiphertextBlob=blob) == expected
    assert error_of(kms.generate_data_key_pair, KeyId=arn, KeyPairSpec="RSA_2048") == expected
    assert error_of(kms.encrypt, KeyId=arn, Plaintext=b"x") == expected
    assert error_of(kms.schedule_key_deletion, KeyId=arn) == expected
    assert error_of(kms.enable_key, KeyId=arn) == expected
    # DescribeKey and ListAliases succeed in every key state.
    md = kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert md["KeyState"] == "PendingDeletion" and md["Enabled"] is False
    assert md["DeletionDate"] == out["DeletionDate"]
    assert len(kms.list_aliases(KeyId=arn)["Aliases"]) == 1
    assert kms.cancel_key_deletion(KeyId=arn)["KeyId"] == arn
    md = kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert md["KeyState"] == "Disabled" and "DeletionDate" not in md
    err = error_of(kms.cancel_key_deletion, KeyId=arn)
    assert err == {"Code": "KMSInvalidStateException", "Message": f"{arn} is not pending deletion."}


@pytest.mark.parametrize("days", [3, 6, 31, 365])
def test_pending_window_range(kms: Any, demo_key: str, days: int, error_of: Any) -> None:
    err = error_of(kms.schedule_key_deletion, KeyId=demo_key, PendingWindowInDays=days)
    bound = "greater than or equal to 7" if days < 7 else "less than or equal to 30"
    assert err == {
        "Code": "ValidationException",
        "Message": f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' "
        f"failed to satisfy constraint: Member must have value {bound}",
    }


def test_pending_import(kms: Any, error_of: Any) -> None:
    md = kms.create_key(Origin="EXTERNAL", Description="to import")["KeyMetadata"]
    assert md["KeyState"] == "PendingImport" and md["Enabled"] is False
    assert md["Origin"] == "EXTERNAL" and "CurrentKeyMaterialId" not in md
    err = error_of(kms.encrypt, KeyId=md["Arn"], Plaintext=b"x")
    assert err == {"Code": "KMSInvalidStateException", "Message": f"{md['Arn']} is pending import."}


# --- key usage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"],
)
def test_signing_key_cannot_wrap(
    kms: Any, ecc_key: dict[str, Any], operation: str, error_of: Any
) -> None:
    fn = getattr(kms, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
    err = error_of(fn, KeyId=ecc_key["Arn"], KeyPairSpec="ECC_NIST_P256")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": f"{ecc_key['Arn']} key usage is SIGN_VERIFY which is not valid for {operation}.",
    }


def test_hmac_key_cannot_wrap(kms: Any, hmac_key: dict[str, Any], error_of: Any) -> None:
    err = error_of(
        kms.generate_data_key_pair_without_plaintext, KeyId=hmac_key["Arn"], KeyPairSpec="RSA_2048"
    )
    assert err["Code"] == "InvalidKeyUsageException"
    assert "key usage is GENERATE_VERIFY_MAC" in err["Message"]
    err = error_of(kms.generate_data_key, KeyId=hmac_key["Arn"], NumberOfBytes=32)
    assert err["Code"] == "InvalidKeyUsageException"


def test_asymmetric_encryption_key_cannot_wrap(
    kms: Any, rsa_key: dict[str, Any], error_of: Any
) -> None:
    assert rsa_key["KeyUsage"] == "ENCRYPT_DECRYPT"
    for fn in (kms.generate_data_key_pair, kms.generate_data_key_pair_without_plaintext):
        err = error_of(fn, KeyId=rsa_key["Arn"], KeyPairSpec="ECC_NIST_P256")
        assert err["Code"] == "InvalidKeyUsageException"
        assert err["Message"].startswith(f"{rsa_key['Arn']} key spec is RSA_2048")
    err = error_of(kms.generate_data_key, KeyId=rsa_key["Arn"], KeySpec="AES_256")
    assert err["Code"] == "InvalidKeyUsageException"


def test_encrypt_with_signing_key(kms: Any, ecc_key: dict[str, Any], error_of: Any) -> None:
    err = error_of(kms.encrypt, KeyId=ecc_key["Arn"], Plaintext=b"x")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": f"{ecc_key['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    }


def test_sign_and_mac_usage_messages(
    kms: Any, demo_key: str, hmac_key: dict[str, Any], error_of: Any
) -> None:
    err = error_of(kms.generate_mac, KeyId=demo_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert (
        err["Message"]
        == f"{demo_key} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac."
    )
    err = error_of(kms.sign, KeyId=hmac_key["Arn"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    assert err["Message"] == (
        f"{hmac_key['Arn']} key usage is GENERATE_VERIFY_MAC which is not valid for Sign."
    )


# --- ciphertext -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair_blob(kms: Any, demo_key: str) -> bytes:
    out = kms.generate_data_key_pair_without_plaintext(
        KeyId=demo_key, KeyPairSpec="ECC_NIST_P256", EncryptionContext={"app": "wb", "env": "dev"}
    )
    return out["PrivateKeyCiphertextBlob"]


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        {"app": "wb"},
        {"app": "wb", "env": "DEV"},
        {"App": "wb", "env": "dev"},
        {"app": "wb", "env": "dev", "x": "y"},
        {"ap": "pwbenvdev"},
        {"appwb": "", "env": "dev"},
    ],
)
def test_wrong_or_missing_context(kms: Any, pair_blob: bytes, context: Any, error_of: Any) -> None:
    kwargs: dict[str, Any] = {"CiphertextBlob": pair_blob}
    if context is not None:
        kwargs["EncryptionContext"] = context
    assert error_of(kms.decrypt, **kwargs) == {"Code": "InvalidCiphertextException", "Message": ""}


def test_context_order_does_not_matter(kms: Any, pair_blob: bytes) -> None:
    out = kms.decrypt(CiphertextBlob=pair_blob, EncryptionContext={"env": "dev", "app": "wb"})
    assert keypairs.spec_of_private_key(out["Plaintext"]) == "ECC_NIST_P256"


def test_empty_and_missing_context_are_the_same(kms: Any, demo_key: str) -> None:
    blob = kms.encrypt(KeyId=demo_key, Plaintext=b"p")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={})["Plaintext"] == b"p"
    blob = kms.encrypt(KeyId=demo_key, Plaintext=b"q", EncryptionContext={})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"q"


def test_unicode_context(kms: Any, demo_key: str, error_of: Any) -> None:
    ctx = {"län": "värde ✓", "k": ""}
    blob = kms.encrypt(KeyId=demo_key, Plaintext=b"u", EncryptionContext=ctx)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"] == b"u"
    err = error_of(kms.decrypt, CiphertextBlob=blob, EncryptionContext={"län": "värde ✓"})
    assert err["Code"] == "InvalidCiphertextException"


@pytest.mark.parametrize("position", [0, 5, 20, 60, -20, -1])
def test_tampered_blob(kms: Any, pair_blob: bytes, position: int, error_of: Any) -> None:
    tampered = bytearray(pair_blob)
    tampered[position] ^= 0x01
    err = error_of(
        kms.decrypt, CiphertextBlob=bytes(tampered), EncryptionContext={"app": "wb", "env": "dev"}
    )
    # A flipped key id byte may name a key that does not exist; everything else is
    # InvalidCiphertextException with AWS's empty message.
    assert err["Code"] in ("InvalidCiphertextException", "AccessDeniedException")
    if err["Code"] == "InvalidCiphertextException":
        assert err["Message"] == ""


@pytest.mark.parametrize("length", [1, 10, 60, -17, -1])
def test_truncated_blob(kms: Any, pair_blob: bytes, length: int, error_of: Any) -> None:
    err = error_of(
        kms.decrypt,
        CiphertextBlob=pair_blob[:length],
        EncryptionContext={"app": "wb", "env": "dev"},
    )
    assert err == {"Code": "InvalidCiphertextException", "Message": ""}


def test_garbage_blob(kms: Any, error_of: Any) -> None:
    err = error_of(kms.decrypt, CiphertextBlob=b"\x00" * 200)
    assert err == {"Code": "InvalidCiphertextException", "Message": ""}


def test_blob_size_limits(kms: Any, error_of: Any) -> None:
    err = error_of(kms.decrypt, CiphertextBlob=b"")
    assert err["Code"] == "ValidationException"
    assert "'ciphertextBlob'" in err["Message"] and "greater than or equal to 1" in err["Message"]
    err = error_of(kms.decrypt, CiphertextBlob=b"x" * 6145)
    assert err == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy "
        "constraint: Member must have length less than or equal to 6144",
    }


def test_plaintext_size_limit(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(kms.encrypt, KeyId=demo_key, Plaintext=b"x" * 4097)
    assert err == {  # aws-recorded
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value at 'plaintext' failed to satisfy "
        "constraint: Member must have length less than or equal to 4096",
    }


def test_incorrect_key(kms: Any, pair_blob: bytes, hmac_key: dict[str, Any], error_of: Any) -> None:
    other = new_key(kms)
    expected = {
        "Code": "IncorrectKeyException",
        "Message": "The key ID in the request does not identify a CMK that can perform this "
        "operation.",
    }
    ctx = {"app": "wb", "env": "dev"}
    assert (
        error_of(kms.decrypt, CiphertextBlob=pair_blob, KeyId=other, EncryptionContext=ctx)
        == expected
    )
    assert (
        error_of(
            kms.decrypt, CiphertextBlob=pair_blob, KeyId=hmac_key["Arn"], EncryptionContext=ctx
        )
        == expected
    )


def test_decrypt_with_matching_key_id(kms: Any, pair_blob: bytes, demo_key: str) -> None:
    ctx = {"app": "wb", "env": "dev"}
    for ref in (demo_key, "alias/workbench-demo", demo_key.rsplit("/", 1)[1]):
        assert (
            kms.decrypt(CiphertextBlob=pair_blob, KeyId=ref, EncryptionContext=ctx)["KeyId"]
            == demo_key
        )


# --- response shapes ------------------------------------------------------------------


def test_generate_data_key_pair_response(kms: Any, demo_key: str) -> None:
    out = kms.generate_data_key_pair(KeyId="alias/workbench-demo", KeyPairSpec="ECC_NIST_P384")
    assert set(out) - {"ResponseMetadata"} == {
        "PrivateKeyCiphertextBlob",
        "PrivateKeyPlaintext",
        "PublicKey",
        "KeyId",
        "KeyPairSpec",
        "KeyMaterialId",
    }
    assert out["KeyId"] == demo_key and out["KeyPairSpec"] == "ECC_NIST_P384"
    assert HEX64.match(out["KeyMaterialId"])
    assert keypairs.keys_match(out["PrivateKeyPlaintext"], out["PublicKey"])
    dec = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])
    assert set(dec) - {"ResponseMetadata"} == {
        "KeyId",
        "Plaintext",
        "EncryptionAlgorithm",
        "KeyMaterialId",
    }
    assert dec["Plaintext"] == out["PrivateKeyPlaintext"]
    assert dec["KeyId"] == demo_key
    assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert dec["KeyMaterialId"] == out["KeyMaterialId"]
    md = kms.describe_key(KeyId=demo_key)["KeyMetadata"]
    assert md["CurrentKeyMaterialId"] == out["KeyMaterialId"]


def test_without_plaintext_response(kms: Any, demo_key: str) -> None:
    out = kms.generate_data_key_pair_without_plaintext(
        KeyId=demo_key, KeyPairSpec="ECC_SECG_P256K1"
    )
    assert "PrivateKeyPlaintext" not in out
    assert set(out) - {"ResponseMetadata"} == {
        "PrivateKeyCiphertextBlob",
        "PublicKey",
        "KeyId",
        "KeyPairSpec",
        "KeyMaterialId",
    }
    private = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert keypairs.keys_match(private, out["PublicKey"])


def test_symmetric_key_metadata(kms: Any, demo_key: str) -> None:
    md = kms.describe_key(KeyId=demo_key)["KeyMetadata"]
    assert ARN_RE.match(md["Arn"]) and md["Arn"] == demo_key
    assert re.fullmatch(r"\d{12}", md["AWSAccountId"])
    expected = {
        "Enabled": True,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    assert {k: md[k] for k in expected} == expected
    assert md["Description"].startswith("Workbench demo key")
    assert "SigningAlgorithms" not in md and "MacAlgorithms" not in md


def test_asymmetric_and_hmac_metadata(
    kms: Any, ecc_key: dict[str, Any], rsa_key: dict[str, Any], hmac_key: dict[str, Any]
) -> None:
    assert ecc_key["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert "EncryptionAlgorithms" not in ecc_key and "CurrentKeyMaterialId" not in ecc_key
    assert rsa_key["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert hmac_key["MacAlgorithms"] == ["HMAC_SHA_256"]
    assert hmac_key["KeyUsage"] == "GENERATE_VERIFY_MAC"


# --- DryRun ---------------------------------------------------------------------------


def test_dry_run_success(kms: Any, demo_key: str, pair_blob: bytes, error_of: Any) -> None:
    expected = {"Code": "DryRunOperationException", "Message": DRY_RUN_MESSAGE}
    assert (
        error_of(
            kms.generate_data_key_pair_without_plaintext,
            KeyId=demo_key,
            KeyPairSpec="RSA_2048",
            DryRun=True,
        )
        == expected
    )
    assert (
        error_of(kms.generate_data_key_pair, KeyId=demo_key, KeyPairSpec="RSA_2048", DryRun=True)
        == expected
    )
    ctx = {"app": "wb", "env": "dev"}
    assert (
        error_of(kms.decrypt, CiphertextBlob=pair_blob, EncryptionContext=ctx, DryRun=True)
        == expected
    )
    assert error_of(kms.encrypt, KeyId=demo_key, Plaintext=b"x", DryRun=True) == expected
    assert error_of(kms.generate_data_key, KeyId=demo_key, NumberOfBytes=8, DryRun=True) == expected
    assert (
        error_of(
            kms.decrypt,
            KeyId=demo_key,
            DryRun=True,
            DryRunModifiers=["IGNORE_CIPHERTEXT"],
        )
        == expected
    )


def test_dry_run_reports_the_real_error(
    kms: Any,
    demo_key: str,
    pair_blob: bytes,
    disabled_key: dict[str, Any],
    ecc_key: dict[str, Any],
    error_of: Any,
) -> None:
    err = error_of(
        kms.generate_data_key_pair, KeyId=disabled_key["Arn"], KeyPairSpec="RSA_2048", DryRun=True
    )
    assert err["Code"] == "DisabledException"
    err = error_of(kms.generate_data_key_pair, KeyId=demo_key, KeyPairSpec="NOPE", DryRun=True)
    assert err["Code"] == "ValidationException"
    err = error_of(
        kms.generate_data_key_pair_without_plaintext,
        KeyId=ecc_key["Arn"],
        KeyPairSpec="RSA_2048",
        DryRun=True,
    )
    assert err["Code"] == "InvalidKeyUsageException"
    err = error_of(kms.decrypt, CiphertextBlob=pair_blob, DryRun=True)
    assert err == {"Code": "InvalidCiphertextException", "Message": ""}
    err = error_of(
        kms.generate_data_key_pair,
        KeyId=demo_key,
        KeyPairSpec="RSA_2048",
        GrantTokens=["bogus"],
        DryRun=True,
    )
    assert err["Code"] == "InvalidGrantTokenException"


# --- validation -----------------------------------------------------------------------


def test_key_pair_spec_enum(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(kms.generate_data_key_pair_without_plaintext, KeyId=demo_key, KeyPairSpec="FOO")
    assert err["Code"] == "ValidationException"
    assert err["Message"].startswith(
        "1 validation error detected: Value 'FOO' at 'keyPairSpec' failed to satisfy "
        "constraint: Member must satisfy enum value set: [RSA_2048, "
    )


def test_key_id_too_long(kms: Any, error_of: Any) -> None:
    err = error_of(kms.describe_key, KeyId="a" * 3000)
    assert err["Code"] == "ValidationException"
    assert (
        "at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048"
        in err["Message"]
    )


def test_too_many_grant_tokens(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(kms.encrypt, KeyId=demo_key, Plaintext=b"x", GrantTokens=["t"] * 11)
    assert err["Code"] == "ValidationException"
    assert (
        "at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
        in err["Message"]
    )


def test_several_violations_reported_together(kms: Any, error_of: Any) -> None:
    err = error_of(kms.generate_data_key_pair, KeyId="k" * 2049, KeyPairSpec="FOO")
    assert err["Message"].startswith("2 validation errors detected: ")


@pytest.mark.parametrize(
    ("operation", "limit", "maximum"),
    [("list_keys", 1001, 1000), ("list_aliases", 101, 100), ("list_keys", 5000, 1000)],
)
def test_limit_ranges(kms: Any, operation: str, limit: int, maximum: int, error_of: Any) -> None:
    err = error_of(getattr(kms, operation), Limit=limit)
    assert err == {
        "Code": "ValidationException",
        "Message": f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
        f"constraint: Member must have value less than or equal to {maximum}",
    }
    assert "Truncated" in getattr(kms, operation)(Limit=maximum)


def test_generate_random(kms: Any, error_of: Any) -> None:
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    err = error_of(kms.generate_random, NumberOfBytes=1025)
    assert err["Message"] == (
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value less than or equal to 1024"
    )
    assert error_of(kms.generate_random) == {
        "Code": "ValidationException",
        "Message": "NumberOfBytes is required.",
    }


# --- aliases --------------------------------------------------------------------------


def test_alias_lifecycle(kms: Any, demo_key: str, error_of: Any) -> None:
    name = "alias/life-" + uuid.uuid4().hex[:8]
    target = new_key(kms)
    kms.create_alias(AliasName=name, TargetKeyId=target)
    prefix = demo_key.split(":key/")[0]
    err = error_of(kms.create_alias, AliasName=name, TargetKeyId=target)
    assert err == {
        "Code": "AlreadyExistsException",
        "Message": f"An alias with the name {prefix}:{name} already exists",
    }
    entry = kms.list_aliases(KeyId=target)["Aliases"][0]
    assert entry["AliasName"] == name and entry["AliasArn"] == f"{prefix}:{name}"
    assert entry["TargetKeyId"] == target.rsplit("/", 1)[1]
    assert "CreationDate" in entry and "LastUpdatedDate" in entry
    kms.update_alias(AliasName=name, TargetKeyId=demo_key)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["Arn"] == demo_key
    assert kms.list_aliases(KeyId=target)["Aliases"] == []
    kms.delete_alias(AliasName=name)
    assert error_of(kms.describe_key, KeyId=name)["Code"] == "NotFoundException"
    assert error_of(kms.delete_alias, AliasName=name)["Code"] == "NotFoundException"


def test_update_alias_needs_same_key_type(
    kms: Any, demo_key: str, ecc_key: dict[str, Any], error_of: Any
) -> None:
    name = "alias/typed-" + uuid.uuid4().hex[:8]
    kms.create_alias(AliasName=name, TargetKeyId=demo_key)
    err = error_of(kms.update_alias, AliasName=name, TargetKeyId=ecc_key["Arn"])
    assert err["Code"] == "ValidationException"


def test_alias_prefix_required(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(kms.create_alias, AliasName="workbench", TargetKeyId=demo_key)
    assert err == {
        "Code": "ValidationException",
        "Message": 'Alias must start with the prefix "alias/". Please see '
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
    }


@pytest.mark.parametrize("name", ["alias/aws/mine", "alias/aws/ebs"])
def test_reserved_alias_prefix(kms: Any, demo_key: str, name: str, error_of: Any) -> None:
    assert (
        error_of(kms.create_alias, AliasName=name, TargetKeyId=demo_key)["Code"]
        == "ValidationException"
    )
    assert error_of(kms.delete_alias, AliasName=name)["Code"] == "ValidationException"


def test_alias_pattern(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(kms.create_alias, AliasName="alias/bad name", TargetKeyId=demo_key)
    assert err["Code"] == "ValidationException"
    assert "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$" in err["Message"]
    err = error_of(kms.create_alias, AliasName="alias/" + "a" * 251, TargetKeyId=demo_key)
    assert "Member must have length less than or equal to 256" in err["Message"]


def test_alias_target_must_be_a_key(kms: Any, error_of: Any) -> None:
    err = error_of(
        kms.create_alias,
        AliasName="alias/x-" + uuid.uuid4().hex[:6],
        TargetKeyId="alias/workbench-demo",
    )
    assert err["Code"] == "NotFoundException"


def test_predefined_aws_aliases(kms: Any, error_of: Any) -> None:
    aliases = {
        a["AliasName"]: a
        for p in kms.get_paginator("list_aliases").paginate()
        for a in p["Aliases"]
    }
    assert "TargetKeyId" in aliases["alias/aws/ebs"]
    untargeted = [
        a for n, a in aliases.items() if n.startswith("alias/aws/") and "TargetKeyId" not in a
    ]
    assert untargeted, "a real account shows predefined aliases without TargetKeyId"
    ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
    assert ebs["KeyManager"] == "AWS" and "EBS" in ebs["Description"]
    err = error_of(
        kms.generate_data_key_pair_without_plaintext, KeyId="alias/aws/ebs", KeyPairSpec="RSA_2048"
    )
    assert err["Code"] == "AccessDeniedException"
    assert error_of(kms.disable_key, KeyId=ebs["KeyId"])["Code"] == "AccessDeniedException"
    # DescribeKey on a predefined alias with no key yet associates an AWS managed key.
    name = untargeted[0]["AliasName"]
    md = kms.describe_key(KeyId=name)["KeyMetadata"]
    assert md["KeyManager"] == "AWS"
    assert kms.list_aliases(KeyId=md["KeyId"])["Aliases"][0]["AliasName"] == name


# --- pagination -----------------------------------------------------------------------


def test_list_keys_pagination(kms: Any) -> None:
    everything = [k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]]
    seen: list[str] = []
    marker = None
    while True:
        page = kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
        assert len(page["Keys"]) <= 2
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert seen == everything and len(set(seen)) == len(seen)
    via_paginator = [
        k["KeyId"]
        for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 3})
        for k in page["Keys"]
    ]
    assert via_paginator == everything


def test_list_keys_default_limit_is_100(kms: Any) -> None:
    while len(kms.list_keys(Limit=1000)["Keys"]) <= 100:
        kms.create_key(Description="filler")
    page = kms.list_keys()
    assert len(page["Keys"]) == 100 and page["Truncated"] is True and page["NextMarker"]


def test_list_aliases_pagination(kms: Any) -> None:
    everything = [a["AliasName"] for a in kms.list_aliases(Limit=100)["Aliases"]]
    assert everything == sorted(everything)
    first = kms.list_aliases(Limit=3)
    assert first["Truncated"] is True
    rest = kms.list_aliases(Limit=100, Marker=first["NextMarker"])
    assert [a["AliasName"] for a in first["Aliases"] + rest["Aliases"]] == everything


@pytest.mark.parametrize("operation", ["list_keys", "list_aliases"])
def test_invalid_marker(kms: Any, operation: str, error_of: Any) -> None:
    assert (
        error_of(getattr(kms, operation), Marker="not-a-marker")["Code"] == "InvalidMarkerException"
    )


def test_marker_of_another_listing(kms: Any, error_of: Any) -> None:
    marker = kms.list_aliases(Limit=1)["NextMarker"]
    assert error_of(kms.list_keys, Marker=marker)["Code"] == "InvalidMarkerException"


def test_list_aliases_for_missing_key(kms: Any, error_of: Any) -> None:
    assert error_of(kms.list_aliases, KeyId=str(uuid.uuid4()))["Code"] == "NotFoundException"


# --- grants ---------------------------------------------------------------------------


def test_grant_tokens(kms: Any, demo_key: str, error_of: Any) -> None:
    err = error_of(
        kms.generate_data_key_pair_without_plaintext,
        KeyId=demo_key,
        KeyPairSpec="ECC_NIST_P256",
        GrantTokens=["bogus-token"],
    )
    assert err["Code"] == "InvalidGrantTokenException"
    grant = kms.create_grant(
        KeyId=demo_key,
        GranteePrincipal="arn:aws:iam::111122223333:role/app",
        Operations=["Decrypt", "GenerateDataKeyPairWithoutPlaintext"],
        Name="app-grant",
    )
    out = kms.generate_data_key_pair_without_plaintext(
        KeyId=demo_key, KeyPairSpec="ECC_NIST_P256", GrantTokens=[grant["GrantToken"]]
    )
    assert out["KeyId"] == demo_key
    listed = kms.list_grants(KeyId=demo_key)["Grants"]
    entry = next(g for g in listed if g["GrantId"] == grant["GrantId"])
    assert entry["KeyId"] == demo_key and entry["Name"] == "app-grant"
    assert entry["Operations"] == ["Decrypt", "GenerateDataKeyPairWithoutPlaintext"]
    assert entry["GranteePrincipal"] == "arn:aws:iam::111122223333:role/app"
    kms.revoke_grant(KeyId=demo_key, GrantId=grant["GrantId"])
    err = error_of(
        kms.decrypt,
        CiphertextBlob=out["PrivateKeyCiphertextBlob"],
        GrantTokens=[grant["GrantToken"]],
    )
    assert err["Code"] == "InvalidGrantTokenException"


def test_grant_tokens_never_begin_with_a_dash(kms: Any, demo_key: str) -> None:
    """Tokens begin with a version byte, as AWS's do (``AQ...``): a leading ``-`` made the
    AWS CLI read a token as an option. A random first byte gave one in 64."""
    from kmsworkbench.sandbox.operations.grants import new_grant_token

    tokens = [new_grant_token() for _ in range(2000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens)
    assert all(len(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))) == 96 for t in tokens)
    grant = kms.create_grant(
        KeyId=demo_key, GranteePrincipal="arn:aws:iam::111122223333:root", Operations=["Encrypt"]
    )
    assert grant["GrantToken"].startswith("A")


def test_retire_grant(kms: Any, demo_key: str, ecc_key: dict[str, Any], error_of: Any) -> None:
    grant = kms.create_grant(
        KeyId=demo_key, GranteePrincipal="arn:aws:iam::111122223333:root", Operations=["Encrypt"]
    )
    kms.retire_grant(GrantToken=grant["GrantToken"])
    assert all(g["GrantId"] != grant["GrantId"] for g in kms.list_grants(KeyId=demo_key)["Grants"])
    assert (
        error_of(kms.retire_grant, GrantToken=grant["GrantToken"])["Code"]
        == "InvalidGrantTokenException"
    )
    assert (
        error_of(kms.revoke_grant, KeyId=demo_key, GrantId="nope")["Code"]
        == "InvalidGrantIdException"
    )
    err = error_of(
        kms.create_grant,
        KeyId=ecc_key["Arn"],
        GranteePrincipal="arn:aws:iam::111122223333:root",
        Operations=["Encrypt"],
    )
    assert err["Code"] == "ValidationException"
    err = error_of(
        kms.create_grant,
        KeyId=demo_key,
        GranteePrincipal="arn:aws:iam::111122223333:root",
        Operations=["Encrypt"],
        DryRun=True,
    )
    assert err["Code"] == "DryRunOperationException"


# --- tags -----------------------------------------------------------------------------


def test_tags(kms: Any, error_of: Any) -> None:
    arn = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]["Arn"]
    kms.tag_resource(KeyId=arn, Tags=[{"TagKey": f"k{i:02}", "TagValue": str(i)} for i in range(5)])
    kms.tag_resource(KeyId=arn, Tags=[{"TagKey": "team", "TagValue": "b"}])
    kms.untag_resource(KeyId=arn, TagKeys=["k00"])
    page = kms.list_resource_tags(KeyId=arn, Limit=3)
    assert page["Truncated"] is True
    rest = kms.list_resource_tags(KeyId=arn, Marker=page["NextMarker"])
    tags = {t["TagKey"]: t["TagValue"] for t in page["Tags"] + rest["Tags"]}
    assert tags == {"k01": "1", "k02": "2", "k03": "3", "k04": "4", "team": "b"}
    assert (
        error_of(kms.tag_resource, KeyId=arn, Tags=[{"TagKey": "aws:x", "TagValue": "1"}])["Code"]
        == "TagException"
    )
    err = error_of(kms.list_resource_tags, KeyId=arn, Limit=51)
    assert "less than or equal to 50" in err["Message"]


# --- the other cryptographic operations ------------------------------------------------


def test_encrypt_decrypt_reencrypt(kms: Any, demo_key: str) -> None:
    out = kms.encrypt(
        KeyId="alias/workbench-demo", Plaintext=b"hello", EncryptionContext={"a": "1"}
    )
    assert out["KeyId"] == demo_key and out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    other = new_key(kms)
    re_out = kms.re_encrypt(
        CiphertextBlob=out["CiphertextBlob"],
        SourceEncryptionContext={"a": "1"},
        DestinationKeyId=other,
        DestinationEncryptionContext={"b": "2"},
    )
    assert re_out["SourceKeyId"] == demo_key and re_out["KeyId"] == other
    assert HEX64.match(re_out["SourceKeyMaterialId"]) and HEX64.match(
        re_out["DestinationKeyMaterialId"]
    )
    dec = kms.decrypt(CiphertextBlob=re_out["CiphertextBlob"], EncryptionContext={"b": "2"})
    assert dec["Plaintext"] == b"hello" and dec["KeyId"] == other


def test_generate_data_key(kms: Any, demo_key: str, error_of: Any) -> None:
    out = kms.generate_data_key(KeyId=demo_key, KeySpec="AES_128", EncryptionContext={"x": "y"})
    assert len(out["Plaintext"]) == 16 and HEX64.match(out["KeyMaterialId"])
    assert (
        kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"x": "y"})["Plaintext"]
        == out["Plaintext"]
    )
    out = kms.generate_data_key_without_plaintext(KeyId=demo_key, NumberOfBytes=64)
    assert "Plaintext" not in out
    assert len(kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"]) == 64
    assert error_of(kms.generate_data_key, KeyId=demo_key)["Code"] == "ValidationException"
    assert (
        error_of(kms.generate_data_key, KeyId=demo_key, KeySpec="AES_256", NumberOfBytes=32)["Code"]
        == "ValidationException"
    )


def test_sign_verify_with_kms_key(kms: Any, ecc_key: dict[str, Any], error_of: Any) -> None:
    sig = kms.sign(KeyId=ecc_key["Arn"], Message=b"msg", SigningAlgorithm="ECDSA_SHA_256")
    assert sig["KeyId"] == ecc_key["Arn"]
    public = kms.get_public_key(KeyId=ecc_key["Arn"])
    assert public["KeySpec"] == "ECC_NIST_P256" and public["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert keypairs.verify(public["PublicKey"], "ECDSA_SHA_256", b"msg", sig["Signature"])
    ok = kms.verify(
        KeyId=ecc_key["Arn"],
        Message=b"msg",
        Signature=sig["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert ok["SignatureValid"] is True
    err = error_of(
        kms.verify,
        KeyId=ecc_key["Arn"],
        Message=b"other",
        Signature=sig["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert err == {"Code": "KMSInvalidSignatureException", "Message": ""}
    err = error_of(
        kms.sign,
        KeyId=ecc_key["Arn"],
        Message=b"short",
        MessageType="DIGEST",
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert err == {
        "Code": "ValidationException",
        "Message": "Digest is invalid length for algorithm ECDSA_SHA_256.",
    }
    err = error_of(kms.sign, KeyId=ecc_key["Arn"], Message=b"m", SigningAlgorithm="ECDSA_SHA_384")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.",
    }


def test_rsa_encryption_key(kms: Any, rsa_key: dict[str, Any], error_of: Any) -> None:
    arn = rsa_key["Arn"]
    out = kms.encrypt(KeyId=arn, Plaintext=b"p" * 190, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["EncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    dec = kms.decrypt(
        CiphertextBlob=out["CiphertextBlob"], KeyId=arn, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert dec["Plaintext"] == b"p" * 190 and "KeyMaterialId" not in dec
    public = kms.get_public_key(KeyId=arn)["PublicKey"]
    blob = keypairs.encrypt(public, "RSAES_OAEP_SHA_1", b"outside")
    dec = kms.decrypt(CiphertextBlob=blob, KeyId=arn, EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    assert dec["Plaintext"] == b"outside"
    err = error_of(
        kms.encrypt, KeyId=arn, Plaintext=b"p" * 191, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert err == {
        "Code": "ValidationException",
        "Message": "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.",
    }
    err = error_of(kms.encrypt, KeyId=arn, Plaintext=b"p")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    }
    err = error_of(
        kms.decrypt,
        CiphertextBlob=b"\x01" * 256,
        KeyId=arn,
        EncryptionAlgorithm="RSAES_OAEP_SHA_256",
    )
    assert err == {"Code": "InvalidCiphertextException", "Message": ""}


def test_hmac(kms: Any, hmac_key: dict[str, Any], error_of: Any) -> None:
    arn = hmac_key["Arn"]
    mac = kms.generate_mac(KeyId=arn, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert (
        kms.verify_mac(KeyId=arn, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
        is True
    )
    assert error_of(
        kms.verify_mac, KeyId=arn, Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_256"
    ) == {"Code": "KMSInvalidMacException", "Message": ""}
    err = error_of(kms.generate_mac, KeyId=arn, Message=b"m", MacAlgorithm="HMAC_SHA_512")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.",
    }
    assert error_of(kms.get_public_key, KeyId=arn)["Code"] == "UnsupportedOperationException"


# --- CreateKey ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "usage", "field", "algorithms"),
    [
        ("RSA_2048", "SIGN_VERIFY", "SigningAlgorithms", None),
        ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_384"]),
        ("ECC_NIST_P521", "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"]),
        (
            "ECC_NIST_EDWARDS25519",
            "SIGN_VERIFY",
            "SigningAlgorithms",
            ["ED25519_SHA_512"],
        ),
        ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_512"]),
    ],
)
def test_create_key_specs(kms: Any, spec: str, usage: str, field: str, algorithms: Any) -> None:
    md = kms.create_key(KeySpec=spec, KeyUsage=usage, Description=spec)["KeyMetadata"]
    assert md["KeySpec"] == spec and md["KeyUsage"] == usage and md["KeyState"] == "Enabled"
    if algorithms is not None:
        assert md[field] == algorithms
    assert "CurrentKeyMaterialId" not in md
    if spec == "ECC_NIST_EDWARDS25519":
        assert "CustomerMasterKeySpec" not in md
        sig = kms.sign(KeyId=md["Arn"], Message=b"m", SigningAlgorithm="ED25519_SHA_512")[
            "Signature"
        ]
        public = kms.get_public_key(KeyId=md["Arn"])["PublicKey"]
        assert keypairs.spec_of_public_key(public) == "ECC_NIST_EDWARDS25519"
        assert keypairs.verify(public, "ED25519_SHA_512", b"m", sig)


def test_create_key_rules(kms: Any, error_of: Any) -> None:
    err = error_of(kms.create_key, KeySpec="RSA_2048")
    assert err == {
        "Code": "ValidationException",
        "Message": "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    }
    assert (
        error_of(kms.create_key, KeySpec="ECC_NIST_P256", KeyUsage="ENCRYPT_DECRYPT")["Code"]
        == "ValidationException"
    )
    assert (
        error_of(kms.create_key, KeySpec="SYMMETRIC_DEFAULT", KeyUsage="SIGN_VERIFY")["Code"]
        == "ValidationException"
    )
    err = error_of(kms.create_key, KeySpec="HMAC_random", KeyUsage="GENERATE_VERIFY_MAC")
    assert err["Message"].startswith(
        "1 validation error detected: Value 'HMAC_random' at 'keySpec'"
    )
    err = error_of(kms.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY")
    assert err == {
        "Code": "UnsupportedOperationException",
        "Message": "KeySpec SM2 is not supported in this Region",
    }


def test_multi_region_key(kms: Any) -> None:
    md = kms.create_key(MultiRegion=True)["KeyMetadata"]
    assert md["KeyId"].startswith("mrk-") and md["MultiRegion"] is True
    assert md["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"m")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyId"] == md["Arn"]


def test_asymmetric_decrypt_rules(
    kms: Any, rsa_key: dict[str, Any], demo_key: str, error_of: Any
) -> None:
    arn = rsa_key["Arn"]
    blob = kms.encrypt(KeyId=arn, Plaintext=b"abc", EncryptionAlgorithm="RSAES_OAEP_SHA_1")[
        "CiphertextBlob"
    ]
    assert (
        error_of(kms.decrypt, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Code"]
        == "ValidationException"
    )
    err = error_of(kms.decrypt, CiphertextBlob=blob, KeyId=arn)
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    }
    err = error_of(
        kms.encrypt,
        KeyId=arn,
        Plaintext=b"a",
        EncryptionAlgorithm="RSAES_OAEP_SHA_1",
        EncryptionContext={"a": "b"},
    )
    assert err["Code"] == "ValidationException"
    out = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceKeyId=arn,
        SourceEncryptionAlgorithm="RSAES_OAEP_SHA_1",
        DestinationKeyId=demo_key,
    )
    assert "SourceKeyMaterialId" not in out and HEX64.match(out["DestinationKeyMaterialId"])
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"] == b"abc"


def test_ml_kem_kms_key_and_unsupported_specs(kms: Any, error_of: Any) -> None:
    md = kms.create_key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
    assert md["EncapsulationAlgorithms"] == ["ML_KEM"] and "CustomerMasterKeySpec" not in md
    public = kms.get_public_key(KeyId=md["Arn"])
    assert keypairs.spec_of_public_key(public["PublicKey"]) == "ML_KEM_768"
    md = kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert md["SigningAlgorithms"] == ["ML_DSA_SHAKE_256"]  # more in test_pq.py
    assert error_of(kms.create_key, Origin="AWS_CLOUDHSM")["Code"] == "ValidationException"
    err = error_of(kms.create_key, Origin="AWS_CLOUDHSM", CustomKeyStoreId="cks-1234567890abcdef0")
    assert err["Code"] == "CustomKeyStoreNotFoundException"


def test_grant_name_is_idempotent_and_retire_by_id(kms: Any, demo_key: str, error_of: Any) -> None:
    kwargs = {
        "KeyId": demo_key,
        "GranteePrincipal": "arn:aws:iam::111122223333:root",
        "Operations": ["Encrypt"],
        "Name": "same-" + uuid.uuid4().hex[:6],
    }
    first, second = kms.create_grant(**kwargs), kms.create_grant(**kwargs)
    assert first["GrantId"] == second["GrantId"]
    assert (
        kms.list_grants(KeyId=demo_key, GrantId=first["GrantId"])["Grants"][0]["Name"]
        == kwargs["Name"]
    )
    kms.retire_grant(KeyId=demo_key, GrantId=first["GrantId"])
    assert (
        error_of(kms.revoke_grant, KeyId=demo_key, GrantId=first["GrantId"])["Code"]
        == "NotFoundException"
    )
    assert (
        error_of(kms.create_grant, KeyId=demo_key, Operations=["Encrypt"])["Code"]
        == "ValidationException"
    )
