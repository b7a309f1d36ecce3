"""What a data key pair is used for outside KMS: sign and verify, encrypt and decrypt, and
ML-KEM encapsulation, with KMS's algorithm names and encodings.

* Signatures: raw PKCS #1 bytes for RSA (PSS with MGF1 of the same hash and a salt as long as
  the digest, as KMS uses), DER ``SEQUENCE { r, s }`` for ECDSA and SM2DSA, raw 64 bytes for
  Ed25519.
* ``message_type="DIGEST"`` means ``message`` is already the digest the algorithm would compute
  (for SM2DSA that is e = SM3(Z_A || M)), exactly as KMS Sign and Verify define it; its length
  must match the hash. ED25519_SHA_512 signs the message itself and accepts only RAW.
* Encryption: RSAES-OAEP with SHA-1 or SHA-256 (MGF1 with the same hash, empty label) and SM2PKE
  with the ASN.1 C1C3C2 ciphertext.

The functions take DER (or PEM/base64; anything ``load_*_key`` accepts). A bad or malformed
signature gives ``False``; an algorithm that does not fit the key raises
``UnsupportedAlgorithmError``; a ciphertext that does not decrypt raises ``DecryptionError``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from . import mldsa, mlkem, sm2
from .errors import DecryptionError, UnsupportedAlgorithmError
from .keys import load_private_key, load_public_key
from .specs import SPECS, KeyPairSpec

MESSAGE_TYPES = ("RAW", "DIGEST")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA_1": hashes.SHA1,
    "SHA_256": hashes.SHA256,
    "SHA_384": hashes.SHA384,
    "SHA_512": hashes.SHA512,
}


def _hash_for(algorithm: str) -> hashes.HashAlgorithm:
    for suffix, cls in _HASHES.items():
        if algorithm.endswith(suffix):
            return cls()
    raise UnsupportedAlgorithmError(f"no hash is defined for {algorithm}")  # pragma: no cover


def _shown(algorithm: object) -> str:
    text = str(algorithm)
    return text if len(text) <= 64 else text[:61] + "..."


def _check_signing(spec: KeyPairSpec, algorithm: str) -> None:
    if algorithm in spec.signing_algorithms:
        return
    if spec.key_encapsulation:
        raise UnsupportedAlgorithmError(
            f"{spec.name} keys are for key encapsulation only; they cannot sign or verify"
        )
    raise UnsupportedAlgorithmError(
        f"{_shown(algorithm)} is not a signing algorithm for {spec.name} keys; "
        f"valid: {', '.join(spec.signing_algorithms)}"
    )


def _check_encryption(spec: KeyPairSpec, algorithm: str) -> None:
    if algorithm in spec.encryption_algorithms:
        return
    if not spec.encryption_algorithms:
        use = "key encapsulation" if spec.key_encapsulation else "signing"
        raise UnsupportedAlgorithmError(
            f"{spec.name} keys are for {use} only; they cannot encrypt or decrypt"
        )
    raise UnsupportedAlgorithmError(
        f"{_shown(algorithm)} is not an encryption algorithm for {spec.name} keys; "
        f"valid: {', '.join(spec.encryption_algorithms)}"
    )


def _is_digest(message_type: str, algorithm: str) -> bool:
    if message_type == "EXTERNAL_MU":
        raise ValueError("MessageType EXTERNAL_MU is only for ML-DSA keys")
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"MessageType must be RAW or DIGEST, not {_shown(message_type)}")
    if message_type == "DIGEST" and algorithm == "ED25519_SHA_512":
        raise ValueError(
            "ED25519_SHA_512 signs the message itself and needs MessageType RAW "
            "(KMS uses ED25519_PH_SHA_512 for digests)"
        )
    return message_type == "DIGEST"


def _check_digest(message: bytes, size: int, algorithm: str) -> None:
    if len(message) != size:
        raise ValueError(
            f"with MessageType DIGEST, {algorithm} needs a {size}-byte digest; "
            f"got {len(message)} bytes"
        )


def _sm2_digest(
    point: sm2.Point, message: bytes, digest: bool, sm2_id: bytes, algorithm: str
) -> bytes:
    """e for SM2DSA: the given 32-byte digest, or SM3(Z_A || M) of a RAW message."""
    if digest:
        _check_digest(message, 32, algorithm)
        return message
    return sm2.message_digest(point, message, sm2_id)


def _message_hash(
    algorithm: str, message: bytes, digest: bool
) -> tuple[hashes.HashAlgorithm, hashes.HashAlgorithm | utils.Prehashed]:
    """(the algorithm's hash, what to pass to cryptography: the hash, or Prehashed for a
    DIGEST whose length has been checked) for RSA and ECDSA."""
    hash_algorithm = _hash_for(algorithm)
    if not digest:
        return hash_algorithm, hash_algorithm
    _check_digest(message, hash_algorithm.digest_size, algorithm)
    return hash_algorithm, utils.Prehashed(hash_algorithm)


def _bytes(value: object, name: str) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise TypeError(f"{name} must be bytes, not {type(value).__name__}")


def sign(
    private_der: bytes,
    algorithm: str,
    message: bytes,
    message_type: str = "RAW",
    *,
    sm2_id: bytes = sm2.DEFAULT_ID,
) -> bytes:
    """Sign ``message`` with the private key (PKCS#8 DER). ``sm2_id`` is the SM2
    distinguishing ID for RAW SM2DSA messages (KMS always uses the default). ML_DSA_SHAKE_256
    (ML-DSA KMS keys, not a data key pair spec) takes MessageType RAW or EXTERNAL_MU and is
    handled by ``mldsa``."""
    message = _bytes(message, "message")
    if algorithm == mldsa.SIGNING_ALGORITHM:
        return mldsa.sign(private_der, message, message_type)
    info = load_private_key(private_der)
    spec = SPECS[info.spec]
    _check_signing(spec, algorithm)
    digest = _is_digest(message_type, algorithm)
    key = info._key
    if isinstance(key, sm2.PrivateKey):
        e = _sm2_digest(key.public_key().point, message, digest, sm2_id, algorithm)
        return sm2.encode_signature(*sm2.sign_digest(key.d, e))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    hash_algorithm, chosen = _message_hash(algorithm, message, digest)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, _rsa_signature_padding(algorithm, hash_algorithm), chosen)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(chosen))
    raise UnsupportedAlgorithmError(f"{spec.name} keys cannot sign")  # pragma: no cover


def _rsa_signature_padding(
    algorithm: str, hash_algorithm: hashes.HashAlgorithm
) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PSS_"):
        return padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
    return padding.PKCS1v15()


def verify(
    public_der: bytes,
    algorithm: str,
    message: bytes,
    signature: bytes,
    message_type: str = "RAW",
    *,
    sm2_id: bytes = sm2.DEFAULT_ID,
) -> bool:
    """True when ``signature`` is a valid signature of ``message`` under the public key (SPKI
    DER); False for a wrong, changed or malformed signature."""
    message = _bytes(message, "message")
    signature = _bytes(signature, "signature")
    if algorithm == mldsa.SIGNING_ALGORITHM:
        return mldsa.verify(public_der, message, signature, message_type)
    info = load_public_key(public_der)
    spec = SPECS[info.spec]
    _check_signing(spec, algorithm)
    digest = _is_digest(message_type, algorithm)
    key = info._key
    if isinstance(key, sm2.PublicKey):
        e = _sm2_digest(key.point, message, digest, sm2_id, algorithm)
        try:
            r, s = sm2.decode_signature(signature)
        except sm2.SM2Error:
            return False
        return sm2.verify_digest(key.point, e, r, s)
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if len(signature) != 64:
                return False
            key.verify(signature, message)
            return True
        hash_algorithm, chosen = _message_hash(algorithm, message, digest)
        if isinstance(key, rsa.RSAPublicKey):
            if len(signature) != (key.key_size + 7) // 8:
                return False
            key.verify(
                signature, message, _rsa_signature_padding(algorithm, hash_algorithm), chosen
            )
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(chosen))
            return True
    except InvalidSignature:
        return False
    raise UnsupportedAlgorithmError(f"{spec.name} keys cannot verify")  # pragma: no cover


def _oaep(algorithm: str) -> padding.OAEP:
    hash_algorithm = _hash_for(algorithm)
    return padding.OAEP(mgf=padding.MGF1(hash_algorithm), algorithm=hash_algorithm, label=None)


def max_plaintext_bytes(spec_name: str, algorithm: str) -> int | None:
    """The longest plaintext ``encrypt`` takes for the spec and algorithm (None: no limit)."""
    spec = SPECS[spec_name]
    _check_encryption(spec, algorithm)
    if algorithm == "SM2PKE":
        return None
    return spec.key_bits // 8 - 2 * _hash_for(algorithm).digest_size - 2


def encrypt(public_der: bytes, algorithm: str, plaintext: bytes) -> bytes:
    """Encrypt with RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 (RSA) or SM2PKE (SM2)."""
    plaintext = _bytes(plaintext, "plaintext")
    info = load_public_key(public_der)
    spec = SPECS[info.spec]
    _check_encryption(spec, algorithm)
    key = info._key
    if isinstance(key, sm2.PublicKey):
        return sm2.encrypt(key.point, plaintext).encode()
    if isinstance(key, rsa.RSAPublicKey):
        limit = max_plaintext_bytes(spec.name, algorithm)
        if limit is not None and len(plaintext) > limit:
            raise ValueError(
                f"{algorithm} with an {spec.name} key encrypts at most {limit} bytes; "
                f"got {len(plaintext)}"
            )
        return key.encrypt(plaintext, _oaep(algorithm))
    raise UnsupportedAlgorithmError(f"{spec.name} keys cannot encrypt")  # pragma: no cover


def decrypt(private_der: bytes, algorithm: str, ciphertext: bytes) -> bytes:
    """Decrypt what ``encrypt`` (or OpenSSL, or KMS) produced; ``DecryptionError`` when the
    ciphertext is malformed, changed, or for another key or algorithm."""
    ciphertext = _bytes(ciphertext, "ciphertext")
    info = load_private_key(private_der)
    spec = SPECS[info.spec]
    _check_encryption(spec, algorithm)
    key = info._key
    if isinstance(key, sm2.PrivateKey):
        try:
            return sm2.decrypt(key.d, sm2.Ciphertext.decode(ciphertext))
        except sm2.SM2Error as exc:
            raise DecryptionError(f"SM2PKE decryption failed: {exc}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        size = (key.key_size + 7) // 8
        if len(ciphertext) != size:
            raise DecryptionError(
                f"an {algorithm} ciphertext for an {spec.name} key is {size} bytes; "
                f"got {len(ciphertext)}"
            )
        try:
            return key.decrypt(ciphertext, _oaep(algorithm))
        except ValueError:
            raise DecryptionError(
                f"{algorithm} decryption failed: the ciphertext was made with another key or "
                "algorithm, or it was changed"
            ) from None
    raise UnsupportedAlgorithmError(f"{spec.name} keys cannot decrypt")  # pragma: no cover


def _mlkem_public(public_der: bytes) -> mlkem.PublicKey:
    info = load_public_key(public_der)
    if not isinstance(info._key, mlkem.PublicKey):
        raise UnsupportedAlgorithmError(
            f"{info.spec} keys cannot encapsulate; key encapsulation needs an ML-KEM key"
        )
    return info._key


def _mlkem_private(private_der: bytes) -> mlkem.PrivateKey:
    info = load_private_key(private_der)
    if not isinstance(info._key, mlkem.PrivateKey):
        raise UnsupportedAlgorithmError(
            f"{info.spec} keys cannot decapsulate; key encapsulation needs an ML-KEM key"
        )
    return info._key


def encapsulate(public_der: bytes) -> tuple[bytes, bytes]:
    """(ciphertext, 32-byte shared secret) for an ML-KEM public key."""
    return _mlkem_public(public_der).encapsulate()


def decapsulate(private_der: bytes, ciphertext: bytes) -> bytes:
    """The 32-byte shared secret. A ciphertext of the wrong length raises ``DecryptionError``;
    a changed ciphertext of the right length yields an unrelated secret (FIPS 203 implicit
    rejection), so compare secrets or use ``kem_open`` to detect tampering."""
    ciphertext = _bytes(ciphertext, "ciphertext")
    key = _mlkem_private(private_der)
    try:
        return key.decapsulate(ciphertext)
    except mlkem.MLKEMError as exc:
        raise DecryptionError(str(exc)) from None


def kem_seal(public_der: bytes, message: bytes) -> bytes:
    """Encrypt ``message`` for an ML-KEM public key: the shared secret keys AES-256-GCM.
    Blob format: KEM ciphertext || 12-byte nonce || AES-GCM ciphertext+tag (see
    ``mlkem.seal``)."""
    return mlkem.seal(_mlkem_public(public_der), _bytes(message, "message"))


def kem_open(private_der: bytes, blob: bytes) -> bytes:
    """The message of a ``kem_seal`` blob; ``DecryptionError`` when it is for another key or
    was changed."""
    key = _mlkem_private(private_der)
    try:
        return mlkem.open_sealed(key, _bytes(blob, "blob"))
    except mlkem.MLKEMError as exc:
        raise DecryptionError(str(exc)) from None
