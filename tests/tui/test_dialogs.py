"""Dialogs as a person at speed uses them (issue 9, items 5 and 11): the field to type in has
the focus the moment the dialog opens, keys typed right after the key that opened it land
there, Enter does the primary action where it is not destructive, and a cancel says so."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import CreateKeyModal, ScheduleDeletionModal
from kmsworkbench.tui.widgets.key_table import KeyTable

from .conftest import record_notices, settle
from .sweep import type_burst

AppFactory = Callable[..., WorkbenchApp]


async def test_create_key_typed_at_machine_speed(make_app: AppFactory) -> None:
    """Ctrl+N, the alias, Tab, the description, Enter: one burst of keys. Before, the dialog
    focused its alias field with a deferred focus() that ran after the queued Tab, so the
    description went into the alias field (or the first letters went nowhere)."""
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await type_burst(
            app, pilot, "<ctrl+n>", "alias/fast-typist", "<tab>", "typed quickly", "<enter>"
        )
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen), screen
        created = screen.index.find("alias/fast-typist")
        assert created is not None
        assert created.description == "typed quickly"


async def test_filter_typed_right_after_slash(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await type_burst(app, pilot, "/hmac")
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        assert screen.query_one("#key-filter", Input).value == "hmac"
        assert screen.matching == 1


async def test_schedule_deletion_takes_the_typed_days(make_app: AppFactory) -> None:
    """x, then the digits: they replace the proposed 7 (before, Cancel had the focus and the
    digits went nowhere until Shift+Tab reached the field)."""
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        target = screen.query_one(KeyTable).highlighted
        assert target is not None
        await pilot.press("x")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ScheduleDeletionModal)
        assert modal.focused is modal.query_one("#delete-days", Input)
        await type_burst(app, pilot, "12", "<enter>")
        assert app.screen is screen
        info = screen.index.find(target.key_id)
        assert info is not None and info.key_state == "PendingDeletion"


async def test_escape_in_a_dialog_says_it_cancelled(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        said = record_notices(app)
        before = len(app.screen.index)  # type: ignore[attr-defined]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, CreateKeyModal)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "No key was created." in said
        assert len(app.screen.index) == before  # type: ignore[attr-defined]
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "No deletion was scheduled." in said
