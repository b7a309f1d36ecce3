"""The confirmation dialog every screen uses. The other dialogs have a module each (the error
surface ``error_modal.py``, help ``help.py``, the key list's ``key_modals.py``) and are
importable from here too."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kmsworkbench.tui.screens.base import WorkbenchModal, focus_now
from kmsworkbench.tui.screens.error_modal import ErrorModal
from kmsworkbench.tui.screens.help import HelpScreen
from kmsworkbench.tui.screens.key_modals import (
    CreateKeyModal,
    KeyReferenceModal,
    ScheduleDeletionModal,
    alias_problem,
)

__all__ = [
    "ConfirmModal",
    "CreateKeyModal",
    "ErrorModal",
    "HelpScreen",
    "KeyReferenceModal",
    "ScheduleDeletionModal",
    "alias_problem",
]


class ConfirmModal(WorkbenchModal[bool]):
    """A yes/no question that says what will happen. The confirming button has the focus
    (Enter confirms) unless the action is ``destructive``: then Cancel has it. A cancel is
    announced ("Delete cancelled")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm-cancel"),
    ]

    def __init__(
        self, title: str, body: str, confirm_label: str = "Confirm", *, destructive: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="confirm-no")
                yield Button(self.confirm_label, id="confirm-yes", variant="warning")

    def on_mount(self) -> None:
        focus_now(self.query_one("#confirm-no" if self.destructive else "#confirm-yes", Button))

    def action_cancel(self) -> None:
        self.notify(f"{self.confirm_label} cancelled: nothing was done.", title="Cancelled")
        self.dismiss(False)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)
