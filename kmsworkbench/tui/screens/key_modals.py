"""The key list's dialogs: a key typed by hand (its form checked before any call), creating a
symmetric key with an optional alias, and scheduling a key's deletion."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.service.keyref import validate_key_reference
from kmsworkbench.tui.screens.base import WorkbenchModal, focus_now


class KeyReferenceModal(WorkbenchModal[str]):
    """Type a key id, key ARN, alias name or alias ARN (for keys of other accounts); the
    form is checked before any call is made."""

    HELP = (
        "Name a KMS key directly: a key ID, a key ARN, an alias name (alias/...) or an alias "
        "ARN. Keys of other accounts need the ARN. The form is checked here; whether the key "
        "exists and you may use it is for KMS to answer."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="keyref-cancel"),
    ]
    AUTO_FOCUS = "#keyref-input"
    CANCEL_NOTICE = "No key was chosen."

    def __init__(self, initial: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="keyref-dialog"):
            yield Label("Use a key by ID, ARN or alias", classes="dialog-title")
            yield Input(
                value=self.initial,
                placeholder="alias/my-key or arn:aws:kms:…:key/…",
                id="keyref-input",
            )
            yield Static("", id="keyref-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="keyref-cancel-button")
                yield Button("Use key", id="keyref-use", variant="primary")

    def _check(self, show_empty: bool) -> str | None:
        value = self.query_one("#keyref-input", Input).value
        problem = validate_key_reference(value)
        shown = problem if (value or show_empty) else None
        error = self.query_one("#keyref-error", Static)
        error.update(shown or "")
        error.set_class(bool(shown), "-visible")
        return problem

    @on(Input.Changed, "#keyref-input")
    def _changed(self) -> None:
        self._check(show_empty=False)

    @on(Input.Submitted, "#keyref-input")
    @on(Button.Pressed, "#keyref-use")
    def _submit(self) -> None:
        if self._check(show_empty=True) is None:
            self.dismiss(self.query_one("#keyref-input", Input).value)

    def action_cancel(self) -> None:
        self.cancel()

    @on(Button.Pressed, "#keyref-cancel-button")
    def _cancel_pressed(self) -> None:
        self.cancel()


def alias_problem(alias: str) -> str | None:
    """None if ``alias`` is empty or a name CreateAlias accepts; otherwise why not."""
    if not alias:
        return None
    if alias.startswith("alias/aws/"):
        return "alias/aws/ is reserved for AWS managed keys."
    if not alias.startswith("alias/"):
        return "An alias name starts with alias/ (for example alias/workbench-demo)."
    problem = validate_key_reference(alias)
    return problem


class CreateKeyModal(WorkbenchModal[tuple[str, str]]):
    """Create a symmetric encryption key with an optional alias. On AWS it says that a key
    is billed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="create-cancel"),
    ]
    AUTO_FOCUS = "#create-alias"
    CANCEL_NOTICE = "No key was created."

    def __init__(self, on_aws: bool, *, alias: str = "", description: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.on_aws = on_aws
        self.initial = (alias, description)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="create-dialog"):
            yield Label("Create a symmetric KMS key", classes="dialog-title")
            if self.on_aws:
                yield Static(
                    "This creates a real customer managed key in your AWS account. AWS bills "
                    "every KMS key monthly until it is deleted (deletion takes a waiting "
                    "period of 7 to 30 days), and bills its requests.",
                    id="create-billing",
                    classes="warning",
                )
            yield Label("Alias (optional)")
            yield Input(self.initial[0], placeholder="alias/workbench-demo", id="create-alias")
            yield Static("", id="create-alias-error", classes="field-error", markup=False)
            yield Label("Description (optional)")
            yield Input(self.initial[1], placeholder="what the key is for", id="create-description")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="create-cancel-button")
                yield Button(
                    "Create (billed)" if self.on_aws else "Create",
                    id="create-ok",
                    variant="warning" if self.on_aws else "primary",
                )

    @on(Input.Changed, "#create-alias")
    def _alias_changed(self, event: Input.Changed) -> None:
        problem = alias_problem(event.value)
        error = self.query_one("#create-alias-error", Static)
        error.update(problem or "")
        error.set_class(bool(problem), "-visible")

    @on(Button.Pressed, "#create-ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        alias = self.query_one("#create-alias", Input).value.strip()
        if alias_problem(alias):
            focus_now(self.query_one("#create-alias", Input))
            return
        self.dismiss((alias, self.query_one("#create-description", Input).value))

    def action_cancel(self) -> None:
        self.cancel()

    @on(Button.Pressed, "#create-cancel-button")
    def _cancel_pressed(self) -> None:
        self.cancel()


class ScheduleDeletionModal(WorkbenchModal[int]):
    """Schedule a key's deletion after a waiting period of 7 to 30 days."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="delete-cancel"),
    ]
    # The waiting period has the focus (typed digits replace the 7); the destructive button
    # is never the one Enter reaches first by accident: Enter in the field checks the number.
    AUTO_FOCUS = "#delete-days"
    CANCEL_NOTICE = "No deletion was scheduled."

    def __init__(self, key_label: str, on_aws: bool) -> None:
        super().__init__(classes="dialog-screen")
        self.key_label = key_label
        self.on_aws = on_aws

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="delete-dialog"):
            yield Label("Schedule key deletion", classes="dialog-title")
            body = (
                f"{self.key_label} goes to PendingDeletion: it cannot be used for any "
                "cryptographic operation, and when the waiting period ends the key and "
                "everything encrypted under it is lost for good. Until then the deletion can "
                "be cancelled (the key comes back disabled)."
            )
            if self.on_aws:
                body += " This is your real AWS account."
            yield Static(body, id="delete-body", markup=False)
            yield Label("Waiting period in days (7 to 30)")
            yield Input(value="7", id="delete-days", type="integer")
            yield Static("", id="delete-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="delete-cancel-button")
                yield Button("Schedule deletion", id="delete-ok", variant="error")

    @on(Button.Pressed, "#delete-ok")
    @on(Input.Submitted, "#delete-days")
    def _ok(self) -> None:
        text = self.query_one("#delete-days", Input).value.strip()
        days = int(text) if text.isdigit() else 0
        if not 7 <= days <= 30:
            error = self.query_one("#delete-error", Static)
            error.update("The waiting period is 7 to 30 days.")
            error.add_class("-visible")
            return
        self.dismiss(days)

    def action_cancel(self) -> None:
        self.cancel()

    @on(Button.Pressed, "#delete-cancel-button")
    def _cancel_pressed(self) -> None:
        self.cancel()
