"""The catalogue of data key pair specs: one entry per ``DataKeyPairSpec`` of the KMS API.

This module is data only; generation and the operations live beside it. Every other layer
(sandbox, service, CLI, TUI) takes spec facts from here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    RSA = "RSA"
    ECC = "ECC"  # NIST and SECG curves, ECDSA
    SM2 = "SM2"  # the Chinese SM2 curve (sm2p256v1): SM2DSA and SM2PKE
    EDDSA = "EDDSA"  # Ed25519
    ML_KEM = "ML_KEM"  # FIPS 203 key encapsulation


RSA_SIGNING = (
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
)
RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")

# China Regions are the only ones where KMS offers SM2 (kms-semantics.md 4.1).
CHINA_REGIONS = frozenset({"cn-north-1", "cn-northwest-1"})


@dataclass(frozen=True, slots=True)
class KeyPairSpec:
    name: str
    family: Family
    size: str  # "2048-bit modulus", "P-256 (secp256r1)", ...
    security_bits: int
    summary: str  # one line a person can read
    recommended_use: str
    signing_algorithms: tuple[str, ...] = ()
    encryption_algorithms: tuple[str, ...] = ()
    key_encapsulation: bool = False
    china_regions_only: bool = False
    # "The ML-KEM key specs are not available in China Regions" (GenerateDataKeyPair, model)
    not_in_china_regions: bool = False
    # GenerateDataKeyPair(WithoutPlaintext) requests per second, per account and Region
    # (kms-semantics.md 1.6, archived guide of 2023). None where AWS publishes no figure
    # that we could verify; the sandbox then applies no special limit.
    quota_per_second: float | None = None
    curve: str | None = None  # OpenSSL's curve name, for ECC and SM2
    key_bits: int = 0

    @property
    def can_sign(self) -> bool:
        return bool(self.signing_algorithms)

    @property
    def can_encrypt(self) -> bool:
        return bool(self.encryption_algorithms)

    def available_in(self, region: str) -> bool:
        if region in CHINA_REGIONS:
            return not self.not_in_china_regions
        return not self.china_regions_only


_ECC_ADVICE = "signing (KMS recommends ECC key pairs for signing)"
_RSA_ADVICE = "encryption or signing, but not both (KMS recommends one use per RSA pair)"

SPECS: dict[str, KeyPairSpec] = {
    s.name: s
    for s in (
        KeyPairSpec(
            "RSA_2048",
            Family.RSA,
            "2048-bit modulus",
            112,
            "RSA, 2048-bit modulus",
            _RSA_ADVICE,
            RSA_SIGNING,
            RSA_ENCRYPTION,
            quota_per_second=1.0,
            key_bits=2048,
        ),
        KeyPairSpec(
            "RSA_3072",
            Family.RSA,
            "3072-bit modulus",
            128,
            "RSA, 3072-bit modulus",
            _RSA_ADVICE,
            RSA_SIGNING,
            RSA_ENCRYPTION,
            quota_per_second=0.5,
            key_bits=3072,
        ),
        KeyPairSpec(
            "RSA_4096",
            Family.RSA,
            "4096-bit modulus",
            152,
            "RSA, 4096-bit modulus",
            _RSA_ADVICE,
            RSA_SIGNING,
            RSA_ENCRYPTION,
            quota_per_second=0.1,
            key_bits=4096,
        ),
        KeyPairSpec(
            "ECC_NIST_P256",
            Family.ECC,
            "P-256 (secp256r1)",
            128,
            "Elliptic curve NIST P-256 (secp256r1)",
            _ECC_ADVICE,
            ("ECDSA_SHA_256",),
            quota_per_second=25.0,
            curve="prime256v1",
            key_bits=256,
        ),
        KeyPairSpec(
            "ECC_NIST_P384",
            Family.ECC,
            "P-384 (secp384r1)",
            192,
            "Elliptic curve NIST P-384 (secp384r1)",
            _ECC_ADVICE,
            ("ECDSA_SHA_384",),
            quota_per_second=10.0,
            curve="secp384r1",
            key_bits=384,
        ),
        KeyPairSpec(
            "ECC_NIST_P521",
            Family.ECC,
            "P-521 (secp521r1)",
            256,
            "Elliptic curve NIST P-521 (secp521r1)",
            _ECC_ADVICE,
            ("ECDSA_SHA_512",),
            quota_per_second=5.0,
            curve="secp521r1",
            key_bits=521,
        ),
        KeyPairSpec(
            "ECC_SECG_P256K1",
            Family.ECC,
            "secp256k1",
            128,
            "Elliptic curve SECG secp256k1 (the curve of Bitcoin and Ethereum)",
            _ECC_ADVICE + "; common for cryptocurrency",
            ("ECDSA_SHA_256",),
            quota_per_second=25.0,
            curve="secp256k1",
            key_bits=256,
        ),
        KeyPairSpec(
            "SM2",
            Family.SM2,
            "SM2 (sm2p256v1)",
            128,
            "Chinese SM2 elliptic curve (GB/T 32918), China Regions only",
            "signing (SM2DSA) or encryption (SM2PKE), not both; only in China Regions",
            ("SM2DSA",),
            ("SM2PKE",),
            china_regions_only=True,
            quota_per_second=25.0,
            curve="SM2",
            key_bits=256,
        ),
        KeyPairSpec(
            "ECC_NIST_EDWARDS25519",
            Family.EDDSA,
            "Ed25519 (edwards25519)",
            128,
            "Edwards curve Ed25519 (RFC 8032)",
            "signing (pure Ed25519, ED25519_SHA_512)",
            ("ED25519_SHA_512",),
            curve="ED25519",
            key_bits=256,
        ),
        KeyPairSpec(
            "ML_KEM_512",
            Family.ML_KEM,
            "ML-KEM-512 (FIPS 203)",
            128,
            "Module-lattice KEM, ML-KEM-512 (post-quantum, NIST category 1)",
            "key encapsulation only (derive a shared secret); no signing or encryption",
            key_encapsulation=True,
            not_in_china_regions=True,
            key_bits=512,
        ),
        KeyPairSpec(
            "ML_KEM_768",
            Family.ML_KEM,
            "ML-KEM-768 (FIPS 203)",
            192,
            "Module-lattice KEM, ML-KEM-768 (post-quantum, NIST category 3)",
            "key encapsulation only (derive a shared secret); no signing or encryption",
            key_encapsulation=True,
            not_in_china_regions=True,
            key_bits=768,
        ),
        KeyPairSpec(
            "ML_KEM_1024",
            Family.ML_KEM,
            "ML-KEM-1024 (FIPS 203)",
            256,
            "Module-lattice KEM, ML-KEM-1024 (post-quantum, NIST category 5)",
            "key encapsulation only (derive a shared secret); no signing or encryption",
            key_encapsulation=True,
            not_in_china_regions=True,
            key_bits=1024,
        ),
    )
}

SPEC_NAMES: tuple[str, ...] = tuple(SPECS)


def get_spec(name: str) -> KeyPairSpec:
    """The spec called ``name``; ``KeyError`` with the valid names if there is none."""
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"unknown key pair spec {name!r}; valid: {', '.join(SPEC_NAMES)}") from None
