"""Figure 9: ``make test`` from a fresh clone (the committed HEAD of this repository), timed
by part: the clone, the install (venv and the test extras: ``make .venv/.installed-test``),
the lint (``make check``: ruff check and format check) and the suite (``make suite``:
pytest -n 3). ``make test`` is exactly ``check`` then ``suite`` once the venv exists, so the
four parts add up to a fresh clone's ``make test``. Target: the whole at most 5 minutes on
the machine measured. Slow: ``make bench`` runs it last, and ``run_all.py --skip-make-test``
leaves it out.

Each part's CPU time (user + system of everything it started) is printed beside its wall
time: on a shared machine the wall time is inflated by the others' load, and the CPU time
is not. The quiet-machine estimate is the clone's wall time, plus the install's CPU time
(pip works on one core), plus the lint's and the suite's CPU time over the 2 cores they
use (ruff's threads, the suite's xdist workers), so it assumes both cores are kept busy.

    .venv/bin/python benchmarks/bench_make_test.py
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from _report import report

REPO = Path(__file__).resolve().parent.parent
CORES = 2


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command (and all it started and waited for)."""
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stdout[-3000:]}{result.stderr[-2000:]}")
    return wall, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "KMSWORKBENCH_"))
    }
    parts: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-clone-") as tmp:
        clone = Path(tmp) / "clone"
        env["HOME"] = str(Path(tmp) / "home")
        parts["clone"] = timed(["git", "clone", "-q", str(REPO), str(clone)], Path(tmp), env)
        parts["install"] = timed(["make", ".venv/.installed-test"], clone, env)
        parts["lint"] = timed(["make", "check"], clone, env)
        parts["suite"] = timed(["make", "suite"], clone, env)
    total = sum(wall for wall, _ in parts.values())
    cpu = sum(c for _, c in parts.values())
    quiet = parts["clone"][0] + parts["install"][1] + (parts["lint"][1] + parts["suite"][1]) / CORES
    for name, (wall, c) in parts.items():
        print(f"  {name}: {wall:.1f} s wall, {c:.1f} s CPU")
    report(
        "make test from a fresh clone",
        {
            **{f"{name} (wall)": [wall] for name, (wall, _) in parts.items()},
            **{f"{name} (CPU)": [c] for name, (_, c) in parts.items()},
            "total (wall)": [total],
            "quiet-machine estimate": [quiet],
        },
        total / 60.0,
        f"{total / 60.0:.1f} min wall from a fresh clone ({cpu / 60.0:.1f} min of CPU; "
        f"on a quiet machine about {quiet / 60.0:.1f} min)",
        "at most 5 minutes (clone, install, lint and suite)",
        total <= 300,
        notes="wall times are inflated by any other load on the machine; the estimate is "
        "clone wall + install CPU + (lint + suite CPU) / 2 cores",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
