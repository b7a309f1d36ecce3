"""ML-DSA signing keys and ML-KEM KMS keys, through real boto3 clients over both transports.

The OpenSSL here (3.0) has neither ML-DSA nor ML-KEM, so the outside checks are a second
implementation (dilithium-py verifies KMS's ML-DSA signatures) and ``cryptography``/kyber-py
through ``kmsworkbench.keypairs`` (a local encapsulation to the KMS key's public key
decapsulates in KMS to the same secret)."""

from __future__ import annotations

from typing import Any

import pytest
from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from kmsworkbench import keypairs as kp

ML_DSA = {"ML_DSA_44": ML_DSA_44, "ML_DSA_65": ML_DSA_65, "ML_DSA_87": ML_DSA_87}
ML_KEM = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}
ALG = "ML_DSA_SHAKE_256"
MESSAGE = b"a message signed by an ML-DSA KMS key"


@pytest.fixture(scope="module")
def dsa_keys(kms: Any) -> dict[str, dict[str, Any]]:
    return {
        spec: kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"] for spec in ML_DSA
    }


@pytest.fixture(scope="module")
def kem_keys(kms: Any) -> dict[str, dict[str, Any]]:
    return {
        spec: kms.create_key(KeySpec=spec, KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
        for spec in ML_KEM
    }


# --- ML-DSA ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(ML_DSA))
def test_ml_dsa_sign_raw_and_external_mu(kms: Any, dsa_keys: dict[str, Any], spec: str) -> None:
    md = dsa_keys[spec]
    assert (md["KeyUsage"], md["SigningAlgorithms"]) == ("SIGN_VERIFY", [ALG])
    assert "CustomerMasterKeySpec" not in md  # not among that deprecated enum's values
    public = kms.get_public_key(KeyId=md["KeyId"])
    assert (public["KeySpec"], public["SigningAlgorithms"]) == (spec, [ALG])
    public_der = public["PublicKey"]
    pk = kp.mldsa.raw_public_key(public_der)
    raw = kms.sign(KeyId=md["KeyId"], Message=MESSAGE, SigningAlgorithm=ALG)
    assert (raw["KeyId"], raw["SigningAlgorithm"]) == (md["Arn"], ALG)
    assert ML_DSA[spec].verify(pk, MESSAGE, raw["Signature"])  # a second implementation
    assert kp.verify(public_der, ALG, MESSAGE, raw["Signature"])
    mu = kp.mldsa.external_mu(public_der, MESSAGE)
    by_mu = kms.sign(KeyId=md["KeyId"], Message=mu, MessageType="EXTERNAL_MU", SigningAlgorithm=ALG)
    assert ML_DSA[spec].verify(pk, MESSAGE, by_mu["Signature"])
    for message, message_type, signature in (
        (MESSAGE, "RAW", by_mu["Signature"]),
        (mu, "EXTERNAL_MU", raw["Signature"]),
    ):
        out = kms.verify(
            KeyId=md["KeyId"], Message=message, MessageType=message_type,
            Signature=signature, SigningAlgorithm=ALG,
        )  # fmt: skip
        assert out["SignatureValid"] is True


def test_ml_dsa_verify_refuses_a_changed_message(
    kms: Any, dsa_keys: dict[str, Any], error_of: Any
) -> None:
    key_id = dsa_keys["ML_DSA_44"]["KeyId"]
    signature = kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm=ALG)["Signature"]
    err = error_of(
        kms.verify, KeyId=key_id, Message=MESSAGE + b"!", Signature=signature, SigningAlgorithm=ALG
    )
    assert err["Code"] == "KMSInvalidSignatureException"
    other = dsa_keys["ML_DSA_65"]["KeyId"]
    err = error_of(
        kms.verify, KeyId=other, Message=MESSAGE, Signature=signature, SigningAlgorithm=ALG
    )
    assert err["Code"] == "KMSInvalidSignatureException"


