"""Run every figure's benchmark, one after the other, and write benchmarks/RESULTS.md with the
machine, the date and each figure's medians, spread, ratio and target. A missed target is a
result, not a failure: the exit status is non-zero only when a script failed to run.

    .venv/bin/python benchmarks/run_all.py [--skip-make-test] [--only NAME,...] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (script, arguments for --quick): the slow one, make test from a fresh clone, runs last.
SCRIPTS: tuple[tuple[str, list[str]], ...] = (
    ("bench_generate_one.py", ["--rounds", "3"]),
    ("bench_generate.py", ["--rounds", "1"]),
    ("bench_startup.py", ["--rounds", "7"]),  # a round is three processes of half a second
    ("bench_tui_slow_network.py", ["--rounds", "1"]),
    ("bench_tui_filter.py", ["--rounds", "1"]),
    ("bench_tui_memory.py", ["--rounds", "1"]),
    ("bench_vs_moto.py", ["--rounds", "1"]),
    ("bench_vs_old_server.py", ["--rounds", "1"]),
    ("bench_crypto_overhead.py", ["--scale", "0.5"]),
    ("bench_make_test.py", []),
)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "CPU": cpu,
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "load average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def write_results(rows: list[dict[str, object]], failed: list[str], info: dict[str, str]) -> Path:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written {now} by benchmarks/run_all.py (`make bench`).",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        "Every script alternates its sides round by round and reports medians with the min",
        "and max of the rounds; the load average above says how busy the machine was (on 2",
        "cores, anything above about 2 means the figures were taken while other work ran).",
        "",
        "| figure | sides: median (min to max, rounds) | ratio | target | met? |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        sides = "<br>".join(
            f"{name}: {s['median']:.3f} {s['unit']} ({s['min']:.3f} to {s['max']:.3f}, n={s['n']})"
            for name, s in row["sides"].items()  # type: ignore[attr-defined]
        )
        met = "yes" if row["met"] else "**no**"
        lines.append(
            f"| {row['figure']} | {sides} | {row['ratio_text']} | {row['target']} | {met} |"
        )
    if failed:
        lines += ["", "Failed to run: " + ", ".join(failed) + "."]
    path = HERE / "RESULTS.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-make-test", action="store_true", help="leave out figure 9")
    parser.add_argument("--only", default="", help="comma-separated script names")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (noisier)")
    opts = parser.parse_args()
    info = machine()
    rows: list[dict[str, object]] = []
    failed: list[str] = []
    for name, quick in SCRIPTS:
        if opts.only and name not in opts.only.split(","):
            continue
        if opts.skip_make_test and name == "bench_make_test.py":
            continue
        print(f"== {name}", flush=True)
        process = subprocess.Popen(
            [sys.executable, str(HERE / name), *(quick if opts.quick else [])],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("RESULT "):
                rows.append(json.loads(line[len("RESULT ") :]))
            else:
                print(line, end="", flush=True)
        if process.wait() != 0:
            print(f"{name} failed with exit code {process.returncode}", flush=True)
            failed.append(name)
    print(f"wrote {write_results(rows, failed, info)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
