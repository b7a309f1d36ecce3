"""The package skeleton: entry points, file locations and safe writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kmsworkbench import __version__, paths
from kmsworkbench.cli import main


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kmsworkbench", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"kmsworkbench {__version__}"


def test_bad_usage_exits_252(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 252


def test_home_override_decides_data_and_config(isolated_home: Path) -> None:
    assert paths.data_dir() == isolated_home
    assert paths.config_dir() == isolated_home / "config"
    assert paths.data_dir("/elsewhere") == Path("/elsewhere")


def test_atomic_write_is_private(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.json"
    paths.atomic_write(target, "{}")
    assert target.read_text() == "{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    paths.atomic_write(target, b"[1]")
    assert target.read_bytes() == b"[1]"
    leftovers = [p for p in os.listdir(target.parent) if p.endswith(".tmp")]
    assert leftovers == []
