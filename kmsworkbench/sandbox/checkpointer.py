"""WAL checkpoints off the served calls' path, while ``serve`` runs.

The store is in WAL mode: every commit appends its pages to the ``-wal`` file, and SQLite's
automatic checkpoint copies them back into the database file (and fsyncs both) in the
commit that finds the WAL past 1000 pages. With call records of about seven pages each,
one served call in about seventy paid for that checkpoint before it could answer: 2 to
30 ms on this machine, the slowest calls of the benchmarks (``bench_crypto_overhead``'s
maxima). The records were committed before that; the checkpoint only moves them.

While serving, the Store's connection so makes no checkpoint of its own
(``wal_autocheckpoint = 0``) and one background thread makes a PASSIVE checkpoint
(it never waits for readers or writers, and blocks neither) on a connection of its own,
every ``interval`` seconds. Durability is unchanged: a FULL commit is durable when it
returns (its WAL frames are fsynced), a call record's NORMAL commit as soon as a later
fsync of the WAL (a FULL commit, or a checkpoint, which fsyncs the WAL first); the README's
promise is that a crash loses none of them and a power loss only the call records written
since the last fsync. When the thread stops, the connection's automatic checkpoint is
turned back on. Other processes sharing the folder keep their own automatic checkpoints.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsworkbench.sandbox.store import Store

logger = logging.getLogger("kmsworkbench.sandbox")

INTERVAL = 0.25  # seconds between checkpoints
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, restored when the thread stops


class Checkpointer:
    """Checkpoints ``store``'s WAL every ``interval`` seconds between :meth:`start` and
    :meth:`stop`, instead of the commits that would have."""

    def __init__(self, store: Store, interval: float = INTERVAL) -> None:
        self._store = store
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # made so far (for tests)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._store.set_wal_autocheckpoint(0)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kms-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self._store.set_wal_autocheckpoint(AUTOCHECKPOINT_PAGES)
        self.checkpoint()  # what the last interval wrote

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.checkpoint()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint on a connection of its own, opened for it (so no file is
        held open between checkpoints). A failure is logged; the next one tries again, and
        the WAL stays correct whatever happens here."""
        if self._store.closed:
            return
        try:
            conn = sqlite3.connect(self._store.path, timeout=1.0, isolation_level=None)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                conn.close()
            self.checkpoints += 1
        except sqlite3.Error as exc:
            logger.debug("WAL checkpoint skipped: %s", exc)


def for_app(app: object) -> Checkpointer | None:
    """A checkpointer for the app's store (the Sandbox), None for an app without one."""
    store = getattr(app, "store", None)
    if store is None or not hasattr(store, "set_wal_autocheckpoint"):
        return None
    return Checkpointer(store)


__all__ = ["Checkpointer", "for_app"]
