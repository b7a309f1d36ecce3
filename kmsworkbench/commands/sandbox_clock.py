"""``kmsworkbench sandbox clock [advance DURATION | reset]``: the sandbox's clock.

The sandbox runs on real time plus an offset stored in its data folder, shared by every
process on that folder (the TUI, ``serve``, the CLI). Moving it forward makes deletion
windows end and scheduled rotations happen, as real time passing would::

    kmsworkbench sandbox clock              # sandbox time, real time, offset
    kmsworkbench sandbox clock advance 30d  # units s, m, h, d
    kmsworkbench sandbox clock reset        # back to real time
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, EXIT_USAGE


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    clock = sub.add_parser(
        "clock",
        parents=parents,
        help="show the sandbox clock, move it forward (advance 30d) or reset it",
        description="The sandbox clock is real time plus an offset kept in the data folder. "
        "Advancing it ends deletion windows and runs scheduled rotations.",
    )
    actions = clock.add_subparsers(dest="clock_command", metavar="ACTION")
    advance = actions.add_parser(
        "advance", parents=parents, help="move the clock forward, e.g. 30d, 12h, 90m, 45s"
    )
    advance.add_argument("duration", help="a number and a unit: s, m, h or d (e.g. 30d)")
    advance.set_defaults(func=run_advance)
    reset = actions.add_parser("reset", parents=parents, help="go back to real time")
    reset.set_defaults(func=run_reset)
    clock.set_defaults(func=run_show)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_offset(seconds: float) -> str:
    """``+30d 4h 0m 0s`` style, or ``none (real time)``."""
    if seconds <= 0:
        return "none (real time)"
    whole = int(round(seconds))
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{days}d {hours}h {minutes}m {secs}s"


def _show(offset: float) -> None:
    real = time.time()
    rows = [
        ("sandbox time", _iso(real + offset)),
        ("real time", _iso(real)),
        ("offset", describe_offset(offset)),
    ]
    sys.stdout.write("".join(f"{k.ljust(12)}  {v}\n" for k, v in rows))


def _with_sandbox(args: argparse.Namespace, what: str, action: object) -> int:
    from kmsworkbench.commands.sandbox import _open

    try:
        sandbox = _open(args)
    except Exception as exc:
        sys.stderr.write(f"kmsworkbench sandbox clock: cannot open the sandbox: {exc}\n")
        return EXIT_OTHER
    try:
        assert callable(action)
        action(sandbox)
        _show(sandbox.clock.offset())
    except ValueError as exc:
        sys.stderr.write(f"kmsworkbench sandbox clock {what}: error: {exc}\n")
        return EXIT_USAGE
    finally:
        sandbox.close()
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    return _with_sandbox(args, "", lambda sandbox: None)


def run_advance(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.core.clock import parse_duration

    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        sys.stderr.write(f"kmsworkbench sandbox clock advance: error: {exc}\n")
        return EXIT_USAGE
    return _with_sandbox(args, "advance", lambda sandbox: sandbox.clock.advance(seconds))


def run_reset(args: argparse.Namespace) -> int:
    return _with_sandbox(args, "reset", lambda sandbox: sandbox.clock.reset())
