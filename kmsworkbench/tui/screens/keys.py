"""Choose a key: the table of keys (ListKeys + ListAliases + DescribeKey), filter as you
type, the detail pane, a key typed by hand, and (in the sandbox) creating keys and changing
their state."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from kmsworkbench.service import KeyInfo, KmsError, KmsSession
from kmsworkbench.service.key_details import KeyDetails, fetch_key_details, rotate_now
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.screens.base import WorkbenchScreen, focus_now
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.key_detail import KeyDetailPane
from kmsworkbench.tui.widgets.key_table import KeyIndex, KeyTable

MAX_ROWS = 300
FILTER_DELAY = 0.15  # seconds of no typing before a large list is filtered again


class KeysArrived(Message):
    def __init__(self, token: int, keys: list[KeyInfo]) -> None:
        super().__init__()
        self.token = token
        self.keys = keys


class ListingDone(Message):
    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class DetailsReady(Message):
    """DescribeKey answers are waiting in the screen's queue (one message per burst)."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class DescribingDone(Message):
    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class KeyDetailsFetched(Message):
    """Rotation and key policy of one key, for the detail pane."""

    def __init__(self, details: KeyDetails) -> None:
        super().__init__()
        self.details = details


class KeyChanged(Message):
    """A key was created or its state changed; ``info`` is its fresh description."""

    def __init__(self, info: KeyInfo, notice: str) -> None:
        super().__init__()
        self.info = info
        self.notice = notice


class AliasTaken(Message):
    """The alias asked for names another key already; nothing was created."""

    def __init__(self, alias: str, owner: str, description: str) -> None:
        super().__init__()
        self.alias = alias
        self.owner = owner
        self.description = description


class AliasFailed(Message):
    """CreateKey worked, CreateAlias did not: a key without an alias exists."""

    def __init__(self, info: KeyInfo, alias: str, error: KmsError) -> None:
        super().__init__()
        self.info = info
        self.alias = alias
        self.error = error


class TypedKeyDescribed(Message):
    def __init__(self, reference: str, info: KeyInfo) -> None:
        super().__init__()
        self.reference = reference
        self.info = info


def other_account(reference: str, account: str | None) -> str | None:
    """The account of an ARN that is not ``account`` (None: this account, or not an ARN)."""
    parts = reference.strip().split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4] and parts[4] != account:
        return parts[4]
    return None


def alias_owner(session: KmsSession, alias: str) -> str | None:
    """The key id an alias names, or None when the alias is free (DescribeKey answers
    NotFoundException)."""
    try:
        return session.describe_key(alias).key_id
    except KmsError as error:
        if error.code == "NotFoundException":
            return None
        raise


def metadata_text(info: KeyInfo) -> Text:
    """Every KeyMetadata field, as DescribeKey returned it, plus aliases and eligibility."""
    text = Text()
    text.append((info.aliases[0] if info.aliases else info.key_id) + "\n", style="bold")
    if info.eligible:
        text.append("✓ can wrap a data key pair\n", style="bold")
    elif info.eligible is False:
        text.append(f"✗ cannot wrap a data key pair: {info.ineligible_reason}\n", style="bold")
    else:
        text.append("… being described\n", style="italic")
    text.append("\nAliases: ", style="bold")
    text.append(", ".join(info.aliases) if info.aliases else "none")
    text.append("\n")
    if info.metadata is None:
        text.append("KeyId: ", style="bold")
        text.append(info.key_id + "\n")
        text.append("Arn: ", style="bold")
        text.append(info.arn + "\n")
        if info.error:
            text.append("DescribeKey failed: ", style="bold")
            text.append(info.error + "\n")
        return text
    for name, value in info.metadata.items():
        text.append(f"{name}: ", style="bold")
        text.append(_format_value(value) + "\n")
    return text


