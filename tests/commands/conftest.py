"""Fixtures for the headless commands: run the CLI in-process against the sandbox in the
test's private KMSWORKBENCH_HOME."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kmsworkbench.cli import main


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> object:
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            rc = main(list(argv))
        except SystemExit as exc:
            rc = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(rc, captured.out, captured.err)

    return run


@pytest.fixture
def pair(cli: Callable[..., Result]) -> Callable[..., dict[str, object]]:
    """Generate a pair into the library; returns the generate output."""

    def make(
        name: str, spec: str = "ECC_NIST_P256", context: str | None = "app=wb"
    ) -> dict[str, object]:
        argv = [
            "generate",
            "--key-id",
            "alias/workbench-demo",
            "--key-pair-spec",
            spec,
            "--name",
            name,
        ]
        if context:
            argv += ["--encryption-context", context]
        result = cli(*argv)
        assert result.rc == 0, result.err
        return result.json()  # type: ignore[return-value]

    return make


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home
