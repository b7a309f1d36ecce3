"""Figure 7: ``kmsworkbench serve`` against a moto server holding as many keys, the same
keep-alive boto3 clients (16 and 64, one connection each, in two client processes) running
the mix Encrypt / Decrypt / GenerateDataKeyWithoutPlaintext / ListKeys on both (moto has no
data key pairs, so neither side generates pairs here; bench_serve_load.py measures the pair
mix). Measurements alternate between the two servers. Targets: at least 4x moto's requests
per second; no client's first answer after more than 1 s (timed from when its first request
left it; see bench_serve_load).

A second side of ours is ``serve --processes 2`` on the same folder (two processes sharing
the listening socket; its CPU is both processes'). The figure's ratio is the better of the
two, since a user on a machine with cores to spare runs the one that answers more.

A third side is the clients' own ceiling: the same clients against a server that answers
every request at once with canned bytes (``_canned_server``, no KMS work at all). The clients
and the servers share the machine's cores, so no server, however fast, is served more
requests/s than that; the figure prints the ratio to moto that such a server would reach.

    .venv/bin/python benchmarks/bench_vs_moto.py [--clients 16,64] [--seconds 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _peers import sandbox_env, start_server
from _report import report
from bench_serve_load import cpu_seconds, measure

CEILING = "canned answers, no work (the clients' ceiling)"
OURS = "kmsworkbench serve"
OURS_2 = "kmsworkbench serve --processes 2"

MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def tree_cpu_seconds(pid: int) -> float:
    """CPU of ``pid`` and its children (Linux; the helpers of ``serve --processes``)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(w) for w in children.read_text().split()] if children.exists() else []
    return cpu_seconds(pid) + sum(cpu_seconds(kid) for kid in kids)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the moto server did not start (pip install 'moto[server]')")


def _kms(values: dict[str, str], url: str) -> Any:
    import boto3

    return boto3.session.Session().client(
        "kms",
        region_name=values["AWS_DEFAULT_REGION"],
        endpoint_url=url,
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
    )


def make_key(values: dict[str, str], url: str) -> str:
    return str(_kms(values, url).create_key(Description="bench")["KeyMetadata"]["KeyId"])


def key_count(values: dict[str, str], url: str) -> int:
    pages = _kms(values, url).get_paginator("list_keys").paginate()
    return sum(len(page["Keys"]) for page in pages)


