"""Figure 4: the TUI on 2,000 keys served with ``serve --latency-ms 50`` (every answer 50 ms
late): time to the first rows and to every key described, against a boto3 script that pages
ListKeys and calls DescribeKey for each key in turn. Both are fresh processes, timed from
their start. Targets: the TUI's first rows within 0.3 s of the script's first page; every key
described at least 10x sooner than the script. A whole round takes the script about two
minutes (2,000 DescribeKey calls one after the other), so ``--first-rounds`` more rounds, as
cheap as a few seconds, time only the start to the first rows and to the first page (the TUI
and the script each stop there); the first-rows figure is the median of every round.

    .venv/bin/python benchmarks/bench_tui_slow_network.py [--keys 2000] [--rounds 2]
        [--first-rounds 6]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _peers import base_env, served_env, start_server
from _report import report
from _seed import seed_keys
from _tui_run import run_child

SCRIPT = r"""
import sys, time
import boto3
start = float(sys.argv[1])
first_only = sys.argv[2:] == ["first"]
kms = boto3.client("kms")
n = 0
first = None
for page in kms.get_paginator("list_keys").paginate():
    if first is None:
        first = time.time() - start
        print(f"FIRST-PAGE {first:.4f}", flush=True)
        if first_only:
            raise SystemExit(0)
    for key in page["Keys"]:
        kms.describe_key(KeyId=key["KeyId"])
        n += 1
print(f"ALL-DESCRIBED {time.time() - start:.4f} {n}", flush=True)
"""


def run_script(env: dict[str, str], first_only: bool = False) -> tuple[float, float, int]:
    """(first page, all described, keys described) in seconds from the script's start; with
    ``first_only`` the script stops at its first page (then: (first page, nan, 0))."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, repr(start), *(["first"] if first_only else [])],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if out.returncode != 0:
        raise SystemExit(f"the boto3 script failed: {out.stderr[-2000:]}")
    words = dict((line.split()[0], line.split()[1:]) for line in out.stdout.splitlines())
    if first_only:
        return float(words["FIRST-PAGE"][0]), float("nan"), 0
    return (
        float(words["FIRST-PAGE"][0]),
        float(words["ALL-DESCRIBED"][0]),
        int(words["ALL-DESCRIBED"][1]),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--first-rounds", type=int, default=6, help="rounds to the first rows only")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-slow-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        seed_keys(folder, max(1, min(opts.keys, 20000)))
        server, url, port = start_server(
            folder, base_env(root), extra=["--latency-ms", str(opts.latency_ms)]
        )
        measured: dict[str, list[float]] = {
            "TUI first rows": [],
            "boto3 script first page": [],
            "TUI all described": [],
            "boto3 script all described": [],
        }
        try:
            env = served_env(folder, port, root)
            for round_no in range(max(1, opts.rounds)):
                tui = run_child("load", folder, env, url=url)
                measured["TUI first rows"].append(float(tui["FIRST-ROWS"][0][0]))
                measured["TUI all described"].append(float(tui["ALL-DESCRIBED"][0][0]))
                first, done, count = run_script(env)
                measured["boto3 script first page"].append(first)
                measured["boto3 script all described"].append(done)
                print(
                    f"  round {round_no + 1}: TUI {tui}, script {first:.3f}/{done:.3f} ({count} keys)",
                    flush=True,
                )
            for round_no in range(max(0, opts.first_rounds)):
                tui = run_child("first", folder, env, url=url)
                measured["TUI first rows"].append(float(tui["FIRST-ROWS"][0][0]))
                first, _, _ = run_script(env, first_only=True)
                measured["boto3 script first page"].append(first)
                print(
                    f"  first-rows round {round_no + 1}: TUI {tui['FIRST-ROWS'][0][0]}, "
                    f"script first page {first:.3f}",
                    flush=True,
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    med = {name: statistics.median(v) for name, v in measured.items()}
    gap = med["TUI first rows"] - med["boto3 script first page"]
    speedup = med["boto3 script all described"] / med["TUI all described"]
    report(
        f"TUI on {opts.keys} keys behind serve --latency-ms {opts.latency_ms} vs a boto3 script",
        measured,
        speedup,
        f"first rows {gap:+.3f} s after the script's first page; all described {speedup:.1f}x sooner",
        "first rows within 0.3 s of the first page; all described at least 10x sooner",
        gap <= 0.3 and speedup >= 10,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
