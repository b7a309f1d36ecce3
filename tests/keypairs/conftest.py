"""Fixtures for the key pair tests: one key pair per spec per test session (RSA generation is
the slow part), and a runner for the OpenSSL command-line tool, the outside oracle."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kmsworkbench.keypairs import GeneratedKeyPair, generate

OPENSSL = shutil.which("openssl")

_PAIRS: dict[str, GeneratedKeyPair] = {}


@pytest.fixture(scope="session")
def pair_of() -> Callable[[str], GeneratedKeyPair]:
    """``pair_of(spec)``: a key pair of that spec, generated once per session."""

    def get(spec: str) -> GeneratedKeyPair:
        if spec not in _PAIRS:
            _PAIRS[spec] = generate(spec)
        return _PAIRS[spec]

    return get


class OpenSSL:
    """Runs ``openssl`` with files in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / name

    def write(self, name: str, data: bytes | str) -> Path:
        target = self.folder / name
        if isinstance(data, str):
            target.write_text(data)
        else:
            target.write_bytes(data)
        return target

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        assert OPENSSL is not None
        result = subprocess.run(
            [OPENSSL, *[str(a) for a in args]],
            cwd=self.folder,
            capture_output=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"openssl {' '.join(str(a) for a in args)} failed ({result.returncode}):\n"
                f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
            )
        return result

    def text(self, *args: str | Path) -> str:
        return self.run(*args).stdout.decode()


@pytest.fixture
def openssl(tmp_path: Path) -> OpenSSL:
    if OPENSSL is None:
        pytest.skip("the openssl command-line tool is not installed")
    folder = tmp_path / "openssl"
    folder.mkdir()
    return OpenSSL(folder)