def _format_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list):
        return ", ".join(_format_value(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) or "{}"
    return str(value)


class KeyChooserScreen(WorkbenchScreen):
    HELP = (
        "Choose the symmetric KMS key that will wrap (encrypt) the private key of a new data "
        "key pair. Keys that cannot do it (asymmetric, HMAC, disabled, pending deletion, in a "
        "custom key store, AWS managed) are dimmed, with the reason. Type to filter by alias, "
        "key ID or description; Enter on a key opens the generate screen. Ctrl+O names a key "
        "directly (for keys of other accounts)."
    )
    AUTO_FOCUS = "#key-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh_keys", "Refresh", id="keys-refresh"),
        Binding("ctrl+f", "focus_filter", "Filter", id="keys-filter", show=False),
        Binding("ctrl+o", "key_by_reference", "Key by ID/ARN", id="keys-by-ref", show=False),
        Binding("ctrl+n", "create_key", "New key", id="keys-create", show=False),
        # The first screen shows how to switch backend and how to leave.
        Binding("f2", "app.switch_backend", "Backend", id="keys-backend", tooltip="Switch backend"),
        Binding("ctrl+q", "app.quit", "Quit", id="keys-quit", priority=True),
        Binding("ctrl+t", "toggle_ineligible", "Hide ineligible", id="keys-toggle", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index = KeyIndex()
        self.loading_keys = False
        self.describing = False
        self._token = 0
        self._queue: list[KeyInfo] = []
        self._queue_lock = threading.Lock()
        self._described_count = 0
        self.matching = 0
        self._filter_timer: Timer | None = None
        self._key_details: dict[str, KeyDetails] = {}
        self._fetching_details: set[str] = set()

    def compose(self) -> ComposeResult:
        yield BackendHeader("Choose a key")
        with Horizontal(id="key-toolbar"):
            yield Input(placeholder="Filter: alias, key ID or description", id="key-filter")
            yield Label("", id="key-count")
        with Horizontal(id="key-main"):
            yield KeyTable(id="key-table")
            yield KeyDetailPane(id="key-detail-scroll")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.load_keys()

    # -- loading -------------------------------------------------------------------------

    @property
    def hide_ineligible(self) -> bool:
        return self.workbench.settings.hide_ineligible

    def load_keys(self) -> None:
        self._token += 1
        self.index.clear()
        with self._queue_lock:
            self._queue.clear()
        self._described_count = 0
        self.loading_keys = True
        self.describing = False
        table = self.query_one(KeyTable)
        table.show([])
        table.loading = True
        self._update_count()
        self._update_detail(None)
        self._load_worker(self._token)

    @work(thread=True, exclusive=True, exit_on_error=False, group="keys", description="ListKeys")
    def _load_worker(self, token: int) -> None:
        session = self.workbench.session
        worker = get_current_worker()
        key_ids: list[str] = []
        for batch in session.iter_keys():
            if worker.is_cancelled:
                return
            key_ids.extend(k.key_id for k in batch)
            self.post_message(KeysArrived(token, batch))
        self.post_message(ListingDone(token))

        def on_result(info: KeyInfo) -> None:
            if worker.is_cancelled:
                return
            with self._queue_lock:
                first = not self._queue
                self._queue.append(info)
            if first:
                self.post_message(DetailsReady(token))

        session.describe_keys(key_ids, on_result)
        self.post_message(DescribingDone(token))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "keys" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.loading_keys = False
            self.describing = False
            self.query_one(KeyTable).loading = False
            self.refresh_bindings()
            self._update_count(failed=event.state == WorkerState.ERROR)

    @on(KeysArrived)
    def _keys_arrived(self, message: KeysArrived) -> None:
        if message.token != self._token:
            return
        self.index.add(message.keys)
        table = self.query_one(KeyTable)
        table.loading = False
        if self.focused is None:
            # Auto focus can find the table still covered by its loading indicator (seen in a
            # real terminal under load): then nothing has focus and the table's keys are dead.
            focus_now(table)
        self.refresh_bindings()  # the footer shows the table's keys once it has rows
        self._refilter()

    @on(ListingDone)
    def _listing_done(self, message: ListingDone) -> None:
        if message.token != self._token:
            return
        self.loading_keys = False
        self.describing = len(self.index) > 0
        self.query_one(KeyTable).loading = False
        self._refilter()
        last = self.workbench.settings.last_key
        if last:
            info = self.index.find(last)
            if info is not None:
                self.query_one(KeyTable).move_to(info.key_id)

    @on(DetailsReady)
    def _details_ready(self, message: DetailsReady) -> None:
        with self._queue_lock:
            described, self._queue = self._queue, []
        if message.token != self._token:
            return
        self._apply_described(described)

    def _apply_described(self, described: list[KeyInfo]) -> None:
        table = self.query_one(KeyTable)
        hidden_changed = False
        for info in described:
            self.index.update(info)
            self._described_count += 1
            if self.hide_ineligible and info.eligible is False:
                hidden_changed = True
            else:
                table.update_key(info)
        if hidden_changed or self.filter_text:
            # Ineligible keys leave the view, or a description now matches the filter.
            self._refilter()
        self._update_count()
        self._update_detail(table.highlighted)

    @on(DescribingDone)
    def _describing_done(self, message: DescribingDone) -> None:
        if message.token != self._token:
            return
        with self._queue_lock:
            described, self._queue = self._queue, []
        self.describing = False
        self._apply_described(described)

    # -- filter, count, detail -----------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self.query_one("#key-filter", Input).value

    def _refilter(self) -> None:
        self._filter_timer = None
        table = self.query_one(KeyTable)
        current = table.highlighted
        keys = self.index.filter(self.filter_text, hide_ineligible=self.hide_ineligible)
        self.matching = len(keys)
        # Building a DataTable row costs about half a millisecond, so the view holds the
        # best MAX_ROWS matches (exact and prefix matches come first) and the count says
        # how many more there are; the filter itself runs over every key.
        table.show(keys[:MAX_ROWS], keep_key=current.key_id if current else None)
        self._update_count()
        self._update_detail(table.highlighted)

    def _update_count(self, failed: bool = False) -> None:
        total = len(self.index)
        shown = len(self.query_one(KeyTable).shown)
        parts = [f"{total} keys", f"{self.index.alias_count} aliases"]
        if self.matching > shown:
            parts.append(f"first {shown} of {self.matching} shown; type to narrow")
        elif shown != total:
            parts.append(f"{shown} shown")
        if self.filter_text.strip() and self.matching:
            parts.append(self._matched_by_text())
        if self.hide_ineligible:
            parts.append("ineligible hidden")
        if failed:
            parts.append("listing failed")
        elif self.loading_keys:
            parts.append("listing…")
        elif self.describing:
            parts.append(f"described {self._described_count}/{total}")
        self.query_one("#key-count", Label).update(" · ".join(parts))

    def _matched_by_text(self) -> str:
        """Which fields the filter matched, e.g. "matched: 3 alias, 2 description"."""
        counts: dict[str, int] = {}
        for field in self.index.matched_by.values():
            counts[field] = counts.get(field, 0) + 1
        order = ("alias", "key ID", "ARN", "description")
        return "matched: " + ", ".join(f"{counts[f]} {f}" for f in order if f in counts)

    def _update_detail(self, info: KeyInfo | None) -> None:
        pane = self.query_one(KeyDetailPane)
        if info is None:
            if self.loading_keys:
                pane.show("Listing keys…", None)
            elif len(self.index) == 0:
                pane.show(
                    "No keys. Ctrl+N creates a symmetric key; Ctrl+O names a key of "
                    "another account by its ARN.",
                    None,
                )
            else:
                pane.show("No key matches the filter.", None)
            return
        text = metadata_text(info)
        field = self.index.matched_by.get(info.key_id) if self.filter_text.strip() else None
        if field:
            text.append(f"\nMatches the filter by its {field}.", style="italic")
        pane.show(text, info)
        if info.metadata is None:
            return
        details = self._key_details.get(info.key_id)
        if details is not None:
            pane.show_details(info, details, can_rotate_now=self._can_rotate(details))
        elif info.key_id not in self._fetching_details:
            self._fetching_details.add(info.key_id)
            self._key_details_worker(info.key_id)

    def _can_rotate(self, details: KeyDetails) -> bool:
        """Does the pane offer R? A key that rotates, and is Enabled (KMS refuses others)."""
        info = self.index.find(details.key_id)
        return not details.rotation_note and info is not None and info.key_state == "Enabled"

    @work(thread=True, exit_on_error=False, group="key-details", description="Key details")
    def _key_details_worker(self, key_id: str) -> None:
        # One fetch per key at a time (not exclusive: moving on must not cancel it; its
        # answer is kept for when the key is highlighted again).
        try:
            details = fetch_key_details(self.workbench.session, key_id)
        except Exception as exc:  # the pane says so; no modal for an optional detail
            note = f"could not be read ({type(exc).__name__}: {exc})"
            details = KeyDetails(key_id, rotation_note=note, policy_note=note)
        self.post_message(KeyDetailsFetched(details))

    @on(KeyDetailsFetched)
    def _key_details_fetched(self, message: KeyDetailsFetched) -> None:
        self._fetching_details.discard(message.details.key_id)
        self._key_details[message.details.key_id] = message.details
        info = self.query_one(KeyTable).highlighted
        if info is not None and info.key_id == message.details.key_id:
            self.query_one(KeyDetailPane).show_details(
                info, message.details, can_rotate_now=self._can_rotate(message.details)
            )

    @on(Input.Changed, "#key-filter")
    def _filter_changed(self) -> None:
        if len(self.index) <= MAX_ROWS:
            self._refilter()
            return
        # Many keys: wait for a pause in the typing before rebuilding the view.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._refilter)

    @on(Input.Submitted, "#key-filter")
    def _filter_submitted(self) -> None:
        table = self.query_one(KeyTable)
        if table.row_count:
            table.move_cursor(row=0)
            focus_now(table)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        filter_input = self.query_one("#key-filter", Input)
        if filter_input.has_focus and key in ("down", "escape"):
            if key == "escape":
                filter_input.value = ""
            focus_now(self.query_one(KeyTable))
            getattr(event, "stop", lambda: None)()

    @on(DataTable.RowHighlighted, "#key-table")
    def _row_highlighted(self) -> None:
        self._update_detail(self.query_one(KeyTable).highlighted)

    @on(DataTable.RowSelected, "#key-table")
    def _row_selected(self) -> None:
        info = self.query_one(KeyTable).highlighted
        if info is not None:
            self.choose(info)

    # -- choosing ------------------------------------------------------------------------

    def choose(self, info: KeyInfo) -> None:
        if info.eligible is False:
            self.notify(
                f"{info.display_name} cannot wrap a data key pair: {info.ineligible_reason}.",
                title="Not a wrapping key",
                severity="warning",
            )
            return
        reference = info.aliases[0] if info.aliases else info.key_id
        self.open_generate(reference, info)

    def open_generate(self, reference: str, info: KeyInfo | None) -> None:
        from kmsworkbench.tui.screens.generate import GenerateScreen

        self.app.push_screen(GenerateScreen(reference, info))

    def action_key_by_reference(self) -> None:
        """Ctrl+O: a key named by hand. A key of this account is described first (from the
        list, or with DescribeKey), so the generate form shows the same eligibility note as
        the table; a key of another account cannot be checked before the call."""
        from kmsworkbench.tui.screens.modals import KeyReferenceModal

        def chosen(reference: str | None) -> None:
            if not reference:
                return
            info = self.index.find(reference)
            if info is not None:
                self.open_generate(reference, info)
            elif other_account(reference, self.workbench.account):
                self.open_generate(reference, None)
            else:
                self._describe_typed_worker(reference)

        self.app.push_screen(KeyReferenceModal(), chosen)

    @work(thread=True, exit_on_error=False, group="key-typed", description="DescribeKey")
    def _describe_typed_worker(self, reference: str) -> None:
        info = self.workbench.session.describe_key(reference)
        self.post_message(TypedKeyDescribed(reference, info))

    @on(TypedKeyDescribed)
    def _typed_key_described(self, message: TypedKeyDescribed) -> None:
        self.open_generate(message.reference, message.info)

    def action_focus_filter(self) -> None:
        # At once (see focus_now): the keys typed right after "/" would otherwise reach the
        # table, where a letter can be a binding (j, k, e, x ...).
        focus_now(self.query_one("#key-filter", Input))

    def action_refresh_keys(self) -> None:
        self._key_details.clear()
        self.load_keys()

    def action_toggle_ineligible(self) -> None:
        import dataclasses

        app = self.workbench
        app.update_settings(
            dataclasses.replace(app.settings, hide_ineligible=not app.settings.hide_ineligible)
        )
        self._refilter()
        self.notify(
            "Ineligible keys hidden" if self.hide_ineligible else "Ineligible keys shown",
            title="Key list",
        )

    def _highlighted(self) -> KeyInfo | None:
        info = self.query_one(KeyTable).highlighted
        if info is None:
            self.notify("No key is highlighted.", severity="warning")
        return info

    def action_copy_key_id(self) -> None:
        info = self._highlighted()
        if info is not None:
            self.workbench.copy_with_notice(info.key_id, f"Key ID {info.key_id}")

    def action_key_access(self) -> None:
        """The highlighted key's policy, who can do what with it, and its audit log."""
        from kmsworkbench.tui.screens.access import KeyAccessScreen

        info = self._highlighted()
        if info is not None:
            self.app.push_screen(KeyAccessScreen(info.arn, info.display_name))

    def action_copy_key_arn(self) -> None:
        info = self._highlighted()
        if info is not None:
            self.workbench.copy_with_notice(info.arn, "Key ARN")

    @on(BackendChanged)
    def _backend_changed(self) -> None:
        self.load_keys()

    # -- creating keys and changing their state -------------------------------------------

    def _state_changes_allowed(self) -> bool:
        if self.workbench.backend.kind == "aws":
            self.notify(
                "The workbench changes key state only in the sandbox or on an endpoint; on "
                "AWS use the console or the AWS CLI.",
                title="Not on AWS",
                severity="warning",
            )
            return False
        return True

    def action_create_key(self, alias: str = "", description: str = "") -> None:
        from kmsworkbench.tui.screens.modals import CreateKeyModal

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                alias, description = result
                self._create_worker(alias or None, description)

        on_aws = self.workbench.backend.kind == "aws"
        self.app.push_screen(CreateKeyModal(on_aws, alias=alias, description=description), chosen)

    @work(thread=True, exit_on_error=False, group="key-admin", description="CreateKey")
    def _create_worker(self, alias: str | None, description: str) -> None:
        """The alias is checked before CreateKey (DescribeKey on it), so that a taken alias
        never leaves a key without a name; if CreateAlias still fails (someone took the alias
        in between), the key exists without an alias and the user is told so."""
        session = self.workbench.session
        if alias:
            owner = alias_owner(session, alias)
            if owner is not None:
                self.post_message(AliasTaken(alias, owner, description))
                return
        info = session.create_key(description=description)
        alias_error: KmsError | None = None
        if alias:
            try:
                session.create_alias(alias, info.key_id)
            except KmsError as error:
                alias_error = error
        info = session.describe_key(info.key_id)
        if alias and alias_error is None and alias not in info.aliases:
            info.aliases = [alias]
        if alias_error is not None:
            self.post_message(KeyChanged(info, f"Created {info.key_id}, without an alias"))
            self.post_message(AliasFailed(info, alias or "", alias_error))
            return
        self.post_message(KeyChanged(info, f"Created {alias or info.key_id}"))

    @on(AliasTaken)
    def _alias_taken(self, message: AliasTaken) -> None:
        self.notify(
            f"{message.alias} already names key {message.owner}. No key was created; choose "
            "another alias.",
            title="Alias taken",
            severity="error",
            timeout=10,
        )
        self.action_create_key(message.alias, message.description)

    @on(AliasFailed)
    def _alias_failed(self, message: AliasFailed) -> None:
        from kmsworkbench.tui.screens.modals import ConfirmModal

        info, error = message.info, message.error
        billed = (
            " On AWS a key is billed monthly until it is deleted."
            if self.workbench.backend.kind == "aws"
            else ""
        )
        body = (
            f"CreateKey succeeded, but CreateAlias {message.alias} failed: {error.code}: "
            f"{error.message}\n\nThe key {info.key_id} exists now without an alias.{billed}\n\n"
            "Schedule its deletion (7 days, can be cancelled until then)? Or keep it and give "
            "it an alias later."
        )

        def answered(delete: bool | None) -> None:
            if delete:
                self._delete_worker(info.key_id, 7)

        self.app.push_screen(
            ConfirmModal(
                "Key created without an alias", body, "Schedule deletion", destructive=True
            ),
            answered,
        )

    def action_toggle_enabled(self) -> None:
        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return
        state = info.key_state
        if state in ("PendingDeletion", "PendingReplicaDeletion"):
            self.notify(
                "A key pending deletion cannot be enabled; cancel the deletion first (u).",
                severity="warning",
            )
            return
        self._enable_worker(info.key_id, enable=state == "Disabled")

    @work(thread=True, exit_on_error=False, group="key-admin", description="Enable/DisableKey")
    def _enable_worker(self, key_id: str, enable: bool) -> None:
        session = self.workbench.session
        if enable:
            session.enable_key(key_id)
        else:
            session.disable_key(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"{'Enabled' if enable else 'Disabled'} {key_id}"))

    def action_schedule_deletion(self) -> None:
        from kmsworkbench.tui.screens.modals import ScheduleDeletionModal

        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return

        def chosen(days: int | None) -> None:
            if days is not None:
                self._delete_worker(info.key_id, days)

        on_aws = self.workbench.backend.kind == "aws"
        self.app.push_screen(ScheduleDeletionModal(info.display_name, on_aws), chosen)

    @work(thread=True, exit_on_error=False, group="key-admin", description="ScheduleKeyDeletion")
    def _delete_worker(self, key_id: str, days: int) -> None:
        session = self.workbench.session
        when = session.schedule_key_deletion(key_id, pending_window_days=days)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"{key_id} will be deleted on {when:%Y-%m-%d}"))

    def action_cancel_deletion(self) -> None:
        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return
        self._undelete_worker(info.key_id)

    @work(thread=True, exit_on_error=False, group="key-admin", description="CancelKeyDeletion")
    def _undelete_worker(self, key_id: str) -> None:
        session = self.workbench.session
        session.cancel_key_deletion(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"Deletion of {key_id} cancelled; the key is disabled"))

    def action_rotate_now(self) -> None:
        """RotateKeyOnDemand on the highlighted key; on AWS only after a question."""
        from kmsworkbench.tui.screens.modals import ConfirmModal

        info = self._highlighted()
        if info is None:
            return
        details = self._key_details.get(info.key_id)
        if details is not None and details.rotation_note:
            self.notify(f"{info.display_name}: {details.rotation_note}.", severity="warning")
            return
        if self.workbench.backend.kind != "aws":
            self._rotate_worker(info.key_id)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._rotate_worker(info.key_id)

        self.app.push_screen(
            ConfirmModal(
                "Rotate key material on AWS?",
                f"RotateKeyOnDemand gives {info.display_name} new key material now. Older "
                "material keeps decrypting; a key allows at most 25 on-demand rotations.",
                "Rotate",
                # Real AWS, and a key allows 25: Cancel has the focus.
                destructive=True,
            ),
            confirmed,
        )

    @work(thread=True, exit_on_error=False, group="key-admin", description="RotateKeyOnDemand")
    def _rotate_worker(self, key_id: str) -> None:
        session = self.workbench.session
        rotate_now(session, key_id)
        session.invalidate(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"Rotated the key material of {key_id}"))

    @on(KeyChanged)
    def _key_changed(self, message: KeyChanged) -> None:
        info = message.info
        self._key_details.pop(info.key_id, None)
        if info.key_id in self.index:
            self.index.update(info)
        else:
            self.index.add([info])
        self._refilter()
        self.query_one(KeyTable).move_to(info.key_id)
        self._update_detail(self.query_one(KeyTable).highlighted)
        self.notify(message.notice, title="Key updated")
