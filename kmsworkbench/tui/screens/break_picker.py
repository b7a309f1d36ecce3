"""Pick one of a step's "break it" variants."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kmsworkbench.lessons import Step
from kmsworkbench.tui.screens.base import WorkbenchModal


class BreakPickerModal(WorkbenchModal[str]):
    HELP = "Choose how to break this step; Enter runs it, Escape cancels."
    AUTO_FOCUS = "#break-options"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="break-cancel"),
    ]

    def __init__(self, step: Step) -> None:
        super().__init__(classes="dialog-screen")
        self.step = step

    def compose(self) -> ComposeResult:
        with Vertical(id="break-dialog", classes="dialog"):
            yield Label(f"Break it: {self.step.title}", classes="dialog-title")
            yield OptionList(
                *(
                    Option(Text(f"{v.title}  (expect {v.expect_error or 'success'})"), id=v.name)
                    for v in self.step.variants
                ),
                id="break-options",
            )

    @on(OptionList.OptionSelected, "#break-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
