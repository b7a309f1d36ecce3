"""The store's key tables: keys, their materials (sealed at rest through ``atrest``), rotation
schedules, key policies and last usage. A part of :class:`~kmsworkbench.sandbox.store.Store`
(a mixin); every query runs inside the Store's transaction."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kmsworkbench.sandbox import atrest, store_external
from kmsworkbench.sandbox.store_records import _KEY_COLUMNS, KeyRecord, MaterialRecord, _key

T = TypeVar("T")


class KeyTables:
    """Queries on keys, key material, rotation, key policies and key last usage."""

    conn: sqlite3.Connection
    path: Path
    sealer: atrest.MaterialSealer | None

    if TYPE_CHECKING:

        def cached(self, key: tuple[object, ...], load: Callable[[], T]) -> T: ...

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
        return self.cached(("key", region, key_id), lambda: self._read_key(region, key_id))

    def _read_key(self, region: str, key_id: str) -> KeyRecord | None:
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
        return self.cached(
            ("policy", region, key_id, name), lambda: self._read_policy(region, key_id, name)
        )

    def _read_policy(self, region: str, key_id: str, name: str) -> str | None:
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
        self.set_last_usages([(region, key_id, operation, used, request_id, event_id)])

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
