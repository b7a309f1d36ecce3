"""The library's table of saved pairs (and batches, one row each): name, spec, KMS key,
context, created, backend; Enter opens the highlighted row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.pair_home import context_text, key_label, on_current_backend

if TYPE_CHECKING:
    from kmsworkbench.batches import BatchRecord
    from kmsworkbench.tui.app import WorkbenchApp


COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("spec", "Spec"),
    ("key", "KMS key"),
    ("context", "Context"),
    ("created", "Created (UTC)"),
    ("backend", "Backend"),
)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def record_cells(record: PairRecord, app: WorkbenchApp) -> list[Text]:
    here = on_current_backend(record, app)
    # The last column gets what is left of the width: say which kind of backend only (the
    # detail below the table says all of it).
    other = clip(record.backend.split(" · ")[0], 12)
    backend = Text("✓ current") if here else Text(f"⚠ {other}", "bold")
    name = clip(record.name, 26)
    return [
        Text(name, no_wrap=True) if here else Text("⚠ " + name, "bold", no_wrap=True),
        Text(record.key_pair_spec, no_wrap=True),
        Text(clip(key_label(record, app), 22), no_wrap=True),
        Text(clip(context_text(record.encryption_context), 20), no_wrap=True),
        Text(record.created_at.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
        backend,
    ]


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
