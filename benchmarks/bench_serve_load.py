"""Many keep-alive boto3 clients against one ``kmsworkbench serve``: requests per second, and
how long each client waits for its first answer.

Every client is a boto3 KMS client with one keep-alive connection (``max_pool_connections=1``)
running the mix Encrypt / Decrypt / GenerateDataKeyPairWithoutPlaintext (ECC_NIST_P256) /
ListKeys in turn, from the moment all clients start together until ``--seconds`` have passed.
A client that has had no answer by then keeps waiting for its first one (up to ``--wait``
seconds), so a starved client shows as a long first-answer time, not as a missing one. Each
client's first answer is timed twice: from the common start, and from the moment that
client's first request left it (botocore's ``before-send``, so the TCP connect is counted).
The difference is the client's own start: a process running 128 boto3 threads takes a second
or more to get all their first requests out, server or no server. The clients run in
``--procs`` processes and never more than :data:`CLIENTS_PER_PROCESS` (64) in one, so 256
clients run in four: with 128 boto3 threads in one process, the threads' own turns at that
process's GIL kept some of them over a second from their first answer (1.19 s from sending,
measured on a quiet machine) while four processes of 64 saw at most 0.33 s from the same
server. The server's CPU time per request (user + system, from /proc) is shown too: on a
machine shared with other work it moves much less than requests per second do.

``--old PATH`` also serves the same mix with the package found in PATH (a git worktree of an
earlier commit), alternating old and new in one run, so both see the same machine.

    .venv/bin/python benchmarks/bench_serve_load.py [--clients 16,64,256] [--seconds 5]
        [--rounds 2] [--old ../kmsworkbench-old] [--serve-arg=--tls]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from _peers import sandbox_env, start_server

SPEC = "ECC_NIST_P256"
# More boto3 threads than this in one client process wait on that process's GIL, not on the
# server (see the module docstring).
CLIENTS_PER_PROCESS = 64
CONTEXT = {"bench": "load"}


def _client_process(
    env_values: dict[str, str],
    url: str,
    key_id: str,
    count: int,
    ready: mp.Barrier,  # type: ignore[valid-type]
    start_at: mp.Value,  # type: ignore[valid-type]
    seconds: float,
    wait: float,
    results: mp.Queue,  # type: ignore[valid-type]
    verify: str | bool,
    mix: str = "pairs",
) -> None:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        max_pool_connections=1,
        connect_timeout=wait,
        read_timeout=wait,
    )
    clients = [
        session.client(
            "kms",
            region_name=env_values["AWS_DEFAULT_REGION"],
            endpoint_url=url,
            aws_access_key_id=env_values["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env_values["AWS_SECRET_ACCESS_KEY"],
            config=config,
            verify=verify,
        )
        for _ in range(count)
    ]
    # When each client's first request leaves it (signed, handed to its connection): a client
    # process running 128 threads takes a while to get every first request out, and that
    # time is the client's own, not a wait for the server.
    sent: dict[int, float] = {}

    def note_send(index: int) -> object:
        def hook(**_: object) -> None:
            sent.setdefault(index, time.time())

        return hook

    for index, client in enumerate(clients):
        client.meta.events.register("before-send.kms", note_send(index))
    blob = clients[0].encrypt(KeyId=key_id, Plaintext=b"x" * 32, EncryptionContext=CONTEXT)[
        "CiphertextBlob"
    ]
    # That first call opened clients[0]'s connection early; close it so every client starts
    # from nothing, as the others do.
    clients[0]._endpoint.http_session.close()
    sent.clear()
    calls = [
        lambda c: c.encrypt(KeyId=key_id, Plaintext=b"y" * 32, EncryptionContext=CONTEXT),
        lambda c: c.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT),
        lambda c: (
            c.generate_data_key_pair_without_plaintext(
                KeyId=key_id, KeyPairSpec=SPEC, EncryptionContext=CONTEXT
            )
            if mix == "pairs"
            # moto has no data key pairs: the comparison with it uses data keys on both sides
            else c.generate_data_key_without_plaintext(
                KeyId=key_id, KeySpec="AES_256", EncryptionContext=CONTEXT
            )
        ),
        lambda c: c.list_keys(Limit=10),
    ]
    out: list[tuple[float | None, float | None, int, int, str]] = []
    lock = threading.Lock()

    def run(index: int, client: object) -> None:
        while start_at.value == 0.0:
            time.sleep(0.001)
        begin = start_at.value
        while time.time() < begin:
            time.sleep(0.0005)
        deadline = begin + seconds
        first: float | None = None
        done = errors = 0
        last_error = ""
        n = index
        while True:
            now = time.time()
            if now >= deadline and first is not None:
                break
            if now >= begin + wait:
                break
            try:
                calls[n % len(calls)](client)
                if time.time() < deadline:
                    done += 1
                if first is None:
                    first = time.time() - begin
            except Exception as exc:  # counted, and the last one shown
                errors += 1
                last_error = type(exc).__name__ + ": " + str(exc)[:120]
                time.sleep(0.01)
            n += 1
        since_send = None
        if first is not None and index in sent:
            since_send = begin + first - sent[index]
        with lock:
            out.append((first, since_send, done, errors, last_error))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    results.put(out)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_processes(clients: int, asked: int) -> int:
    """How many client processes run ``clients``: ``asked``, or more so that none runs more
    than :data:`CLIENTS_PER_PROCESS`, and never more than there are clients."""
    needed = -(-clients // CLIENTS_PER_PROCESS)
    return max(1, min(clients, max(asked, needed)))


def measure(
    env_values: dict[str, str],
    url: str,
    key_id: str,
    clients: int,
    procs: int,
    seconds: float,
    wait: float,
    verify: str | bool,
    mix: str = "pairs",
) -> dict[str, object]:
    ctx = mp.get_context("spawn")
    procs = client_processes(clients, procs)
    shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    ready = ctx.Barrier(procs + 1)
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_client_process,
            args=(env_values, url, key_id, n, ready, start_at, seconds, wait, results, verify, mix),
        )
        for n in shares
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=300)  # every process has made its clients
    start_at.value = time.time() + 0.2
    rows: list[tuple[float | None, float | None, int, int, str]] = []
    for _ in workers:
        rows.extend(results.get(timeout=seconds + wait + 120))
    for worker in workers:
        worker.join(30)
    firsts = [r[0] for r in rows]
    answered = sorted(f for f in firsts if f is not None)
    # A client never answered has waited at least as long as it was allowed to.
    waits = [r[1] if r[1] is not None else wait for r in rows]
    errors = sum(r[3] for r in rows)
    return {
        "rps": sum(r[2] for r in rows) / seconds,
        "first_max": max(answered) if answered else float("nan"),
        "first_median": statistics.median(answered) if answered else float("nan"),
        "over_1s": sum(1 for f in firsts if f is None or f > 1.0),
        "wait_max": max(waits),
        "wait_median": statistics.median(waits),
        "wait_over_1s": sum(1 for w in waits if w > 1.0),
        "never": sum(1 for f in firsts if f is None),
        "errors": errors,
        "procs": procs,
        "last_error": next((r[4] for r in rows if r[4]), ""),
    }


def serve_and_measure(
    label: str,
    pythonpath: str | None,
    client_counts: list[int],
    args: argparse.Namespace,
    more_args: list[str] | None = None,
    command: Callable[[Path], list[str]] | None = None,
) -> list[tuple[str, int, dict[str, object]]]:
    import boto3
    from botocore.config import Config

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = []
    with tempfile.TemporaryDirectory(prefix="kmswb-load-") as tmp:
        folder = Path(tmp) / "sandbox"
        process, url, port = start_server(
            folder,
            env,
            extra=[*args.serve_arg, *(more_args or [])],
            command=command(folder) if command else None,
        )
        try:
            env_values = sandbox_env(folder, port, env)
            verify: str | bool = env_values.get("AWS_CA_BUNDLE", True)
            url = env_values.get("AWS_ENDPOINT_URL_KMS", url)
            admin = boto3.session.Session().client(
                "kms",
                region_name=env_values["AWS_DEFAULT_REGION"],
                endpoint_url=url,
                aws_access_key_id=env_values["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env_values["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"max_attempts": 1, "mode": "standard"}),
                verify=verify,
            )
            key_id = admin.create_key(Description="load")["KeyMetadata"]["KeyId"]
            for count in client_counts:
                cpu_before = cpu_seconds(process.pid)
                result = measure(
                    env_values, url, key_id, count, args.procs, args.seconds, args.wait, verify
                )
                served = float(result["rps"]) * args.seconds  # type: ignore[arg-type]
                used = cpu_seconds(process.pid) - cpu_before
                result["cpu_ms"] = used * 1000.0 / served if served else float("nan")
                out.append((label, count, result))
                print(format_row(label, count, result), flush=True)
                time.sleep(1.0)  # let idle connections of this round go
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
    return out


HEADER = (
    f"{'server':<6} {'clients':>7} {'req/s':>9} {'first med s':>12} {'first max':>10} "
    f"{'>1 s':>5} {'sent max':>9} {'>1 s':>5} {'errors':>7} {'cpu ms':>8}"
)


def format_row(label: str, count: int, r: dict[str, object]) -> str:
    text = (
        f"{label:<6} {count:>7} {r['rps']:>9.0f} {r['first_median']:>12.3f} "
        f"{r['first_max']:>10.3f} {r['over_1s']:>5} {r['wait_max']:>9.3f} "
        f"{r['wait_over_1s']:>5} {r['errors']:>7} {r['cpu_ms']:>8.2f}"
    )
    if r["never"]:
        text += f"  ({r['never']} never answered)"
    if r["last_error"]:
        text += f"  last error: {r['last_error']}"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="16,64,256", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measurement")
    parser.add_argument("--wait", type=float, default=60.0, help="longest wait for a first answer")
    parser.add_argument(
        "--procs", type=int, default=2, help="client processes (more when over 64 clients each)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternations of old and new")
    parser.add_argument("--old", help="a folder holding an earlier kmsworkbench package")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra serve argument")
    parser.add_argument(
        "--h11", action="store_true", help="also serve with uvicorn's h11 parser (row 'h11')"
    )
    args = parser.parse_args()
    counts = [max(1, min(int(c), 512)) for c in args.clients.split(",")]
    args.seconds = max(1.0, min(args.seconds, 60.0))
    args.wait = max(1.0, min(args.wait, 120.0))
    rounds = max(1, min(args.rounds, 5))

    print("mix: Encrypt, Decrypt, GenerateDataKeyPairWithoutPlaintext (ECC_NIST_P256), ListKeys")
    print(
        f"{args.seconds:.0f} s per measurement, clients in "
        + ", ".join(f"{client_processes(c, args.procs)} processes at {c}" for c in counts)
    )
    print("first: from the common start; sent: from when that client's first request left it")
    print(HEADER)
    print("-" * len(HEADER))
    rows = []
    for _ in range(rounds):
        if args.old:
            old_path = str(Path(args.old).resolve())
            rows += serve_and_measure("old", old_path, counts, args)
        rows += serve_and_measure("new", None, counts, args)
        if args.h11:
            rows += serve_and_measure("h11", None, counts, args, ["--http-impl", "h11"])
    print()
    for count in counts:
        for label in ("old", "new", "h11"):
            mine = [r for lab, c, r in rows if lab == label and c == count]
            if mine:
                rps = statistics.median(float(r["rps"]) for r in mine)  # type: ignore[arg-type]
                cpu = statistics.median(float(r["cpu_ms"]) for r in mine)  # type: ignore[arg-type]
                worst = max(float(r["first_max"]) for r in mine)  # type: ignore[arg-type]
                waited = max(float(r["wait_max"]) for r in mine)  # type: ignore[arg-type]
                print(
                    f"{label} at {count} clients: median {rps:.0f} req/s, "
                    f"longest first answer {worst:.3f} s from the start, {waited:.3f} s from "
                    f"sending, server CPU {cpu:.2f} ms per request"
                )
    print(
        "targets (issue 11): at 16 clients at least the hand-written server's req/s, measured "
        "in the same run (bench_vs_old_server.py); no first answer after more than 1 s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
