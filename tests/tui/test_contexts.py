"""Named encryption contexts in the generate form: save the form's context under a name,
fill the form from a saved one, delete one, take the last pair's; on the real app over an
in-process sandbox, with the settings written to the test's own KMSWORKBENCH_HOME."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from kmsworkbench import config
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.contexts import ContextPresetsModal, PresetList
from kmsworkbench.tui.screens.generate import GenerateScreen
from kmsworkbench.tui.screens.result import ResultScreen
from kmsworkbench.tui.widgets.context_editor import ContextEditor

from .conftest import settle
from .test_flow import open_generate_for_demo

AppFactory = Callable[..., WorkbenchApp]


def presets_modal(app: WorkbenchApp) -> ContextPresetsModal:
    screen = app.screen
    assert isinstance(screen, ContextPresetsModal), screen
    return screen


async def test_save_use_and_delete_a_named_context(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await open_generate_for_demo(app, pilot)
        editor = app.screen.query_one(ContextEditor)
        await editor.set_context({"app": "wb", "env": "dev"})
        await pilot.pause()
        # F9 works from anywhere on the form (focus is on the spec picker now).
        await pilot.press("f9")
        await pilot.pause()
        modal = presets_modal(app)
        assert not modal.query_one(PresetList).display  # nothing saved yet
        assert app.focused is modal.query_one("#ctx-presets-name", Input)
        # A bad name is refused and says why; the settings stay as they were.
        await pilot.press("enter")
        await pilot.pause()
        assert "name" in str(modal.query_one("#ctx-presets-error").render())
        assert config.load().contexts == {}
        await pilot.press(*"dev-wb", "enter")
        await pilot.pause()
        assert app.settings.contexts == {"dev-wb": {"app": "wb", "env": "dev"}}
        assert config.load().contexts == {"dev-wb": {"app": "wb", "env": "dev"}}
        assert modal.highlighted_name() == "dev-wb"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)

        # Another context in the form; choosing the saved one puts it back in the rows.
        await editor.set_context({"other": "x"})
        await pilot.press("f9")
        await pilot.pause()
        modal = presets_modal(app)
        assert app.focused is modal.query_one(PresetList)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        assert editor.context == {"app": "wb", "env": "dev"}
        assert "--encryption-context app=wb,env=dev" in app.screen.command_text()

        # Delete on the list removes it, from the settings file too.
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        assert app.settings.contexts == {}
        assert config.load().contexts == {}
        assert not presets_modal(app).query_one(PresetList).display


async def test_invalid_or_empty_form_context_is_not_saved(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await open_generate_for_demo(app, pilot)
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press(*"empty", "enter")
        await pilot.pause()
        modal = presets_modal(app)
        assert "empty" in str(modal.query_one("#ctx-presets-error").render())
        await pilot.press("escape")
        editor = app.screen.query_one(ContextEditor)
        await editor.set_context({"a": "1"})
        await editor.add_row("a", "2")
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press(*"dup", "enter")
        await pilot.pause()
        assert "already in row 1" in str(
            presets_modal(app).query_one("#ctx-presets-error").render()
        )
        assert app.settings.contexts == {}


async def test_last_generated_pairs_context(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        await pilot.press("f9")
        await pilot.pause()
        assert presets_modal(app).query_one("#ctx-presets-last-button").disabled
        await pilot.press("escape")
        await screen.query_one(ContextEditor).set_context({"team": "blue", "stage": "test"})
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await screen.query_one(ContextEditor).set_context({})
        await pilot.press("f9")
        await pilot.pause()
        modal = presets_modal(app)
        assert "team=blue" in str(modal.query_one("#ctx-presets-last-pair").render())
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(ContextEditor).context == {"team": "blue", "stage": "test"}


async def test_presets_listed_in_name_order(make_app: AppFactory) -> None:
    settings = config.Settings().with_context("b", {"k": "2"}).with_context("A", {"k": "1"})
    app = make_app(settings=settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await open_generate_for_demo(app, pilot)
        await pilot.press("f9")
        await pilot.pause()
        option_list = presets_modal(app).query_one(PresetList)
        ids = [option_list.get_option_at_index(i).id for i in range(option_list.option_count)]
        assert ids == ["A", "b"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.query_one(ContextEditor).context == {"k": "2"}
