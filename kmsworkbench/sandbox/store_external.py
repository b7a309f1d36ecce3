"""The store's tables for imported key material, custom key stores and multi-Region keys.

Kept beside ``store.py`` (same connection, same transactions: every function takes the
:class:`~kmsworkbench.sandbox.store.Store` and runs inside the caller's transaction) so that
the SQL of these three areas is in one place:

- ``import_tokens``: each GetParametersForImport answer: the wrapping key pair's private
  key (the sandbox's own secret, like ``key_material``), the algorithm, and when the token
  stops being valid. The token itself is never stored, only its SHA-256.
- ``imported_material``: what AWS tracks about each imported key material (expiration
  model, ValidTo, description, whether it is imported now, its rotation state); the secret
  lives in ``key_material`` as for every key, except for material imported for a rotation
  that has not happened yet (``pending_secret``).
- ``custom_key_stores`` and ``custom_store_keys``: simulated CloudHSM and external key
  stores, and which keys live in them. Passwords and proxy secrets are not kept: only a
  salted scrypt hash of the one given at creation (the simulated cluster's or proxy's own),
  and whether the latest one given matches it.
- ``multi_region_keys``: the primary Region of each multi-Region key (its replicas are the
  rows of ``keys`` with the same ``mrk-`` id in other Regions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsworkbench.sandbox.store import Store

# The tables are made by migration step 2 (kmsworkbench.sandbox.migrations).

# Tables whose rows hang off one key (region, key_id): deleted with it.
PER_KEY_TABLES = ("import_tokens", "imported_material", "custom_store_keys")


def delete_key_rows(store: Store, region: str, key_id: str) -> None:
    for table in PER_KEY_TABLES:
        store.conn.execute(f"DELETE FROM {table} WHERE region = ? AND key_id = ?", (region, key_id))
    remaining = store.conn.execute(
        "SELECT COUNT(*) FROM keys WHERE key_id = ? AND NOT (region = ?)", (key_id, region)
    ).fetchone()[0]
    if not remaining:
        store.conn.execute("DELETE FROM multi_region_keys WHERE key_id = ?", (key_id,))


# --- import tokens ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportToken:
    region: str
    key_id: str
    algorithm: str
    wrapping_spec: str
    private_der: bytes
    valid_to: float

    def __repr__(self) -> str:  # never show the wrapping private key
        return f"ImportToken({self.key_id!r}, {self.algorithm}, valid_to={self.valid_to})"


def put_import_token(store: Store, token_hash: str, token: ImportToken) -> None:
    store.conn.execute(
        "INSERT INTO import_tokens (token_hash, region, key_id, algorithm, wrapping_spec, "
        "private_der, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            token_hash,
            token.region,
            token.key_id,
            token.algorithm,
            token.wrapping_spec,
            store._seal(
                token.region, token.key_id, "import-token:" + token_hash, token.private_der
            ),
            token.valid_to,
        ),
    )


def get_import_token(store: Store, token_hash: str) -> ImportToken | None:
    row = store.conn.execute(
        "SELECT region, key_id, algorithm, wrapping_spec, private_der, valid_to "
        "FROM import_tokens WHERE token_hash = ?",
        (token_hash,),
    ).fetchone()
    if row is None:
        return None
    region, key_id = str(row[0]), str(row[1])
    private_der = store._unseal(region, key_id, "import-token:" + token_hash, bytes(row[4]))
    return ImportToken(region, key_id, str(row[2]), str(row[3]), private_der, row[5])


def drop_import_tokens_before(store: Store, moment: float) -> None:
    """Forget tokens that expired long ago (an expired token is still recognised as such
    for a while, so ImportKeyMaterial can say ExpiredImportTokenException)."""
    store.conn.execute("DELETE FROM import_tokens WHERE valid_to < ?", (moment,))


# --- imported material -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedMaterial:
    region: str
    key_id: str
    material_id: str
    expiration_model: str
    valid_to: float | None
    description: str | None
    imported: bool
    rotation_state: str  # CURRENT, NON_CURRENT, PENDING_ROTATION
    pending_secret: bytes | None
    created: float

    def __repr__(self) -> str:
        return f"ImportedMaterial({self.key_id!r}, {self.material_id[:8]}, {self.rotation_state})"


_IM_COLUMNS = (
    "region, key_id, material_id, expiration_model, valid_to, description, imported, "
    "rotation_state, pending_secret, created"
)


def _imported(store: Store, row: tuple[object, ...]) -> ImportedMaterial:
    pending = None
    if row[8] is not None:
        pending = store._unseal(str(row[0]), str(row[1]), "pending:" + str(row[2]), bytes(row[8]))  # type: ignore[arg-type]
    return ImportedMaterial(
        region=str(row[0]),
        key_id=str(row[1]),
        material_id=str(row[2]),
        expiration_model=str(row[3]),
        valid_to=None if row[4] is None else float(row[4]),  # type: ignore[arg-type]
        description=None if row[5] is None else str(row[5]),
        imported=bool(row[6]),
        rotation_state=str(row[7]),
        pending_secret=pending,
        created=float(row[9]),  # type: ignore[arg-type]
    )


def imported_materials(store: Store, region: str, key_id: str) -> list[ImportedMaterial]:
    rows = store.conn.execute(
        f"SELECT {_IM_COLUMNS} FROM imported_material WHERE region = ? AND key_id = ? "
        "ORDER BY created, material_id",
        (region, key_id),
    ).fetchall()
    return [_imported(store, r) for r in rows]


def put_imported_material(store: Store, m: ImportedMaterial) -> None:
    store.conn.execute(
        f"INSERT INTO imported_material ({_IM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (region, key_id, material_id) DO UPDATE SET "
        "expiration_model = excluded.expiration_model, valid_to = excluded.valid_to, "
        "description = excluded.description, imported = excluded.imported, "
        "rotation_state = excluded.rotation_state, pending_secret = excluded.pending_secret",
        (
            m.region,
            m.key_id,
            m.material_id,
            m.expiration_model,
            m.valid_to,
            m.description,
            int(m.imported),
            m.rotation_state,
            store._seal(m.region, m.key_id, "pending:" + m.material_id, m.pending_secret),
            m.created,
        ),
    )


def expired_materials(store: Store, now: float) -> list[ImportedMaterial]:
    rows = store.conn.execute(
        f"SELECT {_IM_COLUMNS} FROM imported_material "
        "WHERE imported = 1 AND valid_to IS NOT NULL AND valid_to <= ?",
        (now,),
    ).fetchall()
    return [_imported(store, r) for r in rows]


def put_material(
    store: Store,
    region: str,
    key_id: str,
    material_id: str,
    secret: bytes | None,
    public_der: bytes | None,
    *,
    created: float,
    rotation_type: str | None = None,
) -> None:
    """Imported material into ``key_material``: a material the key has not had becomes its
    current material (as ``Store.add_material`` does); one it has (reimported, or removed
    with ``secret=None``) only gets its secret back or loses it, keeping the row so
    ciphertexts under it are recognised."""
    known = store.conn.execute(
        "SELECT 1 FROM key_material WHERE region = ? AND key_id = ? AND material_id = ?",
        (region, key_id, material_id),
    ).fetchone()
    if known is None:
        store.add_material(
            region, key_id, material_id, secret, public_der,
            created=created, rotation_type=rotation_type,
        )  # fmt: skip
        return
    store.conn.execute(
        "UPDATE key_material SET secret = ?, public_der = COALESCE(?, public_der) "
        "WHERE region = ? AND key_id = ? AND material_id = ?",
        (store._seal(region, key_id, material_id, secret), public_der, region, key_id, material_id),
    )


def copy_materials(store: Store, key_id: str, source: str, target: str) -> None:
    """A new replica gets its primary's key material, history and current material (each
    secret unsealed from the primary's row and sealed again for the replica's)."""
    rows = store.conn.execute(
        "SELECT material_id, secret, public_der, created, rotation_type, rotated "
        "FROM key_material WHERE region = ? AND key_id = ?",
        (source, key_id),
    ).fetchall()
    for material_id, sealed, public_der, created, rotation_type, rotated in rows:
        secret = (
            None if sealed is None else store._unseal(source, key_id, material_id, bytes(sealed))
        )
        store.conn.execute(
            "INSERT INTO key_material (region, key_id, material_id, secret, public_der, created, "
            "rotation_type, rotated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (target, key_id, material_id, store._seal(target, key_id, material_id, secret),
             public_der, created, rotation_type, rotated),
        )  # fmt: skip
    store.conn.execute(
        "UPDATE keys SET current_material = (SELECT current_material FROM keys "
        "WHERE region = ? AND key_id = ?) WHERE region = ? AND key_id = ?",
        (source, key_id, target, key_id),
    )


# --- custom key stores -----------------------------------------------------------------

CKS_COLUMNS = (
    "region",
    "store_id",
    "name",
    "store_type",
    "cluster_id",
    "trust_anchor",
    "backing_hash",
    "credential_ok",
    "xks_endpoint",
    "xks_path",
    "xks_connectivity",
    "xks_vpc_service",
    "xks_vpc_owner",
    "xks_access_key",
    "state",
    "state_since",
    "error_code",
    "created",
)


@dataclass(frozen=True, slots=True)
class CustomKeyStore:
    region: str
    store_id: str
    name: str
    store_type: str  # AWS_CLOUDHSM or EXTERNAL_KEY_STORE
    cluster_id: str | None
    trust_anchor: str | None
    backing_hash: str  # salted scrypt of the credential given at creation
    # Whether the credential KMS was last told (kmsuser password, XKS proxy credential) is
    # the one the simulated cluster or proxy has: the one given at creation.
    credential_ok: int
    xks_endpoint: str | None
    xks_path: str | None
    xks_connectivity: str | None
    xks_vpc_service: str | None
    xks_vpc_owner: str | None
    xks_access_key: str | None
    state: str  # as stored: CONNECTING, CONNECTED, DISCONNECTING, DISCONNECTED, FAILED
    state_since: float
    error_code: str | None
    created: float

    def __repr__(self) -> str:
        return f"CustomKeyStore({self.store_id!r}, {self.store_type}, {self.state})"


def _cks(row: tuple[object, ...]) -> CustomKeyStore:
    return CustomKeyStore(*row)  # type: ignore[arg-type]


def put_custom_key_store(store: Store, cks: CustomKeyStore) -> None:
    names = ", ".join(CKS_COLUMNS)
    marks = ", ".join("?" for _ in CKS_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in CKS_COLUMNS[2:])
    store.conn.execute(
        f"INSERT INTO custom_key_stores ({names}) VALUES ({marks}) "
        f"ON CONFLICT (region, store_id) DO UPDATE SET {updates}",
        tuple(getattr(cks, c) for c in CKS_COLUMNS),
    )


def get_custom_key_store(store: Store, region: str, store_id: str) -> CustomKeyStore | None:
    row = store.conn.execute(
        f"SELECT {', '.join(CKS_COLUMNS)} FROM custom_key_stores WHERE region = ? AND store_id = ?",
        (region, store_id),
    ).fetchone()
    return None if row is None else _cks(row)


def list_custom_key_stores(
    store: Store, region: str, after: str | None, limit: int
) -> list[CustomKeyStore]:
    rows = store.conn.execute(
        f"SELECT {', '.join(CKS_COLUMNS)} FROM custom_key_stores "
        "WHERE region = ? AND store_id > ? ORDER BY store_id LIMIT ?",
        (region, after or "", limit),
    ).fetchall()
    return [_cks(r) for r in rows]


def all_custom_key_stores(store: Store, region: str) -> list[CustomKeyStore]:
    return list_custom_key_stores(store, region, None, 1_000_000)


def delete_custom_key_store(store: Store, region: str, store_id: str) -> None:
    store.conn.execute(
        "DELETE FROM custom_key_stores WHERE region = ? AND store_id = ?", (region, store_id)
    )


def put_store_key(
    store: Store, region: str, key_id: str, store_id: str, xks_key_id: str | None
) -> None:
    store.conn.execute(
        "INSERT INTO custom_store_keys (region, key_id, store_id, xks_key_id) VALUES (?, ?, ?, ?)",
        (region, key_id, store_id, xks_key_id),
    )


def store_of_key(store: Store, region: str, key_id: str) -> tuple[str, str | None] | None:
    """(custom key store id, XKS key id) of a key in a custom key store."""
    row = store.conn.execute(
        "SELECT store_id, xks_key_id FROM custom_store_keys WHERE region = ? AND key_id = ?",
        (region, key_id),
    ).fetchone()
    return None if row is None else (str(row[0]), None if row[1] is None else str(row[1]))


def count_store_keys(store: Store, region: str, store_id: str) -> int:
    row = store.conn.execute(
        "SELECT COUNT(*) FROM custom_store_keys WHERE region = ? AND store_id = ?",
        (region, store_id),
    ).fetchone()
    return int(row[0])


def xks_key_in_use(store: Store, region: str, store_id: str, xks_key_id: str) -> bool:
    row = store.conn.execute(
        "SELECT 1 FROM custom_store_keys WHERE region = ? AND store_id = ? AND xks_key_id = ?",
        (region, store_id, xks_key_id),
    ).fetchone()
    return row is not None


# --- multi-Region keys -----------------------------------------------------------------


def primary_region(store: Store, key_id: str) -> str | None:
    row = store.conn.execute(
        "SELECT primary_region FROM multi_region_keys WHERE key_id = ?", (key_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def set_primary_region(store: Store, key_id: str, region: str) -> None:
    store.conn.execute(
        "INSERT INTO multi_region_keys (key_id, primary_region) VALUES (?, ?) "
        "ON CONFLICT (key_id) DO UPDATE SET primary_region = excluded.primary_region",
        (key_id, region),
    )


def set_pending_window(store: Store, key_id: str, days: int | None) -> None:
    store.conn.execute(
        "UPDATE multi_region_keys SET pending_window = ? WHERE key_id = ?", (days, key_id)
    )


def regions_of_key(store: Store, key_id: str) -> list[str]:
    rows = store.conn.execute(
        "SELECT region FROM keys WHERE key_id = ? ORDER BY region", (key_id,)
    ).fetchall()
    return [str(r[0]) for r in rows]


def primaries_awaiting_replica_deletion(store: Store) -> list[tuple[str, str, int]]:
    """(region, key id, pending window) of primaries in PendingReplicaDeletion."""
    rows = store.conn.execute(
        "SELECT k.region, k.key_id, COALESCE(m.pending_window, 30) FROM keys k "
        "JOIN multi_region_keys m ON m.key_id = k.key_id AND m.primary_region = k.region "
        "WHERE k.state = 'PendingReplicaDeletion'"
    ).fetchall()
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
