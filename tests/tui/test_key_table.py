"""The virtualised key table (issue 9 item 8, issue 14): every match reachable by keys, with
no cap; the name column fixed while the others scroll; the columns that matter visible at
80 columns; long tokens shortened in the middle; the right short reason for each key kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.service import KeyInfo
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.widgets.key_table import KeyTable
from kmsworkbench.tui.widgets.key_table_cells import fit_columns, short_reason, shorten

from .conftest import settle

AppFactory = Callable[..., WorkbenchApp]
MANY = 400  # more than the old cap of 300 rows


def seed_many(folder: Path, count: int) -> None:
    """``count`` keys described "bulk key NNNNN", every tenth with alias/bulk-NNNNN, made
    straight through the sandbox's engine in a few transactions (seconds, not minutes)."""
    sandbox = Sandbox.open(folder)
    try:
        sandbox.ensure_region(sandbox.region)
        with sandbox.store.transaction(write=True):
            for i in range(count):
                made = sandbox.engine.call(
                    "CreateKey", {"Description": f"bulk key {i:05d}"}, sandbox.region
                )
                if i % 10 == 0:
                    sandbox.engine.call(
                        "CreateAlias",
                        {
                            "AliasName": f"alias/bulk-{i:05d}",
                            "TargetKeyId": made["KeyMetadata"]["KeyId"],
                        },
                        sandbox.region,
                    )
    finally:
        sandbox.store.close()


def line_text(table: KeyTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def on_screen(table: KeyTable, key_id: str) -> bool:
    """Is the key's row among the lines the table shows now?"""
    row = table.row_of(key_id)
    top = int(table.scroll_y)
    return row is not None and top <= row < top + table.scrollable_content_region.height - 1


@pytest.mark.slow
async def test_every_match_of_a_large_list_is_reached_by_keys(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    seed_many(sandbox_dir, MANY)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        table = screen.query_one(KeyTable)
        assert len(screen.index) >= MANY
        assert table.row_count == len(screen.index)  # no cap: every key is in the view
        # A filter typed key by key, matching the 400 descriptions ("bulk key 00000"..) and
        # none of the sandbox's own keys: more than the old cap, all in the view.
        await pilot.press("slash", *"key 00")
        await pilot.pause()
        assert screen.query_one("#key-filter", Input).value == "key 00"
        assert screen.matching == MANY and table.row_count == MANY
        count = str(screen.query_one("#key-count", Static).render())
        assert f"{MANY} shown" in count and "first" not in count
        # Down to the table, then End: the last match is highlighted and on screen.
        await pilot.press("down", "end")
        await pilot.pause()
        last = table.shown[-1]
        assert table.highlighted is last and last.description.startswith("bulk key 00")
        assert on_screen(table, last.key_id)
        assert last.key_id[:8] in line_text(table, table.cursor_row - int(table.scroll_y) + 1)
        # Home, then PageDown until the end: every page moves, and the last match is reached.
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and int(table.scroll_y) == 0
        seen = {table.highlighted.key_id if table.highlighted else ""}
        for _ in range(200):
            if table.highlighted is last:
                break
            await pilot.press("pagedown")
            seen.add(table.highlighted.key_id if table.highlighted else "")
        await pilot.pause()
        assert table.highlighted is last and on_screen(table, last.key_id)
        assert len(seen) > 2  # it got there page by page
        # The detail pane shows the highlighted key in full.
        assert last.key_id in str(screen.query_one("#key-detail", Static).render())


async def test_name_column_fixed_and_columns_fit_80(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        table = screen.query_one(KeyTable)
        header = line_text(table, 0)
        # At 80 columns: the name, whether it wraps, state, spec and usage, without scrolling.
        for label in ("Alias or key ID", "Wraps pairs?", "State", "Key spec", "Usage"):
            assert label in header, header
        demo = screen.index.find("alias/workbench-demo")
        assert demo is not None and table.move_to(demo.key_id)
        await pilot.pause()
        row_line = line_text(table, table.cursor_row - int(table.scroll_y) + 1)
        assert row_line.startswith("workbench-demo") and "ENCRYPT_DECRYPT" in row_line
        # Right scrolls one column at a time; the name stays; the key ID comes into view.
        presses = 0
        while demo.key_id not in line_text(table, table.cursor_row - int(table.scroll_y) + 1):
            await pilot.press("right")
            await pilot.pause()
            presses += 1
            assert presses <= 6, "the key ID should be a few presses away"
        moved = line_text(table, table.cursor_row - int(table.scroll_y) + 1)
        assert moved.startswith("workbench-demo")
        assert line_text(table, 0).startswith("Alias or key ID")
        await pilot.press("left", "left", "left", "left", "left", "left")
        await pilot.pause()
        assert int(table.scroll_x) == 0
        # Enter on the highlighted eligible key still chooses it.
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, KeyChooserScreen)


def test_shorten_from_the_middle_and_fit() -> None:
    arn = "arn:aws:kms:us-east-1:111122223333:key/0123"
    short = shorten(arn, 15)
    assert len(short) == 15 and short.startswith("arn:aws") and short.endswith("y/0123")
    assert "…" in short
    assert shorten("Enabled", 15) == "Enabled"
    assert shorten("a long description here", 10, middle=False) == "a long de…"
    narrow, wide = fit_columns(79), fit_columns(200)
    assert sum(narrow[:5]) + 4 <= 79  # the five first columns fit at 80 (scrollbar: 1)
    assert wide[0] == 30 and narrow[0] < wide[0]


@pytest.mark.parametrize(
    ("spec", "usage", "reason"),
    [
        ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE", "KEM key"),
        ("ML_DSA_65", "SIGN_VERIFY", "signing key"),
        ("HMAC_256", "GENERATE_VERIFY_MAC", "HMAC key"),
        ("ECC_NIST_P256", "KEY_AGREEMENT", "key agreement key"),
        ("RSA_2048", "ENCRYPT_DECRYPT", "asymmetric key"),
        ("SM2", "ENCRYPT_DECRYPT", "asymmetric key"),
    ],
)
def test_short_reason_names_the_key_kind(spec: str, usage: str, reason: str) -> None:
    info = KeyInfo("k", "arn:k", [], {"KeySpec": spec, "KeyUsage": usage, "KeyState": "Enabled"})
    assert info.eligible is False
    assert short_reason(info) == reason
