"""The store's file: making a new one whole, checking and opening an existing one, and the
folder lock that tells reset and restore the store is in use.

A new store is built under a locked temporary name (``paths.private_temp``) and linked into
place: ``link`` never replaces a file, so two processes making one at once end with one store,
and a crash leaves only a temporary file that the next open removes. An existing store is
checked (size, SQLite's own header check, quick_check, schema version) before anything
writes to it; a store that fails raises :class:`StoreError` and is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kmsworkbench.paths import private_temp
from kmsworkbench.sandbox import integrity
from kmsworkbench.sandbox.integrity import StoreDamagedError, StoreError, StoreTooNewError
from kmsworkbench.sandbox.migrations import SchemaError, SchemaTooNew, migrate

DB_NAME = "sandbox.sqlite3"
BUSY_TIMEOUT_MS = 30_000


def hold_folder(data_dir: Path, path: Path) -> int:
    """A descriptor of ``data_dir`` holding a shared flock for the Store's lifetime, so
    :func:`exclusive_folder` (reset, restore) knows the store is in use."""
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreError(
            path, "is being reset or restored by another process; try again when it is done"
        ) from None
    return fd


@contextlib.contextmanager
def exclusive_folder(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir`` exclusively: raises StoreError when any process has its store open
    (kmsworkbench serve, the TUI, a command)."""
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                data_dir / DB_NAME,
                "is in use by another process (kmsworkbench serve, the TUI or a command)",
                "Stop it first.",
            ) from None
        yield
    finally:
        os.close(fd)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def create_store(path: Path) -> None:
    """Make a new store at ``path``: built whole under a locked temporary name, then linked
    into place (link never replaces a file: if another process made one first, keep it)."""
    fd, tmp = private_temp(path.parent, path.name)
    try:
        conn = connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = MEMORY")  # a crash here leaves only the tmp
            migrate(conn, new=True)
        finally:
            conn.close()
        os.fsync(fd)
        with contextlib.suppress(FileExistsError, FileNotFoundError):
            os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        os.close(fd)


def open_checked(path: Path) -> sqlite3.Connection:
    """Check ``path`` (header, quick_check, schema), migrate it, and return its connection
    in WAL mode. Nothing is written to a store that fails a check."""
    integrity.check_size(path)
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot be opened ({exc})") from exc
    try:
        problems = integrity.quick_check(conn)
        if problems:
            raise StoreDamagedError(
                path, f"is damaged (SQLite quick_check: {integrity.describe(problems)})"
            )
        migrate(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except SchemaTooNew as exc:
        conn.close()
        raise StoreTooNewError(path, f"cannot be opened: {exc}") from None
    except SchemaError as exc:
        conn.close()
        raise StoreDamagedError(path, f"is not usable: {exc}") from None
    except sqlite3.Error as exc:
        conn.close()
        if integrity.is_damage(exc):
            raise StoreDamagedError(path, integrity.damage_problem(exc)) from None
        raise StoreError(path, f"cannot be opened ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return conn
