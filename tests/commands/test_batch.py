"""generate --count: many pairs, paced by the spec quota, surviving throttling."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs, paths
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.service import batch as batch_module
from kmsworkbench.service import session as session_module
from kmsworkbench.service.batch import TokenBucket, generate_batch, rate_for_spec
from tests.service.helpers import answer_with_error

THROTTLE_MESSAGE = (
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
)


def _check_batch(out_dir: Path, count: int, context: dict[str, str]) -> None:
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["Count"] == count and manifest["KeyPairSpec"] == "ECC_NIST_P256"
    assert manifest["EncryptionContext"] == context
    entries = manifest["Pairs"]
    assert [e["Index"] for e in entries] == list(range(1, count + 1))
    publics = {(out_dir / e["PublicKeyFile"]).read_bytes() for e in entries}
    ciphers = [(out_dir / e["PrivateKeyCiphertextFile"]).read_bytes() for e in entries]
    assert len(publics) == count and len(set(ciphers)) == count
    library = PairLibrary(paths.data_dir())
    with KmsSession(Backend.sandbox(paths.data_dir())) as session:
        for entry, blob in zip(entries, ciphers, strict=True):
            public = (out_dir / entry["PublicKeyFile"]).read_bytes()
            response = json.loads((out_dir / entry["ResponseFile"]).read_text())
            assert base64.b64decode(response["PublicKey"]) == public
            plain = session.decrypt_private_key(blob, context)
            assert keypairs.keys_match(plain.plaintext, public)
            assert library.get(entry["Name"]).public_key == public


def test_fifty_pairs(cli: Callable[..., Any], tmp_path: Path) -> None:
    out_dir = tmp_path / "batch"
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        "batch=1",
        "--count",
        "50",
        "--out-dir",
        str(out_dir),
        "--name",
        "b",
        "--save",
    )
    assert r.rc == 0, r.err
    assert r.json()["Count"] == 50
    _check_batch(out_dir, 50, {"batch": "1"})
    again = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--count",
        "2",
        "--out-dir",
        str(out_dir),
    )
    assert again.rc == 252 and "manifest.json already exists" in again.err
    assert "--resume" in again.err
    assert (
        cli("generate", "--key-id", "k", "--key-pair-spec", "ECC_NIST_P256", "--count", "2").rc
        == 252
    )


def test_batch_survives_throttling(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counters: list[list[int]] = []
    sleeps: list[float] = []
    original_build = session_module.KmsSession._build_client

    def build(self: Any) -> Any:
        client = original_build(self)
        counters.append(
            answer_with_error(
                client,
                "ThrottlingException",
                THROTTLE_MESSAGE,
                "GenerateDataKeyPairWithoutPlaintext",
                times=12,
            )
        )
        return client

    monkeypatch.setattr(session_module.KmsSession, "_build_client", build)
    now = [0.0]

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("time.sleep", fake_sleep)  # botocore's retry backoff
    monkeypatch.setattr(batch_module, "_sleep", fake_sleep)
    monkeypatch.setattr(batch_module, "_clock", lambda: now[0])
    out_dir = tmp_path / "throttled"
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--count",
        "10",
        "--out-dir",
        str(out_dir),
        "--no-save",
    )
    assert r.rc == 0, r.err
    assert counters and counters[0][0] == 12  # every throttle was answered and survived
    assert sleeps  # it backed off
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["Count"] == 10 and all(e["Name"] is None for e in manifest["Pairs"])


def test_generate_batch_slows_down_and_gives_up_eventually(tmp_path: Path) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with KmsSession(Backend.sandbox(tmp_path / "d"), max_attempts=1) as session:
        answer_with_error(
            session.client,
            "ThrottlingException",
            THROTTLE_MESSAGE,
            "GenerateDataKeyPairWithoutPlaintext",
            times=3,
        )
        rates: list[float] = []
        results = generate_batch(
            session,
            "alias/workbench-demo",
            "ECC_NIST_P256",
            4,
            on_throttle=rates.append,
            sleep=sleep,
            clock=lambda: now[0],
            max_workers=1,
        )
        assert len(results) == 4 and len({r.public_key for r in results}) == 4
        assert rates == sorted(rates, reverse=True) and len(rates) == 3 and rates[-1] < 25
        answer_with_error(
            session.client,
            "ThrottlingException",
            THROTTLE_MESSAGE,
            "GenerateDataKeyPairWithoutPlaintext",
        )
        from kmsworkbench.service import KmsError

        with pytest.raises(KmsError) as info:
            generate_batch(
                session,
                "alias/workbench-demo",
                "ECC_NIST_P256",
                2,
                sleep=sleep,
                clock=lambda: now[0],
                max_throttle_retries=2,
            )
        assert info.value.code == "ThrottlingException"
    with KmsSession(Backend.sandbox(tmp_path / "d")) as session, pytest.raises(KmsError) as info:
        generate_batch(
            session,
            "11111111-2222-3333-4444-555555555555",
            "ECC_NIST_P256",
            3,
            sleep=sleep,
            clock=lambda: now[0],
        )
    assert info.value.code == "NotFoundException"


def test_token_bucket_paces() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(6):
        bucket.acquire()
    # a burst of 2, then one every half second
    assert now[0] == pytest.approx(2.0)
    assert bucket.slow_down() == 1.0
    assert rate_for_spec("RSA_4096") == 0.1 and rate_for_spec("ECC_NIST_P256") == 25.0
    assert rate_for_spec("ML_KEM_512") > 0


def test_the_sandbox_is_not_paced_but_an_explicit_rate_is_kept(tmp_path: Path) -> None:
    """The embedded sandbox has no request quota: 60 P-256 pairs (more than the quota's burst
    of 25) wait for nothing. ``rate`` is what a user with a raised quota sets: it is kept."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with KmsSession(Backend.sandbox(tmp_path / "d")) as session:
        assert not session.has_request_quotas
        unpaced: list[bool] = []
        results = generate_batch(
            session,
            "alias/workbench-demo",
            "ECC_NIST_P256",
            60,
            on_unpaced=lambda: unpaced.append(True),
            sleep=sleep,
            clock=lambda: now[0],
        )
        assert len({r.public_key for r in results}) == 60
        assert slept == [] and unpaced == [True]
        generate_batch(
            session,
            "alias/workbench-demo",
            "ECC_NIST_P256",
            12,
            rate=4.0,
            on_unpaced=lambda: unpaced.append(True),
            sleep=sleep,
            clock=lambda: now[0],
            max_workers=1,
        )
        # a burst of 4, then one every quarter second: 8 waits, 2 s of pacing in all
        assert unpaced == [True] and now[0] == pytest.approx(2.0)


