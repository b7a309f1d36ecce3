"""The store's tables of names and permissions on keys: aliases, tags and grants. A part of
:class:`~kmsworkbench.sandbox.store.Store` (a mixin); every query runs inside the Store's
transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kmsworkbench.sandbox.store_records import _GRANT_COLUMNS, AliasRecord, GrantRecord, _grant

T = TypeVar("T")


class NameTables:
    """Queries on aliases, tags and grants."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:

        def cached(self, key: tuple[object, ...], load: Callable[[], T]) -> T: ...

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
        key = ("aliases", region, key_id, after, limit)
        return list(self.cached(key, lambda: self._read_aliases(region, key_id, after, limit)))

    def _read_aliases(
        self, region: str, key_id: str | None, after: str | None, limit: int
    ) -> tuple[AliasRecord, ...]:
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
        return tuple(AliasRecord(*r) for r in rows)

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
        key = ("grants", region, key_id, after, limit)
        return list(self.cached(key, lambda: self._read_grants(region, key_id, after, limit)))

    def _read_grants(
        self, region: str, key_id: str, after: str | None, limit: int
    ) -> tuple[GrantRecord, ...]:
        rows = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE region = ? AND key_id = ? "
            "AND grant_id > ? ORDER BY grant_id LIMIT ?",
            (region, key_id, after or "", limit),
        ).fetchall()
        return tuple(_grant(r) for r in rows)

    def delete_grant(self, grant_id: str) -> None:
        self.conn.execute("DELETE FROM grants WHERE grant_id = ?", (grant_id,))

    def list_retirable_grants(
        self, region: str, retiring: str, after: str | None, limit: int
    ) -> list[GrantRecord]:
        rows = self.conn.execute(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE region = ? AND retiring = ? "
            "AND grant_id > ? ORDER BY grant_id LIMIT ?",
            (region, retiring, after or "", limit),
        ).fetchall()
        return [_grant(r) for r in rows]
