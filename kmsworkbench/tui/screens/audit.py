"""The trail as the app shows it: F6 lists this app's KMS calls as the sandbox's
CloudTrail-shaped trail recorded them, allowed or refused; Enter shows one record's JSON with
the encryption context (plaintext in CloudTrail) highlighted. The key access screen's Audit
tab uses the same rows and dialog."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Label, Static

from kmsworkbench.service import access
from kmsworkbench.tui.screens.base import WorkbenchModal, WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader


class EventsLoaded(Message):
    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__()
        self.records = records


def event_cells(e: dict[str, Any]) -> list[Text]:
    ui = e.get("userIdentity") or {}
    who = ui.get("userName") or (
        ((ui.get("sessionContext") or {}).get("sessionIssuer") or {}).get("userName")
    )
    who = who or ("root" if ui.get("type") == "Root" else "?")
    error = e.get("errorCode")
    return [
        Text(str(e.get("eventTime", ""))[11:]),
        Text(str(e.get("eventName", ""))),
        Text(str(who)),
        Text(error or "ok", style="bold" if error else ""),
    ]


class EventJsonModal(WorkbenchModal[None]):
    """One CloudTrail record as JSON; the encryption context (shown in plaintext by
    CloudTrail) is highlighted and repeated above the record."""

    HELP = "One trail record as CloudTrail shows it. The encryption context is in plaintext."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="event-close"),
    ]

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.record = record

    def compose(self) -> ComposeResult:
        params = self.record.get("requestParameters") or {}
        ec = params.get("encryptionContext")
        with Vertical(classes="dialog", id="event-dialog"):
            yield Label(
                # The time, not the event id: an id is cut at 80 columns (it is in the JSON).
                f"{self.record.get('eventName')} at {self.record.get('eventTime')}",
                classes="dialog-title",
            )
            if ec:
                shown = ", ".join(f"{k}={v}" for k, v in ec.items())
                yield Static(
                    Text.assemble(
                        ("Encryption context (plaintext in CloudTrail): ", "bold"), shown
                    ),
                    id="event-context",
                    classes="highlight",
                )
            text = json.dumps(self.record, indent=2)
            lines = [
                i + 1 for i, line in enumerate(text.splitlines()) if '"encryptionContext"' in line
            ]
            with VerticalScroll(id="event-json"):
                yield Static(
                    Syntax(text, "json", highlight_lines=set(lines), word_wrap=True),
                    id="event-json-text",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="event-close-button", variant="primary")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#event-close-button")
    def _closed(self) -> None:
        self.dismiss(None)


class AuditScreen(WorkbenchScreen):
    """This app's KMS calls as the sandbox's trail recorded them."""

    HELP = (
        "Every KMS call this app has made since it started, as the sandbox's CloudTrail-shaped "
        "trail recorded it, allowed or refused. Enter shows one record's JSON."
    )
    AUTO_FOCUS = "#audit-all-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="audit-back"),
        Binding("f5", "refresh", "Refresh", id="audit-refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield BackendHeader("Audit log")
        yield DataTable(id="audit-all-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="audit-all-note", markup=False)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#audit-all-table", DataTable).add_columns(
            "Time", "Event", "Principal", "Outcome"
        )
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="audit", description="trail")
    def _load(self) -> None:
        backend = self.workbench.backend
        if backend.kind != "sandbox":
            self.post_message(EventsLoaded([]))
            return
        ids = [e.request_id for e in list(self.workbench.activity) if e.request_id]
        self.post_message(
            EventsLoaded(access.events(backend.resolved_data_dir, request_ids=ids, limit=2000))
        )

    @on(EventsLoaded)
    def _loaded(self, message: EventsLoaded) -> None:
        self.records = message.records
        table = self.query_one("#audit-all-table", DataTable)
        table.clear()
        for e in self.records:
            table.add_row(*event_cells(e))
        note = self.query_one("#audit-all-note", Static)
        if self.workbench.backend.kind != "sandbox":
            note.update("The audit log is the sandbox's; on AWS, look in CloudTrail.")
        else:
            note.update(f"{len(self.records)} calls since the app started, newest first.")

    @on(DataTable.RowSelected, "#audit-all-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self.app.push_screen(EventJsonModal(self.records[event.cursor_row]))

    def action_back(self) -> None:
        self.app.pop_screen()
