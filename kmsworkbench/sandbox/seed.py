"""What a fresh data folder holds, per Region, the first time that Region is used.

The keys are chosen so the key chooser teaches something: one key that can wrap data key
pairs and four that cannot, each saying why in its description. The predefined ``alias/aws/*``
aliases look as they do in a real account: a few point at AWS managed keys (KeyManager AWS),
the rest have no TargetKeyId yet (``engine.AWS_MANAGED_ALIASES`` / ``AWS_MANAGED_SEEDED``).
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_ALIAS = "alias/workbench-demo"


@dataclass(frozen=True, slots=True)
class SeedKey:
    key_spec: str
    usage: str
    description: str
    state: str = "Enabled"
    aliases: tuple[str, ...] = ()


SEED_KEYS: tuple[SeedKey, ...] = (
    SeedKey(
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "Workbench demo key: symmetric encryption (SYMMETRIC_DEFAULT), enabled -- it can wrap "
        "data key pairs",
        aliases=(DEMO_ALIAS,),
    ),
    SeedKey(
        "ECC_NIST_P256",
        "SIGN_VERIFY",
        "ECC P-256 signing key (SIGN_VERIFY): signs and verifies, cannot wrap data key pairs",
    ),
    SeedKey(
        "RSA_2048",
        "ENCRYPT_DECRYPT",
        "RSA 2048 encryption key: asymmetric, so it cannot wrap data key pairs (only "
        "symmetric keys can)",
    ),
    SeedKey(
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "Disabled symmetric key: enable it (EnableKey) before it can wrap data key pairs",
        state="Disabled",
    ),
    SeedKey(
        "HMAC_256",
        "GENERATE_VERIFY_MAC",
        "HMAC-SHA-256 key (GENERATE_VERIFY_MAC): makes and checks MACs, cannot wrap data key pairs",
    ),
)
