"""``kmsworkbench sandbox clock``: show, advance, reset; bad input is a usage error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsworkbench.cli import EXIT_OK, EXIT_USAGE


def _offset(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("offset")).split(None, 1)[1]


def test_clock_show_advance_reset(cli: Callable[..., Any]) -> None:
    shown = cli("sandbox", "clock")
    assert shown.rc == EXIT_OK and _offset(shown.out) == "none (real time)"
    moved = cli("sandbox", "clock", "advance", "30d")
    assert moved.rc == EXIT_OK and _offset(moved.out) == "+30d 0h 0m 0s"
    assert _offset(cli("sandbox", "clock", "advance", "90m").out) == "+30d 1h 30m 0s"
    assert _offset(cli("sandbox", "clock").out) == "+30d 1h 30m 0s"  # persisted
    assert _offset(cli("sandbox", "clock", "reset").out) == "none (real time)"


def test_clock_refuses_bad_durations(cli: Callable[..., Any]) -> None:
    bad = cli("sandbox", "clock", "advance", "3 weeks")
    assert bad.rc == EXIT_USAGE and "a number and a unit s, m, h or d" in bad.err
    huge = cli("sandbox", "clock", "advance", "40000d")
    assert huge.rc == EXIT_USAGE and "at most 100 years" in huge.err
    assert _offset(cli("sandbox", "clock").out) == "none (real time)"
