"""The context editor's paste line (issue 9, item 9): a paste merges into the rows and says
what it changed (before, it replaced the rows without a word), and an empty value is named
with what KMS does with it (before, it was accepted silently)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Label

from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.widgets.context_editor import ContextEditor

from .conftest import record_notices, settle
from .test_flow import open_generate_for_demo

AppFactory = Callable[..., WorkbenchApp]


async def focus_by_tab(app: WorkbenchApp, pilot: object, widget: object) -> None:
    for _ in range(30):
        if app.screen.focused is widget:
            return
        await pilot.press("tab")  # type: ignore[attr-defined]
    raise AssertionError(f"Tab never reached {widget}")


async def test_paste_merges_and_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        editor = screen.query_one(ContextEditor)
        said = record_notices(app)
        await focus_by_tab(app, pilot, editor.rows[0].query_one(".ctx-key", Input))
        await pilot.press(*"tenant", "tab", *"a")
        await focus_by_tab(app, pilot, editor.query_one("#ctx-paste", Input))
        await pilot.press(*"app=wb,tenant=b", "enter")
        await pilot.pause()
        assert editor.context == {"tenant": "b", "app": "wb"}
        notice = said[-1]
        assert "added app" in notice.lower() and "replaced the value of tenant" in notice

        await pilot.press(*"owner=", "enter")
        await pilot.pause()
        assert editor.context == {"tenant": "b", "app": "wb", "owner": ""}
        summary = str(editor.query_one("#ctx-summary", Label).render())
        assert "owner = empty value" in summary and "no minimum length" in summary
