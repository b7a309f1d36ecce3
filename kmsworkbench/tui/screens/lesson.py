"""One lesson: its steps on the left, the step's text and what its last run did on the right.

``d`` does the highlighted step on the lesson's own sandbox (a thread worker, through the
service layer); ``b`` picks one of its "break it" variants; ``r`` resets the lesson sandbox;
``e`` writes the lesson as a shell script. Nothing secret is ever shown: blobs arrive
shortened and plaintexts replaced by their size and fingerprint."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from kmsworkbench.lessons import Lesson, LessonRun, StepReport
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.step_report import StepReportView


class StepDone(Message):
    def __init__(self, index: int, report: StepReport) -> None:
        super().__init__()
        self.index = index
        self.report = report


class LessonScreen(WorkbenchScreen):
    HELP = (
        "Do each step in order with d: it runs on this lesson's own sandbox and shows the KMS "
        "request and response, the AWS CLI command, the OpenSSL command for local crypto and "
        "the CloudTrail event. b breaks the step one of the ways the lesson offers and shows "
        "the real failure. r resets the lesson sandbox; e exports the lesson as a script of "
        "AWS CLI and OpenSSL commands to run against 'kmsworkbench serve'."
    )
    AUTO_FOCUS = "#lesson-steps"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "do_step", "Do it", id="lesson-do"),
        Binding("b", "break_step", "Break it", id="lesson-break"),
        Binding("r", "reset", "Reset", id="lesson-reset"),
        Binding("e", "export", "Export script", id="lesson-export"),
        Binding("escape", "back", "Back", id="lesson-back"),
    ]

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson
        self.run: LessonRun | None = None
        self.reports: dict[int, StepReport] = {}
        self.busy = False

    # ---- layout
    def compose(self) -> ComposeResult:
        yield BackendHeader(f"Lesson {self.lesson.order}: {self.lesson.title}")
        with Horizontal(id="lesson-main"):
            yield OptionList(id="lesson-steps")
            with VerticalScroll(id="lesson-body"):
                yield Markdown("", id="lesson-text")
                yield Static("", id="lesson-hint")
                yield StepReportView(id="lesson-report")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.done = set(self.workbench.lesson_progress().get(self.lesson.id, set()))
        self._fill_steps()
        self._show_step()

    def _fill_steps(self) -> None:
        steps = self.query_one("#lesson-steps", OptionList)
        highlighted = steps.highlighted or 0
        steps.clear_options()
        for i, step in enumerate(self.lesson.steps):
            mark = "✓" if i in self.done else " "
            steps.add_option(Option(Text(f"{mark} {i + 1}. {step.title}"), id=f"step-{i}"))
        steps.highlighted = min(highlighted, len(self.lesson.steps) - 1)

    @property
    def index(self) -> int:
        highlighted = self.query_one("#lesson-steps", OptionList).highlighted
        return highlighted if highlighted is not None else 0

    def _show_step(self) -> None:
        step = self.lesson.steps[self.index]
        intro = f"{self.lesson.intro}\n\n---\n\n" if self.index == 0 and self.lesson.intro else ""
        self.query_one("#lesson-text", Markdown).update(f"{intro}### {step.title}\n\n{step.text}")
        variants = len(step.variants)
        ways = "1 way" if variants == 1 else f"{variants} ways"
        hint = "d: do it" + (f"  ·  b: break it ({ways})" if variants else "")
        self.query_one("#lesson-hint", Static).update(Text(hint, style="bold"))
        self.query_one(StepReportView).show(self.reports.get(self.index))

    @on(OptionList.OptionHighlighted, "#lesson-steps")
    def _highlighted(self) -> None:
        self._show_step()

    @on(OptionList.OptionSelected, "#lesson-steps")
    def _selected(self) -> None:
        self.action_do_step()

    # ---- running
    def _lesson_run(self) -> LessonRun:
        if self.run is None:
            self.run = self.workbench.new_lesson_run(self.lesson)
        return self.run

    def action_do_step(self) -> None:
        self._start(self.index, None)

    def action_break_step(self) -> None:
        from kmsworkbench.tui.screens.break_picker import BreakPickerModal

        step = self.lesson.steps[self.index]
        if not step.variants:
            self.notify("This step has no break-it variants.", title="Nothing to break")
            return
        index = self.index

        def chosen(name: str | None) -> None:
            if name:
                self._start(index, name)
            else:
                self.notify("No variant run.", title="Cancelled")

        self.app.push_screen(BreakPickerModal(step), chosen)

    def _start(self, index: int, variant: str | None) -> None:
        if self.busy:
            self.notify("The step before is still running.", title="Busy")
            return
        self.busy = True
        self.query_one(StepReportView).update(Text("Running…", style="italic"))
        self._run_worker(self._lesson_run(), index, variant)

    @work(thread=True, exit_on_error=False, group="lesson")
    def _run_worker(self, run: LessonRun, index: int, variant: str | None) -> None:
        try:
            report = run.run_variant(index, variant) if variant else run.run_step(index)
        finally:
            self.busy = False
        self.post_message(StepDone(index, report))

    def on_step_done(self, message: StepDone) -> None:
        self.reports[message.index] = message.report
        if message.report.expected is None and message.report.ok:
            self.done.add(message.index)
            self.workbench.save_lesson_progress(self.lesson.id, self.done)
            self._fill_steps()
        if message.index == self.index:
            self.query_one(StepReportView).show(message.report)
            self.query_one("#lesson-body", VerticalScroll).scroll_home(animate=False)

    # ---- reset and export
    def action_reset(self) -> None:
        from kmsworkbench.tui.screens.modals import ConfirmModal

        def confirmed(ok: bool | None) -> None:
            if not ok:
                self.notify("The lesson sandbox is as it was.", title="Reset cancelled")
                return
            if self.run is not None:
                self.run.reset()
                self.run = None
            self.done = set()
            self.reports.clear()
            self.workbench.save_lesson_progress(self.lesson.id, self.done)
            self._fill_steps()
            self._show_step()
            self.notify("A fresh lesson sandbox; progress cleared.", title="Lesson reset")

        self.app.push_screen(
            ConfirmModal(
                "Reset this lesson?",
                "Deletes this lesson's sandbox (its keys and blobs) and its progress. Your own "
                "sandbox and library are not touched.",
                "Reset",
                destructive=True,
            ),
            confirmed,
        )

    def action_export(self) -> None:
        from kmsworkbench import paths
        from kmsworkbench.lessons import export_script

        folder = self.workbench.lessons_export_dir()
        target: Path = folder / f"{self.lesson.id}.sh"
        try:
            paths.ensure_private_dir(folder)
            paths.replace_file(target, export_script(self.lesson))
        except OSError as exc:
            self.notify(f"{target}: {exc.strerror or exc}", title="Export failed", severity="error")
            return
        self.notify(
            f"Run it after 'kmsworkbench serve' and eval \"$(kmsworkbench sandbox env)\":\n"
            f"bash {target}",
            title="Lesson script written",
            timeout=10,
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        if self.run is not None:
            for values in self.run.state.values():
                for value in values.values():
                    wipe = getattr(value, "wipe", None)
                    if callable(wipe):
                        wipe()
            self.run.session.close()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("learn: do this step", "Run the highlighted step", "do_step"),
            ("learn: break this step", "Run one of its break-it variants", "break_step"),
            ("learn: reset lesson sandbox", "A fresh sandbox for this lesson", "reset"),
            ("learn: export lesson script", "AWS CLI + OpenSSL commands", "export"),
        ]
