"""Checks a sandbox store passes before anything reads or writes it, and the errors that say
what is wrong with it.

A zero-length, truncated, foreign or damaged store is never replaced and never written to:
opening it raises :class:`StoreDamaged`, whose message names the file, says what is wrong and
how to get the sandbox back. ``kmsworkbench sandbox check`` runs :func:`integrity_check`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_HEADER_SIZE = 100  # the database header; a real store is at least one page

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
        super().__init__(f"the sandbox store {path} {problem}." + (f" {advice}" if advice else ""))


class StoreDamaged(StoreError):
    """The store's file is empty, not SQLite, not a sandbox store, or damaged."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, problem, RESTORE_ADVICE)


class StoreTooNew(StoreError):
    """The store was written by a newer kmsworkbench."""


def check_header(path: Path) -> None:
    """Refuse a file that cannot be an SQLite database, before SQLite sees it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SQLITE_HEADER_SIZE)
    except OSError as exc:
        raise StoreError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise StoreDamaged(path, "is empty (0 bytes)")
    if not head.startswith(SQLITE_HEADER):
        if SQLITE_HEADER.startswith(head):
            raise StoreDamaged(path, f"is truncated ({len(head)} bytes)")
        raise StoreDamaged(path, "is not an SQLite database (its first bytes are not SQLite's)")
    if len(head) < SQLITE_HEADER_SIZE:
        raise StoreDamaged(path, f"is truncated ({len(head)} bytes)")


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
