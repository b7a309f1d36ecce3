"""The lessons screens, driven by keys: F3 opens the list, Enter a lesson, d does a step on
the lesson's own sandbox, b breaks it, r resets, e exports; progress is remembered."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Button, DataTable, OptionList

from kmsworkbench import paths
from kmsworkbench.lessons.progress import load_progress
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.break_picker import BreakPickerModal
from kmsworkbench.tui.screens.lesson import LessonScreen
from kmsworkbench.tui.screens.lessons import LessonsScreen
from kmsworkbench.tui.widgets.step_report import StepReportView

from .conftest import settle


def _report_text(app: WorkbenchApp) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open(os.devnull, "w"))
    console.print(app.screen.query_one(StepReportView).shown)
    return console.export_text()


async def _open_first_lesson(app: WorkbenchApp, pilot) -> None:
    await settle(app, pilot)
    await pilot.press("f3")
    await pilot.pause()
    assert isinstance(app.screen, LessonsScreen)
    table = app.screen.query_one(DataTable)
    assert table.row_count >= 5
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, LessonScreen)
    assert app.screen.lesson.id == "envelope"


async def test_do_break_reset_and_export_by_keys(make_app: Callable[..., WorkbenchApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_first_lesson(app, pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("d")
        await settle(app, pilot)
        text = _report_text(app)
        assert "Done" in text and "CreateKey" in text and "aws kms create-key" in text
        # Step 2: a data key. Its plaintext is never on screen.
        await pilot.press("down", "d")
        await settle(app, pilot)
        text = _report_text(app)
        assert "GenerateDataKey" in text and "kept in memory, not shown" in text
        secret = screen.run.state["data_key"]["plaintext"].value  # type: ignore[union-attr]
        assert secret.hex() not in text
        # Break it: the picker lists the variants; Enter runs the highlighted one.
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BreakPickerModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert "Broke as the lesson says" in _report_text(app)
        assert "NotFoundException" in _report_text(app)
        # Progress is kept on disk.
        assert load_progress(paths.data_dir())["envelope"] == {0, 1}
        steps = app.screen.query_one("#lesson-steps", OptionList)
        assert "✓" in str(steps.get_option_at_index(1).prompt)
        # Export: a 0600 script in the exports folder.
        await pilot.press("e")
        await pilot.pause()
        script = paths.data_dir() / "exports" / "envelope.sh"
        assert script.exists() and stat.S_IMODE(script.stat().st_mode) == 0o600
        assert "kms generate-data-key" in script.read_text()
        # Reset, confirmed: a fresh lesson sandbox and no progress.
        folder = paths.data_dir() / "lessons" / "envelope"
        assert folder.exists()
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.query_one("#confirm-yes", Button)
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert not folder.exists()
        assert load_progress(paths.data_dir())["envelope"] == set()


async def test_break_picker_escape_cancels_visibly(make_app: Callable[..., WorkbenchApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_first_lesson(app, pilot)
        await pilot.press("down", "b")
        await pilot.pause()
        assert isinstance(app.screen, BreakPickerModal)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert any("No variant run" in n.message for n in app._notifications)


async def test_a_step_out_of_order_explains_itself(make_app: Callable[..., WorkbenchApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_first_lesson(app, pilot)
        await pilot.press("down", "down", "d")
        await settle(app, pilot)
        text = _report_text(app)
        assert "StepNotDone" in text and "earlier step" in text


async def test_progress_is_shown_in_the_list_after_a_restart(
    make_app: Callable[..., WorkbenchApp],
) -> None:
    from kmsworkbench.lessons.progress import save_progress

    save_progress(paths.data_dir(), {"envelope": {0, 1, 2, 3, 4, 5, 6}, "formats": {0}})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cells = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert "✓ 7/7" in cells
        assert "1/9" in cells


async def test_a_teachers_lesson_folder_is_listed(
    make_app: Callable[..., WorkbenchApp], tmp_path: Path
) -> None:
    from tests.lessons.test_parse import GOOD

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "tiny.md").write_text(GOOD)
    app = make_app(lessons_dir=folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        titles = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert "Tiny" in titles
