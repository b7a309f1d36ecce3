"""Figure 6: resident memory of the TUI (headless, in-process sandbox) with 10,000 keys listed
and described, the key listing's child process counted. Target: at most 200 MB, both while
the child runs (the two processes' proportional set size: the pages a fork shares are
counted once) and once it has handed over and ended.

    .venv/bin/python benchmarks/bench_tui_memory.py [--keys 10000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _peers import base_env
from _report import report
from _seed import seed_keys
from _tui_run import run_child


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=2)
    opts = parser.parse_args()
    sides: dict[str, list[float]] = {
        "settled, the app (the listing's child gone)": [],
        "all described: the app": [],
        "all described: the listing's child": [],
        "all described: both, proportional set size": [],
    }
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-memory-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        seed_keys(folder, max(1, min(opts.keys, 20000)))
        for round_no in range(max(1, opts.rounds)):
            lines = run_child("memory", folder, base_env(root))
            app, child, pss = (float(v) for v in lines["RSS-MB"][0])
            settled_app, settled_child, _ = (float(v) for v in lines["SETTLED-MB"][0])
            if settled_child:
                raise SystemExit("the key listing's child was still running 15 s after the end")
            for name, value in zip(sides, (settled_app, app, child, pss), strict=True):
                sides[name].append(value)
            print(
                f"  round {round_no + 1}: settled {settled_app:.1f} MB; all described: "
                f"app {app:.1f} + child {child:.1f} MB resident, {pss:.1f} MB proportional",
                flush=True,
            )
    settled = statistics.median(sides["settled, the app (the listing's child gone)"])
    peak = statistics.median(sides["all described: both, proportional set size"])
    report(
        f"TUI resident memory with {opts.keys} keys",
        sides,
        settled,
        f"{settled:.0f} MB once the key listing's child has ended; {peak:.0f} MB (proportional "
        "set size of both) while it ran",
        "at most 200 MB",
        settled <= 200 and peak <= 200,
        unit="MB",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
