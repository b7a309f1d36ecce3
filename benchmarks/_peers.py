"""What the benchmarks share: finding the commands next to this Python, and starting the
served sandbox that the AWS CLI (the peer) talks to."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path


def kmsworkbench_command() -> list[str]:
    script = Path(sys.executable).parent / "kmsworkbench"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kmsworkbench"]


def aws_command() -> str:
    candidate = Path(sys.executable).parent / "aws"
    if candidate.exists():
        return str(candidate)
    raise SystemExit("the AWS CLI (awscli) is not installed next to this Python")


def start_server(
    folder: Path, env: dict[str, str] | None = None, extra: list[str] | None = None
) -> tuple[subprocess.Popen[str], str, str]:
    """Start `kmsworkbench serve` on a free loopback port: (process, endpoint URL, port).
    ``extra`` holds further serve options (``--tls``, ``--latency-ms 50``)."""
    process = subprocess.Popen(
        [
            *kmsworkbench_command(),
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(folder),
            *(extra or []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # one log line per request; not needed here
        text=True,
        env=env if env is not None else dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"listening on (https?://127\.0\.0\.1:(\d+))", line)
        if match:
            return process, match.group(1), match.group(2)
    raise SystemExit("kmsworkbench serve did not start")


def sandbox_env(folder: Path, port: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """The variables `kmsworkbench sandbox env` exports for the served sandbox."""
    out = subprocess.run(
        [*kmsworkbench_command(), "sandbox", "env", "--data-dir", str(folder), "--port", port],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    ).stdout
    values: dict[str, str] = {}
    for line in out.splitlines():
        words = shlex.split(line)
        if words and words[0] == "export":
            name, _, value = words[1].partition("=")
            values[name] = value
    return values
