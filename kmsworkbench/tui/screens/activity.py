"""The activity log: every KMS call of the session (operation, outcome, latency, request
id) and its equivalent aws-cli command. Fed by the session's Journal."""

from __future__ import annotations

from datetime import UTC
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from kmsworkbench.service import JournalEntry
from kmsworkbench.service.journal import SANDBOX_CLI_NOTE
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader


class ActivityTable(DataTable[Text]):
    HELP_SCOPE = "activity table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "screen.copy_command", "Copy aws-cli", id="activity-copy"),
    ]


def entry_cells(entry: JournalEntry) -> list[Text]:
    outcome = Text("ok") if entry.ok else Text(entry.error_code or "failed", style="bold")
    return [
        Text(entry.timestamp.astimezone(UTC).strftime("%H:%M:%SZ")),
        Text(entry.operation),
        outcome,
        Text(f"{entry.latency_ms:.0f} ms", justify="right"),
        Text(entry.request_id or "", style="dim"),
    ]


class ActivityScreen(WorkbenchScreen):
    HELP = (
        "Every KMS call this session made, newest last, with the equivalent aws-cli command "
        "of the highlighted one. Blobs are shown as file placeholders; a plaintext is never "
        "kept here."
    )
    AUTO_FOCUS = "#activity-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="activity-back"),
        Binding("ctrl+y", "copy_command", "Copy aws-cli", id="activity-copy-ctrl", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield BackendHeader("Activity")
        yield ActivityTable(id="activity-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="activity-command", markup=False)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        table = self.query_one(ActivityTable)
        table.add_columns("Time", "Operation", "Outcome", "Latency", "Request id")
        self.entries: list[JournalEntry] = list(self.workbench.activity)
        for entry in self.entries:
            table.add_row(*entry_cells(entry))
        if self.entries:
            table.move_cursor(row=len(self.entries) - 1)
        self._show_command()

    def add_entry(self, entry: JournalEntry) -> None:
        table = self.query_one(ActivityTable)
        at_end = table.cursor_row >= len(self.entries) - 1
        self.entries.append(entry)
        table.add_row(*entry_cells(entry))
        if at_end:
            table.move_cursor(row=len(self.entries) - 1)
        self._show_command()

    def highlighted(self) -> JournalEntry | None:
        row = self.query_one(ActivityTable).cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def aws_cli_for_copy(self) -> str | None:
        entry = self.highlighted()
        return entry.aws_cli if entry else None

    def _show_command(self) -> None:
        entry = self.highlighted()
        command = self.query_one("#activity-command", Static)
        if entry is None:
            command.update("No KMS call yet.")
            return
        lines = [entry.aws_cli]
        if not entry.ok and entry.error_message:
            lines.append(f"{entry.error_code}: {entry.error_message}")
        if self.workbench.backend.kind == "sandbox":
            lines.append(SANDBOX_CLI_NOTE)
        command.update("\n".join(lines))

    @on(DataTable.RowHighlighted, "#activity-table")
    def _highlighted(self) -> None:
        self._show_command()

    def action_copy_command(self) -> None:
        command = self.aws_cli_for_copy()
        if command:
            self.workbench.copy_with_notice(command, "aws-cli command")
        else:
            self.notify("No KMS call yet.", title="Nothing to copy")

    def action_back(self) -> None:
        self.app.pop_screen()
