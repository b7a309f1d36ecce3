"""The common shape of every figure: run the sides alternately, print each side's median
with its spread, the ratio and the target, and one machine-readable ``RESULT`` line that
``run_all.py`` gathers into RESULTS.md."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable


def alternate(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every side once per round, in turn, so a busy moment of a shared machine falls on
    both sides rather than on one."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for round_no in range(max(1, rounds)):
        for name, run in sides.items():
            value = run()
            times[name].append(value)
            print(f"  round {round_no + 1}: {name}: {value:.4f}", flush=True)
    return times


def spread(values: list[float], unit: str = "s") -> str:
    median = statistics.median(values)
    return f"median {median:.3f} {unit} (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def report(
    figure: str,
    measured: dict[str, list[float]],
    ratio: float,
    ratio_text: str,
    target: str,
    met: bool,
    unit: str = "s",
    notes: str = "",
) -> None:
    print(f"figure: {figure}")
    for name, values in measured.items():
        print(f"  {name}: {spread(values, unit)}")
    print(f"  ratio: {ratio_text}")
    print(f"  target: {target} -> {'MET' if met else 'MISSED'}")
    if notes:
        print(f"  note: {notes}")
    row = {
        "figure": figure,
        "sides": {
            name: {
                "median": statistics.median(v),
                "min": min(v),
                "max": max(v),
                "n": len(v),
                "unit": unit,
            }
            for name, v in measured.items()
        },
        "ratio": ratio,
        "ratio_text": ratio_text,
        "target": target,
        "met": met,
        "notes": notes,
    }
    print("RESULT " + json.dumps(row), flush=True)
