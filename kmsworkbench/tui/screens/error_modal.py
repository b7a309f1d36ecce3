"""The error surface: a KMS error in full (code, message, request id, what it means, what to
do), with the offer to log in again when AWS credentials expired."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

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
