"""Transactions. Every operation reads or writes the store inside :func:`tx`; keys whose
deletion date the sandbox clock has passed are deleted first, so no operation ever sees one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kmsworkbench.sandbox.core.context import Request

T = TypeVar("T")


class NeedsWrite(Exception):
    """Raised inside a read transaction when the operation has to write after all."""


# Work done on the way into every transaction (due deletions; rotation adds its own).
# Each step is ``step(r, write)`` and raises NeedsWrite in a read transaction with work to do.
DUE_WORK: list[Callable[[Request, bool], None]] = []


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
    for step in DUE_WORK:
        step(r, write)


def purge_deleted(r: Request, write: bool) -> None:
    """Delete the keys whose deletion window has ended."""
    due = r.store.due_deletions(r.now)
    if due and not write:
        raise NeedsWrite
    for region, key_id in due:
        r.store.delete_key(region, key_id)


DUE_WORK.append(purge_deleted)
