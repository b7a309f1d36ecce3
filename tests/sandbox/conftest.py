"""Fixtures for the sandbox suite: real boto3 KMS clients on a sandbox, per transport.

``kms`` is parametrised over ``inprocess`` (botocore's before-send hook) and ``http``
(``kmsworkbench.sandbox.server``, skipped while that module is absent). Each test module gets
its own data folder per transport; tests that would disturb others make their own keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.inprocess import _isolated_session_vars, make_client

TRANSPORTS = ["inprocess", "http"]


def http_client(endpoint_url: str, sandbox: Sandbox, region: str) -> Any:
    """A boto3 KMS client for a served sandbox, isolated from the machine's AWS setup."""
    import boto3
    import botocore.session
    from botocore.config import Config

    core = botocore.session.Session(session_vars=_isolated_session_vars())
    return boto3.session.Session(botocore_session=core).client(
        "kms",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )


def _client(transport: str, data_dir: Path, region: str) -> Iterator[Any]:
    if transport == "inprocess":
        client = make_client(data_dir, region)
        client._kmsworkbench_data_dir = data_dir
        yield client
        client._kmsworkbench_sandbox.close()
        return
    server = pytest.importorskip("kmsworkbench.sandbox.server")
    handle = server.start_background(data_dir, region=region)
    try:
        client = http_client(handle.endpoint_url, handle.sandbox, region)
        client._kmsworkbench_data_dir = data_dir
        yield client
    finally:
        handle.stop()


@pytest.fixture(scope="module", params=TRANSPORTS)
def kms(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp(f"kms-{request.param}") / "data"
    yield from _client(request.param, data_dir, "us-east-1")


@pytest.fixture(scope="module", params=TRANSPORTS)
def kms_cn(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp(f"kms-cn-{request.param}") / "data"
    yield from _client(request.param, data_dir, "cn-north-1")


@pytest.fixture
def error_of() -> Callable[..., dict[str, str]]:
    """Call ``fn(**kwargs)``, expect a ClientError, return its ``Error`` dict."""

    def call(fn: Callable[..., Any], **kwargs: Any) -> dict[str, str]:
        with pytest.raises(ClientError) as info:
            fn(**kwargs)
        return info.value.response["Error"]

    return call


@pytest.fixture(scope="module")
def demo_key(kms: Any) -> str:
    return kms.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]["Arn"]


@pytest.fixture
def advance_clock(kms: Any) -> Iterator[Callable[[float], None]]:
    """Move the sandbox clock of ``kms``'s data folder forward by some seconds (as
    ``kmsworkbench sandbox clock advance`` would, from another Sandbox on the folder)."""
    sandbox = Sandbox.open(kms._kmsworkbench_data_dir)
    yield sandbox.clock.advance
    sandbox.close()
