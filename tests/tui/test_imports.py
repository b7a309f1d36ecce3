"""boto3 stays off the path to the first frame; the entry point picks the backend."""

from __future__ import annotations

import argparse
import os
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


def test_the_key_list_comes_up_without_the_other_screens_modules(tmp_path: Path) -> None:
    """The footer asks check_action on every refresh; answering it must not import the
    library screen (and with it the export screen) on the way to the key list."""
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from kmsworkbench import config\n"
        "from kmsworkbench.service import Backend\n"
        "from kmsworkbench.tui.app import WorkbenchApp\n"
        "async def main():\n"
        "    app = WorkbenchApp(Backend(kind='sandbox', data_dir=Path(sys.argv[1])),\n"
        "                       settings=config.Settings(), persist_settings=False)\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        for _ in range(400):\n"
        "            await pilot.pause(0.01)\n"
        "            index = getattr(app.screen, 'index', None)\n"
        "            if index is not None and len(index) and not app.screen.loading_keys:\n"
        "                break\n"
        "        else:\n"
        "            raise SystemExit('the key list never loaded')\n"
        "        assert app.check_action('library', ()) and app.check_action('activity', ())\n"
        "    names = ('kmsworkbench.tui.screens.library', 'kmsworkbench.tui.screens.export',\n"
        "             'kmsworkbench.tui.screens.activity')\n"
        "    print(','.join(n for n in names if n in sys.modules))\n"
        "asyncio.run(main())\n"
    )
    from kmsworkbench.sandbox import Sandbox

    Sandbox.open(tmp_path / "sandbox").close()  # seeded first (seeding makes key pairs)
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "sandbox")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KMSWORKBENCH_HOME": str(tmp_path / "home")},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""
