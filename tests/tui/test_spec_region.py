"""The spec picker offers what the backend's Region can generate: SM2 only in the China
Regions, ML-KEM only outside them, and says why a spec is missing. Driven by keys: Enter on
the demo key opens the form, Enter on the picker opens its list, End + Enter picks the last."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select, Static
from textual.widgets._select import SelectOverlay

from kmsworkbench import config
from kmsworkbench.keypairs import SPECS
from kmsworkbench.service import Backend
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.generate import GenerateScreen

from .conftest import settle
from .test_flow import open_generate_for_demo

ML_KEM = {"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"}
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("region", "missing", "note", "last"),
    [
        ("us-east-1", {"SM2"}, "#spec-sm2-note", "ML_KEM_1024"),
        ("cn-north-1", ML_KEM, "#spec-mlkem-note", "ECC_NIST_EDWARDS25519"),
    ],
)
async def test_picker_offers_the_regions_specs(
    sandbox_dir: Path, region: str, missing: set[str], note: str, last: str
) -> None:
    backend = Backend(kind="sandbox", data_dir=sandbox_dir, region=region)
    app = WorkbenchApp(backend, settings=config.Settings(), persist_settings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        select = screen.query_one("#spec-select", Select)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        overlay = screen.query_one(SelectOverlay)
        offered = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        names = {o.split()[0] for o in offered}
        assert names == set(SPECS) - missing, offered
        await pilot.press("end", "enter")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        assert screen.spec == last
        explained = str(screen.query_one(note, Static).render())
        assert "not offered here" in explained and region in explained
        # The other note is absent: nothing this Region offers is explained away.
        other = "#spec-mlkem-note" if note == "#spec-sm2-note" else "#spec-sm2-note"
        assert not screen.query(other)
        # The spec picked by keys is one the Region generates: Generate succeeds.
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert not isinstance(app.screen, GenerateScreen), app.screen
