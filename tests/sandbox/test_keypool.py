"""The RSA key pool: pairs made ahead while serving, each handed out once, never on disk."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kmsworkbench.keypairs.generate import GeneratedKeyPair
from kmsworkbench.sandbox import Sandbox, keypool

from .conftest import http_client


def _fake(spec: str) -> GeneratedKeyPair:
    return GeneratedKeyPair(spec, os.urandom(16), os.urandom(32))


def test_each_pair_is_handed_out_once_under_concurrent_takes() -> None:
    pool = keypool.KeyPool(size=8, specs=("RSA_2048", "RSA_4096"), generate=_fake)
    pool.start()
    pool.want("RSA_2048", "RSA_4096")
    try:
        assert pool.wait_full(30)
        taken: list[GeneratedKeyPair] = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(40):
                pair = pool.take("RSA_2048")
                if pair is not None:
                    with lock:
                        taken.append(pair)

        threads = [threading.Thread(target=take) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(taken) >= 8  # at least the ready ones, more as the thread refilled
        assert len({id(p) for p in taken}) == len(taken)  # no pair twice
        assert len({p.private_der for p in taken}) == len(taken)
        assert pool.handed_out == len(taken)
        assert pool.take("ECC_NIST_P256") is None  # not a spec the pool keeps
        assert "private" not in repr(pool) and "RSA_2048" in repr(pool)
    finally:
        pool.stop()
    assert pool.ready("RSA_2048") == 0 and pool.ready("RSA_4096") == 0  # dropped on stop
    assert pool.take("RSA_2048") is None


def test_only_the_specs_asked_for_are_made() -> None:
    made: list[str] = []

    def generate(spec: str) -> GeneratedKeyPair:
        made.append(spec)
        return _fake(spec)

    pool = keypool.KeyPool(size=3, specs=("RSA_2048", "RSA_3072", "RSA_4096"), generate=generate)
    pool.start()
    try:
        assert pool.wanted() == ()
        assert pool.take("RSA_3072") is None  # the first call asks; it makes its own pair
        assert pool.take("ECC_NIST_P256") is None  # not a pool spec: never wanted
        assert pool.wanted() == ("RSA_3072",)
        assert pool.wait_full(30)
        assert pool.ready("RSA_3072") == 3
        # An eager pool fills the emptiest spec first, so it would have made the others too.
        assert set(made) == {"RSA_3072"}
        assert pool.ready("RSA_2048") == 0 and pool.ready("RSA_4096") == 0
        pool.want("RSA_4096")
        assert pool.wait_full(30)
        assert pool.ready("RSA_4096") == 3 and "RSA_2048" not in made
        assert pool.take("RSA_4096") is not None
    finally:
        pool.stop()


def test_an_empty_pool_is_no_error_and_a_size_of_zero_starts_nothing() -> None:
    pool = keypool.KeyPool(size=0, specs=("RSA_2048",), generate=_fake)
    pool.start()
    assert pool.take("RSA_2048") is None
    assert keypool.acquire(0) is None
    keypool.release()
    assert keypool.active() is None


@pytest.mark.parametrize(
    ("value", "size"), [("", 4), ("0", 0), ("2", 2), ("1000", 64), ("-3", 0), ("many", 4)]
)
def test_the_size_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, size: int
) -> None:
    monkeypatch.setenv(keypool.SIZE_ENV, value)
    assert keypool.size_from_env() == size


@pytest.fixture
def pool() -> Iterator[keypool.KeyPool]:
    active = keypool.acquire(2, ("RSA_2048",))  # real RSA keys, the smallest size
    assert active is not None
    active.want("RSA_2048")
    try:
        yield active
    finally:
        keypool.release()
    assert keypool.active() is None


def _files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_served_pairs_come_from_the_pool_and_nothing_of_it_reaches_disk(
    tmp_path: Path, pool: keypool.KeyPool
) -> None:
    assert pool.wait_full(120)
    waiting = [p.private_der for p in pool._ready["RSA_2048"]]
    sb = Sandbox.open(tmp_path / "data")
    try:
        made = []
        for _ in range(3):
            status, _, body = sb.handle(
                "TrentService.GenerateDataKeyPair",
                json.dumps({"KeyId": "alias/workbench-demo", "KeyPairSpec": "RSA_2048"}).encode(),
                access_key_id=sb.access_key_id,
            )
            assert status == 200, body
            made.append(base64.b64decode(json.loads(body)["PrivateKeyPlaintext"]))
        assert pool.handed_out >= 2
        assert made[:2] == waiting  # the two ready pairs, in order, then a new one
        assert len(set(made)) == 3
        leftover = [p.private_der for p in pool._ready["RSA_2048"]]
    finally:
        sb.close()
    on_disk = _files(tmp_path)
    for secret in [*made, *leftover]:
        assert secret not in on_disk
        assert secret[-64:] not in on_disk  # not even the private part's tail


def test_serve_runs_the_pool_only_while_serving(tmp_path: Path) -> None:
    from kmsworkbench.sandbox.server import ServerLimits, start_background

    assert keypool.active() is None
    handle = start_background(tmp_path / "data", limits=ServerLimits(rsa_pool=1))
    try:
        # The server thread starts the pool before it serves: an answer over HTTP proves it.
        assert "Keys" in http_client(handle.endpoint_url, handle.sandbox, "us-east-1").list_keys()
        assert keypool.active() is not None and keypool.active().size == 1
    finally:
        handle.stop()
    assert keypool.active() is None
