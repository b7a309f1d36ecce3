"""The sandbox clock: real time plus an offset kept in the store (``meta.clock_offset``).

Every time-based thing in the sandbox reads this one clock: key creation dates, the end of
a deletion window, scheduled rotations (and, as they arrive, grant delays, import-token and
imported-material expiry, trail times). ``kmsworkbench sandbox clock advance 30d`` moves it
forward for every process sharing the data folder, so a class can watch a key rotate or
disappear in a minute; ``reset`` goes back to real time. The offset never goes negative: the
sandbox clock is never behind real time, so nothing made "in the future" can appear.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsworkbench.sandbox.store import Store

OFFSET_META = "clock_offset"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
# The furthest the clock may be moved ahead of real time (100 years): far enough for any
# lesson, near enough that dates stay printable.
MAX_OFFSET = 100 * 365 * 86_400.0


def parse_duration(text: str) -> float:
    """Seconds in ``30d``, ``12h``, ``90m``, ``45s`` (one number, one unit)."""
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(
            f"not a duration: {text!r} (a number and a unit s, m, h or d, e.g. 30d or 12h)"
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


class SandboxClock:
    """Epoch seconds: ``base()`` (real time, or a test's clock) plus the stored offset."""

    def __init__(self, store: Store, base: Callable[[], float] = time.time) -> None:
        self.store = store
        self.base = base

    def offset(self) -> float:
        with self.store.transaction():
            value = self.store.get_meta(OFFSET_META)
        return float(value) if value else 0.0

    def now(self) -> float:
        return self.base() + self.offset()

    __call__ = now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds``; returns the new offset."""
        if not seconds > 0:
            raise ValueError("the sandbox clock only moves forward (reset returns to real time)")
        with self.store.transaction(write=True):
            value = self.store.get_meta(OFFSET_META)
            offset = (float(value) if value else 0.0) + seconds
            if offset > MAX_OFFSET:
                raise ValueError("the sandbox clock can be at most 100 years ahead of real time")
            self.store.set_meta(OFFSET_META, repr(offset))
        return offset

    def reset(self) -> None:
        """Back to real time (things already due stay done)."""
        with self.store.transaction(write=True):
            self.store.set_meta(OFFSET_META, "0")
