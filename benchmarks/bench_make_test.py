"""Figure 9: ``make test`` from a fresh clone (the committed HEAD of this repository), timed
in two parts: the install (venv and the test extras) and the run (ruff and the whole suite).
Target: the run at most 5 minutes on the machine measured. Slow: ``make bench`` runs it last,
and ``run_all.py --skip-make-test`` leaves it out.

    .venv/bin/python benchmarks/bench_make_test.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from _report import report

REPO = Path(__file__).resolve().parent.parent


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stdout[-3000:]}{result.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "KMSWORKBENCH_"))
    }
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-clone-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=300)
        env["HOME"] = str(Path(tmp) / "home")

        install = timed(["make", ".venv/.installed-test"], clone, env)
        run = timed(["make", "test"], clone, env)
    report(
        "make test from a fresh clone",
        {
            "install (.venv with the test extras)": [install],
            "make test (ruff and the suite)": [run],
        },
        run / 60.0,
        f"make test ran in {run / 60.0:.1f} min after a {install / 60.0:.1f} min install",
        "at most 5 minutes",
        run <= 300,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
