"""Base classes: every screen sends its workers' failures to the app's one error surface."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

ResultT = TypeVar("ResultT")


class WorkbenchScreen(Screen[None]):
    HELP = ""

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.workbench.report_worker_state(event)


class WorkbenchModal(ModalScreen[ResultT], Generic[ResultT]):
    HELP = ""

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.workbench.report_worker_state(event)
