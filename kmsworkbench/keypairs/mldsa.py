"""ML-DSA (FIPS 204) signing keys: ML-DSA-44, ML-DSA-65 and ML-DSA-87, as KMS uses them.

KMS offers ML-DSA as KMS keys (KeySpec ML_DSA_44/65/87, KeyUsage SIGN_VERIFY, signing
algorithm ML_DSA_SHAKE_256); they are not data key pair specs, so they are kept out of
``specs.SPECS`` and live here on their own.

Everything is ``cryptography``'s (backed by OpenSSL), with the encodings of RFC 9881
(draft-ietf-lamps-dilithium-certificates): SubjectPublicKeyInfo ``SEQUENCE { SEQUENCE { OID
id-ml-dsa-N }, BIT STRING pk }`` and PKCS#8 in seed form (a 32-byte seed).

Message types, as KMS Sign and Verify define them:

* ``RAW``: pure ML-DSA over the message with an empty context string (FIPS 204 Algorithm 2).
* ``EXTERNAL_MU``: the message *is* the 64-byte message representative
  mu = SHAKE256(tr || M', 64), tr = SHAKE256(pk, 64), M' = 0x00 || len(ctx) || ctx || M
  (FIPS 204 section 6.2, Algorithm 7 line 6). ``cryptography`` signs and verifies a given mu
  directly (``sign_mu``/``verify_mu``); ``external_mu`` computes it from a message with
  ``hashlib.shake_256`` exactly as written above, and the tests check that it equals
  ``cryptography``'s own ``MLDSAMuHasher`` and a second implementation's, and that a signature
  over mu verifies as a RAW signature over the message (the equivalence KMS documents).
* ``DIGEST`` does not exist for ML-DSA (that would be HashML-DSA, which KMS does not offer).

A wrong-length mu raises ``ValueError``; a bad, changed or malformed signature verifies False.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa as _c

from .errors import KeyFormatError

SIGNING_ALGORITHM = "ML_DSA_SHAKE_256"
MESSAGE_TYPES = ("RAW", "EXTERNAL_MU")
MU_BYTES = 64
MAX_CONTEXT_BYTES = 255

_PrivateKey = _c.MLDSA44PrivateKey | _c.MLDSA65PrivateKey | _c.MLDSA87PrivateKey
_PublicKey = _c.MLDSA44PublicKey | _c.MLDSA65PublicKey | _c.MLDSA87PublicKey


@dataclass(frozen=True, slots=True)
class Params:
    spec: str  # the KMS KeySpec
    name: str  # FIPS 204's name
    oid: str
    public_key_bytes: int
    signature_bytes: int
    private_class: type[_PrivateKey]
    public_class: type[_PublicKey]


PARAMS: dict[str, Params] = {
    p.spec: p
    for p in (
        Params(
            "ML_DSA_44",
            "ML-DSA-44",
            "2.16.840.1.101.3.4.3.17",
            1312,
            2420,
            _c.MLDSA44PrivateKey,
            _c.MLDSA44PublicKey,
        ),
        Params(
            "ML_DSA_65",
            "ML-DSA-65",
            "2.16.840.1.101.3.4.3.18",
            1952,
            3309,
            _c.MLDSA65PrivateKey,
            _c.MLDSA65PublicKey,
        ),
        Params(
            "ML_DSA_87",
            "ML-DSA-87",
            "2.16.840.1.101.3.4.3.19",
            2592,
            4627,
            _c.MLDSA87PrivateKey,
            _c.MLDSA87PublicKey,
        ),
    )
}
SPECS: tuple[str, ...] = tuple(PARAMS)


def _params_of(key: object) -> Params:
    for params in PARAMS.values():
        if isinstance(key, params.private_class | params.public_class):
            return params
    raise KeyFormatError("the key is not an ML-DSA key (ML-DSA-44, ML-DSA-65 or ML-DSA-87)")


def generate(spec: str) -> tuple[bytes, bytes]:
    """(SPKI DER, PKCS#8 DER in seed form) of a new ML-DSA key pair; ``KeyError`` for a spec
    that is not ML_DSA_44/65/87."""
    key = PARAMS[spec].private_class.generate()
    return (
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def load_private(private_der: bytes) -> tuple[Params, _PrivateKey]:
    try:
        key = serialization.load_der_private_key(bytes(private_der), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not a valid ML-DSA private key: {exc}") from None
    params = _params_of(key)
    assert isinstance(key, params.private_class)
    return params, key


def load_public(public_der: bytes) -> tuple[Params, _PublicKey]:
    try:
        key = serialization.load_der_public_key(bytes(public_der))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not a valid ML-DSA public key: {exc}") from None
    params = _params_of(key)
    assert isinstance(key, params.public_class)
    return params, key


def spec_of_public(public_der: bytes) -> str:
    return load_public(public_der)[0].spec


def raw_public_key(public_der: bytes) -> bytes:
    """The encoded public key pk of FIPS 204 (1312, 1952 or 2592 bytes)."""
    return load_public(public_der)[1].public_bytes_raw()


def external_mu(public_der: bytes, message: bytes, context: bytes = b"") -> bytes:
    """mu for ``message`` under the public key (FIPS 204 section 6.2), what KMS's EXTERNAL_MU
    message type takes: SHAKE256(SHAKE256(pk, 64) || 0x00 || len(ctx) || ctx || M, 64).
    KMS signs RAW messages with an empty context, so the default gives the same signature
    semantics as RAW."""
    if len(context) > MAX_CONTEXT_BYTES:
        raise ValueError(f"an ML-DSA context is at most {MAX_CONTEXT_BYTES} bytes")
    tr = hashlib.shake_256(raw_public_key(public_der)).digest(MU_BYTES)
    m_prime = b"\x00" + bytes([len(context)]) + bytes(context) + bytes(message)
    return hashlib.shake_256(tr + m_prime).digest(MU_BYTES)


def _check_message_type(message: bytes, message_type: str) -> bool:
    """True for EXTERNAL_MU (after checking mu's length), False for RAW."""
    if message_type == "DIGEST":
        raise ValueError(
            "ML-DSA has no DIGEST message type: sign the message (RAW) or its 64-byte "
            "mu (EXTERNAL_MU)"
        )
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"MessageType for ML-DSA must be RAW or EXTERNAL_MU, not {message_type}")
    if message_type == "EXTERNAL_MU":
        if len(message) != MU_BYTES:
            raise ValueError(
                f"with MessageType EXTERNAL_MU the message is the {MU_BYTES}-byte mu of "
                f"FIPS 204; got {len(message)} bytes"
            )
        return True
    return False


def sign(private_der: bytes, message: bytes, message_type: str = "RAW") -> bytes:
    """An ML-DSA signature (hedged, as FIPS 204 recommends) of a RAW message or a mu."""
    message = bytes(message)
    is_mu = _check_message_type(message, message_type)
    _, key = load_private(private_der)
    return key.sign_mu(message) if is_mu else key.sign(message)


def verify(public_der: bytes, message: bytes, signature: bytes, message_type: str = "RAW") -> bool:
    """True when ``signature`` is an ML-DSA signature of the RAW message (or of the mu)."""
    message = bytes(message)
    is_mu = _check_message_type(message, message_type)
    params, key = load_public(public_der)
    signature = bytes(signature)
    if len(signature) != params.signature_bytes:
        return False
    try:
        if is_mu:
            key.verify_mu(signature, message)
        else:
            key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
