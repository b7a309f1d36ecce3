"""The sandbox's persistent state: one SQLite database in the data folder.

- ``<data_dir>/sandbox.sqlite3``, created 0600 in a 0700 folder (``kmsworkbench.paths``).
- WAL mode and a generous busy timeout, so several processes (the TUI, a server, a CLI) can
  share one folder; every change runs inside one ``BEGIN IMMEDIATE`` transaction.
- One connection per :class:`Store`, guarded by a lock: a Store may be shared by threads.

Tables (``migrations``: the schema as ordered steps): ``meta`` (schema version, account id,
default Region, credentials, seeded Regions), ``keys`` (per Region), ``key_material`` (the KMS
keys' own secret material -- the sandbox's stand-in for an HSM; data key pairs are never
stored), ``aliases``, ``tags`` and ``grants``. The queries live by concern in
``store_keys`` (keys, materials, rotation, policies, last usage) and ``store_names``
(aliases, tags, grants); the records they return in ``store_records``.

Opening (``storefile``) checks before it writes anything: a zero-length, foreign, damaged
or newer store raises :class:`StoreError` and is left exactly as it was. A new store is made
whole under a temporary name and linked into place, so no process ever sees half a store.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from kmsworkbench.paths import FILE_MODE, ensure_private_dir, remove_stale_temps
from kmsworkbench.sandbox import atrest, integrity
from kmsworkbench.sandbox.integrity import StoreDamagedError, StoreError, StoreTooNewError
from kmsworkbench.sandbox.migrations import SCHEMA_VERSION
from kmsworkbench.sandbox.store_keys import KeyTables
from kmsworkbench.sandbox.store_names import NameTables
from kmsworkbench.sandbox.store_records import (
    AliasRecord,
    GrantRecord,
    KeyRecord,
    MaterialRecord,
)
from kmsworkbench.sandbox.storefile import (
    DB_NAME,
    create_store,
    exclusive_folder,
    hold_folder,
    open_checked,
)

__all__ = [
    "DB_NAME",
    "AliasRecord",
    "GrantRecord",
    "KeyRecord",
    "MaterialRecord",
    "SCHEMA_VERSION",
    "Store",
    "StoreDamagedError",
    "StoreError",
    "StoreTooNewError",
    "exclusive_folder",
]


T = TypeVar("T")
_CACHED_MAX = 4096  # values kept by Store.cached at most (then all forgotten)


class Store(KeyTables, NameTables):
    """The SQLite store of one data folder. Use every query inside :meth:`transaction`."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = ensure_private_dir(Path(data_dir).expanduser())
        self.path = self.data_dir / DB_NAME
        self._lock = threading.RLock()
        self._owner: int | None = None  # the thread inside the outermost transaction
        self._conn: sqlite3.Connection | None = None
        self.damage: str | None = None  # set when SQLite reports damage while running
        self.sealer: atrest.MaterialSealer | None = None
        # Settings read from ``meta``, valid while :meth:`stamp` is unchanged.
        # (and, by tuple keys, the rows :meth:`cached` keeps: keys, policies, aliases, grants)
        self._meta_cache: dict[object, Any] = {}
        self._meta_stamp: tuple[int, int] | None = None
        self._tx_version: int | None = None  # PRAGMA data_version in this transaction
        self._quiet_changes = 0  # rows changed by call-record transactions (trail, usage)
        # The connection's ``PRAGMA synchronous`` is FULL (as opened) unless a call-record
        # transaction last set NORMAL; it is set back only before a durable write (below).
        self._sync_full = True
        self._quiet_base: int | None = None  # total_changes when a call-record one began
        # (stamp, time): no due work (core.tx) before that time while the stamp holds.
        self.due_horizon: tuple[tuple[int, int], float] | None = None
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
        power loss); only the call records (``recorder``) are written so. Every other write
        transaction commits with ``synchronous = FULL`` (a read transaction writes nothing:
        ``core.tx`` retries one that must write as a write transaction). The setting is
        changed only when a write transaction needs the other one (SQLite refuses to change
        it inside a transaction); a served read call and its record switched it twice per
        call, two statements of about twenty."""
        with self._lock:
            conn = self.conn
            if self.damage is not None:
                raise StoreDamagedError(self.path, self.damage)
            if conn.in_transaction:
                yield conn
                return
            self._owner = threading.get_ident()
            self._tx_version = None
            committed = False
            try:
                if not durable:
                    self._synchronous(conn, full=False)
                    self._quiet_base = conn.total_changes
                elif write:
                    self._synchronous(conn, full=True)
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                committed = True
            except sqlite3.DatabaseError as exc:
                if not integrity.is_damage(exc):
                    raise
                # Found damaged while running: from now on this Store refuses every
                # transaction (nothing more is written to it) with the same message.
                self.damage = integrity.damage_problem(exc)
                raise StoreDamagedError(self.path, self.damage) from None
            finally:
                self._owner = None
                self._tx_version = None
                if self._quiet_base is not None:
                    self._quiet_changes += conn.total_changes - self._quiet_base
                    self._quiet_base = None
                if not committed:  # what was read after a change that is now undone
                    self._meta_stamp = None
                    self.due_horizon = None

    def _synchronous(self, conn: sqlite3.Connection, *, full: bool) -> None:
        if self._sync_full != full:
            conn.execute("PRAGMA synchronous = FULL" if full else "PRAGMA synchronous = NORMAL")
            self._sync_full = full

    def set_wal_autocheckpoint(self, pages: int) -> None:
        """SQLite's automatic WAL checkpoint for this connection: after a commit that
        leaves ``pages`` pages or more in the WAL (0: never; ``checkpointer`` makes them
        instead while ``serve`` runs)."""
        with self._lock:
            if self._conn is not None:
                self._conn.execute(f"PRAGMA wal_autocheckpoint = {max(0, int(pages))}")

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

    def stamp(self) -> tuple[int, int]:
        """What changes when the store's content may have: ``PRAGMA data_version`` (which
        moves when another connection, of any process, commits; read once per transaction)
        and the rows this connection has changed, not counting the call records (trail
        events and key last usage, which no cached value is made of). Inside a
        transaction only."""
        conn = self.conn
        if self._tx_version is None:
            self._tx_version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        changed = (
            conn.total_changes if self._quiet_base is None else self._quiet_base
        ) - self._quiet_changes
        return self._tx_version, changed

    def peek_stamp(self) -> tuple[int, int] | None:
        """What :meth:`stamp` would give in a transaction begun now, read in one statement
        and no transaction; None when it cannot be read so (inside a transaction of this
        thread, a closed or damaged store, an SQLite error: the caller then takes the
        ordinary way, which reports it). A value kept with the stamp of the transaction that
        read it is still good while this gives the same stamp."""
        with self._lock:
            conn = self._conn
            if conn is None or self.damage is not None or conn.in_transaction:
                return None
            try:
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return None
            return version, conn.total_changes - self._quiet_changes

    def get_meta(self, name: str) -> str | None:
        """A setting from ``meta``. Inside a transaction, a value read before is given
        again while :meth:`stamp` says nothing can have changed it."""
        conn = self.conn
        if not conn.in_transaction:
            return self._read_meta(name)
        stamp = self.stamp()
        if stamp != self._meta_stamp:
            self._meta_cache = {}
            self._meta_stamp = stamp
        try:
            return self._meta_cache[name]
        except KeyError:
            value = self._meta_cache[name] = self._read_meta(name)
            return value

    def cached(self, key: tuple[object, ...], load: Callable[[], T]) -> T:
        """What ``load()`` reads, kept while :meth:`stamp` says nothing it read can have
        changed (inside a transaction; outside one, read each time). The value is shared:
        callers must not change it (records are frozen; give lists as tuples). A served
        call so reads its key, key policy, aliases and grants once per change of the store,
        not four queries per call."""
        if not self.conn.in_transaction:
            return load()
        stamp = self.stamp()
        if stamp != self._meta_stamp:
            self._meta_cache = {}
            self._meta_stamp = stamp
        cache = self._meta_cache
        try:
            return cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = load()
            if len(cache) >= _CACHED_MAX:
                cache.clear()
            cache[key] = value
            return value

    def kept(self, key: tuple[object, ...], load: Callable[[], T]) -> T:
        """:meth:`cached` for a caller outside a transaction: the value kept under ``key``
        is given without one while :meth:`peek_stamp` equals the stamp it was kept with (no
        connection has committed since), one statement instead of a read transaction;
        otherwise ``load()`` runs in a read transaction of its own, through :meth:`cached`.
        A served call so reads its signer once per change of the store."""
        with self._lock:
            if key in self._meta_cache:
                stamp = self.peek_stamp()  # None inside a transaction or on a closed store
                if stamp is not None and stamp == self._meta_stamp:
                    return self._meta_cache[key]  # type: ignore[no-any-return]
            with self.transaction():
                return self.cached(key, load)

    def _read_meta(self, name: str) -> str | None:
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
