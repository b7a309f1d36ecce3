"""DeriveSharedSecret and KEY_AGREEMENT keys, through real boto3 clients over both transports,
with the OpenSSL command-line tool as the oracle: the secret KMS derives equals what
``openssl pkeyutl -derive`` derives from the peer's private key and the KMS key's public key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs as kp
from tests.keypairs.conftest import OPENSSL, OpenSSL

NIST = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"]


@pytest.fixture
def openssl(tmp_path: Path) -> OpenSSL:
    if OPENSSL is None:
        pytest.skip("the openssl command-line tool is not installed")
    return OpenSSL(tmp_path)


@pytest.fixture(scope="module")
def agreement_keys(kms: Any) -> dict[str, dict[str, Any]]:
    return {
        spec: kms.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyMetadata"] for spec in NIST
    }


def derive(kms: Any, key_id: str, public_der: bytes, **extra: Any) -> dict[str, Any]:
    return kms.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_der, **extra
    )


@pytest.mark.parametrize("spec", NIST)
def test_shared_secret_equals_openssl_derive(
    kms: Any, agreement_keys: dict[str, Any], spec: str, openssl: OpenSSL
) -> None:
    md = agreement_keys[spec]
    assert (md["KeyUsage"], md["KeyAgreementAlgorithms"]) == ("KEY_AGREEMENT", ["ECDH"])
    assert "SigningAlgorithms" not in md and "EncryptionAlgorithms" not in md
    public = kms.get_public_key(KeyId=md["KeyId"])
    assert (public["KeyUsage"], public["KeyAgreementAlgorithms"]) == ("KEY_AGREEMENT", ["ECDH"])
    assert "SigningAlgorithms" not in public
    peer = kp.generate(spec)
    out = derive(kms, md["KeyId"], peer.public_der)
    assert out["KeyId"] == md["Arn"]
    assert (out["KeyAgreementAlgorithm"], out["KeyOrigin"]) == ("ECDH", "AWS_KMS")
    openssl.write("peer.der", peer.private_der)
    openssl.write("kms.pub.der", public["PublicKey"])
    openssl.run(
        "pkeyutl", "-derive", "-keyform", "DER", "-inkey", "peer.der",
        "-peerform", "DER", "-peerkey", "kms.pub.der", "-out", "secret.bin",
    )  # fmt: skip
    assert out["SharedSecret"] == openssl.read("secret.bin")
    assert len(out["SharedSecret"]) == kp.ecdh.SECRET_BYTES[spec]


def test_two_kms_keys_agree_and_a_pem_peer_key_is_refused(
    kms: Any, agreement_keys: dict[str, Any], error_of: Any
) -> None:
    alice = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    bob = agreement_keys["ECC_NIST_P256"]
    alice_pub = kms.get_public_key(KeyId=alice["KeyId"])["PublicKey"]
    bob_pub = kms.get_public_key(KeyId=bob["KeyId"])["PublicKey"]
    secret = derive(kms, alice["KeyId"], bob_pub)["SharedSecret"]
    assert derive(kms, bob["KeyId"], alice_pub)["SharedSecret"] == secret
    pem = kp.load_public_key(bob_pub).pem.encode()
    err = error_of(derive, kms=kms, key_id=alice["KeyId"], public_der=pem)
    assert err["Code"] == "ValidationException"
    assert "DER-encoded SubjectPublicKeyInfo" in err["Message"]


@pytest.mark.parametrize(
    "peer",
    [b"\x30\x03\x02\x01\x00", b"garbage", b"\x30" + bytes(90), b"MFkwEwYHKoZIzj0CAQ=="],
    ids=["integer", "text", "zeros", "base64"],
)
def test_malformed_public_key(
    kms: Any, agreement_keys: dict[str, Any], peer: bytes, error_of: Any
) -> None:
    err = error_of(
        derive, kms=kms, key_id=agreement_keys["ECC_NIST_P256"]["KeyId"], public_der=peer
    )
    assert err["Code"] == "ValidationException"
    assert err["Message"].startswith("PublicKey must be a DER-encoded SubjectPublicKeyInfo")


@pytest.mark.parametrize("peer_spec", ["ECC_NIST_P384", "ECC_SECG_P256K1", "RSA_2048"])
def test_public_key_on_another_curve(
    kms: Any, agreement_keys: dict[str, Any], peer_spec: str, error_of: Any
) -> None:
    public = kp.generate(peer_spec).public_der
    err = error_of(
        derive, kms=kms, key_id=agreement_keys["ECC_NIST_P256"]["KeyId"], public_der=public
    )
    assert err == {
        "Code": "ValidationException",
        "Message": f"The PublicKey is {peer_spec} but the KMS key is ECC_NIST_P256; both key "
        "pairs must be on the same elliptic curve.",
    }


def test_keys_of_other_usages_cannot_derive(kms: Any, demo_key: str, error_of: Any) -> None:
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    peer = kp.generate("ECC_NIST_P256").public_der
    for arn, usage in ((signing["Arn"], "SIGN_VERIFY"), (demo_key, "ENCRYPT_DECRYPT")):
        assert error_of(derive, kms=kms, key_id=arn, public_der=peer) == {
            "Code": "InvalidKeyUsageException",
            "Message": f"{arn} key usage is {usage} which is not valid for DeriveSharedSecret.",
        }


def test_key_agreement_key_cannot_sign_or_wrap(
    kms: Any, agreement_keys: dict[str, Any], error_of: Any
) -> None:
    arn = agreement_keys["ECC_NIST_P256"]["Arn"]
    err = error_of(kms.sign, KeyId=arn, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    assert err["Message"] == f"{arn} key usage is KEY_AGREEMENT which is not valid for Sign."
    err = error_of(kms.generate_data_key_pair, KeyId=arn, KeyPairSpec="ECC_NIST_P256")
    assert err["Code"] == "InvalidKeyUsageException"


def test_disabled_key_dry_run_and_recipient(kms: Any, error_of: Any) -> None:
    md = kms.create_key(KeySpec="ECC_NIST_P521", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    peer = kp.generate("ECC_NIST_P521").public_der
    err = error_of(derive, kms=kms, key_id=md["KeyId"], public_der=peer, DryRun=True)
    assert err["Code"] == "DryRunOperationException"
    err = error_of(
        derive, kms=kms, key_id=md["KeyId"], public_der=peer,
        Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b"x"},
    )  # fmt: skip
    assert err["Code"] == "ValidationException" and "attestation" in err["Message"]
    kms.disable_key(KeyId=md["KeyId"])
    assert error_of(derive, kms=kms, key_id=md["KeyId"], public_der=peer) == {
        "Code": "DisabledException",
        "Message": f"{md['Arn']} is disabled.",
    }


@pytest.mark.parametrize("spec", ["ECC_SECG_P256K1", "RSA_2048", "ECC_NIST_EDWARDS25519"])
def test_specs_without_key_agreement(kms: Any, spec: str, error_of: Any) -> None:
    err = error_of(kms.create_key, KeySpec=spec, KeyUsage="KEY_AGREEMENT")
    assert err["Code"] == "ValidationException"


def test_sm2_key_agreement_only_in_china(kms: Any, error_of: Any) -> None:
    err = error_of(kms.create_key, KeySpec="SM2", KeyUsage="KEY_AGREEMENT")
    assert err["Code"] == "UnsupportedOperationException"


def test_sm2_key_agreement_in_china(kms_cn: Any) -> None:
    md = kms_cn.create_key(KeySpec="SM2", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    assert md["Arn"].startswith("arn:aws-cn:") and md["KeyAgreementAlgorithms"] == ["ECDH"]
    peer = kp.generate("SM2")
    secret = derive(kms_cn, md["KeyId"], peer.public_der)["SharedSecret"]
    kms_public = kms_cn.get_public_key(KeyId=md["KeyId"])["PublicKey"]
    assert secret == kp.derive_shared_secret(peer.private_der, kms_public)


def test_seeded_key_agreement_key(kms: Any, error_of: Any) -> None:
    """The seed has a key agreement key, so the key chooser shows why one cannot wrap."""
    found = [
        md
        for page in kms.get_paginator("list_keys").paginate()
        for entry in page["Keys"]
        if (md := kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"])["KeyUsage"]
        == "KEY_AGREEMENT"
        and md["Description"].startswith("ECC P-256 key agreement key")
    ]
    assert len(found) == 1
    peer = kp.generate("ECC_NIST_P256")
    secret = derive(kms, found[0]["KeyId"], peer.public_der)["SharedSecret"]
    public = kms.get_public_key(KeyId=found[0]["KeyId"])["PublicKey"]
    assert secret == kp.derive_shared_secret(peer.private_der, public)
    err = error_of(
        kms.generate_data_key_pair_without_plaintext,
        KeyId=found[0]["KeyId"],
        KeyPairSpec="ECC_NIST_P256",
    )
    assert err["Message"].endswith(
        "key usage is KEY_AGREEMENT which is not valid for GenerateDataKeyPairWithoutPlaintext."
    )
