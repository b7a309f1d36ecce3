"""From process start to "keys listed", on one sandbox, measured in one run:

(a) ``kmsworkbench keys --output json`` on the in-process sandbox (ListKeys, ListAliases and a
    DescribeKey per key, printed as JSON): start to exit;
(b) the TUI, headless: a fresh interpreter makes the app as ``kmsworkbench`` does
    (``kmsworkbench.tui.launch.start_app``: the key listing begins, then Textual is
    imported) and runs it with ``run_test`` until its workers are done (the key list loaded
    and described, as tests/tui/conftest.py waits); start to the line the child prints then;
(c) the peer: ``aws kms list-keys`` (a new AWS CLI process per call, as a user runs it)
    against the same folder served by ``kmsworkbench serve``: start to exit.

Every run is a new process; the sandbox is created and seeded before any timing, so no run
pays for that. Rounds alternate the three; medians are reported, and the figure is (b)
against (c), target at most 1.0x. (a) and (b) do more KMS calls than (c) -- they describe every key -- which is the work a
person needs before choosing one.

    .venv/bin/python benchmarks/bench_startup.py [--rounds 11]
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _peers import (
    aws_command,
    base_env,
    compile_package,
    kmsworkbench_command,
    sandbox_env,
    start_server,
)
from _report import alternate, report

MARKER = "KEYS-LISTED"
# The headless TUI's own CPU seconds at the marker, per run (the process that draws; the key
# listing's child process works beside it, on the other core).
TUI_CPU: list[float] = []

# The headless TUI run. It waits the way tests/tui/conftest.py's settle() does: until no
# worker runs and their messages are handled.
TUI_CHILD = r"""
import asyncio, resource, sys
from pathlib import Path

from kmsworkbench import config
from kmsworkbench.service import Backend
from kmsworkbench.tui.launch import start_app


async def main(folder: str) -> None:
    # Made as `kmsworkbench` makes it: the key listing begins before Textual is imported.
    app = start_app(
        Backend(kind="sandbox", data_dir=Path(folder)), config.Settings(), persist_settings=False
    )
    from textual.worker import WorkerFailed

    from kmsworkbench.tui.screens.keys import KeyChooserScreen

    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            try:
                await app.workers.wait_for_complete()
            except WorkerFailed:
                pass
            await pilot.pause()
            screen = app.screen
            if (
                not any(w.is_running for w in app.workers)
                and isinstance(screen, KeyChooserScreen)
                and len(screen.index)
            ):
                keys = screen.index.all()
                described = sum(1 for k in keys if k.described)
                usage = resource.getrusage(resource.RUSAGE_SELF)
                cpu = usage.ru_utime + usage.ru_stime
                print(f"KEYS-LISTED {len(keys)} {described} {cpu:.4f}", flush=True)
                return
        raise SystemExit("the key list never finished loading")


asyncio.run(main(sys.argv[1]))
"""


def run_to_exit(argv: list[str], env: dict[str, str], check: Callable[[str], None]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({result.returncode}): {result.stderr}")
    check(result.stdout)
    return elapsed


def run_to_marker(argv: list[str], env: dict[str, str], expect_keys: int) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    elapsed = None
    for line in process.stdout:
        if line.startswith(MARKER):
            elapsed = time.perf_counter() - start
            _, listed, described, cpu = line.split()
            TUI_CPU.append(float(cpu))
            if int(listed) != expect_keys or int(described) != expect_keys:
                raise SystemExit(f"the TUI listed {listed} keys ({described} described)")
            break
    _, err = process.communicate(timeout=120)
    if elapsed is None or process.returncode != 0:
        raise SystemExit(f"the headless TUI failed ({process.returncode}): {err}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11, help="runs of each, alternating")
    opts = parser.parse_args()
    compile_package()

    with tempfile.TemporaryDirectory(prefix="kmswb-bench-startup-") as tmp:
        root = Path(tmp)
        folder = root / "sandbox"
        env = base_env(root)
        # Create and seed the sandbox first: no timed run pays for it.
        subprocess.run(
            [*kmsworkbench_command(), "sandbox", "info", "--data-dir", str(folder)],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        server, _, port = start_server(folder, env)
        try:
            aws_env = dict(env, **sandbox_env(folder, port, env), AWS_MAX_ATTEMPTS="1")
            aws_env.pop("AWS_SESSION_TOKEN", None)
            listed = json.loads(
                subprocess.run(
                    [aws_command(), "kms", "list-keys"],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=aws_env,
                    timeout=120,
                ).stdout
            )
            count = len(listed["Keys"])

            def keys_check(out: str) -> None:
                rows = json.loads(out)["Keys"]
                if not rows:  # the eligible keys only: the demo key at least
                    raise SystemExit("kmsworkbench keys listed nothing")

            def aws_check(out: str) -> None:
                if len(json.loads(out)["Keys"]) != count:
                    raise SystemExit("aws kms list-keys changed its answer")

            runs: dict[str, Callable[[], float]] = {
                "(a) kmsworkbench keys --output json": lambda: run_to_exit(
                    [
                        *kmsworkbench_command(),
                        "keys",
                        "--output",
                        "json",
                        "--data-dir",
                        str(folder),
                    ],
                    env,
                    keys_check,
                ),
                "(b) TUI headless, key list loaded": lambda: run_to_marker(
                    [sys.executable, "-c", TUI_CHILD, str(folder)], env, count
                ),
                "(c) aws kms list-keys (served)": lambda: run_to_exit(
                    [aws_command(), "kms", "list-keys"], aws_env, aws_check
                ),
            }
            times = alternate(runs, opts.rounds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)

    tui = statistics.median(times["(b) TUI headless, key list loaded"])
    peer = statistics.median(times["(c) aws kms list-keys (served)"])
    ratio = tui / peer
    report(
        f"TUI start to key table filled ({count} keys, all described) vs aws kms list-keys",
        times,
        ratio,
        f"the TUI takes {ratio:.2f}x the AWS CLI's time",
        "at most 1.0x",
        ratio <= 1.0,
        notes=f"the TUI process's CPU to the filled table: median {statistics.median(TUI_CPU):.3f} s",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
