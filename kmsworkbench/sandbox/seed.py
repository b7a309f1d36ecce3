"""What a fresh data folder holds, per Region, the first time that Region is used.

The keys are chosen so the key chooser teaches something: one key that can wrap data key
pairs and five that cannot, each saying why in its description. The predefined ``alias/aws/*``
aliases look as they do in a real account: a few point at AWS managed keys (KeyManager AWS),
the rest have no TargetKeyId yet (``core.specs.AWS_MANAGED_ALIASES`` / ``AWS_MANAGED_SEEDED``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsworkbench.sandbox.core import Request

DEMO_ALIAS = "alias/workbench-demo"


@dataclass(frozen=True, slots=True)
class SeedKey:
    key_spec: str
    usage: str
    description: str
    state: str = "Enabled"
    aliases: tuple[str, ...] = ()
    in_cloudhsm_store: bool = False  # in the seeded, connected CloudHSM key store


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
    SeedKey(
        "ECC_NIST_P256",
        "KEY_AGREEMENT",
        "ECC P-256 key agreement key (KEY_AGREEMENT): derives shared secrets "
        "(DeriveSharedSecret), cannot wrap data key pairs",
    ),
    SeedKey(
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "Symmetric key in a CloudHSM key store (connected): encrypts and decrypts, but KMS "
        "cannot wrap data key pairs under keys in custom key stores",
        in_cloudhsm_store=True,
    ),
)


def seed_region(r: Request) -> bool:
    """Give ``r.region`` the teaching keys and the predefined AWS aliases, once per data
    folder (several processes may race; the marker in ``meta`` decides). Returns True if
    this call seeded."""
    from kmsworkbench.sandbox import store_external as X
    from kmsworkbench.sandbox.core import insert_key, make_material
    from kmsworkbench.sandbox.core.specs import (
        AWS_MANAGED_ALIASES,
        AWS_MANAGED_SEEDED,
        RESERVED_ALIAS_PREFIX,
    )
    from kmsworkbench.sandbox.operations.customkeystores import SEED_STORE_NAME, seed_store

    store, region = r.store, r.region
    marker = f"seeded:{region}"
    with store.transaction(write=False):
        if store.get_meta(marker) is not None:
            return False
    materials = [make_material(spec.key_spec) for spec in SEED_KEYS]
    aws_materials = [make_material("SYMMETRIC_DEFAULT") for _ in AWS_MANAGED_SEEDED]
    with store.transaction(write=True):
        if store.get_meta(marker) is not None:
            return False
        store_id = (
            seed_store(r, SEED_STORE_NAME) if any(k.in_cloudhsm_store for k in SEED_KEYS) else None
        )
        for spec, material in zip(SEED_KEYS, materials, strict=True):
            key_id = str(uuid.uuid4())
            insert_key(
                r,
                key_id,
                material,
                usage=spec.usage,
                description=spec.description,
                state=spec.state,
                origin="AWS_CLOUDHSM" if spec.in_cloudhsm_store else "AWS_KMS",
            )
            if spec.in_cloudhsm_store and store_id is not None:
                X.put_store_key(store, region, key_id, store_id, None)
            for alias in spec.aliases:
                store.put_alias(region, alias, key_id, r.now)
        for service in AWS_MANAGED_ALIASES:
            store.put_alias(region, RESERVED_ALIAS_PREFIX + service, None, None)
        for service, material in zip(AWS_MANAGED_SEEDED, aws_materials, strict=True):
            key_id = str(uuid.uuid4())
            insert_key(
                r,
                key_id,
                material,
                usage="ENCRYPT_DECRYPT",
                description=AWS_MANAGED_ALIASES[service],
                key_manager="AWS",
            )
            store.retarget_alias(region, RESERVED_ALIAS_PREFIX + service, key_id, r.now)
        store.set_meta(marker, str(r.now))
    return True
