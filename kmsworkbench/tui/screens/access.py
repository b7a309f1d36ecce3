"""A key's access (sandbox): its key policy with every statement in plain words (edited with
validation), "who can do what" (a principal, an action and a context decided, with the
statement or grant that decides), and its audit log (CloudTrail records, each record's JSON
on demand with the encryption context highlighted). The audit screen (F6) shows this app's
calls as the trail recorded them."""

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
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from kmsworkbench.service import access
from kmsworkbench.tui.screens.base import WorkbenchModal, WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader


class PolicyLoaded(Message):
    def __init__(self, text: str, statements: list[access.StatementView], error: str) -> None:
        super().__init__()
        self.text, self.statements, self.error = text, statements, error


class PrincipalsLoaded(Message):
    def __init__(self, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.options = options


class Decided(Message):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__()
        self.result = result


class PolicySaved(Message):
    pass


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
                f"{self.record.get('eventName')} · {self.record.get('eventID')}",
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


class KeyAccessScreen(WorkbenchScreen):
    HELP = (
        "Who may do what with this key. Policy: each statement of its key policy in plain "
        "words (ctrl+e edits it). Who can: pick a principal, an action and an encryption "
        "context, and Decide shows the decision and the statement or grant behind it. Audit: "
        "every call on the key as CloudTrail records it (enter shows one record's JSON)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="access-back"),
        Binding("ctrl+e", "edit_policy", "Edit policy", id="access-edit"),
        Binding("f5", "refresh", "Refresh", id="access-refresh"),
    ]

    def __init__(self, key_arn: str, title: str) -> None:
        super().__init__()
        self.key_arn = key_arn
        self.key_title = title
        self.policy_text = ""
        self.records: list[dict[str, Any]] = []

    @property
    def key_account(self) -> str:
        return self.key_arn.split(":")[4]

    def compose(self) -> ComposeResult:
        yield BackendHeader(f"Access · {self.key_title}")
        with TabbedContent(id="access-tabs"):
            with TabPane("Policy", id="access-policy"):
                yield Static("Loading the key policy…", id="policy-source", markup=False)
                yield VerticalScroll(id="policy-statements")
            with TabPane("Who can", id="access-whocan"):
                with VerticalScroll():
                    yield Label("Principal")
                    yield Select[str]([], prompt="choose a principal", id="who-principal")
                    yield Label("Action")
                    yield Input("Decrypt", placeholder="Decrypt", id="who-action")
                    yield Label("Encryption context")
                    yield Input("", placeholder="k=v,k2=v2 or JSON (optional)", id="who-context")
                    yield Button("Decide", id="who-decide", variant="primary")
                    yield Static("", id="who-result", markup=False)
            with TabPane("Audit", id="access-audit"):
                yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="audit-note", markup=False)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.add_columns("Time", "Event", "Principal", "Outcome")
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load_policy()
        self._load_principals()
        self._load_events()

    @work(thread=True, exit_on_error=False, group="access-policy", description="GetKeyPolicy")
    def _load_policy(self) -> None:
        got = self.workbench.session.call("GetKeyPolicy", KeyId=self.key_arn, PolicyName="default")
        text = str(got.get("Policy", ""))
        try:
            statements, error = access.explain_policy(text, self.key_account), ""
        except ValueError as exc:
            statements, error = [], str(exc)
        self.post_message(PolicyLoaded(text, statements, error))

    @on(PolicyLoaded)
    def _policy_loaded(self, message: PolicyLoaded) -> None:
        self.policy_text = message.text
        default = access.is_default_policy(message.text, self.key_arn)
        source = self.query_one("#policy-source", Static)
        source.update(
            "The default key policy: KMS gives it to a key created without one."
            if default
            else "The key's own key policy."
        )
        box = self.query_one("#policy-statements", VerticalScroll)
        box.remove_children()
        if message.error:
            box.mount(Static(f"The policy could not be read: {message.error}", markup=False))
        for st in message.statements:
            box.mount(
                Static(
                    Text.assemble((f"{st.effect} · ", "bold"), st.words),
                    classes=f"statement -{st.effect.lower()}",
                )
            )

    @work(thread=True, exit_on_error=False, group="access-principals", description="principals")
    def _load_principals(self) -> None:
        backend = self.workbench.backend
        if backend.kind != "sandbox":
            return
        self.post_message(PrincipalsLoaded(access.principals(backend.resolved_data_dir)))

    @on(PrincipalsLoaded)
    def _principals_loaded(self, message: PrincipalsLoaded) -> None:
        select = self.query_one("#who-principal", Select)
        chosen = select.value
        select.set_options(message.options)
        values = [value for _label, value in message.options]
        # A reload keeps the principal the person chose; only a first load picks one.
        if chosen in values:
            select.value = chosen
        elif values:
            select.value = values[0]

    @on(Button.Pressed, "#who-decide")
    def _decide_pressed(self) -> None:
        result = self.query_one("#who-result", Static)
        if self.workbench.backend.kind != "sandbox":
            result.update("Who-can-do-what needs the sandbox: AWS keeps identity policies in IAM.")
            return
        principal = self.query_one("#who-principal", Select).value
        action = self.query_one("#who-action", Input).value.strip()
        if not isinstance(principal, str) or not action:
            result.update("Choose a principal and give an action (e.g. Decrypt).")
            return
        try:
            ec = access.parse_context(self.query_one("#who-context", Input).value)
        except ValueError as exc:
            result.update(f"Encryption context: {exc}")
            return
        self._decide(principal, action, ec)

    @work(thread=True, exit_on_error=False, group="access-decide", description="decide")
    def _decide(self, principal: str, action: str, ec: dict[str, str] | None) -> None:
        data_dir = self.workbench.backend.resolved_data_dir
        self.post_message(Decided(access.decide(data_dir, self.key_arn, principal, action, ec)))

    @on(Decided)
    def _decided(self, message: Decided) -> None:
        r = message.result
        lines = [f"{r['Decision']}: {r['Principal']} → {r['Action']}", r["Explanation"]]
        if r.get("DecidedBy"):
            lines.append("Decided by: " + "; ".join(r["DecidedBy"]))
        lines += [f"Note: {n}" for n in r.get("Notes", [])]
        if r.get("AccessDeniedMessage"):
            lines.append(f"KMS would answer: AccessDeniedException: {r['AccessDeniedMessage']}")
        widget = self.query_one("#who-result", Static)
        widget.update("\n".join(lines))
        widget.set_class(r["Decision"] == "Allowed", "-allowed")
        widget.set_class(r["Decision"] != "Allowed", "-denied")

    @work(thread=True, exit_on_error=False, group="access-events", description="trail")
    def _load_events(self) -> None:
        backend = self.workbench.backend
        if backend.kind != "sandbox":
            self.post_message(EventsLoaded([]))
            return
        self.post_message(
            EventsLoaded(access.events(backend.resolved_data_dir, key_arn=self.key_arn))
        )

    @on(EventsLoaded)
    def _events_loaded(self, message: EventsLoaded) -> None:
        self.records = message.records
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for e in self.records:
            table.add_row(*event_cells(e))
        note = self.query_one("#audit-note", Static)
        if self.workbench.backend.kind != "sandbox":
            note.update("The audit log is the sandbox's; on AWS, look in CloudTrail.")
        else:
            note.update(f"{len(self.records)} calls on this key, newest first. Enter: the record.")

    @on(DataTable.RowSelected, "#audit-table")
    def _event_chosen(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self.app.push_screen(EventJsonModal(self.records[event.cursor_row]))

    def action_edit_policy(self) -> None:
        if not self.policy_text:
            self.notify("The key policy is not loaded yet.", severity="warning")
            return

        def saved(text: str | None) -> None:
            if text is not None:
                self._put_policy(text)

        self.app.push_screen(PolicyEditModal(self.policy_text), saved)

    @work(thread=True, exit_on_error=False, group="access-policy", description="PutKeyPolicy")
    def _put_policy(self, text: str) -> None:
        self.workbench.session.call(
            "PutKeyPolicy", KeyId=self.key_arn, PolicyName="default", Policy=text
        )
        self.post_message(PolicySaved())

    @on(PolicySaved)
    def _policy_saved(self) -> None:
        self.notify("Key policy saved.", title="PutKeyPolicy")
        self._load_policy()
        self._load_events()

    def action_back(self) -> None:
        self.app.pop_screen()


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
