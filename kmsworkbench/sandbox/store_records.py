"""The rows of the sandbox store as Python records (``store``'s queries return them)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyRecord:
    region: str
    key_id: str
    created: float
    description: str
    key_usage: str
    key_spec: str
    origin: str
    key_manager: str
    state: str
    deletion_date: float | None
    multi_region: bool
    material_id: str | None
    secret: bytes | None  # symmetric / HMAC key material, or a PKCS#8 private key
    public_der: bytes | None

    def __repr__(self) -> str:  # never show the material
        return f"KeyRecord({self.region!r}, {self.key_id!r}, {self.key_spec}, {self.state})"


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    """One of a key's materials, as ListKeyRotations shows it (never the secret)."""

    material_id: str
    created: float | None
    rotation_type: str | None  # AUTOMATIC / ON_DEMAND; None for the first material
    rotated: float | None
    current: bool


@dataclass(frozen=True, slots=True)
class AliasRecord:
    name: str
    key_id: str | None
    created: float | None
    updated: float | None


@dataclass(frozen=True, slots=True)
class GrantRecord:
    grant_id: str
    region: str
    key_id: str
    token: str
    name: str | None
    grantee: str | None
    retiring: str | None
    operations: list[str]
    constraints: dict[str, object] | None
    created: float

    def __repr__(self) -> str:
        return f"GrantRecord({self.grant_id!r}, {self.key_id!r})"


_KEY_COLUMNS = (
    "k.region, k.key_id, k.created, k.description, k.key_usage, k.key_spec, k.origin, "
    "k.key_manager, k.state, k.deletion_date, k.multi_region, m.material_id, m.secret, "
    "m.public_der"
)


def _key(row: tuple[object, ...]) -> KeyRecord:
    return KeyRecord(
        region=str(row[0]),
        key_id=str(row[1]),
        created=float(row[2]),  # type: ignore[arg-type]
        description=str(row[3]),
        key_usage=str(row[4]),
        key_spec=str(row[5]),
        origin=str(row[6]),
        key_manager=str(row[7]),
        state=str(row[8]),
        deletion_date=None if row[9] is None else float(row[9]),  # type: ignore[arg-type]
        multi_region=bool(row[10]),
        material_id=None if row[11] is None else str(row[11]),
        secret=None if row[12] is None else bytes(row[12]),  # type: ignore[arg-type]
        public_der=None if row[13] is None else bytes(row[13]),  # type: ignore[arg-type]
    )


def _grant(row: tuple[object, ...]) -> GrantRecord:
    return GrantRecord(
        grant_id=str(row[0]),
        region=str(row[1]),
        key_id=str(row[2]),
        token=str(row[3]),
        name=None if row[4] is None else str(row[4]),
        grantee=None if row[5] is None else str(row[5]),
        retiring=None if row[6] is None else str(row[6]),
        operations=list(json.loads(str(row[7]))),
        constraints=None if row[8] is None else dict(json.loads(str(row[8]))),
        created=float(row[9]),  # type: ignore[arg-type]
    )


_GRANT_COLUMNS = (
    "grant_id, region, key_id, token, name, grantee, retiring, operations, constraints, created"
)
