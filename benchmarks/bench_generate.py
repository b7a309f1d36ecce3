"""Measure ``kmsworkbench generate --count 50`` (ECC_NIST_P256) against 50 sequential
``aws kms generate-data-key-pair-without-plaintext`` calls, both against one served sandbox
started by this script, and print the ratio.

    python benchmarks/bench_generate.py [--count 50] [--spec ECC_NIST_P256]

Both sides do the same KMS work over HTTP with SigV4; the AWS CLI pays for a process start
per call (as a shell script provisioning pairs would), kmsworkbench for one process with
concurrent calls paced by the spec's KMS quota (25/s for P-256).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--spec", default="ECC_NIST_P256")
    opts = parser.parse_args()

    from kmsworkbench.sandbox.server import start_background

    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    kwb = shutil.which("kmsworkbench", path=str(Path(sys.executable).parent))
    if aws is None or kwb is None:
        print("needs the aws and kmsworkbench commands next to this Python", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        handle = start_background(Path(tmp) / "served")
        try:
            sandbox = handle.sandbox
            env = dict(os.environ)
            env.update(
                AWS_ACCESS_KEY_ID=sandbox.access_key_id,
                AWS_SECRET_ACCESS_KEY=sandbox.secret_access_key,
                AWS_REGION=sandbox.region,
                AWS_DEFAULT_REGION=sandbox.region,
                AWS_CONFIG_FILE=os.devnull,
                AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                KMSWORKBENCH_HOME=str(Path(tmp) / "home"),
            )
            common = ["--key-id", "alias/workbench-demo", "--key-pair-spec", opts.spec]
            start = time.perf_counter()
            for _ in range(opts.count):
                subprocess.run(
                    [
                        aws,
                        "kms",
                        "generate-data-key-pair-without-plaintext",
                        *common,
                        "--endpoint-url",
                        handle.endpoint_url,
                    ],
                    check=True,
                    capture_output=True,
                    env=env,
                )
            aws_seconds = time.perf_counter() - start

            start = time.perf_counter()
            subprocess.run(
                [
                    kwb,
                    "--endpoint-url",
                    handle.endpoint_url,
                    "generate",
                    *common,
                    "--count",
                    str(opts.count),
                    "--out-dir",
                    str(Path(tmp) / "batch"),
                    "--no-save",
                ],
                check=True,
                capture_output=True,
                env=env,
            )
            kwb_seconds = time.perf_counter() - start
        finally:
            handle.stop()
    print(f"{opts.count} x {opts.spec} pairs against a served sandbox")
    print(f"  aws kms generate-data-key-pair-without-plaintext, sequential: {aws_seconds:8.2f} s")
    print(f"  kmsworkbench generate --count {opts.count}:                   {kwb_seconds:8.2f} s")
    print(f"  ratio (aws / kmsworkbench): {aws_seconds / kwb_seconds:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
