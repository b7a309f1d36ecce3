"""Figure 6: resident memory of the TUI (headless, in-process sandbox) with 10,000 keys listed
and described. Target: at most 200 MB.

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
    rss: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-memory-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        seed_keys(folder, max(1, min(opts.keys, 20000)))
        for round_no in range(max(1, opts.rounds)):
            value = float(run_child("memory", folder, base_env(root))["RSS-MB"][0][0])
            rss.append(value)
            print(f"  round {round_no + 1}: {value:.1f} MB", flush=True)
    median = statistics.median(rss)
    report(
        f"TUI resident memory with {opts.keys} keys",
        {"resident set": rss},
        median,
        f"{median:.0f} MB",
        "at most 200 MB",
        median <= 200,
        unit="MB",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
