"""boto3 stays off the path to the first frame; the entry point picks the backend."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from kmsworkbench import config
from kmsworkbench.tui.app import backend_from_settings


def test_tui_app_import_does_not_load_boto3() -> None:
    code = (
        "import sys, kmsworkbench.tui.app\n"
        "loaded = [m for m in ('boto3', 'botocore') if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _args(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {
        "data_dir": None,
        "endpoint_url": None,
        "aws": False,
        "profile": None,
        "region": None,
        "no_verify_ssl": False,
        "ca_bundle": None,
        "cli_read_timeout": None,
        "cli_connect_timeout": None,
        "debug": False,
    }
    base.update(kw)
    return argparse.Namespace(**base)


def test_remembered_backend_when_no_option_given(isolated_home: Path) -> None:
    settings = config.Settings().with_backend(
        kind="endpoint", endpoint_url="http://127.0.0.1:4599", region="eu-west-1"
    )
    backend = backend_from_settings(_args(), settings)
    assert backend.kind == "endpoint"
    assert backend.endpoint_url == "http://127.0.0.1:4599"
    assert backend.region == "eu-west-1"


def test_command_line_backend_wins_over_remembered(tmp_path: Path) -> None:
    settings = config.Settings().with_backend(kind="aws", profile="prod")
    backend = backend_from_settings(_args(data_dir=str(tmp_path / "sb")), settings)
    assert backend.kind == "sandbox"
    assert backend.data_dir == tmp_path / "sb"


def test_default_is_the_sandbox(isolated_home: Path) -> None:
    backend = backend_from_settings(_args(), config.Settings())
    assert backend.kind == "sandbox"
    assert backend.resolved_data_dir == isolated_home
