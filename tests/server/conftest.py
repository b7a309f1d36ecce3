"""Fixtures for the served sandbox: a server on a free loopback port, and the real AWS CLI
(the ``aws`` executable installed next to this interpreter) pointed at it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kmsworkbench.sandbox.server import ServerHandle, start_background

from ..aws_preloaded import aws_command


def aws_executable() -> Path:
    """The installed AWS CLI, run through tests/aws_preloaded.py: each command is its own
    process running the CLI's entry point, without paying its import again."""
    candidate = Path(sys.executable).parent / "aws"
    if not candidate.exists() and shutil.which("aws") is None:
        pytest.fail("the AWS CLI (awscli, in the test extras) is not installed")
    return aws_command()


def aws_env(handle: ServerHandle, home: Path, **overrides: str) -> dict[str, str]:
    """An environment with nothing of the machine's AWS setup in it, pointed at ``handle``."""
    sandbox = handle.sandbox
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": sandbox.access_key_id,
        "AWS_SECRET_ACCESS_KEY": sandbox.secret_access_key,
        "AWS_REGION": sandbox.region,
        "AWS_DEFAULT_REGION": sandbox.region,  # botocore 1.x (AWS CLI v1) reads only this one
        "AWS_ENDPOINT_URL_KMS": handle.endpoint_url,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
    }
    env.update(overrides)
    return env


def service_error_exit_code(executable: Path) -> int:
    """The exit code the installed AWS CLI gives for a service error: 254 from AWS CLI v2;
    AWS CLI v1 (the ``awscli`` package on PyPI) exits with 255 for every error."""
    version = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    text = (version.stdout + version.stderr).strip()
    return 255 if text.startswith("aws-cli/1.") else 254


class AwsCli:
    """Runs ``aws`` against a served sandbox."""

    _error_rc: dict[Path, int] = {}

    def __init__(self, executable: Path, handle: ServerHandle, home: Path) -> None:
        self.executable = executable
        self.handle = handle
        self.home = home

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.executable), *args],
            env=env or aws_env(self.handle, self.home),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, (args, result.returncode, result.stderr)
        return result.stdout

    def json(self, *args: str) -> dict[str, object]:
        return json.loads(self.ok(*args))

    @property
    def service_error_rc(self) -> int:
        if self.executable not in self._error_rc:
            self._error_rc[self.executable] = service_error_exit_code(self.executable)
        return self._error_rc[self.executable]

    def fails(self, *args: str, code: str, env: dict[str, str] | None = None) -> str:
        result = self.run(*args, env=env)
        assert result.returncode == self.service_error_rc, (args, result.returncode, result.stderr)
        assert f"An error occurred ({code})" in result.stderr, result.stderr
        return result.stderr


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServerHandle]]:
    """Start sandboxes on free loopback ports: ``serve(region="cn-north-1")``."""
    handles: list[ServerHandle] = []

    def start(region: str = "us-east-1", name: str = "sandbox") -> ServerHandle:
        handle = start_background(tmp_path / f"{name}-{region}", "127.0.0.1", 0, region)
        handles.append(handle)
        return handle

    try:
        yield start
    finally:
        for handle in handles:
            handle.stop()


@pytest.fixture
def served(serve: Callable[..., ServerHandle]) -> ServerHandle:
    return serve("us-east-1")


@pytest.fixture
def aws(served: ServerHandle, tmp_path: Path) -> AwsCli:
    home = tmp_path / "home"
    home.mkdir()
    return AwsCli(aws_executable(), served, home)
