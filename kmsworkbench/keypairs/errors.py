"""The exceptions of the key pair layer. Messages are meant for a person and never contain
key material."""

from __future__ import annotations


class KeyFormatError(ValueError):
    """The bytes are not a key we can read, or a key that is none of the KMS data key pair
    specs (for example a P-224, DSA or X25519 key)."""


class UnsupportedAlgorithmError(ValueError):
    """The algorithm is unknown, or not valid for the key's spec (for example RSAES_OAEP_SHA_256
    with an ECC key, or signing with an ML-KEM key)."""


class DecryptionError(ValueError):
    """A ciphertext could not be decrypted with this key and algorithm: wrong key, wrong
    algorithm, or a changed or malformed ciphertext."""


class KeyAgreementError(ValueError):
    """The two keys cannot agree on a secret: different curves, or a key (spec) that KMS does
    not offer for key agreement (only the NIST curves, and SM2 in China Regions)."""
