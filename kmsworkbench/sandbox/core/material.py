"""Fresh key material for KMS keys (made outside any transaction: RSA takes a while)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

from kmsworkbench.sandbox.core.specs import HMAC_SIZES, ML_DSA_SPECS


def new_material_id() -> str:
    return secrets.token_hex(32)


def keypairs() -> Any:
    """kmsworkbench.keypairs, imported on first use (it pulls in the crypto backends)."""
    from kmsworkbench import keypairs as kp

    return kp


@dataclass(frozen=True, slots=True)
class NewKey:
    """Material for a key about to be stored."""

    key_spec: str
    material_id: str | None
    secret: bytes | None
    public_der: bytes | None

    def __repr__(self) -> str:
        return f"NewKey({self.key_spec!r})"


def make_material(key_spec: str) -> NewKey:
    """Fresh key material for a KMS key of ``key_spec``."""
    if key_spec == "SYMMETRIC_DEFAULT":
        return NewKey(key_spec, new_material_id(), os.urandom(32), None)
    if key_spec in HMAC_SIZES:
        return NewKey(key_spec, new_material_id(), os.urandom(HMAC_SIZES[key_spec]), None)
    if key_spec in ML_DSA_SPECS:  # KMS keys only, not a data key pair spec
        public_der, private_der = keypairs().mldsa.generate(key_spec)
        return NewKey(key_spec, new_material_id(), private_der, public_der)
    pair = keypairs().generate(key_spec)
    return NewKey(key_spec, new_material_id(), pair.private_der, pair.public_der)
