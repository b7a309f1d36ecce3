"""The sandbox's persistent state: one SQLite database in the data folder.

- ``<data_dir>/sandbox.sqlite3``, created 0600 in a 0700 folder (``kmsworkbench.paths``).
- WAL mode and a generous busy timeout, so several processes (the TUI, a server, a CLI) can
  share one folder; every change runs inside one ``BEGIN IMMEDIATE`` transaction.
- One connection per :class:`Store`, guarded by a lock: a Store may be shared by threads.

Tables (``migrations``: the schema as ordered steps): ``meta`` (schema version, account id,
default Region, credentials, seeded Regions), ``keys`` (per Region), ``key_material`` (the KMS
keys' own secret material -- the sandbox's stand-in for an HSM; data key pairs are never
stored), ``aliases``, ``tags`` and ``grants``.

Opening (``storefile``) checks before it writes anything: a zero-length, foreign, damaged
or newer store raises :class:`StoreError` and is left exactly as it was. A new store is made
whole under a temporary name and linked into place, so no process ever sees half a store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kmsworkbench.paths import FILE_MODE, ensure_private_dir, remove_stale_temps
from kmsworkbench.sandbox import atrest, integrity, store_external
from kmsworkbench.sandbox.integrity import StoreDamagedError, StoreError, StoreTooNewError
from kmsworkbench.sandbox.migrations import SCHEMA_VERSION
from kmsworkbench.sandbox.storefile import (
    DB_NAME,
    create_store,
    exclusive_folder,
    hold_folder,
    open_checked,
)

__all__ = [
    "DB_NAME",
    "SCHEMA_VERSION",
    "Store",
    "StoreDamagedError",
    "StoreError",
    "StoreTooNewError",
    "exclusive_folder",
]


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


class Store:
    """The SQLite store of one data folder. Use every query inside :meth:`transaction`."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = ensure_private_dir(Path(data_dir).expanduser())
        self.path = self.data_dir / DB_NAME
        self._lock = threading.RLock()
        self._owner: int | None = None  # the thread inside the outermost transaction
        self._conn: sqlite3.Connection | None = None
        self.damage: str | None = None  # set when SQLite reports damage while running
        self.sealer: atrest.MaterialSealer | None = None
        folder_fd = hold_folder(self.data_dir, self.path)
        # Closed by close(), or when the Store is garbage collected unclosed.
        self._release_folder = weakref.finalize(self, os.close, folder_fd)
        try:
            remove_stale_temps(self.data_dir, DB_NAME)
            if not self.path.exists() and not self.path.is_symlink():
                create_store(self.path)
            self._conn = open_checked(self.path)
            # Key material encrypted at rest (atrest): asked for or read once per process.
            self.sealer = atrest.sealer_for(self._conn, self.path)
        except BaseException:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._release_folder()
            raise
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).chmod(FILE_MODE)

    # --- plumbing -----------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the sandbox store is closed")
        return self._conn

    def held_by_this_thread(self) -> bool:
        """True while the calling thread is inside one of this Store's transactions."""
        return self._owner == threading.get_ident()

    @contextlib.contextmanager
    def transaction(
        self, write: bool = False, durable: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """One transaction (``BEGIN IMMEDIATE`` when ``write``), holding the Store's lock.
        Nested use joins the outer transaction. ``durable=False`` commits with
        ``synchronous = NORMAL`` (no fsync: durable across a process crash, not across a
        power loss); only the call records (``recorder``) are written so."""
        with self._lock:
            conn = self.conn
            if self.damage is not None:
                raise StoreDamagedError(self.path, self.damage)
            if conn.in_transaction:
                yield conn
                return
            self._owner = threading.get_ident()
            try:
                if not durable:
                    conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if not integrity.is_damage(exc):
                    raise
                # Found damaged while running: from now on this Store refuses every
                # transaction (nothing more is written to it) with the same message.
                self.damage = integrity.damage_problem(exc)
                raise StoreDamagedError(self.path, self.damage) from None
            finally:
                self._owner = None
                if not durable:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("PRAGMA synchronous = FULL")

    def snapshot(self) -> bytes:
        """A consistent image of the whole store (SQLite's online backup API, one read
        transaction, so concurrent writers in other processes are fine), as the bytes of a
        rollback-journal database file (a WAL flag would keep it from being deserialised)."""
        with self._lock:
            copy = sqlite3.connect(":memory:")
            try:
                self.conn.backup(copy)
                image = bytearray(copy.serialize())
            finally:
                copy.close()
        image[18:20] = b"\x01\x01"  # file format read/write versions: legacy, not WAL
        return bytes(image)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                self._release_folder()

    @property
    def closed(self) -> bool:
        return self._conn is None

    # --- meta ---------------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def insert_meta_if_absent(self, name: str, value: str) -> str:
        """Set ``name`` unless it is set already; return the stored value."""
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, value),
        )
        stored = self.get_meta(name)
        assert stored is not None
        return stored

    # --- keys ---------------------------------------------------------------------------

    def insert_key(
        self,
        record: KeyRecord,
    ) -> None:
        self.conn.execute(
            "INSERT INTO keys (region, key_id, created, description, key_usage, key_spec, "
            "origin, key_manager, state, deletion_date, multi_region, current_material) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.region,
                record.key_id,
                record.created,
                record.description,
                record.key_usage,
                record.key_spec,
                record.origin,
                record.key_manager,
                record.state,
                record.deletion_date,
                int(record.multi_region),
                record.material_id,
            ),
        )
        if record.material_id is not None:
            self.conn.execute(
                "INSERT INTO key_material (region, key_id, material_id, secret, public_der, "
                "created) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.region,
                    record.key_id,
                    record.material_id,
                    self._seal(record.region, record.key_id, record.material_id, record.secret),
                    record.public_der,
                    record.created,
                ),
            )

    def get_key(self, region: str, key_id: str) -> KeyRecord | None:
        row = self.conn.execute(
            f"SELECT {_KEY_COLUMNS} FROM keys k LEFT JOIN key_material m "
            "ON m.region = k.region AND m.key_id = k.key_id "
            "AND m.material_id = k.current_material "
            "WHERE k.region = ? AND k.key_id = ?",
            (region, key_id),
        ).fetchone()
        if row is None:
            return None
        record = _key(row)
        if record.secret is None or record.material_id is None:
            return record
        secret = self._unseal(region, key_id, record.material_id, record.secret)
        return dataclasses.replace(record, secret=secret)

    def get_material(self, region: str, key_id: str, material_id: str) -> bytes | None:
        row = self.conn.execute(
            "SELECT secret FROM key_material WHERE region = ? AND key_id = ? AND material_id = ?",
            (region, key_id, material_id),
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return self._unseal(region, key_id, material_id, bytes(row[0]))

    # The two hooks of key material at rest (sandbox/atrest.py): every material write and
    # read goes through them.
    def _seal(
        self, region: str, key_id: str, material_id: str, secret: bytes | None
    ) -> bytes | None:
        if self.sealer is None or secret is None:
            return secret
        return self.sealer.seal(region, key_id, material_id, secret)

    def _unseal(self, region: str, key_id: str, material_id: str, stored: bytes) -> bytes:
        if self.sealer is None:
            return atrest.unseal_plain(stored, key_id, self.path)
        return self.sealer.unseal(region, key_id, material_id, stored)

    def list_key_ids(self, region: str, after: str | None, limit: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT key_id FROM keys WHERE region = ? AND key_id > ? ORDER BY key_id LIMIT ?",
            (region, after or "", limit),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def count_keys(self, region: str) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM keys WHERE region = ?", (region,)).fetchone()
        return int(row[0])

    def update_key(self, region: str, key_id: str, **fields: object) -> None:
        allowed = {"state", "deletion_date", "description"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"cannot update {sorted(fields)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.conn.execute(
            f"UPDATE keys SET {assignments} WHERE region = ? AND key_id = ?",
            (*fields.values(), region, key_id),
        )

    def due_deletions(self, now: float) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT region, key_id FROM keys WHERE deletion_date IS NOT NULL "
            "AND deletion_date <= ?",
            (now,),
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def delete_key(self, region: str, key_id: str) -> None:
        """Delete a key and everything that hangs off it (material, aliases, tags, grants)."""
        for table in (
            "keys",
            "key_material",
            "tags",
            "grants",
            "key_rotation",
            "key_policies",
            "key_last_usage",
        ):
            self.conn.execute(
                f"DELETE FROM {table} WHERE region = ? AND key_id = ?", (region, key_id)
            )
        self.conn.execute("DELETE FROM aliases WHERE region = ? AND key_id = ?", (region, key_id))
        store_external.delete_key_rows(self, region, key_id)

    # --- aliases ------------------------------------------------------------------------

    def get_alias(self, region: str, name: str) -> AliasRecord | None:
        row = self.conn.execute(
            "SELECT name, key_id, created, updated FROM aliases WHERE region = ? AND name = ?",
            (region, name),
        ).fetchone()
        return None if row is None else AliasRecord(*row)

    def put_alias(self, region: str, name: str, key_id: str | None, created: float | None) -> None:
        self.conn.execute(
            "INSERT INTO aliases (region, name, key_id, created, updated) VALUES (?, ?, ?, ?, ?)",
            (region, name, key_id, created, created),
        )

    def retarget_alias(self, region: str, name: str, key_id: str, now: float) -> None:
        self.conn.execute(
            "UPDATE aliases SET key_id = ?, updated = ?, created = COALESCE(created, ?) "
            "WHERE region = ? AND name = ?",
            (key_id, now, now, region, name),
        )

    def delete_alias(self, region: str, name: str) -> None:
        self.conn.execute("DELETE FROM aliases WHERE region = ? AND name = ?", (region, name))

    def list_aliases(
        self, region: str, key_id: str | None, after: str | None, limit: int
    ) -> list[AliasRecord]:
        if key_id is None:
            rows = self.conn.execute(
                "SELECT name, key_id, created, updated FROM aliases "
                "WHERE region = ? AND name > ? ORDER BY name LIMIT ?",
                (region, after or "", limit),
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT name, key_id, created, updated FROM aliases "
                "WHERE region = ? AND key_id = ? AND name > ? ORDER BY name LIMIT ?",
                (region, key_id, after or "", limit),
            ).fetchall()
        return [AliasRecord(*r) for r in rows]

    # --- tags ---------------------------------------------------------------------------

    def list_tags(
        self, region: str, key_id: str, after: str | None, limit: int
    ) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT tag_key, value FROM tags WHERE region = ? AND key_id = ? AND tag_key > ? "
            "ORDER BY tag_key LIMIT ?",
            (region, key_id, after or "", limit),
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def tag_keys(self, region: str, key_id: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT tag_key FROM tags WHERE region = ? AND key_id = ?", (region, key_id)
        ).fetchall()
        return {str(r[0]) for r in rows}

    def put_tags(self, region: str, key_id: str, tags: list[tuple[str, str]]) -> None:
        self.conn.executemany(
            "INSERT INTO tags (region, key_id, tag_key, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (region, key_id, tag_key) DO UPDATE SET value = excluded.value",
            [(region, key_id, k, v) for k, v in tags],
        )

    def remove_tags(self, region: str, key_id: str, tag_keys: list[str]) -> None:
        self.conn.executemany(
            "DELETE FROM tags WHERE region = ? AND key_id = ? AND tag_key = ?",
            [(region, key_id, k) for k in tag_keys],
        )

    # --- grants -------------------------------------------------------------------------

    def insert_grant(self, grant: GrantRecord) -> None:
        self.conn.execute(
            f"INSERT INTO grants ({_GRANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                grant.grant_id,
                grant.region,
                grant.key_id,
                grant.token,
                grant.name,
                grant.grantee,
                grant.retiring,
                json.dumps(grant.operations),
                None if grant.constraints is None else json.dumps(grant.constraints),
                grant.created,
            ),
        )

    def get_grant(self, grant_id: str) -> GrantRecord | None:
        row = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE grant_id = ?", (grant_id,)
        ).fetchone()
        return None if row is None else _grant(row)

    def get_grant_by_token(self, token: str) -> GrantRecord | None:
        row = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE token = ?", (token,)
        ).fetchone()
        return None if row is None else _grant(row)

    def find_grant_by_name(self, region: str, key_id: str, name: str) -> GrantRecord | None:
        row = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE region = ? AND key_id = ? AND name = ?",
            (region, key_id, name),
        ).fetchone()
        return None if row is None else _grant(row)

    def list_grants(
        self, region: str, key_id: str, after: str | None, limit: int
    ) -> list[GrantRecord]:
        rows = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE region = ? AND key_id = ? "
            "AND grant_id > ? ORDER BY grant_id LIMIT ?",
            (region, key_id, after or "", limit),
        ).fetchall()
        return [_grant(r) for r in rows]

    def delete_grant(self, grant_id: str) -> None:
        self.conn.execute("DELETE FROM grants WHERE grant_id = ?", (grant_id,))

    # --- key material history and rotation ------------------------------------------------

    def add_material(
        self,
        region: str,
        key_id: str,
        material_id: str,
        secret: bytes | None,
        public_der: bytes | None,
        *,
        created: float,
        rotation_type: str | None,
    ) -> None:
        """Add key material to a key and make it the current material."""
        self.conn.execute(
            "INSERT INTO key_material (region, key_id, material_id, secret, public_der, "
            "created, rotation_type, rotated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                region,
                key_id,
                material_id,
                self._seal(region, key_id, material_id, secret),
                public_der,
                created,
                rotation_type,
                None if rotation_type is None else created,
            ),
        )
        self.conn.execute(
            "UPDATE keys SET current_material = ? WHERE region = ? AND key_id = ?",
            (material_id, region, key_id),
        )

    def materials(self, region: str, key_id: str) -> list[MaterialRecord]:
        """A key's materials, oldest first (no secrets)."""
        rows = self.conn.execute(
            "SELECT m.material_id, m.created, m.rotation_type, m.rotated, "
            "m.material_id = k.current_material FROM key_material m JOIN keys k "
            "ON k.region = m.region AND k.key_id = m.key_id "
            "WHERE m.region = ? AND m.key_id = ? "
            "ORDER BY m.rotated IS NOT NULL, m.rotated, m.created, m.material_id",
            (region, key_id),
        ).fetchall()
        return [
            MaterialRecord(
                material_id=str(r[0]),
                created=None if r[1] is None else float(r[1]),
                rotation_type=None if r[2] is None else str(r[2]),
                rotated=None if r[3] is None else float(r[3]),
                current=bool(r[4]),
            )
            for r in rows
        ]

    def get_rotation(self, region: str, key_id: str) -> tuple[int, float] | None:
        """(period in days, next rotation date) while automatic rotation is enabled."""
        row = self.conn.execute(
            "SELECT period_days, next_rotation FROM key_rotation WHERE region = ? AND key_id = ?",
            (region, key_id),
        ).fetchone()
        return None if row is None else (int(row[0]), float(row[1]))

    def set_rotation(
        self, region: str, key_id: str, period_days: int, next_rotation: float
    ) -> None:
        self.conn.execute(
            "INSERT INTO key_rotation (region, key_id, period_days, next_rotation) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (region, key_id) DO UPDATE SET "
            "period_days = excluded.period_days, next_rotation = excluded.next_rotation",
            (region, key_id, period_days, next_rotation),
        )

    def clear_rotation(self, region: str, key_id: str) -> None:
        self.conn.execute(
            "DELETE FROM key_rotation WHERE region = ? AND key_id = ?", (region, key_id)
        )

    def due_rotations(self, now: float) -> list[tuple[str, str, int, float]]:
        """(region, key id, period, next date) of Enabled keys whose rotation is due."""
        rows = self.conn.execute(
            "SELECT r.region, r.key_id, r.period_days, r.next_rotation FROM key_rotation r "
            "JOIN keys k ON k.region = r.region AND k.key_id = r.key_id "
            "WHERE r.next_rotation <= ? AND k.state = 'Enabled'",
            (now,),
        ).fetchall()
        return [(str(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in rows]

    # --- key policies -------------------------------------------------------------------

    def get_policy(self, region: str, key_id: str, name: str) -> str | None:
        row = self.conn.execute(
            "SELECT policy FROM key_policies WHERE region = ? AND key_id = ? AND name = ?",
            (region, key_id, name),
        ).fetchone()
        return None if row is None else str(row[0])

    def put_policy(self, region: str, key_id: str, name: str, policy: str) -> None:
        self.conn.execute(
            "INSERT INTO key_policies (region, key_id, name, policy) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (region, key_id, name) DO UPDATE SET policy = excluded.policy",
            (region, key_id, name, policy),
        )

    # --- last usage ---------------------------------------------------------------------

    def set_last_usage(
        self,
        region: str,
        key_id: str,
        operation: str,
        used: float,
        request_id: str | None,
        event_id: str | None,
    ) -> None:
        """Record a successful cryptographic operation (ignored if the key is gone)."""
        self.conn.execute(
            "INSERT INTO key_last_usage (region, key_id, operation, used, request_id, event_id) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM keys WHERE region = ? AND key_id = ?) "
            "ON CONFLICT (region, key_id) DO UPDATE SET operation = excluded.operation, "
            "used = excluded.used, request_id = excluded.request_id, "
            "event_id = excluded.event_id",
            (region, key_id, operation, used, request_id, event_id, region, key_id),
        )

    def set_last_usages(
        self, rows: list[tuple[str, str, str, float, str | None, str | None]]
    ) -> None:
        """:meth:`set_last_usage` for each (region, key id, operation, time, request id,
        event id), in order."""
        self.conn.executemany(
            "INSERT INTO key_last_usage (region, key_id, operation, used, request_id, event_id) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM keys WHERE region = ? AND key_id = ?) "
            "ON CONFLICT (region, key_id) DO UPDATE SET operation = excluded.operation, "
            "used = excluded.used, request_id = excluded.request_id, "
            "event_id = excluded.event_id",
            [(*row, row[0], row[1]) for row in rows],
        )

    def get_last_usage(
        self, region: str, key_id: str
    ) -> tuple[str, float, str | None, str | None] | None:
        """(operation, time, request id, trail event id) of the key's last use."""
        row = self.conn.execute(
            "SELECT operation, used, request_id, event_id FROM key_last_usage "
            "WHERE region = ? AND key_id = ?",
            (region, key_id),
        ).fetchone()
        if row is None:
            return None
        return (str(row[0]), float(row[1]), row[2], row[3])

    def list_retirable_grants(
        self, region: str, retiring: str, after: str | None, limit: int
    ) -> list[GrantRecord]:
        rows = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE region = ? AND retiring = ? "
            "AND grant_id > ? ORDER BY grant_id LIMIT ?",
            (region, retiring, after or "", limit),
        ).fetchall()
        return [_grant(r) for r in rows]
