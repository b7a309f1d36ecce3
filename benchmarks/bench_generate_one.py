"""Figure 1: one ``kmsworkbench generate`` (ECC_NIST_P256), the whole process, against one
``aws kms generate-data-key-pair-without-plaintext``, both against the same served sandbox.
Target: kmsworkbench at most 0.6x the AWS CLI's time.

    .venv/bin/python benchmarks/bench_generate_one.py [--rounds 7] [--spec ECC_NIST_P256]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import tempfile
from pathlib import Path

from _peers import (
    aws_command,
    base_env,
    compile_package,
    kmsworkbench_command,
    run_timed,
    served_env,
    start_server,
)
from _report import alternate, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--spec", default="ECC_NIST_P256")
    opts = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-one-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        server, _, port = start_server(folder, base_env(root))
        try:
            env = served_env(folder, port, root)
            common = ["--key-id", "alias/workbench-demo", "--key-pair-spec", opts.spec]
            sides = {
                "kmsworkbench generate": lambda: run_timed(
                    [*kmsworkbench_command(), "generate", *common, "--no-save"], env
                ),
                "aws kms generate-data-key-pair-without-plaintext": lambda: run_timed(
                    [aws_command(), "kms", "generate-data-key-pair-without-plaintext", *common],
                    env,
                ),
            }
            for run in sides.values():  # warm the page cache; not counted
                run()
            measured = alternate(sides, opts.rounds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    ours, peer = (statistics.median(v) for v in measured.values())
    ratio = ours / peer
    report(
        f"one generate ({opts.spec}), whole process, vs the AWS CLI",
        measured,
        ratio,
        f"kmsworkbench takes {ratio:.2f}x the AWS CLI's time",
        "at most 0.6x",
        ratio <= 0.6,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
