"""Issue 11's figure: the served sandbox on uvicorn against the hand-written ``http.server``
it replaced, the same keep-alive boto3 clients and mix (bench_serve_load.py) on all sides,
alternating in one run so all see the same machine. Three servers:

- ``new``: ``kmsworkbench serve`` as it is;
- ``stack``: the old commit's ``sandbox/server.py`` (its HTTP stack) over today's sandbox
  (``_old_stack.py``), so both stacks do the same KMS work per request;
- ``old``: the old commit's whole package. It authorized nothing and kept no trail (key
  policies and the audit log came after it), so it does less work per request than either.

The old code is taken from git (``git archive`` of the last commit before the move to
uvicorn) into a temporary folder and run with this venv's Python. The issue asked to measure
before and after in one run and keep at least the old server's requests per second at 16
clients (1,159 on the machine of its day), and that at 64 and 256 clients no client waits
more than a second for its first answer: timed from when that client's first request left
it, with the time from the common start shown beside it. The throughput target is judged
against ``stack``, the same work; ``old`` is printed beside it.

    .venv/bin/python benchmarks/bench_vs_old_server.py [--clients 16,64,256] [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from _report import report
from bench_serve_load import HEADER, serve_and_measure

# The parent of "serve: the KMS protocol as an ASGI app on uvicorn, ...".
OLD_COMMIT = "51b4f4c"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def extract_old(into: Path) -> Path:
    """The old commit's ``kmsworkbench`` package, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", OLD_COMMIT, "kmsworkbench"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(
            f"cannot read commit {OLD_COMMIT} from git ({archive.stderr.decode()[:200]}); "
            "this figure needs a clone with its history"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="16,64,256", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the servers")
    parser.add_argument(
        "--procs", type=int, default=2, help="client processes (more when over 64 clients each)"
    )
    args = parser.parse_args()
    counts = [max(1, min(int(c), 512)) for c in args.clients.split(",")]
    args.seconds = max(1.0, min(args.seconds, 60.0))
    args.wait = 90.0  # the old server kept some clients waiting over a minute
    args.serve_arg = []
    rounds = max(1, min(args.rounds, 5))
    print("mix: Encrypt, Decrypt, GenerateDataKeyPairWithoutPlaintext (ECC_NIST_P256), ListKeys")
    print("first: from the common start; sent: from when that client's first request left it")
    print("stack: the old http.server front end over today's sandbox; old: the old commit")
    print(HEADER)
    print("-" * len(HEADER))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kmswb-old-server-") as tmp:
        old_path = str(extract_old(Path(tmp)))
        old_server = Path(old_path) / "kmsworkbench" / "sandbox" / "server.py"

        def old_stack(folder: Path) -> list[str]:
            return [sys.executable, str(HERE / "_old_stack.py"), str(old_server), str(folder)]

        for _ in range(rounds):
            rows += serve_and_measure("old", old_path, counts, args)
            rows += serve_and_measure("stack", None, counts, args, command=old_stack)
            rows += serve_and_measure("new", None, counts, args)

    def pick(label: str, count: int, field: str) -> list[float]:
        return [float(r[field]) for lab, c, r in rows if lab == label and c == count]  # type: ignore[arg-type]

    for count in counts:
        new_rps, stack_rps = pick("new", count, "rps"), pick("stack", count, "rps")
        old_rps = pick("old", count, "rps")
        ratio = statistics.median(new_rps) / max(statistics.median(stack_rps), 1e-9)
        to_old = statistics.median(new_rps) / max(statistics.median(old_rps), 1e-9)
        waited, started = pick("new", count, "wait_max"), pick("new", count, "first_max")
        late = int(sum(pick("new", count, "wait_over_1s")))
        stack_waited = max(pick("stack", count, "wait_max"))
        text = (
            f"{ratio:.2f}x the old stack's requests/s on the same work ({to_old:.2f}x the old "
            f"commit's, which kept no trail); longest first answer {max(waited):.3f} s from "
            f"sending ({max(started):.3f} s from the common start), {late} clients waited over "
            f"1 s; the old stack's longest {stack_waited:.3f} s"
        )
        wait_ok = max(waited) <= 1.0 and late == 0
        if count == 16:
            target = "at least the old stack's requests/s; first answers within 1 s"
            met = ratio >= 1.0 and wait_ok
        else:
            target, met = "no first answer more than 1 s after sending", wait_ok
        report(
            f"served sandbox vs the hand-written server it replaced, {count} keep-alive clients",
            {
                "uvicorn (now) req/s": new_rps,
                "http.server over today's sandbox req/s": stack_rps,
                "http.server, old commit req/s": old_rps,
                "now: longest first answer from sending, s": waited,
                "now: longest first answer from the start, s": started,
                "now: server CPU per request, ms": pick("new", count, "cpu_ms"),
                "old stack: server CPU per request, ms": pick("stack", count, "cpu_ms"),
                "old commit: server CPU per request, ms": pick("old", count, "cpu_ms"),
            },
            ratio,
            text,
            target,
            met,
            unit="",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
