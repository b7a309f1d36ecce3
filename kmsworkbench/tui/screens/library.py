"""The library of saved pairs: a table (name, spec, KMS key, context, created, backend), a
detail pane (public key PEM, fingerprint, summary, context, KeyMaterialId, size of the
encrypted private key), and rename, delete (confirmed), export (public key PEM/DER/JWK or a
bundle) and import of a bundle. Enter opens the pair's workbench.

A pair generated on another backend is marked: its private key is encrypted under a key of
that other KMS, so a Decrypt sent to the current backend cannot succeed.

Only public material and the *encrypted* private key are on this screen; the library never
holds a plaintext private key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Static

from kmsworkbench.pairs import BundleError, PairExistsError, PairRecord, validate_name

if TYPE_CHECKING:
    from kmsworkbench.batches import BatchRecord
from kmsworkbench.service import format_context_for_cli
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.screens.base import WorkbenchModal, WorkbenchScreen
from kmsworkbench.tui.screens.export import ExportModal
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.tokens import TokenRows

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("spec", "Spec"),
    ("key", "KMS key"),
    ("context", "Context"),
    ("created", "Created (UTC)"),
    ("backend", "Backend"),
)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def context_text(context: dict[str, str]) -> str:
    return format_context_for_cli(context) if context else "(none)"


def backend_labels(app: WorkbenchApp) -> set[str]:
    """The labels a pair generated on the current backend may carry (with the region the
    client uses, or before that was known)."""
    labels = {app.backend.label(app.region), app.backend.label(app.backend.region)}
    labels.add(app.backend.label(None))
    return labels


def _home_problem(record: PairRecord, app: WorkbenchApp) -> str | None:
    from kmsworkbench.service.pairhome import decrypt_home_problem

    return decrypt_home_problem(record.key_arn, app.account, app.region or app.backend.region)


def on_current_backend(record: PairRecord, app: WorkbenchApp) -> bool:
    """Whether this backend's KMS can decrypt the pair: decided by the key's partition,
    Region and account against the backend's (issue 9: the same sandbox reached through
    ``serve`` is the same KMS), not by the label of the backend that made it. Until the
    account is known, a pair made under this very label counts as at home."""
    if record.backend in backend_labels(app) and app.account is None:
        return True
    return _home_problem(record, app) is None


def other_backend_note(record: PairRecord, app: WorkbenchApp) -> str:
    problem = _home_problem(record, app) or "it was made on another backend"
    return (
        f"Made on {record.backend}: {problem}. This app talks to "
        f"{app.backend.label(app.region)}. F2 switches the backend."
    )


def key_label(record: PairRecord, app: WorkbenchApp) -> str:
    """The KMS key's alias when the key list (already loaded, no call made) knows it, else
    its key id."""
    from kmsworkbench.tui.screens.keys import KeyChooserScreen

    for screen in app.screen_stack:
        if isinstance(screen, KeyChooserScreen):
            info = screen.index.find(record.key_arn)
            if info is not None and info.aliases:
                return info.aliases[0]
    return record.key_arn.rsplit("/", 1)[-1] if ":key/" in record.key_arn else record.key_arn


def record_cells(record: PairRecord, app: WorkbenchApp) -> list[Text]:
    here = on_current_backend(record, app)
    # The last column gets what is left of the width: say which kind of backend only (the
    # detail below the table says all of it).
    other = _clip(record.backend.split(" · ")[0], 12)
    backend = Text("✓ current") if here else Text(f"⚠ {other}", "bold")
    name = _clip(record.name, 26)
    return [
        Text(name, no_wrap=True) if here else Text("⚠ " + name, "bold", no_wrap=True),
        Text(record.key_pair_spec, no_wrap=True),
        Text(_clip(key_label(record, app), 22), no_wrap=True),
        Text(_clip(context_text(record.encryption_context), 20), no_wrap=True),
        Text(record.created_at.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
        backend,
    ]


def detail_text(record: PairRecord, app: WorkbenchApp) -> tuple[Text, list[tuple[str, str]]]:
    """Everything the library knows about one pair (public material only): a head (the
    name, any warning) and ``label: value`` rows, for :class:`TokenRows` to lay out."""
    from kmsworkbench.keypairs import KeyFormatError, load_public_key

    head = Text()
    head.append(record.name, style="bold")
    if not on_current_backend(record, app):
        head.append("\n⚠ " + other_backend_note(record, app), style="bold")
    try:
        public = load_public_key(record.public_key)
    except KeyFormatError as exc:
        public = None
        head.append(f"\nThe stored public key cannot be read: {exc}", style="bold")
    label = key_label(record, app)
    rows = [
        ("Key pair spec", record.key_pair_spec),
        ("Public key", public.summary if public else "(unreadable)"),
        ("SHA-256 fingerprint", public.fingerprint_hex if public else "(unreadable)"),
        ("KMS key", record.key_arn + (f" ({label})" if label.startswith("alias/") else "")),
        ("Encryption context", context_text(record.encryption_context)),
        ("KeyMaterialId", record.key_material_id or "(not returned)"),
        *_rotated_row(record, app),
        (
            "Encrypted private key",
            f"{len(record.private_key_ciphertext)} bytes (PrivateKeyCiphertextBlob)",
        ),
        ("Created", record.created_at.isoformat(sep=" ", timespec="seconds")),
        ("Backend", record.backend),
    ]
    return head, rows


def _rotated_row(record: PairRecord, app: WorkbenchApp) -> list[tuple[str, str]]:
    from kmsworkbench.tui.widgets.key_detail import current_material_of, rotated_since_note

    current = current_material_of(record.key_arn, list(app.screen_stack))
    note = rotated_since_note(record.key_material_id, current)
    return [("KMS key rotated since", note)] if note else []


def public_pem_text(record: PairRecord) -> Text:
    from kmsworkbench.keypairs import KeyFormatError, load_public_key

    text = Text()
    try:
        pem = load_public_key(record.public_key).pem
    except KeyFormatError:
        return text
    text.append("Public key (PEM)\n", style="bold")
    text.append(pem.rstrip())
    return text


class PairTable(DataTable[Text]):
    """The saved pairs, newest first. Enter opens the highlighted pair's workbench."""

    HELP_SCOPE = "pair table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="lib-open", tooltip="Work with this pair"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.records: list[PairRecord] = []
        self.batches: list[BatchRecord] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(
        self,
        records: list[PairRecord],
        app: WorkbenchApp,
        keep: str | None,
        batches: Sequence[BatchRecord] = (),
    ) -> None:
        from kmsworkbench.tui.screens.batch import batch_cells

        self.records = records
        self.batches = list(batches)
        self.clear()
        for record in records:
            self.add_row(*record_cells(record, app), key=record.name)
        for batch in self.batches:  # one row per batch, after the pairs; Enter opens it
            self.add_row(*batch_cells(batch, app), key=f"batch:{batch.name}")
        if keep is not None:
            self.move_to(keep)

    @property
    def highlighted_batch(self) -> BatchRecord | None:
        row = self.cursor_row - len(self.records)
        return self.batches[row] if 0 <= row < len(self.batches) else None

    def move_to(self, name: str) -> bool:
        try:
            row = self.get_row_index(name)
        except Exception:
            return False
        self.move_cursor(row=row)
        return True

    @property
    def highlighted(self) -> PairRecord | None:
        if not self.records or not 0 <= self.cursor_row < len(self.records):
            return None
        return self.records[self.cursor_row]


