"""The lessons (F3): every lesson with its progress; Enter opens one."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from kmsworkbench.lessons import Lesson
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader

_BLOCK = re.compile(r"\s*([-*>|#]|```|\d+\.\s)|    ")


def reflow(markdown: str) -> str:
    """A lesson's Markdown paragraphs as one line each, for the terminal to wrap at its own
    width (the file's line breaks made ragged lines at 80 columns). Lists, quotes, tables,
    headings and code keep their lines."""
    out: list[str] = []
    for paragraph in markdown.split("\n\n"):
        lines = paragraph.splitlines()
        if any(_BLOCK.match(line) for line in lines):
            out.append(paragraph)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


class LessonsScreen(WorkbenchScreen):
    HELP = (
        "Guided lessons on envelope encryption and data key pairs. Each runs on its own "
        "lesson sandbox (not your keys): a step's 'do it' makes the real KMS call, its "
        "'break it' variants show the real failure. Progress is remembered. Add your own "
        "lessons with --lessons DIR; check a file with 'kmsworkbench lessons check FILE'."
    )
    AUTO_FOCUS = "#lessons-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_lesson", "Open", id="lessons-open"),
        Binding("escape", "back", "Back", id="lessons-back"),
    ]

    def compose(self) -> ComposeResult:
        yield BackendHeader("Lessons")
        yield DataTable(id="lessons-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="lessons-summary")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        catalogue = self.workbench.lesson_catalogue()
        self.lessons: list[Lesson] = list(catalogue.lessons)
        table = self.query_one(DataTable)
        table.add_columns("#", "Lesson", "Done")
        self._fill()
        for problem in catalogue.problems:
            self.notify(str(problem), title="A lesson file was skipped", severity="warning")

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        progress = self.workbench.lesson_progress()
        for lesson in self.lessons:
            done = len(progress.get(lesson.id, set()) & set(range(len(lesson.steps))))
            mark = "✓ " if done == len(lesson.steps) else ""
            table.add_row(
                Text(str(lesson.order), justify="right"),
                Text(lesson.title),
                Text(f"{mark}{done}/{len(lesson.steps)}"),
                key=lesson.id,
            )
        if self.lessons:
            table.move_cursor(row=max(0, min(row, len(self.lessons) - 1)))
        self._summary()

    def on_screen_resume(self) -> None:
        if hasattr(self, "lessons"):
            self._fill()

    def highlighted(self) -> Lesson | None:
        row = self.query_one(DataTable).cursor_row
        return self.lessons[row] if 0 <= row < len(self.lessons) else None

    def _summary(self) -> None:
        lesson = self.highlighted()
        text = "No lessons." if lesson is None else f"{lesson.summary}\n\n{reflow(lesson.intro)}"
        self.query_one("#lessons-summary", Static).update(Text(text))

    @on(DataTable.RowHighlighted, "#lessons-table")
    def _highlighted(self) -> None:
        self._summary()

    @on(DataTable.RowSelected, "#lessons-table")
    def _selected(self) -> None:
        self.action_open_lesson()

    def action_open_lesson(self) -> None:
        from kmsworkbench.tui.screens.lesson import LessonScreen

        lesson = self.highlighted()
        if lesson is not None:
            self.app.push_screen(LessonScreen(lesson))

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            (f"learn: {lesson.title}", lesson.summary, f"open_id('{lesson.id}')")
            for lesson in self.lessons
        ]

    def action_open_id(self, lesson_id: str) -> None:
        from kmsworkbench.tui.screens.lesson import LessonScreen

        for lesson in self.lessons:
            if lesson.id == lesson_id:
                self.app.push_screen(LessonScreen(lesson))
