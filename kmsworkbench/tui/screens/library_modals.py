"""The library's dialogs: renaming a pair (checked as you type) and importing a bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.pairs import BundleError, PairExistsError, validate_name
from kmsworkbench.tui.screens.base import WorkbenchModal


def _show_problem(widget: Static, problem: str | None) -> None:
    widget.update(problem or "")
    widget.set_class(bool(problem), "-visible")


class RenameModal(WorkbenchModal[str]):
    """A new name for a pair (checked as you type; an existing name is refused)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename-cancel"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__(classes="dialog-screen")
        self.old_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="rename-dialog"):
            yield Label(f"Rename {self.old_name}", classes="dialog-title", markup=False)
            yield Input(self.old_name, id="rename-input")
            yield Static("", id="rename-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="rename-cancel-button")
                yield Button("Rename", id="rename-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#rename-input", Input).focus()

    @on(Input.Changed, "#rename-input")
    def _changed(self, event: Input.Changed) -> None:
        _show_problem(self.query_one("#rename-error", Static), validate_name(event.value.strip()))

    @on(Input.Submitted, "#rename-input")
    @on(Button.Pressed, "#rename-ok")
    def _ok(self) -> None:
        new = self.query_one("#rename-input", Input).value.strip()
        problem = validate_name(new)
        if problem is None and new == self.old_name:
            self.dismiss(None)
            return
        if problem is None:
            try:
                self.workbench.library().rename(self.old_name, new)
            except (PairExistsError, KeyError, ValueError) as exc:
                problem = str(exc).strip("'\"")
            except OSError as exc:
                self.workbench.show_error(exc)
                return
        if problem:
            _show_problem(self.query_one("#rename-error", Static), problem)
            return
        self.dismiss(new)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#rename-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class ImportModal(WorkbenchModal[list[str]]):
    """Import the pairs of a bundle file (taken names get a suffix; nothing is replaced)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="import-cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label("Import a bundle", classes="dialog-title")
            yield Static(
                "A kmsworkbench-pairs bundle (JSON): public keys and encrypted private keys "
                "with their contexts. A bundle carrying a plaintext private key is refused.",
                id="import-note",
                markup=False,
            )
            yield Input(placeholder="path of the bundle file", id="import-path")
            yield Static("", id="import-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="import-cancel-button")
                yield Button("Import", id="import-ok", variant="primary")

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-ok")
    def _ok(self) -> None:
        error = self.query_one("#import-error", Static)
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            _show_problem(error, "Give the path of a bundle file.")
            return
        path = Path(raw).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            _show_problem(error, f"No file {path}.")
            return
        except (OSError, UnicodeDecodeError) as exc:
            _show_problem(error, f"{path} cannot be read: {exc}")
            return
        try:
            bundle = json.loads(text)
        except json.JSONDecodeError as exc:
            _show_problem(error, f"{path} is not JSON: {exc}")
            return
        try:
            records = self.workbench.library().import_bundle(bundle)
        except BundleError as exc:
            _show_problem(error, f"Not imported: {exc}")
            return
        except OSError as exc:
            self.workbench.show_error(exc)
            return
        self.dismiss([r.name for r in records])

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#import-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
