"""Generating a data key pair of any of the twelve specs, in the encodings KMS returns:
DER SubjectPublicKeyInfo for the public key and DER PKCS#8 PrivateKeyInfo for the private key."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from . import mlkem, sm2
from .specs import Family, get_spec

_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}


@dataclass(frozen=True)
class GeneratedKeyPair:
    spec: str
    public_der: bytes  # DER SubjectPublicKeyInfo
    private_der: bytes = field(repr=False)  # DER PKCS#8 PrivateKeyInfo (plaintext: keep in memory)


def generate(spec: str) -> GeneratedKeyPair:
    """A new key pair of ``spec`` (e.g. "ECC_NIST_P256"); ``KeyError`` for an unknown spec.

    RSA keys use the public exponent 65537. Randomness comes from OpenSSL (through
    ``cryptography``) or, for SM2 and the ML-KEM seed, from ``secrets``.
    """
    info = get_spec(spec)
    if info.family is Family.SM2:
        key = sm2.PrivateKey.generate()
        return GeneratedKeyPair(spec, key.public_key().spki(), key.pkcs8())
    if info.family is Family.ML_KEM:
        public_der, private_der = mlkem.generate(spec)
        return GeneratedKeyPair(spec, public_der, private_der)
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if info.family is Family.RSA:
        private = rsa.generate_private_key(public_exponent=65537, key_size=info.key_bits)
    elif info.family is Family.ECC:
        private = ec.generate_private_key(_CURVES[spec])
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    return GeneratedKeyPair(
        spec,
        private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
