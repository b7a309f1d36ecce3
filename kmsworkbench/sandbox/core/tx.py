"""Transactions. Every operation reads or writes the store inside :func:`tx`; keys whose
deletion date the sandbox clock has passed are deleted first, so no operation ever sees one."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from kmsworkbench.sandbox.core.context import Request

T = TypeVar("T")


class NeedsWrite(Exception):
    """Raised inside a read transaction when the operation has to write after all."""


# Work done on the way into every transaction (due deletions; rotation adds its own).
# Each step is ``step(r, write)`` and raises NeedsWrite in a read transaction with work to do.
DUE_WORK: list[Callable[[Request, bool], None]] = []

# When a step's work falls due by the clock alone: one SQL query per step, giving the
# earliest such time (NULL: none). A step that finds work only because of what is stored
# (not because time passed) needs none: that can change only by a write. So a read
# transaction that found nothing due skips every step until the clock reaches the earliest
# of these times or the store's content changes (``Store.stamp``).
DUE_HORIZONS: list[str] = []


def tx(r: Request, fn: Callable[[bool], T], write: bool = False) -> T:
    """Run ``fn(write)`` in a transaction after the clock-driven work that is due. A read
    transaction that finds it must write (due deletions, a predefined AWS alias to
    associate) is retried as a write transaction."""
    if not write:
        try:
            with r.store.transaction(write=False):
                _due(r, write=False)
                return fn(False)
        except NeedsWrite:
            pass
    with r.store.transaction(write=True):
        _due(r, write=True)
        return fn(True)


def _due(r: Request, write: bool) -> None:
    store = r.store
    if write:
        for step in DUE_WORK:
            step(r, write)
        return
    stamp = store.stamp()
    known = store.due_horizon
    if known is not None and known[0] == stamp and r.now < known[1]:
        return  # nothing was due at this content, and the clock has not reached the next
    for step in DUE_WORK:
        step(r, write)  # raises NeedsWrite when something is due
    store.due_horizon = (stamp, _horizon(r))


def _horizon(r: Request) -> float:
    """The earliest time a due step could find work by the clock alone (inf: never)."""
    if not DUE_HORIZONS:
        return math.inf
    union = " UNION ALL ".join(f"SELECT ({query}) AS t" for query in DUE_HORIZONS)
    row = r.store.conn.execute(f"SELECT MIN(t) FROM ({union})").fetchone()
    return math.inf if row is None or row[0] is None else float(row[0])


def purge_deleted(r: Request, write: bool) -> None:
    """Delete the keys whose deletion window has ended."""
    due = r.store.due_deletions(r.now)
    if due and not write:
        raise NeedsWrite
    for region, key_id in due:
        r.store.delete_key(region, key_id)


DUE_WORK.append(purge_deleted)
DUE_HORIZONS.append("SELECT MIN(deletion_date) FROM keys WHERE deletion_date IS NOT NULL")