def fill_moto(values: dict[str, str], url: str, keys: int) -> None:
    """Give the moto server as many keys as the sandbox holds (its seeded teaching keys and
    the bench key), so ListKeys in the mix has the same keys to list on both sides. (moto
    ignores ListKeys' Limit and answers every key in one page; the sandbox answers 10 and a
    marker.)"""
    kms = _kms(values, url)
    for _ in range(max(0, keys - key_count(values, url))):
        kms.create_key(Description="bench filler")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--procs", type=int, default=2, help="client processes (more when over 64 clients each)"
    )
    opts = parser.parse_args()
    counts = [max(1, min(int(c), 256)) for c in opts.clients.split(",")]
    seconds = max(1.0, min(opts.seconds, 60.0))
    wait = 30.0
    with tempfile.TemporaryDirectory(prefix="kmswb-bench-moto-") as tmp:
        folder = Path(tmp) / "sandbox"
        server, url, port = start_server(folder, dict(os.environ, PYTHONUNBUFFERED="1"))
        # The same folder (its keys and credentials) served by two processes on another port.
        server_2, url_2, _ = start_server(
            folder, dict(os.environ, PYTHONUNBUFFERED="1"), extra=["--processes", "2"]
        )
        moto, moto_url = start_moto()
        canned, canned_url, _ = start_server(
            folder,
            command=[
                sys.executable,
                str(Path(__file__).with_name("_canned_server.py")),
                "--ciphertext",
            ],
        )
        try:
            ours = sandbox_env(folder, port)
            ours_key = make_key(ours, url)
            moto_key = make_key(MOTO_CREDENTIALS, moto_url)
            keys = key_count(ours, url)
            fill_moto(MOTO_CREDENTIALS, moto_url, keys)
            print(f"both servers hold {keys} keys", flush=True)
            targets = {
                OURS: (ours, url, ours_key),
                OURS_2: (ours, url_2, ours_key),
                "moto server": (MOTO_CREDENTIALS, moto_url, moto_key),
                CEILING: (MOTO_CREDENTIALS, canned_url, "0" * 36),
            }
            pids = {
                OURS: server.pid,
                OURS_2: server_2.pid,
                "moto server": moto.pid,
                CEILING: canned.pid,
            }
            rows: dict[tuple[str, int], list[dict[str, object]]] = {}
            for round_no in range(max(1, opts.rounds)):
                for count in counts:
                    for name, (values, where, key_id) in targets.items():
                        cpu_before = tree_cpu_seconds(pids[name])
                        result = measure(
                            values,
                            where,
                            key_id,
                            count,
                            opts.procs,
                            seconds,
                            wait,
                            True,
                            "datakeys",
                        )
                        served = float(result["rps"]) * seconds  # type: ignore[arg-type]
                        used = tree_cpu_seconds(pids[name]) - cpu_before
                        result["cpu_ms"] = used * 1000.0 / served if served else float("nan")
                        rows.setdefault((name, count), []).append(result)
                        print(
                            f"  round {round_no + 1}: {name} at {count} clients: "
                            f"{result['rps']:.0f} req/s, first answer max "
                            f"{result['first_max']:.3f} s ({result['wait_max']:.3f} s from "
                            f"sending), server CPU {result['cpu_ms']:.2f} ms a request, "
                            f"errors {result['errors']} "
                            f"{result['last_error']}",
                            flush=True,
                        )
                        time.sleep(1.0)
        finally:
            for ours_server in (server, server_2):
                ours_server.send_signal(signal.SIGTERM)
                ours_server.communicate(timeout=60)
            moto.send_signal(signal.SIGTERM)
            moto.wait(timeout=60)
            canned.kill()
            canned.wait(timeout=60)
    for count in counts:
        moto_rows = rows[("moto server", count)]
        moto_rps = [float(r["rps"]) for r in moto_rows]  # type: ignore[arg-type]
        moto_median = max(statistics.median(moto_rps), 1e-9)
        sides: dict[str, list[float]] = {}
        summary: dict[str, tuple[float, float, float, int, float]] = {}
        for name in (OURS, OURS_2):
            side = rows[(name, count)]
            rps = [float(r["rps"]) for r in side]  # type: ignore[arg-type]
            firsts = [float(r["wait_max"]) for r in side]  # type: ignore[arg-type]
            started = [float(r["first_max"]) for r in side]  # type: ignore[arg-type]
            cpu = [float(r["cpu_ms"]) for r in side]  # type: ignore[arg-type]
            late = sum(int(r["wait_over_1s"]) for r in side)  # type: ignore[call-overload]
            sides[f"{name} req/s"] = rps
            sides[f"{name}: longest first answer from sending, s"] = firsts
            sides[f"{name}: longest first answer from the start, s"] = started
            sides[f"{name}: server CPU per request, ms"] = cpu
            ratio = statistics.median(rps) / moto_median
            summary[name] = (ratio, max(firsts), max(started), late, statistics.median(cpu))
        moto_cpu = [float(r["cpu_ms"]) for r in moto_rows]  # type: ignore[arg-type]
        ceiling_rps = [float(r["rps"]) for r in rows[(CEILING, count)]]  # type: ignore[arg-type]
        ceiling = statistics.median(ceiling_rps) / moto_median
        best = max(summary, key=lambda name: summary[name][0])
        ratio, first, start, late, cpu_ms = summary[best]
        cpu_ratio = statistics.median(moto_cpu) / max(cpu_ms, 1e-9)
        one, two = summary[OURS][0], summary[OURS_2][0]
        report(
            f"served sandbox vs moto, {count} keep-alive boto3 clients",
            {
                **sides,
                "moto server req/s": moto_rps,
                "moto server CPU per request, ms": moto_cpu,
                f"{CEILING} req/s": ceiling_rps,
            },
            ratio,
            f"{ratio:.1f}x moto's requests/s ({best}; one process {one:.1f}x, two {two:.1f}x); "
            f"longest first answer {first:.3f} s from sending ({start:.3f} s from the common "
            f"start), {late} clients waited over 1 s; moto's server spends {cpu_ratio:.1f}x "
            f"the CPU per request; the clients' ceiling (a server doing no work) is "
            f"{ceiling:.1f}x moto",
            "at least 4x moto; no first answer after more than 1 s",
            ratio >= 4 and first <= 1.0 and late == 0,
            unit="",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
