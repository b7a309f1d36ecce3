"""ML-KEM (FIPS 203) key pairs: ML-KEM-512, ML-KEM-768 and ML-KEM-1024, all alike.

``cryptography`` implements ML-KEM-768 and ML-KEM-1024 (backed by OpenSSL) with the encodings
of the IETF LAMPS draft "Algorithm Identifiers for ML-KEM" (draft-ietf-lamps-kyber-certificates):

* SubjectPublicKeyInfo: ``SEQUENCE { SEQUENCE { OID id-alg-ml-kem-N }, BIT STRING ek }`` with
  no parameters;
* PKCS#8 in seed form: ``SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING { [0] IMPLICIT
  OCTET STRING (64 bytes d || z) } }``.

It has no ML-KEM-512, so that one is computed with ``kyber_py`` (a pure-Python FIPS 203
implementation) and encoded by hand in exactly the same shape. Generation always draws the
64-byte seed from ``secrets`` and derives the key pair from it (FIPS 203, 7.1), for all three.

When loading, the draft's three private key forms are accepted: ``seed`` (what we write),
``expandedKey`` (a bare OCTET STRING holding dk; AWS-LC, the library under AWS KMS, writes this
form) and ``both`` (a SEQUENCE of the two, checked for consistency). Operations on a seed use
``cryptography`` for 768/1024 and ``kyber_py`` for 512; a key known only in expanded form is
used through ``kyber_py`` at every size.

``kem_seal``/``kem_open`` show that the shared secret keys AES-256-GCM; see their docstrings
for the blob format.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mlkem as _c_mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kyber_py.ml_kem import ML_KEM_512, ML_KEM_768, ML_KEM_1024
from kyber_py.ml_kem.ml_kem import ML_KEM

from . import _der


class MLKEMError(ValueError):
    """An ML-KEM key or ciphertext is malformed."""


@dataclass(frozen=True, slots=True)
class Params:
    spec: str
    name: str
    oid: str
    k: int
    ciphertext_bytes: int
    kyber: ML_KEM = field(repr=False, compare=False)

    @property
    def ek_bytes(self) -> int:
        return 384 * self.k + 32

    @property
    def dk_bytes(self) -> int:
        return 768 * self.k + 96


PARAMS: dict[str, Params] = {
    "ML_KEM_512": Params("ML_KEM_512", "ML-KEM-512", "2.16.840.1.101.3.4.4.1", 2, 768, ML_KEM_512),
    "ML_KEM_768": Params("ML_KEM_768", "ML-KEM-768", "2.16.840.1.101.3.4.4.2", 3, 1088, ML_KEM_768),
    "ML_KEM_1024": Params(
        "ML_KEM_1024", "ML-KEM-1024", "2.16.840.1.101.3.4.4.3", 4, 1568, ML_KEM_1024
    ),
}
BY_OID: dict[str, Params] = {p.oid: p for p in PARAMS.values()}
SEED_BYTES = 64
SHARED_SECRET_BYTES = 32


def _cryptography_private(
    params: Params, seed: bytes
) -> _c_mlkem.MLKEM768PrivateKey | _c_mlkem.MLKEM1024PrivateKey | None:
    """The ``cryptography`` key for 768/1024 (None for 512, which it lacks)."""
    if params.spec == "ML_KEM_768":
        return _c_mlkem.MLKEM768PrivateKey.from_seed_bytes(seed)
    if params.spec == "ML_KEM_1024":
        return _c_mlkem.MLKEM1024PrivateKey.from_seed_bytes(seed)
    return None


def _check_ek(params: Params, ek: bytes) -> None:
    """FIPS 203 7.2 input checks: length, and every 12-bit coefficient below q = 3329."""
    if len(ek) != params.ek_bytes:
        raise MLKEMError(f"an {params.name} public key is {params.ek_bytes} bytes, got {len(ek)}")
    body = ek[: 384 * params.k]
    for i in range(0, len(body), 3):
        b0, b1, b2 = body[i], body[i + 1], body[i + 2]
        if (b0 | ((b1 & 0x0F) << 8)) >= 3329 or ((b1 >> 4) | (b2 << 4)) >= 3329:
            raise MLKEMError(f"the {params.name} public key fails the modulus check (FIPS 203)")


@dataclass(frozen=True, slots=True)
class PublicKey:
    params: Params
    ek: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_ek(self.params, self.ek)

    def spki(self) -> bytes:
        return _der.sequence(_der.sequence(_der.oid(self.params.oid)), _der.bit_string(self.ek))

    def encapsulate(self) -> tuple[bytes, bytes]:
        """(ciphertext, 32-byte shared secret)."""
        if self.params.spec == "ML_KEM_768":
            secret, ct = _c_mlkem.MLKEM768PublicKey.from_public_bytes(self.ek).encapsulate()
        elif self.params.spec == "ML_KEM_1024":
            secret, ct = _c_mlkem.MLKEM1024PublicKey.from_public_bytes(self.ek).encapsulate()
        else:
            secret, ct = self.params.kyber.encaps(self.ek)
        return ct, secret


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """An ML-KEM decapsulation key, known by its seed (d || z) or only in expanded form."""

    params: Params
    seed: bytes | None = field(repr=False)
    dk: bytes = field(repr=False)  # the expanded decapsulation key of FIPS 203

    @classmethod
    def from_seed(cls, params: Params, seed: bytes) -> PrivateKey:
        if len(seed) != SEED_BYTES:
            raise MLKEMError(f"an ML-KEM seed is {SEED_BYTES} bytes, got {len(seed)}")
        _, dk = params.kyber.key_derive(seed)
        return cls(params, seed, dk)

    @classmethod
    def from_expanded(cls, params: Params, dk: bytes) -> PrivateKey:
        k = params.k
        if len(dk) != params.dk_bytes:
            raise MLKEMError(
                f"an expanded {params.name} private key is {params.dk_bytes} bytes, got {len(dk)}"
            )
        ek = dk[384 * k : 768 * k + 32]
        if hashlib.sha3_256(ek).digest() != dk[768 * k + 32 : 768 * k + 64]:
            raise MLKEMError(f"the expanded {params.name} private key fails its hash check")
        _check_ek(params, ek)
        return cls(params, None, dk)

    @property
    def ek(self) -> bytes:
        k = self.params.k
        return self.dk[384 * k : 768 * k + 32]

    def public_key(self) -> PublicKey:
        return PublicKey(self.params, self.ek)

    def pkcs8(self) -> bytes:
        """Seed form when the seed is known (as we generate), else expandedKey form."""
        if self.seed is not None:
            inner = _der.tlv(_der.context_tag(0, constructed=False), self.seed)
        else:
            inner = _der.octet_string(self.dk)
        return _der.sequence(
            _der.integer(0), _der.sequence(_der.oid(self.params.oid)), _der.octet_string(inner)
        )

    def decapsulate(self, ciphertext: bytes) -> bytes:
        """The 32-byte shared secret. A changed ciphertext of the right length gives a
        different, pseudo-random secret (FIPS 203 implicit rejection), not an error."""
        if len(ciphertext) != self.params.ciphertext_bytes:
            raise MLKEMError(
                f"an {self.params.name} ciphertext is {self.params.ciphertext_bytes} bytes, "
                f"got {len(ciphertext)}"
            )
        if self.seed is not None:
            key = _cryptography_private(self.params, self.seed)
            if key is not None:
                return key.decapsulate(ciphertext)
        return self.params.kyber.decaps(self.dk, ciphertext)


def generate(spec: str) -> tuple[bytes, bytes]:
    """(SPKI DER, PKCS#8 DER in seed form) of a new key pair."""
    params = PARAMS[spec]
    seed = secrets.token_bytes(SEED_BYTES)
    key = _cryptography_private(params, seed)
    if key is not None:
        public = key.public_key()
        return (
            public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    private = PrivateKey.from_seed(params, seed)
    return private.public_key().spki(), private.pkcs8()


def parse_public(
    params: Params, algorithm_params: list[_der.Element], key_bits: bytes
) -> PublicKey:
    if algorithm_params:
        raise MLKEMError(f"the {params.name} AlgorithmIdentifier must have no parameters")
    return PublicKey(params, key_bits)


def parse_private(
    params: Params, algorithm_params: list[_der.Element], private_key: bytes
) -> PrivateKey:
    """The PKCS#8 ``privateKey`` contents in any of the three forms of the LAMPS draft."""
    what = f"{params.name} private key"
    if algorithm_params:
        raise MLKEMError(f"the {params.name} AlgorithmIdentifier must have no parameters")
    try:
        element = _der.parse(private_key, what)
        if element.tag == _der.context_tag(0, constructed=False):
            return PrivateKey.from_seed(params, element.content)
        if element.tag == _der.OCTET_STRING:
            return PrivateKey.from_expanded(params, element.content)
        if element.tag == _der.SEQUENCE:
            items = _der.children(element, what)
            if len(items) != 2:
                raise MLKEMError(f"{what}: the 'both' form is SEQUENCE {{ seed, expandedKey }}")
            seed = _der.read_octet_string(items[0], f"{what} seed")
            expanded = _der.read_octet_string(items[1], f"{what} expandedKey")
            key = PrivateKey.from_seed(params, seed)
            if key.dk != expanded:
                raise MLKEMError(f"{what}: the seed and the expanded key do not match")
            return key
    except _der.DerError as exc:
        raise MLKEMError(str(exc)) from None
    raise MLKEMError(f"{what}: expected the seed, expandedKey or both form")


# --------------------------------------------------------------------------- AES-GCM demo

_SEAL_LABEL = b"kmsworkbench ML-KEM seal v1"
_NONCE_BYTES = 12


def _seal_aad(public: PublicKey) -> bytes:
    return _SEAL_LABEL + hashlib.sha256(public.spki()).digest()


def seal(public: PublicKey, message: bytes) -> bytes:
    """Encrypt ``message`` to the holder of the private key (KEM + AES-256-GCM).

    Blob format: ``ML-KEM ciphertext (768/1088/1568 bytes) || 12-byte nonce || AES-256-GCM
    ciphertext with its 16-byte tag``. The AES key is the 32-byte ML-KEM shared secret itself
    (FIPS 203 allows using it directly as a symmetric key); the associated data is the ASCII
    label ``kmsworkbench ML-KEM seal v1`` followed by SHA-256 of the recipient's SPKI, which
    binds the blob to that public key.
    """
    kem_ct, secret = public.encapsulate()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return kem_ct + nonce + AESGCM(secret).encrypt(nonce, message, _seal_aad(public))


def open_sealed(private: PrivateKey, blob: bytes) -> bytes:
    """The message of a ``seal`` blob; ``MLKEMError`` if it is malformed or was changed."""
    size = private.params.ciphertext_bytes
    if len(blob) < size + _NONCE_BYTES + 16:
        raise MLKEMError(f"an {private.params.name} sealed message is too short")
    secret = private.decapsulate(blob[:size])
    nonce = blob[size : size + _NONCE_BYTES]
    try:
        return AESGCM(secret).decrypt(
            nonce, blob[size + _NONCE_BYTES :], _seal_aad(private.public_key())
        )
    except InvalidTag:
        raise MLKEMError(
            "the sealed message does not open: wrong key, or the blob was changed"
        ) from None
