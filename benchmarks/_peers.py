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


def compile_package() -> None:
    """Byte-compile kmsworkbench, as pip does when it installs a wheel. An editable install
    run with PYTHONDONTWRITEBYTECODE=1 (as on the shared machine) otherwise compiles every
    module it imports from source in every timed process, while the AWS CLI, installed from
    its wheel, has its bytecode: that would measure the setup, not the programs."""
    import compileall

    import kmsworkbench

    compileall.compile_dir(str(Path(kmsworkbench.__file__).parent), quiet=1)


def aws_command() -> str:
    candidate = Path(sys.executable).parent / "aws"
    if candidate.exists():
        return str(candidate)
    raise SystemExit("the AWS CLI (awscli) is not installed next to this Python")


def start_server(
    folder: Path,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
    command: list[str] | None = None,
) -> tuple[subprocess.Popen[str], str, str]:
    """Start `kmsworkbench serve` on a free loopback port: (process, endpoint URL, port).
    ``extra`` holds further serve options (``--tls``, ``--latency-ms 50``); ``command``
    another server that prints the same "listening on" line."""
    argv = command or [
        *kmsworkbench_command(),
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(folder),
        *(extra or []),
    ]
    process = subprocess.Popen(
        argv,
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


def base_env(home: Path) -> dict[str, str]:
    """The environment without any of the machine's AWS or kmsworkbench setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSWORKBENCH_"))}
    env.update(
        {
            "HOME": str(home),
            "KMSWORKBENCH_HOME": str(home / "kmswb"),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def served_env(folder: Path, port: str, home: Path) -> dict[str, str]:
    """The environment a shell has after ``eval "$(kmsworkbench sandbox env)"``."""
    env = base_env(home)
    env.update(sandbox_env(folder, port, env), AWS_MAX_ATTEMPTS="1")
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def run_timed(argv: list[str], env: dict[str, str], shell: bool = False) -> float:
    """Seconds from start to exit of one process; a failure stops the benchmark."""
    import time

    start = time.perf_counter()
    result = subprocess.run(
        argv if not shell else argv[0],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,  # 100 AWS CLI calls on a busy machine took more than 10 minutes
        shell=shell,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        shown = argv[0] if shell else shlex.join(argv)
        raise SystemExit(f"{shown[:200]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed
