"""The public key in OpenSSH's one-line form (``ssh-rsa AAAA...``, ``ecdsa-sha2-nistp256
AAAA...``, ``ssh-ed25519 AAAA...``), for the key types OpenSSH has: RSA, ECDSA on the NIST
curves P-256/P-384/P-521 (RFC 5656) and Ed25519 (RFC 8709). secp256k1, SM2 and ML-KEM have no
OpenSSH key type."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from .errors import KeyFormatError
from .keys import load_public_key

OPENSSH_SPECS = frozenset(
    {
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_NIST_EDWARDS25519",
    }
)


def has_openssh_form(spec: str) -> bool:
    return spec in OPENSSH_SPECS


def openssh_public_key(public: bytes | str, comment: str = "") -> str:
    """``<type> <base64> [comment]``, one line, no newline. ``KeyFormatError`` for a key
    OpenSSH has no type for."""
    info = load_public_key(public)
    if not has_openssh_form(info.spec):
        raise KeyFormatError(
            f"OpenSSH has no key type for {info.spec}; it takes RSA, ECDSA on P-256/P-384/"
            "P-521 and Ed25519 keys."
        )
    key = serialization.load_der_public_key(info.der)
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    text = line.decode("ascii")
    return f"{text} {comment}" if comment and comment.isprintable() else text
