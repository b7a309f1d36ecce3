"""F1 or ?: what the screen under the help is for, and every key it answers to."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Button, Label, Static

from kmsworkbench.tui.screens.base import WorkbenchModal


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
