"""The sandbox's operation dispatcher.

``Engine.call(operation, params, region)`` takes the already-deserialised and validated
request members (blobs as ``bytes``) and returns the response members (blobs as ``bytes``,
timestamps as epoch seconds), or raises a :class:`~kmsworkbench.sandbox.errors.KmsError`.

What each operation does is in ``kmsworkbench.sandbox.operations`` (one module per API
area, each operation registered by name); what they share (the request context, resolving a
key, state checks, transactions, ARNs, paging, the clock) is in ``kmsworkbench.sandbox.core``.
The facts come from shared/reference/kms-semantics.md; error codes and texts from
``errors.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import Request, operations, partition_of, usage
from kmsworkbench.sandbox.core.clock import SandboxClock
from kmsworkbench.sandbox.core.material import make_material
from kmsworkbench.sandbox.recorder import Entry, Recorder
from kmsworkbench.sandbox.store import Store

__all__ = ["Engine", "make_material"]


class Engine:
    """Operation semantics over a :class:`Store`. Thread-safe (the Store serialises)."""

    def __init__(self, store: Store, account_id: str, clock: Callable[[], float] = time.time):
        """``clock`` is the base time (real time; tests pass their own); the sandbox clock
        adds the folder's stored offset to it."""
        self.store = store
        self.account_id = account_id
        self.clock = SandboxClock(store, clock)
        self.recorder = Recorder(store)  # trail events and key last usage (group commit)
        self._ops = operations()

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._ops)

    def request(
        self,
        region: str,
        operation: str = "",
        request_id: str = "",
        call: Any = None,
        now: float | None = None,
    ) -> Request:
        return Request(
            operation,
            region,
            partition_of(region),
            self.account_id,
            self.clock.now() if now is None else now,
            self.store,
            request_id,
            call=call,
        )

    def call(
        self,
        operation: str,
        params: dict[str, Any],
        region: str,
        request_id: str = "",
        call: Any = None,
        now: float | None = None,
    ) -> dict[str, Any]:
        """Answer one operation. ``call`` (an ``enforce.CallContext`` with its caller)
        makes the call authorized; without it the call acts with no access control.
        ``now``: the sandbox clock's time of the call (read here when not given). The keys'
        last usage goes with ``call`` (its trail event writes it) or is written here."""
        from kmsworkbench.sandbox import enforce

        handler = self._ops.get(operation)
        if handler is None:
            raise E.err("unsupported_operation", operation=operation)
        r = self.request(region, operation, request_id, call, now)
        if call is not None:
            call.params = params
            instead = enforce.before(r, operation, params)
            if instead is not None:
                return instead
        result = handler(r, params)
        if call is not None:
            enforce.after(r, operation, params, result)
        used = usage.rows(r)
        if call is not None:
            call.usage = used
        elif used:
            self.recorder.record(Entry(r.now, usage=used))
        return result

    def seed_region(self, region: str) -> bool:
        """Give ``region`` its teaching keys and predefined AWS aliases, once per data folder."""
        from kmsworkbench.sandbox.seed import seed_region

        return seed_region(self.request(region, "seed"))
