"""Checks a sandbox store passes before anything reads or writes it, and the errors that say
what is wrong with it.

A zero-length, truncated, foreign or damaged store is never replaced and never written to:
opening it raises :class:`StoreDamagedError`, whose message names the file, says what is wrong and
how to get the sandbox back. ``kmsworkbench sandbox check`` runs :func:`integrity_check`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_MIN_SIZE = 512  # the smallest page size: a database file is at least one page

RESTORE_ADVICE = (
    "Nothing was changed. To get this sandbox back, restore a backup into a new folder "
    "('kmsworkbench sandbox restore BACKUP --data-dir NEW_FOLDER', then use --data-dir "
    "NEW_FOLDER). To start over instead, run 'kmsworkbench sandbox reset' (the sandbox's keys "
    "are lost: pairs made with them no longer decrypt)."
)

# SQLite's primary result codes that mean the file's content is bad (not locked, not missing).
_DAMAGE_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_FORMAT"}


class StoreError(Exception):
    """The store cannot be opened. ``str()`` is a complete message for the user."""

    def __init__(self, path: Path, problem: str, advice: str = "") -> None:
        self.path = Path(path)
        self.problem = problem
        self.advice = advice
        super().__init__(f"The sandbox store {path} {problem}." + (f" {advice}" if advice else ""))


class StoreDamagedError(StoreError):
    """The store's file is empty, not SQLite, not a sandbox store, or damaged."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, problem, RESTORE_ADVICE)


class StoreTooNewError(StoreError):
    """The store was written by a newer kmsworkbench."""


class StoreLockedError(StoreError):
    """The store's key material is encrypted at rest and the passphrase is missing or wrong."""


def check_size(path: Path) -> None:
    """Refuse a file too short to be an SQLite database, before SQLite sees it (SQLite
    itself takes a zero-length file for a new, empty database).

    Only ``stat``: opening and closing a descriptor of a database file that another
    connection of this process holds would drop that connection's POSIX locks (SQLite's
    "how to corrupt", 2.2). SQLite itself refuses a file whose header is not SQLite's."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise StoreDamagedError(path, "is empty (0 bytes)")
    if size < SQLITE_MIN_SIZE:
        raise StoreDamagedError(path, f"is truncated ({size} bytes)")


def damage_problem(exc: sqlite3.Error) -> str:
    """The problem to report for an SQLite error that :func:`is_damage` accepts."""
    if str(getattr(exc, "sqlite_errorname", "")) == "SQLITE_NOTADB":
        return "is not an SQLite database (SQLite: file is not a database)"
    return f"is damaged (SQLite: {exc})"


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error says the file's content is bad (rather than locked, say)."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if any(name == code or name.startswith(code + "_") for code in _DAMAGE_CODES):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's quick_check (structure of every page; O(size)): [] when the store is sound."""
    return _check(conn, "quick_check")


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's full integrity_check (also every index against its table)."""
    return _check(conn, "integrity_check")


def _check(conn: sqlite3.Connection, pragma: str) -> list[str]:
    rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
    return [] if rows == ["ok"] else rows


def describe(problems: list[str], limit: int = 3) -> str:
    shown = "; ".join(problems[:limit])
    more = len(problems) - limit
    return shown + (f" (and {more} more)" if more > 0 else "")


def report(path: Path) -> dict[str, object]:
    """A full check of the store at ``path``, read-only (``sandbox check``): size, SQLite's
    integrity_check, schema version and what the store holds. ``Status`` is ok or damaged."""
    from urllib.parse import quote

    from kmsworkbench.sandbox.migrations import SCHEMA_VERSION, stored_version

    out: dict[str, object] = {"Store": str(path), "Status": "damaged"}
    try:
        check_size(path)
        out["SizeBytes"] = path.stat().st_size
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except StoreError as exc:
        out["Problem"] = exc.problem
        return out
    except sqlite3.Error as exc:
        out["Problem"] = f"cannot be opened ({exc})"
        return out
    try:
        problems = integrity_check(conn)
        out["Integrity"] = "ok" if not problems else problems
        version = stored_version(conn)
        out["SchemaVersion"] = version
        out["CodeSchemaVersion"] = SCHEMA_VERSION
        if problems:
            out["Problem"] = f"is damaged (SQLite integrity_check: {describe(problems)})"
        elif not version:
            out["Problem"] = "is not a kmsworkbench store (no schema version)"
        else:
            counts = {}
            for table in ("keys", "key_material", "aliases", "grants"):
                counts[table] = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            regions = conn.execute("SELECT DISTINCT region FROM keys ORDER BY region")
            out.update(
                Keys=counts["keys"],
                KeyMaterials=counts["key_material"],
                Aliases=counts["aliases"],
                Grants=counts["grants"],
                Regions=[str(r[0]) for r in regions.fetchall()],
                Status="ok" if version <= SCHEMA_VERSION else "newer",
            )
            if version > SCHEMA_VERSION:
                out["Problem"] = f"was written by a newer kmsworkbench (schema {version})"
    except sqlite3.DatabaseError as exc:
        out["Problem"] = damage_problem(exc)
    finally:
        conn.close()
    return out
