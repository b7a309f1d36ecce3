"""Base classes: every screen sends its workers' failures to the app's one error surface."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from kmsworkbench.tui.focus import focus_now
from kmsworkbench.tui.typeahead import mark_ready

__all__ = ["WorkbenchModal", "WorkbenchScreen", "focus_now"]

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

ResultT = TypeVar("ResultT")

# The styles of every screen but the first. The app's CSS_PATH holds only what the key list
# needs (app.tcss, keys.tcss): these six are parsed when the first other screen (or dialog) is
# pushed, all at once and in the order they had there, and not before the first frame, where
# every node's styling checked their rules too (about 70 ms of the start).
OTHER_SCREENS_CSS: list[str | Path] = [
    Path(__file__).resolve().parent.parent / "styles" / f"{name}.tcss"
    for name in ("generate", "modals", "library", "workbench", "lessons", "access")
]


class WorkbenchScreen(Screen[None]):
    HELP = ""
    CSS_PATH: ClassVar[list[str | Path] | None] = OTHER_SCREENS_CSS  # type: ignore[misc]
    keys_ready = False  # until resumed; keys typed meanwhile wait (tui/typeahead.py)

    def on_screen_resume(self) -> None:
        mark_ready(self)

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.workbench.report_worker_state(event)


class WorkbenchModal(ModalScreen[ResultT], Generic[ResultT]):
    HELP = ""
    CSS_PATH: ClassVar[list[str | Path] | None] = OTHER_SCREENS_CSS  # type: ignore[misc]
    keys_ready = False  # until resumed; keys typed meanwhile wait (tui/typeahead.py)

    def on_screen_resume(self) -> None:
        mark_ready(self)

    # Shown when the dialog is cancelled (Escape or its Cancel button), so that a cancel
    # never passes unseen; empty: the dialog has nothing to cancel.
    CANCEL_NOTICE: ClassVar[str] = ""

    def cancel(self, result: ResultT | None = None) -> None:
        if self.CANCEL_NOTICE:
            self.notify(self.CANCEL_NOTICE, title="Cancelled")
        self.dismiss(result)

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.workbench.report_worker_state(event)
