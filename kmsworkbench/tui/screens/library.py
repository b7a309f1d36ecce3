"""The library of saved pairs: a table (name, spec, KMS key, context, created, backend), a
detail pane (public key PEM, fingerprint, summary, context, KeyMaterialId, size of the
encrypted private key), and rename, delete (confirmed), export (public key PEM/DER/JWK or a
bundle) and import of a bundle. Enter opens the pair's workbench. The table is
``widgets/pair_table.py``, the rename and import dialogs ``library_modals.py``, where a pair
belongs ``tui/pair_home.py``.

A pair generated on another backend is marked: its private key is encrypted under a key of
that other KMS, so a Decrypt sent to the current backend cannot succeed.

Only public material and the *encrypted* private key are on this screen; the library never
holds a plaintext private key."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.pair_home import (
    context_text,
    key_label,
    on_current_backend,
    other_backend_note,
)
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.screens.export import ExportModal
from kmsworkbench.tui.screens.library_modals import ImportModal, RenameModal
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.pair_table import PairTable
from kmsworkbench.tui.widgets.tokens import TokenRows

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


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
