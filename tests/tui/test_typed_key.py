"""A key named by hand (Ctrl+O) and the filter's match reasons (issue 9, items 6 and 10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Label, Static

from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.generate import GenerateScreen
from kmsworkbench.tui.screens.keys import KeyChooserScreen

from .conftest import settle

AppFactory = Callable[..., WorkbenchApp]


async def type_key(app: WorkbenchApp, pilot: object, reference: str) -> GenerateScreen:
    await pilot.press("ctrl+o")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press(*reference, "enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, GenerateScreen), screen
    return screen


async def test_typed_disabled_key_gets_the_tables_note(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    """Before, a disabled key typed by hand opened the form with no warning, while Enter on
    the same row in the table refused it. Here the key is made after the listing, so the
    note comes from DescribeKey, not from the table."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        client = make_client(sandbox_dir)
        key = client.create_key(Description="made elsewhere")["KeyMetadata"]
        client.disable_key(KeyId=key["KeyId"])
        screen = await type_key(app, pilot, key["Arn"])
        text = str(screen.query_one("#gen-key", Static).render())
        assert "✗ cannot wrap a data key pair" in text and "disabled" in text.lower()


async def test_typed_key_of_another_account_says_it_cannot_be_checked(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.account and app.account != "999988887777"
        arn = "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        screen = await type_key(app, pilot, arn)
        text = str(screen.query_one("#gen-key", Static).render())
        assert "account 999988887777" in text and "cannot be checked" in text


async def test_filter_says_which_field_matched(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        total = len(screen.index)
        await pilot.press("slash", *"aws")
        await pilot.pause()
        count = str(screen.query_one("#key-count", Label).render())
        assert screen.matching < total, count
        assert "matched:" in count and "alias" in count
        shown = screen.index.filter("aws")
        assert all(screen.index.matched_by[k.key_id] != "ARN" for k in shown)
