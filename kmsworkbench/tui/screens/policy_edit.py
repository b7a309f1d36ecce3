"""Editing a key policy as JSON: Save checks the grammar before PutKeyPolicy is called."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static, TextArea

from kmsworkbench.service import access
from kmsworkbench.tui.screens.base import WorkbenchModal


class PolicyEditModal(WorkbenchModal[str | None]):
    """Edit a key policy as JSON; Save checks it before PutKeyPolicy is called."""

    HELP = (
        "Edit the key policy (JSON). Save checks the grammar here; KMS then applies its own "
        "checks, including the lockout safety check (you must still be able to change it)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="policy-edit-cancel"),
        Binding("ctrl+s", "save", "Save", id="policy-edit-save"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="policy-edit-dialog"):
            yield Label("Edit key policy", classes="dialog-title")
            yield TextArea(self.text, language="json", id="policy-edit-text", tab_behavior="indent")
            yield Static("", id="policy-edit-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="policy-edit-cancel-button")
                yield Button("Save", id="policy-edit-save-button", variant="primary")

    def action_save(self) -> None:
        text = self.query_one("#policy-edit-text", TextArea).text
        problem = access.check_policy(text)
        error = self.query_one("#policy-edit-error", Static)
        if problem is not None:
            error.update(f"Not saved: {problem}")
            error.add_class("-visible")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#policy-edit-save-button")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#policy-edit-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