class LibraryScreen(WorkbenchScreen):
    HELP = (
        "The pairs saved in the library of this backend's data folder: each is a public key "
        "and the private key encrypted under a KMS key (PrivateKeyCiphertextBlob), with the "
        "encryption context that Decrypt will need. Enter opens a pair to verify, encrypt, "
        "and (after KMS Decrypt of its private key) sign, decrypt or decapsulate. A pair "
        "marked ⚠ belongs to another KMS (its key is in another Region, partition or "
        "account): a Decrypt through this backend would not simply work."
    )
    AUTO_FOCUS = "#lib-table"
    TITLE_TEXT = "Library of pairs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "rename", "Rename", id="lib-rename"),
        Binding("delete", "delete", "Delete", id="lib-delete"),
        Binding("ctrl+s", "export", "Export", id="lib-export"),
        Binding("ctrl+o", "import_bundle", "Import", id="lib-import", show=False),
        Binding("ctrl+y", "copy_pem", "Copy PEM", id="lib-copy-pem", show=False),
        Binding("ctrl+t", "asn1", "ASN.1", id="lib-asn1", show=False),
        Binding("f5", "reload", "Reload", id="lib-reload", show=False),
        Binding("escape", "back", "Back", id="lib-back"),
    ]
    PALETTE_COMMANDS: ClassVar[list[tuple[str, str, str]]] = [
        ("pairs: open pair workbench", "Verify, encrypt; decrypt the private key", "open"),
        ("pairs: rename pair", "Give the highlighted pair another name", "rename"),
        ("pairs: delete pair", "Remove the highlighted pair (asks first)", "delete"),
        ("pairs: import bundle", "Add the pairs of a bundle file", "import_bundle"),
        ("pairs: reload library", "Read the library folder again", "reload"),
        ("view: public key ASN.1 and formats", "Every field named; PEM, JWK, OpenSSH", "asn1"),
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self._select = select

    def compose(self) -> ComposeResult:
        yield BackendHeader(self.TITLE_TEXT)
        yield Label("", id="lib-count")
        with Vertical(id="lib-main"):
            yield PairTable(id="lib-table")
            with VerticalScroll(id="lib-detail-scroll"):
                yield TokenRows([], id="lib-detail")
                yield Static("", id="lib-pem", markup=False)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.reload(self._select)

    # -- loading -------------------------------------------------------------------------

    @property
    def table(self) -> PairTable:
        return self.query_one(PairTable)

    @property
    def highlighted(self) -> PairRecord | None:
        return self.table.highlighted

    def reload(self, select: str | None = None) -> None:
        library = self.workbench.library()
        records = library.list()
        current = self.highlighted
        keep = select if select is not None else (current.name if current else None)
        batches = library.batches.list()
        self.table.show(records, self.workbench, keep, batches)
        others = sum(1 for r in records if not on_current_backend(r, self.workbench))
        parts = [f"{len(records)} pair{'s' if len(records) != 1 else ''}"]
        if others:
            parts.append(f"{others} from another backend (⚠)")
        if batches:
            parts.append(f"{len(batches)} batch{'es' if len(batches) != 1 else ''}")
        damaged = len(library.skipped) + len(library.batches.damaged)
        if damaged:
            parts.append(f"{damaged} damaged file(s) skipped (kmsworkbench pairs check)")
        count = self.query_one("#lib-count", Label)
        count.update(" · ".join(parts))
        reasons = [f"{d.name}: {d.reason}" for d in library.damaged + library.batches.damaged]
        count.tooltip = "\n".join([f"Saved in {library.folder}", *reasons])
        self._update_detail()

    def _update_detail(self) -> None:
        record = self.highlighted
        detail = self.query_one("#lib-detail", TokenRows)
        pem = self.query_one("#lib-pem", Static)
        batch = self.table.highlighted_batch
        if record is None and batch is not None:
            from kmsworkbench.tui.screens.batch import batch_detail

            pem.update("")
            detail.show([], head=batch_detail(batch))
            return
        if record is None:
            pem.update("")
            detail.show(
                [],
                head="No saved pairs yet. Generate one from the key list (choose a key, then "
                f"Ctrl+G), or import a bundle with Ctrl+O.\n\nThe library folder: "
                f"{self.workbench.library().folder}",
            )
            return
        head, rows = detail_text(record, self.workbench)
        detail.show(rows, head=head)
        pem.update(public_pem_text(record))

    @on(DataTable.RowHighlighted, "#lib-table")
    def _row_highlighted(self) -> None:
        self._update_detail()

    @on(DataTable.RowSelected, "#lib-table")
    def _row_selected(self) -> None:
        self.action_open()

    @on(BackendChanged)
    def _backend_changed(self) -> None:
        self.reload()

    def _need_record(self) -> PairRecord | None:
        record = self.highlighted
        batch = self.table.highlighted_batch
        if record is None and batch is not None:
            self.notify(
                f"{batch.name} is a batch of {batch.count} pairs: Enter opens them. It is "
                f"deleted as a whole with: kmsworkbench pairs delete {batch.name}",
                severity="warning",
            )
        elif record is None:
            self.notify("No pair is highlighted.", severity="warning")
        return record

    # -- actions -------------------------------------------------------------------------

    def action_open(self) -> None:
        from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen

        batch = self.table.highlighted_batch
        if batch is not None:
            from kmsworkbench.tui.screens.batch import BatchScreen

            self.app.push_screen(BatchScreen(batch.name))
            return
        record = self._need_record()
        if record is not None:
            self.app.push_screen(PairWorkbenchScreen(record))

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_asn1(self) -> None:
        from kmsworkbench.tui.screens.asn1 import Asn1Modal

        record = self._need_record()
        if record is not None:
            self.app.push_screen(
                Asn1Modal(
                    f"Inside {record.name}",
                    record.public_key,
                    blob=record.private_key_ciphertext,
                )
            )

    def action_copy_pem(self) -> None:
        record = self._need_record()
        if record is not None:
            pem = record.export_public_key("PEM").decode("ascii")
            self.workbench.copy_with_notice(pem, "Public key PEM")

    def action_rename(self) -> None:
        record = self._need_record()
        if record is None:
            return

        def renamed(new: str | None) -> None:
            if new:
                self.reload(new)
                self.notify(f"{record.name} is now {new}", title="Renamed")

        self.app.push_screen(RenameModal(record.name), renamed)

    def action_delete(self) -> None:
        from kmsworkbench.tui.screens.modals import ConfirmModal

        record = self._need_record()
        if record is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.workbench.library().delete(record.name)
            except KeyError:
                self.notify(f"{record.name} was already gone.", severity="warning")
            except OSError as exc:
                self.workbench.show_error(exc)
                return
            self.reload()
            self.notify(f"Deleted {record.name}", title="Library")

        body = (
            f"Delete the pair {record.name} ({record.key_pair_spec}) from the library?\n\n"
            "Its record, with the only copy here of the encrypted private key, is removed; "
            "export a bundle first (Ctrl+S) if you may need the pair again. The KMS key "
            f"{record.key_arn} is not touched."
        )
        self.app.push_screen(
            ConfirmModal("Delete pair", body, "Delete", destructive=True), answered
        )

    def action_export(self) -> None:
        record = self._need_record()
        if record is None:
            return

        def exported(path: str | None) -> None:
            if path:
                self.notify(f"Wrote {path}", title="Exported")

        self.app.push_screen(ExportModal(record), exported)

    def action_import_bundle(self) -> None:
        def imported(names: list[str] | None) -> None:
            if names is not None and not names:
                self.notify("The bundle held no pairs.", title="Library")
            if names:
                self.reload(names[0])
                self.notify(f"Imported {len(names)} pair(s): {', '.join(names)}", title="Library")

        self.app.push_screen(ImportModal(), imported)


# -- modals ------------------------------------------------------------------------------


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
