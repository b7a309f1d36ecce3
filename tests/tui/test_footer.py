"""The footer at 80 columns: on every screen the keys that matter there are shown whole
(none cut off behind the palette key), and the keys hidden from it are still in the F1 help.
The real app on an in-process sandbox, from the key list to a pair's workbench."""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import Footer

from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.activity import ActivityScreen
from kmsworkbench.tui.screens.generate import GenerateScreen
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.library import LibraryScreen
from kmsworkbench.tui.screens.modals import HelpScreen
from kmsworkbench.tui.screens.result import ResultScreen
from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen
from kmsworkbench.tui.widgets.context_editor import ContextEditor

from .conftest import settle
from .test_flow import open_generate_for_demo

AppFactory = Callable[..., WorkbenchApp]


def footer_keys(app: WorkbenchApp) -> dict[str, Widget]:
    """Description → FooterKey widget, for the keys of the footer (not the palette key);
    checks that each one is drawn whole, left of the palette key."""
    footer = app.screen.query_one(Footer)
    keys = list(footer.query("FooterKey"))
    palette = [k for k in keys if k.has_class("-command-palette")]
    limit = palette[0].region.x if palette else footer.region.right
    shown: dict[str, Widget] = {}
    for key in keys:
        if key.has_class("-command-palette"):
            continue
        description = str(getattr(key, "description", ""))
        assert key.region.width > 0, f"{description} is not drawn"
        assert key.region.right <= limit, f"{description} is cut off at {app.size.width} columns"
        shown[description] = key
    return shown


async def help_text(app: WorkbenchApp, pilot: object) -> str:
    await pilot.press("f1")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, HelpScreen)
    text = str(app.screen.query_one("#help-keys").render())
    await pilot.press("escape")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    return text


async def test_footer_fits_80_columns_on_every_screen(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyChooserScreen)
        shown = footer_keys(app)
        assert {"Choose", "Filter", "Refresh", "Backend", "Help", "Library", "Quit"} <= set(shown)
        text = await help_text(app, pilot)
        for hidden in ("Copy ID", "Copy ARN", "Key by ID/ARN", "New key", "Activity"):
            assert hidden not in shown and hidden in text

        await open_generate_for_demo(app, pilot)
        assert {"Generate", "Contexts", "Back", "Help", "Library"} <= set(footer_keys(app))
        app.screen.query_one(ContextEditor).rows[0].query_one("Input").focus()
        await pilot.pause()
        assert {"Add pair", "Contexts", "Generate", "Library"} <= set(footer_keys(app))
        assert "Copy aws-cli" in await help_text(app, pilot)

        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert {"Export", "Use pair", "Back", "Help", "Library"} <= set(footer_keys(app))

        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, PairWorkbenchScreen)
        assert {"Decrypt key", "Forget key", "Back", "Help", "Library"} <= set(footer_keys(app))

        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        shown = footer_keys(app)
        assert {"Open", "Rename", "Delete", "Export", "Back", "Help"} <= set(shown)
        assert "Library" not in shown  # not offered on itself
        assert "Import" in await help_text(app, pilot)

        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ActivityScreen)
        shown = footer_keys(app)
        assert {"Back", "Help", "Library"} <= set(shown) and "Activity" not in shown


async def test_footer_is_roomy_when_wide(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(Footer)
        assert not footer.compact
        await open_generate_for_demo(app, pilot)
        assert isinstance(app.screen, GenerateScreen)
        assert not app.screen.query_one(Footer).compact
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one(Footer).compact
        assert {"Generate", "Contexts", "Library"} <= set(footer_keys(app))


async def test_footer_rebuilds_only_when_its_keys_change(make_app: AppFactory) -> None:
    """A bindings refresh that changes nothing shown (F5 lists the keys again) keeps the
    footer's key widgets; a focus change that changes the keys (/ to the filter) rebuilds
    them, and coming back shows the table's keys again."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyChooserScreen)
        before = footer_keys(app)
        assert "Choose" in before
        await pilot.press("f5")
        await settle(app, pilot)
        after = footer_keys(app)
        assert list(after) == list(before)
        assert all(after[name] is before[name] for name in before), "rebuilt for nothing"
        await pilot.press("slash")
        await settle(app, pilot)
        assert "Choose" not in footer_keys(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert list(footer_keys(app)) == list(before)