def test_ml_dsa_message_type_errors(kms: Any, dsa_keys: dict[str, Any], error_of: Any) -> None:
    key_id = dsa_keys["ML_DSA_65"]["KeyId"]
    err = error_of(
        kms.sign, KeyId=key_id, Message=bytes(64), MessageType="DIGEST", SigningAlgorithm=ALG
    )
    assert err == {
        "Code": "ValidationException",
        "Message": f"MessageType DIGEST is not valid for algorithm {ALG}.",
    }
    for size in (32, 63, 65):
        err = error_of(
            kms.sign, KeyId=key_id, Message=bytes(size), MessageType="EXTERNAL_MU",
            SigningAlgorithm=ALG,
        )  # fmt: skip
        assert err == {
            "Code": "ValidationException",
            "Message": f"External mu is invalid length for algorithm {ALG}.",
        }
    err = error_of(kms.sign, KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    assert err == {
        "Code": "InvalidKeyUsageException",
        "Message": "Algorithm ECDSA_SHA_256 is incompatible with key spec ML_DSA_65.",
    }
    err = error_of(kms.sign, KeyId=key_id, Message=bytes(4097), SigningAlgorithm=ALG)
    assert err["Code"] == "ValidationException"  # RAW messages: at most 4096 bytes


def test_external_mu_is_only_for_ml_dsa(kms: Any, error_of: Any) -> None:
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    err = error_of(
        kms.sign, KeyId=ecc["KeyId"], Message=bytes(64), MessageType="EXTERNAL_MU",
        SigningAlgorithm="ECDSA_SHA_256",
    )  # fmt: skip
    assert err["Message"] == "MessageType EXTERNAL_MU is not valid for algorithm ECDSA_SHA_256."


@pytest.mark.parametrize("usage", ["ENCRYPT_DECRYPT", "KEY_AGREEMENT"])
def test_ml_dsa_keys_only_sign(kms: Any, usage: str, error_of: Any) -> None:
    err = error_of(kms.create_key, KeySpec="ML_DSA_44", KeyUsage=usage)
    assert err["Code"] == "ValidationException"


# --- ML-KEM ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(ML_KEM))
def test_encapsulate_decapsulate(kms: Any, kem_keys: dict[str, Any], spec: str) -> None:
    md = kem_keys[spec]
    assert (md["KeyUsage"], md["EncapsulationAlgorithms"]) == (
        "ENCAPSULATE_DECAPSULATE",
        ["ML_KEM"],
    )
    public = kms.get_public_key(KeyId=md["KeyId"])
    assert public["EncapsulationAlgorithms"] == ["ML_KEM"]
    out = kms.encapsulate(KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM")
    assert (out["KeyId"], out["EncapsulationAlgorithm"]) == (md["Arn"], "ML_KEM")
    assert len(out["SharedSecret"]) == 32
    assert len(out["SharedSecretCiphertextBlob"]) == ML_KEM[spec]
    back = kms.decapsulate(
        KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM",
        SharedSecretCiphertextBlob=out["SharedSecretCiphertextBlob"],
    )  # fmt: skip
    assert back["SharedSecret"] == out["SharedSecret"]
    # a party outside KMS encapsulates to the public key; KMS recovers the same secret
    ciphertext, secret = kp.encapsulate(public["PublicKey"])
    back = kms.decapsulate(
        KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=ciphertext
    )
    assert back["SharedSecret"] == secret


def test_decapsulate_implicit_rejection(kms: Any, kem_keys: dict[str, Any]) -> None:
    """A changed ciphertext, or one for another key, gives a pseudo-random 32-byte secret
    (FIPS 203 implicit rejection), the same one each time, and never an error."""
    key_id = kem_keys["ML_KEM_768"]["KeyId"]
    out = kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    changed = bytearray(out["SharedSecretCiphertextBlob"])
    changed[500] ^= 0x01

    def decapsulate(blob: bytes) -> bytes:
        return kms.decapsulate(
            KeyId=key_id, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=blob
        )["SharedSecret"]

    rejected = decapsulate(bytes(changed))
    assert len(rejected) == 32 and rejected != out["SharedSecret"]
    assert decapsulate(bytes(changed)) == rejected  # deterministic: derived from the key's z
    other = kp.generate("ML_KEM_768")
    ciphertext, secret = kp.encapsulate(other.public_der)
    assert decapsulate(ciphertext) not in (secret, rejected)


def test_kem_errors(kms: Any, kem_keys: dict[str, Any], demo_key: str, error_of: Any) -> None:
    md = kem_keys["ML_KEM_512"]
    for blob in (bytes(767), bytes(1088)):
        err = error_of(
            kms.decapsulate, KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM",
            SharedSecretCiphertextBlob=blob,
        )  # fmt: skip
        assert err["Code"] == "InvalidCiphertextException"
    for operation in (kms.encapsulate, kms.decapsulate):
        extra = {} if operation == kms.encapsulate else {"SharedSecretCiphertextBlob": bytes(768)}
        err = error_of(operation, KeyId=demo_key, EncapsulationAlgorithm="ML_KEM", **extra)
        assert err["Code"] == "InvalidKeyUsageException"
        assert err["Message"].endswith("key usage is ENCRYPT_DECRYPT which is not valid for " + (
            "Encapsulate." if operation == kms.encapsulate else "Decapsulate."
        ))  # fmt: skip
        err = error_of(
            operation, KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM", DryRun=True, **extra
        )
        assert err["Code"] == "DryRunOperationException"
    err = error_of(kms.sign, KeyId=md["KeyId"], Message=b"m", SigningAlgorithm=ALG)
    assert err["Code"] == "InvalidKeyUsageException"
    err = error_of(kms.create_key, KeySpec="ML_KEM_512", KeyUsage="SIGN_VERIFY")
    assert err["Code"] == "ValidationException"


def test_disabled_kem_key(kms: Any, error_of: Any) -> None:
    md = kms.create_key(KeySpec="ML_KEM_1024", KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
    kms.disable_key(KeyId=md["KeyId"])
    assert error_of(kms.encapsulate, KeyId=md["KeyId"], EncapsulationAlgorithm="ML_KEM") == {
        "Code": "DisabledException",
        "Message": f"{md['Arn']} is disabled.",
    }


def test_ml_kem_is_not_in_china(kms_cn: Any, error_of: Any) -> None:
    err = error_of(kms_cn.create_key, KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")
    assert err == {
        "Code": "UnsupportedOperationException",
        "Message": "KeySpec ML_KEM_768 is not supported in this Region",
    }
    demo = kms_cn.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]["Arn"]
    err = error_of(kms_cn.encapsulate, KeyId=demo, EncapsulationAlgorithm="ML_KEM")
    assert err == {
        "Code": "UnsupportedOperationException",
        "Message": "Encapsulate is not supported in this Region",
    }
    md = kms_cn.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert md["Arn"].startswith("arn:aws-cn:")  # ML-DSA is offered in China Regions


def test_grants_for_kem_and_agreement_keys(
    kms: Any, kem_keys: dict[str, Any], error_of: Any
) -> None:
    grantee = "arn:aws:iam::111122223333:root"
    kem = kem_keys["ML_KEM_512"]["KeyId"]
    grant = kms.create_grant(
        KeyId=kem, GranteePrincipal=grantee, Operations=["Encapsulate", "Decapsulate"]
    )
    listed = kms.list_grants(KeyId=kem)["Grants"]
    assert [g["Operations"] for g in listed if g["GrantId"] == grant["GrantId"]] == [
        ["Encapsulate", "Decapsulate"]
    ]
    err = error_of(kms.create_grant, KeyId=kem, GranteePrincipal=grantee, Operations=["Sign"])
    assert err["Code"] == "ValidationException"
    agreement = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    kms.create_grant(
        KeyId=agreement["KeyId"], GranteePrincipal=grantee, Operations=["DeriveSharedSecret"]
    )
    err = error_of(
        kms.create_grant, KeyId=agreement["KeyId"], GranteePrincipal=grantee,
        Operations=["Encapsulate"],
    )  # fmt: skip
    assert err["Code"] == "ValidationException"


def test_ml_kem_data_key_pairs_are_not_in_china(kms_cn: Any, error_of: Any) -> None:
    demo = kms_cn.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]["Arn"]
    err = error_of(kms_cn.generate_data_key_pair, KeyId=demo, KeyPairSpec="ML_KEM_512")
    assert err == {
        "Code": "UnsupportedOperationException",
        "Message": "KeyPairSpec ML_KEM_512 is not supported in this Region",
    }
    assert not kp.get_spec("ML_KEM_512").available_in("cn-north-1")
    assert kp.get_spec("ML_KEM_512").available_in("us-east-1")
    assert kp.get_spec("SM2").available_in("cn-north-1")
