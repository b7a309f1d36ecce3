"""Crash safety: a process doing sandbox writes and library writes is SIGKILLed at random
moments; after each kill the folder is opened and checked (issue 11, "Nothing lost"):

- the store passes SQLite's integrity_check and every acknowledged write is in it,
- every acknowledged pair is in the library and no file in it is damaged,
- no temporary file is left once the library and the store have been opened again,
- a batch killed midway leaves nothing in the library, and --resume finishes it.

``make test`` runs a few rounds; ``make soak`` runs many (the ``soak`` marker).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kmsworkbench.pairs import PairLibrary
from kmsworkbench.sandbox.integrity import report
from kmsworkbench.sandbox.store import DB_NAME

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from kmsworkbench import keypairs
    from kmsworkbench.pairs import PairLibrary, PairRecord
    from kmsworkbench.sandbox.inprocess import make_client

    data, tag = sys.argv[1], sys.argv[2]
    kms = make_client(data)
    library = PairLibrary(data)
    public = keypairs.generate("ECC_NIST_P256").public_der
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        key = kms.create_key(Description=f"{tag}-{i}")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{tag}-{i}", TargetKeyId=key)
        print("key", key, f"alias/{tag}-{i}", flush=True)
        record = PairRecord(
            name=f"{tag}-{i}", key_arn=key, key_pair_spec="ECC_NIST_P256",
            encryption_context={"i": str(i)}, public_key=public,
            private_key_ciphertext=b"ciphertext-" + str(i).encode(), backend="sandbox",
            created_at=datetime.now(UTC),
        )
        library.add(record)
        print("pair", record.name, flush=True)
    """
)


def _kill_writer_after(data: Path, tag: str, acks: int) -> list[list[str]]:
    """Run the writer until it has acknowledged ``acks`` writes, then SIGKILL it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acknowledged: list[list[str]] = []
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
        while len(acknowledged) < acks:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(proc.stderr.read() if proc.stderr else "writer died")
            acknowledged.append(line.split())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        # What it printed after our last read was acknowledged too.
        rest = proc.stdout.read()
        acknowledged += [line.split() for line in rest.splitlines() if line.strip()]
    return acknowledged


def _check_after_kill(data: Path, acknowledged: list[list[str]]) -> None:
    from kmsworkbench.sandbox.inprocess import make_client

    checked = report(data / DB_NAME)
    assert checked["Status"] == "ok" and checked["Integrity"] == "ok", checked
    kms = make_client(data)  # opens the store: removes the creation temporaries
    library = PairLibrary(data)  # opens the library: removes the write temporaries
    try:
        pairs = {r.name for r in library.list()}
        assert library.damaged == []
        for ack in acknowledged:
            if ack[0] == "key":
                assert kms.describe_key(KeyId=ack[2])["KeyMetadata"]["KeyId"] == ack[1]
            elif ack[0] == "pair":
                assert ack[1] in pairs
    finally:
        kms._kmsworkbench_sandbox.close()
    leftovers = [p.name for p in (*data.iterdir(), *library.folder.iterdir()) if ".tmp" in p.name]
    assert leftovers == []


def _rounds(data: Path, rounds: int, seed: int) -> int:
    rng = random.Random(seed)
    total = 0
    for n in range(rounds):
        acknowledged = _kill_writer_after(data, f"r{n}", rng.randint(1, 12))
        _check_after_kill(data, acknowledged)
        total += len(acknowledged)
    return total


@pytest.mark.slow
def test_killed_writers_lose_nothing(tmp_path: Path) -> None:
    assert _rounds(tmp_path / "data", rounds=3, seed=11) >= 3


@pytest.mark.slow
def test_a_killed_batch_leaves_nothing_in_the_library_and_resumes(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "batch"
    argv = [
        sys.executable, "-m", "kmsworkbench", "--data-dir", str(data), "generate",
        "--key-id", "alias/workbench-demo", "--key-pair-spec", "ECC_NIST_P256",
        "--count", "60", "--out-dir", str(out), "--save", "--name", "killed",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Kill it once some pairs are on disk (the manifest lists those made a second ago).
        while not out.exists() or len(list(out.glob("pair-*.json"))) < 5:
            try:
                proc.wait(timeout=0.05)  # waits on the process, not a fixed sleep
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(proc.stderr.read() if proc.stderr else "batch ended")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    library = PairLibrary(data)
    assert library.batches.list() == [] and library.list() == []
    assert (out / "manifest.json").exists()
    resumed = subprocess.run(
        [sys.executable, "-m", "kmsworkbench", "--data-dir", str(data), "generate",
         "--out-dir", str(out), "--resume"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    [batch] = PairLibrary(data).batches.list()
    assert batch.name == "killed" and batch.count == 60
    assert not [p for p in out.iterdir() if ".tmp" in p.name]


@pytest.mark.soak
def test_soak_killed_writers_lose_nothing(tmp_path: Path) -> None:
    rounds = int(os.environ.get("KMSWORKBENCH_SOAK_ROUNDS", "40"))
    assert _rounds(tmp_path / "data", rounds=rounds, seed=random.randrange(1 << 30)) >= rounds
