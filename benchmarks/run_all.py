"""Run every benchmark in this folder, one after the other, each against its peer measured in
the same run (the AWS CLI, boto3 over HTTP). Prints each script's own report.

    .venv/bin/python benchmarks/run_all.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_server.py", "bench_generate.py", "bench_startup.py")


def main() -> int:
    failed = 0
    for name in SCRIPTS:
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name)], check=False)
        if result.returncode != 0:
            print(f"{name} failed with exit code {result.returncode}", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
