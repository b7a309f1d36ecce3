"""Small modal screens: the error surface, help, confirmation, a key typed by hand, creating a
key, and scheduling a key's deletion."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.service.keyref import validate_key_reference
from kmsworkbench.tui.errors import ErrorDetails
from kmsworkbench.tui.relogin import LoginOffer
from kmsworkbench.tui.screens.base import WorkbenchModal, focus_now


class ErrorModal(WorkbenchModal[str]):
    """A KMS error, in full: code, message, request id, what it means and what to do.

    For expired or missing AWS credentials with a profile it also offers to log in again
    (dismissed with "login") or, without the AWS CLI at hand, shows the command and offers
    Retry (dismissed with "retry"); the app does the rest."""

    HELP = (
        "The error of the last action. c copies it; Esc or Enter closes it. When AWS "
        "credentials expired, l logs in again (aws sso login, then the keys are listed "
        "again) and r retries with a new session."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "login", "Log in again", id="error-login"),
        Binding("r", "retry", "Retry", id="error-retry"),
        Binding("c", "copy", "Copy", id="error-copy"),
        Binding("escape,enter", "close", "Close", id="error-close"),
    ]

    def __init__(self, details: ErrorDetails, *, login: LoginOffer | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.details = details
        self.login = login

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "login":
            return self.login is not None and self.login.can_run
        if action == "retry":
            return self.login is not None
        return True

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog -error"):
            yield Label(self.details.title, id="error-title", classes="dialog-title", markup=False)
            with VerticalScroll(id="error-body"):
                for label, value in self.details.fields():
                    text = Text()
                    text.append(f"{label}: ", style="bold")
                    text.append(value)
                    yield Static(text, classes="error-field")
            if self.login is not None:
                yield Static(self._login_text(), id="error-login-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy", id="error-copy-button")
                if self.login is not None:
                    yield Button("Retry", id="error-retry-button")
                    if self.login.can_run:
                        yield Button("Log in again", id="error-login-button", variant="warning")
                yield Button("Close", id="error-close-button", variant="primary")

    def _login_text(self) -> Text:
        assert self.login is not None
        text = Text()
        if self.login.can_run:
            text.append("Log in again (l) runs ", style="bold")
            text.append(self.login.command)
            text.append(
                " here while kmsworkbench steps aside, then lists the keys again with a new "
                "session. No restart needed."
            )
        else:
            text.append("The AWS CLI is not on PATH. ", style="bold")
            text.append("Run this in another terminal, then Retry (r):\n  ")
            text.append(self.login.command, style="bold")
        return text

    def on_mount(self) -> None:
        if self.login is not None and self.login.can_run:
            focus_now(self.query_one("#error-login-button", Button))
        else:
            focus_now(self.query_one("#error-close-button", Button))

    def action_login(self) -> None:
        if self.login is not None and self.login.can_run:
            self.dismiss("login")

    def action_retry(self) -> None:
        if self.login is not None:
            self.dismiss("retry")

    @on(Button.Pressed, "#error-login-button")
    def _login_pressed(self) -> None:
        self.action_login()

    @on(Button.Pressed, "#error-retry-button")
    def _retry_pressed(self) -> None:
        self.action_retry()

    def action_copy(self) -> None:
        self.workbench.copy_with_notice(self.details.as_text(), "Error")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#error-copy-button")
    def _copy_pressed(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#error-close-button")
    def _close_pressed(self) -> None:
        self.dismiss(None)


def _binding_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(where, keys, description) for the bindings of the screen, its own widgets and the
    app, the ones kmsworkbench defines (not every key of Textual's built-in widgets)."""
    app = screen.app
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    nodes: list[DOMNode] = [screen, *screen.query("*"), app]
    for node in nodes:
        module = type(node).__module__
        if not module.startswith("kmsworkbench"):
            continue
        where = "everywhere" if node is app else getattr(node, "HELP_SCOPE", "this screen")
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if not binding.description or binding.id is None:
                    continue
                keys = app.get_key_display(binding)
                key = (keys, binding.description)
                if key in seen:
                    continue
                seen.add(key)
                rows.append((where, keys, binding.description))
    return rows


class HelpScreen(WorkbenchModal[None]):
    """F1 or ?: what this screen is for and every key it answers to."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "close", "Close", id="help-close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__(classes="dialog-screen")
        self.under = under

    def compose(self) -> ComposeResult:
        rows = _binding_rows(self.under)
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("Help", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                help_text = getattr(self.under, "HELP", "")
                if help_text:
                    yield Static(help_text, id="help-intro", markup=False)
                table = Text()
                for where, keys, description in rows:
                    table.append(f"{keys:>14}  ", style="bold")
                    table.append(description)
                    table.append(f"  ({where})\n", style="dim")
                table.append(f"{'ctrl+p':>14}  ", style="bold")
                table.append("Command palette: kms:, pairs:, crypto:, backend:, export:, theme:\n")
                yield Static(table, id="help-keys")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="help-close-button", variant="primary")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#help-close-button")
    def _close_pressed(self) -> None:
        self.dismiss(None)


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
