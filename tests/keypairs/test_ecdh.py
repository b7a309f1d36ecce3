"""ECDH as KMS DeriveSharedSecret does it, with the OpenSSL command-line tool as the oracle:
``openssl pkeyutl -derive`` on the same two keys gives the same raw secret.

SM2: OpenSSL 3.0 refuses derive on SM2 keys ("operation not supported for this keytype"). The
tests still use OpenSSL's curve arithmetic: both keys are written with the SM2 curve's
parameters spelled out and the base point replaced by another point of the curve. OpenSSL
then no longer recognises the curve as SM2 and treats it as a generic prime-field curve, and
an ECDH secret x(d_A * Q_B) does not depend on the base point.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kmsworkbench import keypairs as kp
from kmsworkbench.keypairs import GeneratedKeyPair, generate, sm2

from .conftest import OpenSSL

PairOf = Callable[[str], GeneratedKeyPair]
NIST = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"]


@pytest.mark.parametrize("spec", [*NIST, "SM2"])
def test_both_sides_derive_the_same_secret_of_the_field_size(spec: str) -> None:
    alice, bob = generate(spec), generate(spec)
    secret = kp.derive_shared_secret(alice.private_der, bob.public_der)
    assert secret == kp.derive_shared_secret(bob.private_der, alice.public_der)
    assert len(secret) == {"ECC_NIST_P256": 32, "ECC_NIST_P384": 48, "ECC_NIST_P521": 66}.get(
        spec, 32
    )
    carol = generate(spec)
    assert kp.derive_shared_secret(alice.private_der, carol.public_der) != secret


@pytest.mark.parametrize("spec", NIST)
def test_openssl_pkeyutl_derive_gives_the_same_secret(spec: str, openssl: OpenSSL) -> None:
    alice, bob = generate(spec), generate(spec)
    openssl.write("alice.der", alice.private_der)
    openssl.write("bob.pub.der", bob.public_der)
    openssl.run(
        "pkeyutl", "-derive", "-keyform", "DER", "-inkey", "alice.der",
        "-peerform", "DER", "-peerkey", "bob.pub.der", "-out", "secret.bin",
    )  # fmt: skip
    assert openssl.read("secret.bin") == kp.derive_shared_secret(alice.private_der, bob.public_der)


def test_sm2_secret_matches_openssl_curve_arithmetic(openssl: OpenSSL) -> None:
    alice, bob = generate("SM2"), generate("SM2")
    base = sm2.encode_point(sm2.SM2P256V1.generator)
    other = sm2.encode_point(kp.load_public_key(alice.public_der)._key.point)

    def explicit(name: str, der: bytes, *public: str) -> None:
        openssl.write(name + ".in", der)
        openssl.run(
            "ec", "-inform", "DER", *public, "-in", name + ".in",
            "-param_enc", "explicit", "-outform", "DER", "-out", name + ".ex",
        )  # fmt: skip
        spelled_out = openssl.read(name + ".ex")
        assert spelled_out.count(base) == 1
        openssl.write(name, spelled_out.replace(base, other))

    explicit("alice.der", alice.private_der)
    explicit("bob.pub.der", bob.public_der, "-pubin")
    openssl.run(
        "pkeyutl", "-derive", "-keyform", "DER", "-inkey", "alice.der",
        "-peerform", "DER", "-peerkey", "bob.pub.der", "-out", "secret.bin",
    )  # fmt: skip
    assert openssl.read("secret.bin") == kp.derive_shared_secret(alice.private_der, bob.public_der)


def test_keys_on_different_curves_are_refused(pair_of: PairOf) -> None:
    with pytest.raises(kp.KeyAgreementError, match="same curve"):
        kp.derive_shared_secret(
            pair_of("ECC_NIST_P256").private_der, pair_of("ECC_NIST_P384").public_der
        )


@pytest.mark.parametrize("spec", ["ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "RSA_2048"])
def test_specs_without_key_agreement_are_refused(spec: str, pair_of: PairOf) -> None:
    with pytest.raises(kp.KeyAgreementError, match="cannot be used for key agreement"):
        kp.derive_shared_secret(pair_of(spec).private_der, pair_of(spec).public_der)


@pytest.mark.parametrize(
    "peer",
    [b"", b"\x30\x03\x02\x01\x00", b"not a key", b"\x30" + bytes(90)],
    ids=["empty", "integer-sequence", "text", "garbage-der"],
)
def test_malformed_peer_keys_are_a_key_format_error(peer: bytes, pair_of: PairOf) -> None:
    with pytest.raises(kp.KeyFormatError):
        kp.derive_shared_secret(pair_of("ECC_NIST_P256").private_der, peer)


def test_a_point_off_the_curve_is_refused(pair_of: PairOf) -> None:
    public = bytearray(pair_of("ECC_NIST_P256").public_der)
    public[-1] ^= 1  # y no longer matches x
    with pytest.raises(kp.KeyFormatError):
        kp.derive_shared_secret(pair_of("ECC_NIST_P256").private_der, bytes(public))
