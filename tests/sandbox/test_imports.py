"""Imported key material through a real boto3 client, over both transports: OpenSSL wraps
the material the way AWS's developer guide does, boto3 imports it, and the key then works
with exactly that material (checked against a local computation with the same material)."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from kmsworkbench.keypairs import generate
from kmsworkbench.sandbox import blob as blobfmt
from kmsworkbench.sandbox import wrapping
from tests.sandbox.openssl_wrap import OPENSSL, needs_openssl, openssl_wrap

HEX64 = r"^[a-f0-9]{64}$"


def external_key(kms: Any, **kwargs: Any) -> str:
    kwargs.setdefault("Description", "imported")
    md = kms.create_key(Origin="EXTERNAL", **kwargs)["KeyMetadata"]
    assert md["KeyState"] == "PendingImport" and md["Origin"] == "EXTERNAL"
    assert "CurrentKeyMaterialId" not in md and "ExpirationModel" not in md
    return md["Arn"]


def params(
    kms: Any, key: str, algorithm: str = "RSAES_OAEP_SHA_256", spec: str = "RSA_2048"
) -> dict[str, Any]:
    return kms.get_parameters_for_import(
        KeyId=key, WrappingAlgorithm=algorithm, WrappingKeySpec=spec
    )


def do_import(kms: Any, key: str, material: bytes, **kwargs: Any) -> dict[str, Any]:
    """Import ``material`` (wrapped in Python; the OpenSSL flows are the tests below)."""
    algorithm = kwargs.pop("algorithm", "RSA_AES_KEY_WRAP_SHA_256")
    p = params(kms, key, algorithm)
    kwargs.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return kms.import_key_material(
        KeyId=key,
        ImportToken=p["ImportToken"],
        EncryptedKeyMaterial=wrapping.wrap(algorithm, p["PublicKey"], material),
        **kwargs,
    )


@needs_openssl
@pytest.mark.parametrize("algorithm", wrapping.OAEP_ALGORITHMS + wrapping.RSA_AES_ALGORITHMS)
def test_symmetric_import_with_openssl(kms: Any, tmp_path: Path, algorithm: str) -> None:
    key = external_key(kms)
    spec = "RSA_3072" if algorithm == "RSAES_OAEP_SHA_256" else "RSA_2048"
    p = params(kms, key, algorithm, spec)
    assert p["KeyId"] == key
    sandbox_now = p["ParametersValidTo"].timestamp() - 86_400
    public = serialization.load_der_public_key(p["PublicKey"])
    assert public.key_size == int(spec[4:])  # type: ignore[union-attr]
    material = os.urandom(32)
    wrapped = openssl_wrap(tmp_path, algorithm, p["PublicKey"], material)
    valid_to = sandbox_now + 3600
    out = kms.import_key_material(
        KeyId=key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped, ValidTo=valid_to
    )
    assert out["KeyId"] == key and len(out["KeyMaterialId"]) == 64
    md = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert md["KeyState"] == "Enabled" and md["CurrentKeyMaterialId"] == out["KeyMaterialId"]
    assert md["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs(md["ValidTo"].timestamp() - valid_to) < 1
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret", EncryptionContext={"a": "b"})
    assert (
        kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"a": "b"})[
            "Plaintext"
        ]
        == b"secret"
    )
    # The ciphertext is sealed under exactly the imported material.
    header = blobfmt.parse(blob["CiphertextBlob"])
    assert blobfmt.open_blob(material, header, {"a": "b"}) == b"secret"


@needs_openssl
def test_asymmetric_and_hmac_imports_use_the_material(kms: Any, tmp_path: Path) -> None:
    # ECC signing key: KMS signs, the local public key verifies; GetPublicKey is ours.
    pair = generate("ECC_NIST_P256")
    key = external_key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    p = params(kms, key, "RSA_AES_KEY_WRAP_SHA_256")
    wrapped = openssl_wrap(
        tmp_path / "ecc", "RSA_AES_KEY_WRAP_SHA_256", p["PublicKey"], pair.private_der
    )
    kms.import_key_material(
        KeyId=key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    assert kms.get_public_key(KeyId=key)["PublicKey"] == pair.public_der
    signature = kms.sign(KeyId=key, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public = serialization.load_der_public_key(pair.public_der)
    public.verify(signature, b"m", ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]
    # RSA encryption key: KMS encrypts, the local private key decrypts.
    rsa_pair = generate("RSA_2048")
    rsa_key = external_key(kms, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    p = params(kms, rsa_key, "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")
    wrapped = openssl_wrap(
        tmp_path / "rsa", "RSA_AES_KEY_WRAP_SHA_1", p["PublicKey"], rsa_pair.private_der
    )
    kms.import_key_material(
        KeyId=rsa_key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    ct = kms.encrypt(KeyId=rsa_key, Plaintext=b"hi", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    private = serialization.load_der_private_key(rsa_pair.private_der, None)
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert private.decrypt(ct["CiphertextBlob"], oaep) == b"hi"  # type: ignore[union-attr]
    # HMAC key: the MAC is HMAC-SHA-256 under the imported bytes.
    secret = os.urandom(48)
    mac_key = external_key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    p = params(kms, mac_key, "RSAES_OAEP_SHA_1")
    wrapped = openssl_wrap(tmp_path / "hmac", "RSAES_OAEP_SHA_1", p["PublicKey"], secret)
    kms.import_key_material(
        KeyId=mac_key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    mac = kms.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(secret, b"m", hashlib.sha256).digest()


def test_delete_and_reimport_the_same_material(kms: Any, error_of: Any) -> None:
    key = external_key(kms)
    material = os.urandom(32)
    first = do_import(kms, key, material)["KeyMaterialId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"kept")["CiphertextBlob"]
    out = kms.delete_imported_key_material(KeyId=key)
    assert out == {
        "KeyId": key,
        "KeyMaterialId": first,
        "ResponseMetadata": out["ResponseMetadata"],
    }
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"
    err = error_of(kms.decrypt, CiphertextBlob=blob)
    assert (
        err["Code"] == "KMSInvalidStateException" and err["Message"] == f"{key} is pending import."
    )
    err = error_of(kms.delete_imported_key_material, KeyId=key)
    assert err["Code"] == "KMSInvalidStateException"
    err = error_of(do_import, kms=kms, key=key, material=os.urandom(32))
    assert err["Code"] == "IncorrectKeyMaterialException"
    assert do_import(kms, key, material)["KeyMaterialId"] == first
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


def test_material_expires_on_the_sandbox_clock(kms: Any, advance_clock: Any) -> None:
    key = external_key(kms)
    now = params(kms, key)["ParametersValidTo"].timestamp() - 86_400
    do_import(kms, key, os.urandom(32), ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now + 600)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    advance_clock(601)
    md = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert md["KeyState"] == "PendingImport" and "ValidTo" not in md


def test_an_import_token_expires_after_24_hours(
    kms: Any, advance_clock: Any, error_of: Any
) -> None:
    key = external_key(kms)
    p = params(kms, key)
    blob = wrapping.wrap("RSAES_OAEP_SHA_256", p["PublicKey"], os.urandom(32))
    advance_clock(86_401)
    err = error_of(
        kms.import_key_material, KeyId=key, ImportToken=p["ImportToken"],
        EncryptedKeyMaterial=blob, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    assert err["Code"] == "ExpiredImportTokenException"


def test_rotation_onto_newly_imported_material(kms: Any, error_of: Any) -> None:
    key = external_key(kms)
    first_material = os.urandom(32)
    first = do_import(kms, key, first_material)["KeyMaterialId"]
    assert error_of(kms.rotate_key_on_demand, KeyId=key)["Code"] == "KMSInvalidStateException"
    assert error_of(kms.enable_key_rotation, KeyId=key)["Code"] == "UnsupportedOperationException"
    old = kms.encrypt(KeyId=key, Plaintext=b"before")["CiphertextBlob"]
    second_material = os.urandom(32)
    second = do_import(kms, key, second_material, ImportType="NEW_KEY_MATERIAL",
                       KeyMaterialDescription="next year")["KeyMaterialId"]  # fmt: skip
    assert second != first
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"] == first
    err = error_of(
        do_import, kms=kms, key=key, material=os.urandom(32), ImportType="NEW_KEY_MATERIAL"
    )
    assert err["Code"] == "IncorrectKeyMaterialException"  # one pending rotation at a time
    listed = kms.list_key_rotations(KeyId=key, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert [(e["KeyMaterialId"], e["KeyMaterialState"], e["ImportState"]) for e in listed] == [
        (first, "CURRENT", "IMPORTED"),
        (second, "PENDING_ROTATION", "IMPORTED"),
    ]
    assert listed[1]["KeyMaterialDescription"] == "next year"
    kms.rotate_key_on_demand(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"] == second
    new = kms.encrypt(KeyId=key, Plaintext=b"after")["CiphertextBlob"]
    assert blobfmt.open_blob(second_material, blobfmt.parse(new), None) == b"after"
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    (rotation,) = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert rotation["KeyMaterialId"] == second and rotation["RotationType"] == "ON_DEMAND"
    # Deleting the older material makes the key PendingImport until it is imported again.
    kms.delete_imported_key_material(KeyId=key, KeyMaterialId=first)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"
    do_import(kms, key, first_material, KeyMaterialId=first)
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"


@pytest.fixture(scope="module")
def imported(kms: Any) -> tuple[str, bytes]:
    key = external_key(kms)
    material = os.urandom(32)
    do_import(kms, key, material)
    return key, material


def _bad_imports(kms: Any, imported: tuple[str, bytes]) -> list[tuple[str, dict[str, Any]]]:
    key, material = imported
    other = external_key(kms)
    p_other = params(kms, other)
    p = params(kms, key)
    good = wrapping.wrap("RSAES_OAEP_SHA_256", p["PublicKey"], material)
    base = {"KeyId": key, "ImportToken": p["ImportToken"], "EncryptedKeyMaterial": good,
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}  # fmt: skip
    now = p["ParametersValidTo"].timestamp() - 86_400
    return [
        ("InvalidImportTokenException", {**base, "ImportToken": p_other["ImportToken"]}),
        ("InvalidImportTokenException", {**base, "ImportToken": b"not a token"}),
        ("InvalidCiphertextException",
         {**base, "EncryptedKeyMaterial": wrapping.wrap("RSAES_OAEP_SHA_256", p_other["PublicKey"], material)}),
        ("IncorrectKeyMaterialException",
         {**base, "EncryptedKeyMaterial": wrapping.wrap("RSAES_OAEP_SHA_256", p["PublicKey"], b"x" * 16)}),
        ("IncorrectKeyMaterialException", {**base, "ImportType": "NEW_KEY_MATERIAL"}),
        ("IncorrectKeyMaterialException", {**base, "KeyMaterialId": "0" * 64}),
        ("ValidationException", {**base, "ImportType": "NEW_KEY_MATERIAL", "KeyMaterialId": "0" * 64}),
        ("ValidationException", {**base, "ExpirationModel": "KEY_MATERIAL_EXPIRES"}),
        ("ValidationException", {**base, "ValidTo": now + 60}),
        ("ValidationException", {**base, "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": now + 366 * 86_400}),
        ("ValidationException", {**base, "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": now - 60}),
    ]  # fmt: skip


def test_import_key_material_errors(kms: Any, imported: tuple[str, bytes], error_of: Any) -> None:
    for code, request in _bad_imports(kms, imported):
        assert error_of(kms.import_key_material, **request)["Code"] == code, request.keys()
    key, material = imported
    assert do_import(kms, key, material)["KeyId"] == key  # the good request still works


def test_wrong_origin_state_and_wrapping_choices(kms: Any, demo_key: str, error_of: Any) -> None:
    for fn in (params, lambda kms, key: kms.delete_imported_key_material(KeyId=key)):
        err = error_of(fn, kms=kms, key=demo_key)
        assert err["Code"] == "UnsupportedOperationException" and "AWS_KMS" in err["Message"]
    key = external_key(kms)
    for algorithm, spec in (("RSAES_PKCS1_V1_5", "RSA_2048"), ("SM2PKE", "SM2"),
                            ("RSAES_OAEP_SHA_1", "SM2"), ("SM2PKE", "RSA_2048")):  # fmt: skip
        err = error_of(params, kms=kms, key=key, algorithm=algorithm, spec=spec)
        assert err["Code"] == "UnsupportedOperationException", (algorithm, spec)
    pair = generate("ECC_NIST_P256")
    ecc = external_key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    err = error_of(
        do_import, kms=kms, key=ecc, material=pair.private_der, ImportType="NEW_KEY_MATERIAL"
    )
    assert err["Code"] == "ValidationException"
    err = error_of(do_import, kms=kms, key=ecc, material=generate("ECC_NIST_P384").private_der)
    assert err["Code"] == "IncorrectKeyMaterialException" and "ECC_NIST_P384" in err["Message"]
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    err = error_of(params, kms=kms, key=key)
    assert err["Code"] == "KMSInvalidStateException"


def test_china_region_wraps_with_sm2(kms_cn: Any, tmp_path: Path, error_of: Any) -> None:
    key = external_key(kms_cn)
    err = error_of(params, kms=kms_cn, key=key, algorithm="RSA_AES_KEY_WRAP_SHA_256")
    assert err["Code"] == "UnsupportedOperationException"
    assert (
        error_of(params, kms=kms_cn, key=key, algorithm="RSAES_OAEP_SHA_1", spec="SM2")["Code"]
        == "ValidationException"
    )
    p = params(kms_cn, key, "SM2PKE", "SM2")
    material = os.urandom(32)
    if OPENSSL is not None:
        wrapped = openssl_wrap(tmp_path, "SM2PKE", p["PublicKey"], material)
    else:
        wrapped = wrapping.wrap("SM2PKE", p["PublicKey"], material)
    kms_cn.import_key_material(
        KeyId=key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    blob = kms_cn.encrypt(KeyId=key, Plaintext=b"cn")["CiphertextBlob"]
    assert blobfmt.open_blob(material, blobfmt.parse(blob), None) == b"cn"
