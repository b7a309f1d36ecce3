"""A key's access (sandbox): its key policy with every statement in plain words (edited with
validation), "who can do what" (a principal, an action and a context decided, with the
statement or grant that decides), and its audit log (CloudTrail records, each record's JSON
on demand with the encryption context highlighted). The audit screen (F6) shows this app's
calls as the trail recorded them (``audit.py``, with the record dialog); the policy editor is
``policy_edit.py``."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
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
)

from kmsworkbench.service import access
from kmsworkbench.tui.screens.audit import AuditScreen, EventJsonModal, EventsLoaded, event_cells
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.screens.policy_edit import PolicyEditModal
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


__all__ = [
    "AuditScreen",
    "EventJsonModal",
    "KeyAccessScreen",
    "PolicyEditModal",
]


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
                with self._form_scroll():
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

    @staticmethod
    def _form_scroll() -> VerticalScroll:
        """The Who-can form's scroll: not a stop of its own, so Tab from the tabs goes
        straight to the principal (it scrolls to follow the focused field)."""
        scroll = VerticalScroll(id="who-form")
        scroll.can_focus = False
        return scroll

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
        # The explanation starts with the decision the first line already says.
        why = str(r["Explanation"]).removeprefix(f"{r['Decision']}: ")
        lines = [f"{r['Decision']}: {r['Principal']} → {r['Action']}", why[:1].upper() + why[1:]]
        if r.get("DecidedBy"):
            lines.append("Decided by: " + "; ".join(r["DecidedBy"]))
        lines += [f"Note: {n}" for n in r.get("Notes", [])]
        if r.get("AccessDeniedMessage"):
            lines.append(f"KMS would answer: AccessDeniedException: {r['AccessDeniedMessage']}")
        widget = self.query_one("#who-result", Static)
        widget.update("\n".join(lines))
        widget.set_class(r["Decision"] == "Allowed", "-allowed")
        widget.set_class(r["Decision"] != "Allowed", "-denied")
        # Below the form at 80x24: brought into view (it is the form's last part), as a
        # person pressing Decide expects.
        form = self.query_one("#who-form", VerticalScroll)
        self.call_after_refresh(form.scroll_end, animate=False)

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
