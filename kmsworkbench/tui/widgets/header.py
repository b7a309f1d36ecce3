"""The one-line header: the app's name and, always, which KMS it talks to."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


class BackendHeader(Horizontal):
    """Shows the backend label (sandbox and its folder; or profile, region, account,
    endpoint). F2 switches the backend."""

    def __init__(self, screen_title: str) -> None:
        super().__init__()
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        yield Label("kmsworkbench", id="header-app")
        yield Label(self.screen_title, id="header-title")
        yield Label("", id="header-backend", markup=False)

    def on_mount(self) -> None:
        self.refresh_label()

    def refresh_label(self) -> None:
        app = cast("WorkbenchApp", self.app)
        label = self.query_one("#header-backend", Label)
        label.update(app.backend_label)
        label.set_class(app.backend.kind == "aws", "-aws")
        label.tooltip = "F2 switches the backend"
