"""The in-process client: real botocore, sandbox credentials, nothing of the user's setup."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.core import insert_key, make_material
from kmsworkbench.sandbox.core.specs import AWS_MANAGED_SEEDED
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.seed import SEED_KEYS

# The keys a fresh Region holds: the teaching keys and the seeded AWS managed keys.
SEEDED = len(SEED_KEYS) + len(AWS_MANAGED_SEEDED)


def test_ignores_user_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile dev]\nregion = eu-central-1\n[default]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUSERUSERUSERUSER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "user-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    kms = make_client(tmp_path / "data")
    sandbox = Sandbox.open(tmp_path / "data")
    credentials = kms._request_signer._credentials
    assert credentials.access_key == sandbox.access_key_id
    assert credentials.secret_key == sandbox.secret_access_key
    assert kms.meta.region_name == "us-east-1"
    assert "127.0.0.1" not in kms.meta.endpoint_url
    assert kms.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]["Enabled"]
    sandbox.close()


def test_client_error_codes_and_retries(tmp_path: Path) -> None:
    kms = make_client(tmp_path / "data")
    assert kms.meta.config.retries["mode"] == "standard"
    with pytest.raises(kms.exceptions.NotFoundException) as info:
        kms.describe_key(KeyId="alias/missing")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert isinstance(info.value, ClientError)


def test_config_kwargs(tmp_path: Path) -> None:
    kms = make_client(tmp_path / "data", "eu-west-1", retries={"mode": "legacy", "max_attempts": 2})
    assert kms.meta.region_name == "eu-west-1"
    assert kms.meta.config.retries["mode"] == "legacy"
    assert ":eu-west-1:" in kms.list_keys()["Keys"][0]["KeyArn"]


def test_threads_share_a_client(tmp_path: Path) -> None:
    kms = make_client(tmp_path / "data")
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                out = kms.generate_data_key(KeyId="alias/workbench-demo", NumberOfBytes=32)
                assert (
                    kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"]
                    == out["Plaintext"]
                )
                kms.create_key(Description="threaded")
        except BaseException as exc:  # collected and re-raised in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    total = sum(len(p["Keys"]) for p in kms.get_paginator("list_keys").paginate())
    assert total == SEEDED + 40


def test_many_keys_list_and_describe(tmp_path: Path) -> None:
    """Thousands of keys: ListKeys pages and DescribeKey stay index lookups (no wall-clock
    assertion; this guards correctness at size)."""
    sandbox = Sandbox.open(tmp_path / "data")
    r = sandbox.engine.request("us-east-1")
    with sandbox.store.transaction(write=True):
        for i in range(3000):
            insert_key(
                r,
                str(uuid.uuid4()),
                make_material("SYMMETRIC_DEFAULT"),
                usage="ENCRYPT_DECRYPT",
                description=f"bulk {i}",
            )
    sandbox.close()
    kms = make_client(tmp_path / "data")
    pages = list(kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1000}))
    assert [len(p["Keys"]) for p in pages] == [1000, 1000, 1000, SEEDED]
    last = pages[-1]["Keys"][-1]["KeyId"]
    assert kms.describe_key(KeyId=last)["KeyMetadata"]["KeyId"] == last
