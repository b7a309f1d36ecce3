"""Issue 9, item 3: the same sandbox reached through `serve` is the same KMS. Pairs made
in-process are at home on an endpoint backend that serves the same data folder (no ⚠, and
Decrypt works); a pair whose key is in another Region is marked, saying why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kmsworkbench import config
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.sandbox.server import start_background
from kmsworkbench.service import Backend
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.library import LibraryScreen
from kmsworkbench.tui.widgets.pair_table import PairTable, record_cells

from .conftest import settle
from .test_library import decrypt_key, make_pair, open_workbench


async def test_a_served_copy_of_the_same_folder_is_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "served"
    record = make_pair(folder, "ECC_NIST_P256", "made-in-process")
    library = PairLibrary(folder)
    elsewhere = dataclasses.replace(
        record,
        name="made-in-eu",
        key_arn=record.key_arn.replace(":us-east-1:", ":eu-west-1:"),
    )
    library.add(elsewhere)
    with start_background(folder) as handle:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", handle.sandbox.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", handle.sandbox.secret_access_key)
        backend = Backend(kind="endpoint", endpoint_url=handle.endpoint_url, region="us-east-1")
        app = WorkbenchApp(
            backend, settings=config.Settings(), persist_settings=False, library_dir=folder
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert app.account == handle.sandbox.account_id
            await pilot.press("f7")
            await pilot.pause()
            assert isinstance(app.screen, LibraryScreen)
            cells = {
                r.name: " ".join(str(c) for c in record_cells(r, app))
                for r in app.screen.query_one(PairTable).records
            }
            assert "⚠" not in cells["made-in-process"]
            assert "⚠" in cells["made-in-eu"]
            screen = await open_workbench(app, pilot, "made-in-process")
            await decrypt_key(app, pilot, screen)
            assert screen.holder.held
