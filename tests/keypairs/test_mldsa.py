"""ML-DSA (FIPS 204) keys as KMS uses them: RAW and EXTERNAL_MU signing.

The OpenSSL here (3.0) predates ML-DSA (``openssl list -signature-algorithms`` has none), so
the outside oracle is a second, independent implementation: dilithium-py, a pure-Python
FIPS 204 implementation. It derives the same public key from the same seed, verifies our
signatures and makes signatures we verify, and computes the same mu.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa as c_mldsa
from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import mldsa

OTHER = {"ML_DSA_44": ML_DSA_44, "ML_DSA_65": ML_DSA_65, "ML_DSA_87": ML_DSA_87}
SPECS = list(mldsa.SPECS)
MESSAGE = b"kmsworkbench: sign me with ML-DSA"


@cache
def pair(spec: str) -> tuple[bytes, bytes]:
    return mldsa.generate(spec)


def seed_of(private_der: bytes) -> bytes:
    _, key = mldsa.load_private(private_der)
    return key.private_bytes_raw()


@pytest.mark.parametrize("spec", SPECS)
def test_encodings_and_sizes(spec: str) -> None:
    public_der, private_der = pair(spec)
    params = mldsa.PARAMS[spec]
    assert mldsa.spec_of_public(public_der) == spec
    assert len(mldsa.raw_public_key(public_der)) == params.public_key_bytes
    # RFC 9881: id-ml-dsa-N with no parameters; PKCS#8 seed form ([0] IMPLICIT, 32 bytes)
    oid_der = bytes.fromhex("0609608648016503040311")[:-1] + bytes([int(params.oid[-2:])])
    assert public_der[4:17] == bytes.fromhex("300b") + oid_der
    assert private_der == bytes.fromhex("3034020100300b") + oid_der + bytes.fromhex(
        "04228020"
    ) + seed_of(private_der)
    assert len(mldsa.sign(private_der, MESSAGE)) == params.signature_bytes


@pytest.mark.parametrize("spec", SPECS)
def test_same_seed_gives_the_same_public_key_in_a_second_implementation(spec: str) -> None:
    public_der, private_der = pair(spec)
    other_pk, _ = OTHER[spec].key_derive(seed_of(private_der))
    assert other_pk == mldsa.raw_public_key(public_der)


@pytest.mark.parametrize("spec", SPECS)
def test_raw_signatures_cross_verify_with_a_second_implementation(spec: str) -> None:
    public_der, private_der = pair(spec)
    pk = mldsa.raw_public_key(public_der)
    ours = kp.sign(private_der, "ML_DSA_SHAKE_256", MESSAGE)
    assert OTHER[spec].verify(pk, MESSAGE, ours)
    assert not OTHER[spec].verify(pk, MESSAGE + b"!", ours)
    _, sk = OTHER[spec].key_derive(seed_of(private_der))
    theirs = OTHER[spec].sign(sk, MESSAGE)
    assert kp.verify(public_der, "ML_DSA_SHAKE_256", MESSAGE, theirs)
    assert not kp.verify(public_der, "ML_DSA_SHAKE_256", MESSAGE + b"!", theirs)


@pytest.mark.parametrize("spec", SPECS)
def test_mu_is_fips_204_and_equals_both_libraries(spec: str) -> None:
    public_der, _ = pair(spec)
    pk = mldsa.raw_public_key(public_der)
    mu = mldsa.external_mu(public_der, MESSAGE)
    tr = hashlib.shake_256(pk).digest(64)
    assert mu == hashlib.shake_256(tr + b"\x00\x00" + MESSAGE).digest(64)
    assert mu == OTHER[spec].prehash_external_mu(pk, MESSAGE)
    _, public = mldsa.load_public(public_der)
    hasher = c_mldsa.MLDSAMuHasher(public)
    hasher.update(MESSAGE)
    assert mu == hasher.finalize()
    assert mldsa.external_mu(public_der, MESSAGE, b"ctx") == OTHER[spec].prehash_external_mu(
        pk, MESSAGE, b"ctx"
    )


@pytest.mark.parametrize("spec", SPECS)
def test_external_mu_signature_is_a_raw_signature_of_the_message(spec: str) -> None:
    """What KMS documents: signing mu gives the same kind of signature as signing RAW."""
    public_der, private_der = pair(spec)
    mu = mldsa.external_mu(public_der, MESSAGE)
    signature = kp.sign(private_der, "ML_DSA_SHAKE_256", mu, "EXTERNAL_MU")
    assert kp.verify(public_der, "ML_DSA_SHAKE_256", MESSAGE, signature, "RAW")
    assert OTHER[spec].verify(mldsa.raw_public_key(public_der), MESSAGE, signature)
    raw = kp.sign(private_der, "ML_DSA_SHAKE_256", MESSAGE, "RAW")
    assert kp.verify(public_der, "ML_DSA_SHAKE_256", mu, raw, "EXTERNAL_MU")
    assert not kp.verify(public_der, "ML_DSA_SHAKE_256", bytes(64), raw, "EXTERNAL_MU")


def test_signatures_are_hedged_and_tampering_fails() -> None:
    public_der, private_der = pair("ML_DSA_44")
    first = mldsa.sign(private_der, MESSAGE)
    assert first != mldsa.sign(private_der, MESSAGE)  # fresh randomness each time
    changed = bytearray(first)
    changed[100] ^= 1
    assert not mldsa.verify(public_der, MESSAGE, bytes(changed))
    assert not mldsa.verify(public_der, MESSAGE, first[:-1])
    assert not mldsa.verify(public_der, MESSAGE, b"")
    other_public, _ = pair("ML_DSA_65")
    assert not mldsa.verify(other_public, MESSAGE, first)


@pytest.mark.parametrize("size", [0, 32, 63, 65])
def test_external_mu_must_be_64_bytes(size: int) -> None:
    public_der, private_der = pair("ML_DSA_44")
    with pytest.raises(ValueError, match="64-byte mu"):
        mldsa.sign(private_der, bytes(size), "EXTERNAL_MU")
    with pytest.raises(ValueError, match="64-byte mu"):
        mldsa.verify(public_der, bytes(size), bytes(2420), "EXTERNAL_MU")


def test_digest_is_not_an_ml_dsa_message_type() -> None:
    _, private_der = pair("ML_DSA_44")
    with pytest.raises(ValueError, match="no DIGEST"):
        mldsa.sign(private_der, bytes(64), "DIGEST")


def test_ml_dsa_keys_stay_out_of_the_data_key_pair_specs() -> None:
    public_der, _ = pair("ML_DSA_44")
    assert not set(mldsa.SPECS) & set(kp.SPEC_NAMES)
    with pytest.raises(kp.KeyFormatError, match="ML-DSA-44 key is not a KMS data key pair"):
        kp.load_public_key(public_der)


def test_malformed_keys_are_key_format_errors() -> None:
    with pytest.raises(kp.KeyFormatError):
        mldsa.load_public(b"\x30\x00")
    ec_public = kp.generate("ECC_NIST_P256").public_der
    with pytest.raises(kp.KeyFormatError, match="not an ML-DSA key"):
        mldsa.load_public(ec_public)
    key = c_mldsa.MLDSA44PrivateKey.generate()
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(kp.KeyFormatError):
        mldsa.load_private(der[:-1])
