"""Key pairs of every KMS data key pair spec: generation, DER/PEM/base64 loading, spec
identification, fingerprints and JWKs, and sign / verify / encrypt / decrypt / encapsulate in
KMS's algorithms and encodings.

ML-DSA signing keys (KMS keys, not data key pairs) are in ``keypairs.mldsa``; ECDH key
agreement as DeriveSharedSecret does it is ``derive_shared_secret`` (``keypairs.ecdh``).

Imports only ``cryptography``, ``kyber_py`` (ML-KEM-512) and the standard library. SM2 is
implemented here (``keypairs.sm2``); see that module for what it does and does not promise.
"""

from __future__ import annotations

from . import mldsa
from .ecdh import KEY_AGREEMENT_SPECS, derive_shared_secret
from .errors import (
    DecryptionError,
    KeyAgreementError,
    KeyFormatError,
    UnsupportedAlgorithmError,
)
from .generate import GeneratedKeyPair, generate
from .keys import (
    PrivateKeyInfo,
    PublicKeyInfo,
    keys_match,
    load_private_key,
    load_public_key,
    spec_of_private_key,
    spec_of_public_key,
)
from .ops import (
    decapsulate,
    decrypt,
    encapsulate,
    encrypt,
    kem_open,
    kem_seal,
    max_plaintext_bytes,
    sign,
    verify,
)
from .sm2 import DEFAULT_ID as SM2_DEFAULT_ID
from .specs import CHINA_REGIONS, SPEC_NAMES, SPECS, Family, KeyPairSpec, get_spec

__all__ = [
    "CHINA_REGIONS",
    "KEY_AGREEMENT_SPECS",
    "SM2_DEFAULT_ID",
    "SPECS",
    "SPEC_NAMES",
    "DecryptionError",
    "Family",
    "GeneratedKeyPair",
    "KeyAgreementError",
    "KeyFormatError",
    "KeyPairSpec",
    "PrivateKeyInfo",
    "PublicKeyInfo",
    "UnsupportedAlgorithmError",
    "decapsulate",
    "decrypt",
    "derive_shared_secret",
    "encapsulate",
    "encrypt",
    "generate",
    "get_spec",
    "kem_open",
    "kem_seal",
    "keys_match",
    "load_private_key",
    "load_public_key",
    "max_plaintext_bytes",
    "mldsa",
    "sign",
    "spec_of_private_key",
    "spec_of_public_key",
    "verify",
]
