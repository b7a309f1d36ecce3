"""The writer of what every call leaves behind: its CloudTrail-shaped trail event and the
key-last-usage rows of the keys it used (group commit).

A call hands its records to :meth:`Recorder.record` and waits there until they are
committed; the records of every call waiting at that moment are written in ONE transaction. So
under load one commit serves many calls instead of two commits per call, and nothing is
lost: when a call has its answer, its trail event and last-usage rows are in the store, and
any reader (this process, the TUI, another ``serve``) sees them.

Durability: these commits run with ``PRAGMA synchronous = NORMAL`` (the operations' own
writes keep ``FULL``). In WAL mode that is durable across a crash or SIGKILL of the process;
only a power loss or operating-system crash may drop the trail events and last-usage rows
written since the store's last FULL commit or checkpoint (keys, aliases, grants ... are
never among them). AWS CloudTrail itself delivers events minutes after the call.

There is no writer thread: the first call to find nobody writing writes the batch (its own
entry and every other one waiting), on its own thread (a worker of ``serve``'s pool, never
the event loop), and goes on writing while entries keep coming; the calls that arrive
meanwhile wait and form the next batch. A lone call (the TUI, one CLI command) so writes at
once without a thread hop. ``serve`` does not wait on its worker threads: it hands each
entry over with :meth:`Recorder.submit` and a function to call once it is committed, and
sends the answer then, so its two threads go on working while a commit is made, and the
calls that came in meanwhile share the next one. When more requests are already queued
for its threads, ``serve`` hands the entry over with ``hold``: it then waits for the commit
of a later call (or :meth:`Recorder.flush`, which a worker calls when it finds nothing
queued), up to :data:`HOLD_MAX` entries, so the calls queued together share one commit.
Before, the threads took turns at writing: about 1.4 calls a commit at 16 clients, and the
commit (about 0.13 ms of CPU) was a fifth of a served call's cost. Cryptographic work never
runs here, and the store's lock is held only for the short batch write. A call made while
its thread is inside a store transaction writes its records in that transaction instead of
waiting (which would deadlock).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsworkbench.sandbox.store import Store

logger = logging.getLogger("kmsworkbench.sandbox")

MAX_BATCH = 1024  # records written in one transaction at most
HOLD_MAX = 64  # entries held for a later commit at most (``submit(hold=True)``)

# (region, key id, operation, time, request id, trail event id)
UsageRow = tuple[str, str, str, float, str | None, str | None]


@dataclass(slots=True)
class Entry:
    """What one call leaves: its trail event (None for a call nobody made, such as the
    sandbox's own seeding) and the last-usage rows of the keys it used."""

    now: float
    event: dict[str, Any] | None = None
    usage: list[UsageRow] = field(default_factory=list)
    record_json: str = ""  # the event serialised (by the calling thread, not the writer)
    done: Callable[[], None] | None = None  # called once written (``Recorder.submit``)

    def __post_init__(self) -> None:
        if self.event is not None and not self.record_json:
            self.record_json = json.dumps(self.event, separators=(",", ":"))


def write(store: Store, entries: list[Entry]) -> None:
    """Write ``entries`` inside the caller's write transaction."""
    from kmsworkbench.sandbox import iam_store

    events = [e for e in entries if e.event is not None]
    if events:
        iam_store.append_events(store, [(e.event, e.record_json, e.now) for e in events])  # type: ignore[misc]
    rows = [row for e in entries for row in e.usage]
    if rows:
        store.set_last_usages(rows)


class Recorder:
    """Group commit of call records for one Store (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)  # a batch has been written
        self._pending: list[Entry] = []
        self._submitted = 0  # number of entries handed over so far
        self._done = 0  # number of entries written (or given up on) so far
        self._writing = False  # a call is writing a batch now
        self.batches = 0  # transactions written so far (for tests and benchmarks)

    def record(self, entry: Entry) -> None:
        """Write ``entry``; returns once it is committed (or its write failed, which is
        logged: the call's answer stands, as AWS answers even when CloudTrail lags)."""
        if not entry.usage and entry.event is None:
            return
        if self._store.held_by_this_thread():
            write(self._store, [entry])  # the surrounding transaction commits it
            return
        with self._lock:
            self._pending.append(entry)
            self._submitted += 1
            mine = self._submitted
            while self._done < mine:
                if self._writing:
                    self._written.wait()
                    continue
                self._write_all()

    def submit(self, entry: Entry, done: Callable[[], None], hold: bool = False) -> None:
        """Hand ``entry`` over and return; ``done()`` is called (on the thread that writes
        it) once it is committed, or its write failed. A call that finds nobody writing
        writes it, and whatever else comes meanwhile, before it returns; with ``hold``
        (more calls are on their way) it leaves that to a later call or :meth:`flush`,
        unless :data:`HOLD_MAX` entries are waiting already. Whoever holds must make sure
        that ``flush`` follows once no more calls come."""
        if not entry.usage and entry.event is None:
            done()
            return
        entry.done = done
        with self._lock:
            self._pending.append(entry)
            self._submitted += 1
            if self._writing or (hold and len(self._pending) < HOLD_MAX):
                return
            self._write_all()

    def flush(self) -> None:
        """Write what is waiting, unless somebody is writing already (who writes it then)."""
        with self._lock:
            if self._pending and not self._writing:
                self._write_all()

    def _write_all(self) -> None:
        """Under the lock, nobody writing: write batches until none is waiting. Every entry
        waiting is in the next batch; the calls that arrive while one is written wait for
        the one after."""
        self._writing = True
        try:
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[: len(batch)]
                self._lock.release()
                try:
                    self._write(batch)
                finally:
                    self._lock.acquire()
                    self._done += len(batch)
                    self.batches += 1
                    self._written.notify_all()
                self._lock.release()
                try:
                    for entry in batch:
                        if entry.done is not None:
                            entry.done()
                finally:
                    self._lock.acquire()
        finally:
            self._writing = False
            self._written.notify_all()

    def _write(self, entries: list[Entry]) -> None:
        try:
            with self._store.transaction(write=True, durable=False):
                write(self._store, entries)
        except Exception as exc:  # the answers stand even if the trail cannot be written
            logger.error(
                "could not record %d call(s) in the trail: %s", len(entries), type(exc).__name__
            )