def test_an_endpoint_is_paced_until_it_says_it_is_a_sandbox(tmp_path: Path) -> None:
    """Any other endpoint (AWS behind a VPC endpoint, LocalStack) keeps the spec's quota; a
    served kmsworkbench sandbox says on its first answer that it has none."""
    from kmsworkbench.sandbox.server import start_background

    handle = start_background(tmp_path / "served", "127.0.0.1", 0, "us-east-1")
    try:
        sandbox = handle.sandbox
        backend = Backend(kind="endpoint", endpoint_url=handle.endpoint_url, region="us-east-1")
        env = {
            "AWS_ACCESS_KEY_ID": sandbox.access_key_id,
            "AWS_SECRET_ACCESS_KEY": sandbox.secret_access_key,
        }
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                mp.setenv(name, value)
            mp.setenv("AWS_CONFIG_FILE", "/dev/null")
            mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            with KmsSession(backend) as session:
                assert session.has_request_quotas
                unpaced: list[bool] = []
                results = generate_batch(
                    session,
                    "alias/workbench-demo",
                    "ECC_NIST_P256",
                    30,
                    on_unpaced=lambda: unpaced.append(True),
                )
                assert len({r.public_key for r in results}) == 30
                assert unpaced == [True] and not session.has_request_quotas
    finally:
        handle.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "3", "--out-dir", "OUT", "--rate", "0"], "--rate must be a number"),
        (["--count", "3", "--out-dir", "OUT", "--rate", "nan"], "--rate must be a number"),
        (["--rate", "5"], "--rate goes with --count"),
    ],
)
def test_rate_is_checked(
    cli: Callable[..., Any], tmp_path: Path, args: list[str], message: str
) -> None:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    r = cli(
        "generate", "--key-id", "alias/workbench-demo", "--key-pair-spec", "ECC_NIST_P256", *argv
    )
    assert r.rc == 252 and message in r.err, r  # a usage error, as the AWS CLI says
    assert not (tmp_path / "out").exists()
