"""Bad input gives a clear error or False, never a traceback from deep inside a library:
truncated DER, wrong PEM labels, keys of other curves and algorithms, signatures of the wrong
length, changed messages, and random bytes (property tests)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, rsa, x25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair, _der

PairOf = Callable[[str], GeneratedKeyPair]


def pem(label: str, der: bytes) -> str:
    return f"-----BEGIN {label}-----\n{base64.encodebytes(der).decode()}-----END {label}-----\n"


def _public_der(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _private_der(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def foreign_keys() -> dict[str, object]:
    return {
        "P-224": ec.generate_private_key(ec.SECP224R1()),
        "P-192": ec.generate_private_key(ec.SECP192R1()),
        "brainpoolP256r1": ec.generate_private_key(ec.BrainpoolP256R1()),
        "DSA": dsa.generate_private_key(1024),
        "X25519": x25519.X25519PrivateKey.generate(),
        "Ed448": ed448.Ed448PrivateKey.generate(),
        "1024-bit": rsa.generate_private_key(65537, 1024),
    }


@pytest.mark.parametrize(
    "name", ["P-224", "P-192", "brainpoolP256r1", "DSA", "X25519", "Ed448", "1024-bit"]
)
def test_keys_that_are_no_kms_spec_are_refused_by_name(
    name: str, foreign_keys: dict[str, object]
) -> None:
    key = foreign_keys[name]
    for loader, der in (
        (kp.load_public_key, _public_der(key)),
        (kp.load_private_key, _private_der(key)),
    ):
        with pytest.raises(kp.KeyFormatError, match=name) as caught:
            loader(der)
        assert "not a KMS data key pair spec" in str(caught.value)


def test_explicit_curve_parameters_are_refused(pair_of: PairOf) -> None:
    spki = _der.sequence(
        _der.sequence(_der.oid("1.2.840.10045.2.1"), _der.sequence(_der.integer(1))),
        _der.bit_string(b"\x04" + b"\x01" * 64),
    )
    with pytest.raises(kp.KeyFormatError, match="explicit curve parameters"):
        kp.load_public_key(spki)


def test_unknown_algorithm_oid() -> None:
    spki = _der.sequence(_der.sequence(_der.oid("1.2.3.4.5")), _der.bit_string(b"\x00"))
    with pytest.raises(kp.KeyFormatError, match=r"unknown key algorithm \(OID 1\.2\.3\.4\.5\)"):
        kp.load_public_key(spki)


@pytest.mark.parametrize("spec", kp.SPEC_NAMES)
def test_truncated_der_is_refused(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    for cut in (1, 2, len(pair.public_der) // 2, len(pair.public_der) - 1):
        with pytest.raises(kp.KeyFormatError, match="truncated|ends"):
            kp.load_public_key(pair.public_der[:cut])
    for cut in (2, len(pair.private_der) // 2, len(pair.private_der) - 1):
        with pytest.raises(kp.KeyFormatError, match="truncated|ends"):
            kp.load_private_key(pair.private_der[:cut])
    with pytest.raises(kp.KeyFormatError, match="unexpected bytes after"):
        kp.load_public_key(pair.public_der + b"\x00")


def test_wrong_pem_labels_say_what_the_data_is(pair_of: PairOf) -> None:
    pair = pair_of("ECC_NIST_P256")
    cases = [
        (kp.load_public_key, pem("PRIVATE KEY", pair.private_der), "load it as a private key"),
        (kp.load_private_key, pem("PUBLIC KEY", pair.public_der), "load it as a public key"),
        (kp.load_public_key, pem("CERTIFICATE", pair.public_der), "certificate"),
        (kp.load_private_key, pem("EC PRIVATE KEY", pair.private_der), "SEC1"),
        (kp.load_private_key, pem("RSA PRIVATE KEY", pair.private_der), "PKCS#1"),
        (kp.load_private_key, pem("ENCRYPTED PRIVATE KEY", pair.private_der), "decrypt it"),
        (kp.load_public_key, pem("RSA PUBLIC KEY", pair.public_der), "PKCS#1"),
    ]
    for loader, text, hint in cases:
        with pytest.raises(kp.KeyFormatError, match="expected a PEM block labelled") as caught:
            loader(text)
        assert hint in str(caught.value)


def test_malformed_pem_and_text() -> None:
    with pytest.raises(kp.KeyFormatError, match="do not match"):
        kp.load_public_key("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PRIVATE KEY-----\n")
    with pytest.raises(kp.KeyFormatError, match="not valid base64"):
        kp.load_public_key("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n")
    with pytest.raises(kp.KeyFormatError, match="headers"):
        kp.load_private_key(
            "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMAA=\n-----END PRIVATE KEY-----\n"
        )
    with pytest.raises(kp.KeyFormatError, match="neither DER, PEM nor base64"):
        kp.load_public_key("this is not a key")
    with pytest.raises(kp.KeyFormatError, match="non-ASCII"):
        kp.load_public_key("ключ")
    with pytest.raises(kp.KeyFormatError, match="empty"):
        kp.load_private_key(b"   ")
    with pytest.raises(kp.KeyFormatError, match="does not decode to a DER"):
        kp.load_public_key(base64.b64encode(b"hello world"))
    with pytest.raises(kp.KeyFormatError, match="does not decode to a DER"):
        kp.load_public_key("0Y0T")  # text is never taken for binary DER
    with pytest.raises(kp.KeyFormatError, match="bytes or text"):
        kp.load_public_key(42)  # type: ignore[arg-type]


def test_other_der_structures_are_named(pair_of: PairOf, foreign_keys: dict[str, object]) -> None:
    p256 = pair_of("ECC_NIST_P256")
    rsa_key = foreign_keys["1024-bit"]
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    pkcs1 = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    sec1 = serialization.load_der_private_key(p256.private_der, None).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    encrypted = serialization.load_der_private_key(p256.private_der, None).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"password"),
    )
    cases = [
        (kp.load_private_key, pkcs1, "PKCS#1 RSAPrivateKey"),
        (kp.load_private_key, sec1, "SEC1 ECPrivateKey"),
        (kp.load_private_key, encrypted, "password-encrypted"),
        (kp.load_private_key, p256.public_der, "this is a public key"),
        (kp.load_public_key, p256.private_der, "this is a private key"),
    ]
    for loader, der, message in cases:
        with pytest.raises(kp.KeyFormatError, match=message):
            loader(der)


def test_inconsistent_rsa_private_key_is_refused(pair_of: PairOf) -> None:
    key = serialization.load_der_private_key(pair_of("RSA_2048").private_der, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    numbers = key.private_numbers()
    broken = rsa.RSAPrivateNumbers(
        numbers.p,
        numbers.q,
        numbers.d,
        numbers.dmp1 + 2,
        numbers.dmq1,
        numbers.iqmp,
        numbers.public_numbers,
    ).private_key(unsafe_skip_rsa_key_validation=True)
    with pytest.raises(kp.KeyFormatError, match="inconsistent"):
        kp.load_private_key(_private_der(broken))


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [(s.name, s.signing_algorithms[0]) for s in kp.SPECS.values() if s.can_sign],
)
def test_signatures_of_the_wrong_length_or_shape_are_false(
    spec: str, algorithm: str, pair_of: PairOf
) -> None:
    pair = pair_of(spec)
    signature = kp.sign(pair.private_der, algorithm, b"message")
    for bad in (
        b"",
        signature[:-1],
        signature + b"\x00",
        b"\x00" * len(signature),
        b"\x30\x03\x02\x01\x01",
        b"\x30\x80" + signature[2:],
        signature[::-1],
    ):
        assert kp.verify(pair.public_der, algorithm, b"message", bad) is False
    assert kp.verify(pair.public_der, algorithm, b"messagE", signature) is False
    assert kp.verify(pair.public_der, algorithm, b"message", signature) is True


def test_signature_from_another_key_is_false(pair_of: PairOf) -> None:
    ours = pair_of("SM2")
    other = kp.generate("SM2")
    signature = kp.sign(other.private_der, "SM2DSA", b"message")
    assert kp.verify(ours.public_der, "SM2DSA", b"message", signature) is False


@pytest.mark.parametrize("spec", ["RSA_2048", "SM2"])
def test_bad_ciphertexts_raise_decryption_error(spec: str, pair_of: PairOf) -> None:
    pair = pair_of(spec)
    algorithm = kp.get_spec(spec).encryption_algorithms[-1]
    ciphertext = kp.encrypt(pair.public_der, algorithm, b"secret")
    for bad in (
        b"",
        ciphertext[:-1],
        bytes([ciphertext[0] ^ 0xFF]) + ciphertext[1:],
        ciphertext[:-1] + bytes([ciphertext[-1] ^ 1]),
    ):
        with pytest.raises(kp.DecryptionError):
            kp.decrypt(pair.private_der, algorithm, bad)


def test_message_type_errors(pair_of: PairOf) -> None:
    pair = pair_of("ECC_NIST_P256")
    with pytest.raises(ValueError, match="ML-DSA"):
        kp.sign(pair.private_der, "ECDSA_SHA_256", b"\x00" * 64, "EXTERNAL_MU")
    with pytest.raises(ValueError, match="32-byte digest; got 31"):
        kp.verify(pair.public_der, "ECDSA_SHA_256", b"\x00" * 31, b"sig", "DIGEST")
    with pytest.raises(TypeError, match="message must be bytes"):
        kp.sign(pair.private_der, "ECDSA_SHA_256", "text")  # type: ignore[arg-type]


def test_errors_never_show_key_material(pair_of: PairOf) -> None:
    pair = pair_of("ECC_NIST_P256")
    secret_hex = pair.private_der[-100:-70].hex()
    broken = pair.private_der[:-1]
    with pytest.raises(kp.KeyFormatError) as caught:
        kp.load_private_key(broken)
    text = str(caught.value)
    assert secret_hex not in text and secret_hex.upper() not in text
    assert base64.b64encode(pair.private_der[-60:-30]).decode() not in text


# --------------------------------------------------------------------------- property tests

_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_loaders(data: bytes) -> None:
    for loader in (kp.load_public_key, kp.load_private_key):
        try:
            loader(data)
        except kp.KeyFormatError:
            pass


@_FUZZ
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_mutated_keys_load_or_give_key_format_error(
    pair_of: PairOf, position: int, value: int
) -> None:
    for spec in ("ECC_NIST_P256", "SM2", "ML_KEM_512", "ECC_NIST_EDWARDS25519"):
        pair = pair_of(spec)
        for der, loader in (
            (pair.public_der, kp.load_public_key),
            (pair.private_der, kp.load_private_key),
        ):
            index = position % len(der)
            mutated = der[:index] + bytes([value]) + der[index + 1 :]
            try:
                loaded = loader(mutated)
            except kp.KeyFormatError:
                continue
            assert loaded.spec in kp.SPECS


@_FUZZ
@given(signature=st.binary(max_size=200), message=st.binary(max_size=50))
def test_random_signatures_are_false(pair_of: PairOf, signature: bytes, message: bytes) -> None:
    for spec, algorithm in (
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("SM2", "SM2DSA"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ):
        assert kp.verify(pair_of(spec).public_der, algorithm, message, signature) is False


@_FUZZ
@given(st.binary(max_size=200))
def test_random_sm2_ciphertexts_raise_decryption_error(pair_of: PairOf, data: bytes) -> None:
    with pytest.raises(kp.DecryptionError):
        kp.decrypt(pair_of("SM2").private_der, "SM2PKE", data)
