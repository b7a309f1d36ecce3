"""Figure 2: ``kmsworkbench generate --count 100`` (ECC_NIST_P256) against a shell loop of 100
``aws kms generate-data-key-pair-without-plaintext`` calls, both against one served sandbox.
Target: kmsworkbench at least 30x faster.

Both sides do the same KMS work over HTTP with SigV4; the AWS CLI pays for a process start per
call (as a shell script provisioning pairs does), kmsworkbench for one process with
concurrent calls. Against AWS a batch keeps to the spec's quota (25/s for P-256, so 100 pairs
take at least about 3 s there); the served sandbox says on its first answer that it has no
quotas, and the batch then stops pacing.

    .venv/bin/python benchmarks/bench_generate.py [--count 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
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
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--spec", default="ECC_NIST_P256")
    opts = parser.parse_args()
    compile_package()
    count = max(1, min(opts.count, 1000))
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-count-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        server, _, port = start_server(folder, base_env(root))
        try:
            env = served_env(folder, port, root)
            common = ["--key-id", "alias/workbench-demo", "--key-pair-spec", opts.spec]
            aws_call = shlex.join(
                [aws_command(), "kms", "generate-data-key-pair-without-plaintext", *common]
            )
            loop = f"for i in $(seq {count}); do {aws_call} > /dev/null || exit 1; done"
            out = root / "batch"

            def ours() -> float:
                shutil.rmtree(out, ignore_errors=True)
                argv = [*kmsworkbench_command(), "generate", *common, "--count", str(count)]
                return run_timed([*argv, "--out-dir", str(out), "--no-save"], env)

            sides = {
                f"kmsworkbench generate --count {count}": ours,
                f"shell loop of {count} aws calls": lambda: run_timed([loop], env, shell=True),
            }
            measured = alternate(sides, opts.rounds)
            made = len(list(out.glob("*")))
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    if made < count:
        raise SystemExit(f"kmsworkbench generate --count {count} wrote only {made} files")
    mine, peer = (statistics.median(v) for v in measured.values())
    speedup = peer / mine
    report(
        f"generate --count {count} ({opts.spec}) vs a shell loop of AWS CLI calls",
        measured,
        speedup,
        f"kmsworkbench is {speedup:.1f}x faster",
        "at least 30x faster",
        speedup >= 30,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
