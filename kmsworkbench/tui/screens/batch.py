"""A batch in the library: one row in the library's table (``batch_cells``), and, on Enter,
this screen listing its pairs, each opened in the pair workbench like any saved pair.

A batch (``generate --count N --out-dir D --save``) is kept as one entry; its pairs are
renamed and deleted with it, so rename, delete and import are not offered here."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Label

from kmsworkbench.tui.pair_home import context_text, key_label, on_current_backend
from kmsworkbench.tui.screens.library import LibraryScreen
from kmsworkbench.tui.widgets.pair_table import clip

if TYPE_CHECKING:
    from kmsworkbench.batches import BatchRecord
    from kmsworkbench.tui.app import WorkbenchApp


def batch_cells(batch: BatchRecord, app: WorkbenchApp) -> list[Text]:
    """The library table's row for a batch: the name with its count, then as for a pair."""
    first = batch.pairs[0]
    here = on_current_backend(first, app)
    label = f"▸ {clip(batch.name, 18)} ({batch.count})"
    return [
        Text(label, "bold", no_wrap=True),
        Text(batch.key_pair_spec, no_wrap=True),
        Text(clip(key_label(first, app), 22), no_wrap=True),
        Text(clip(context_text(batch.encryption_context), 20), no_wrap=True),
        Text(batch.created_at.strftime("%Y-%m-%d %H:%M"), no_wrap=True),
        Text("✓ current") if here else Text("⚠ " + clip(batch.backend, 30), "bold"),
    ]


def batch_detail(batch: BatchRecord) -> Text:
    text = Text()
    text.append(f"Batch {batch.name}\n", style="bold")
    text.append(f"{batch.count} {batch.key_pair_spec} pairs under {batch.key_arn}\n")
    text.append(f"Encryption context: {context_text(batch.encryption_context)}\n")
    text.append(f"Pairs {batch.pairs[0].name} .. {batch.pairs[-1].name}\n")
    if batch.out_dir:
        text.append(f"Made in {batch.out_dir} (its manifest.json lists every file)\n")
    text.append("\nEnter opens the batch's pairs.")
    return text


class BatchScreen(LibraryScreen):
    HELP = (
        "The pairs of one batch (generate --count N --out-dir DIR --save), kept in the "
        "library as one entry. Enter opens a pair to verify, encrypt, and (after KMS Decrypt "
        "of its private key) sign or decrypt. The batch is deleted as a whole with "
        "'kmsworkbench pairs delete NAME'."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", id="batch-export"),
        Binding("ctrl+y", "copy_pem", "Copy PEM", id="batch-copy-pem", show=False),
        Binding("f5", "reload", "Reload", id="batch-reload", show=False),
        Binding("escape", "back", "Back", id="batch-back"),
        # The library's rename, delete and import do not apply to a batch's pairs.
        Binding("ctrl+r", "not_here('rename')", show=False, id="batch-no-rename"),
        Binding("delete", "not_here('delete')", show=False, id="batch-no-delete"),
        Binding("ctrl+o", "not_here('import')", show=False, id="batch-no-import"),
    ]
    PALETTE_COMMANDS: ClassVar[list[tuple[str, str, str]]] = [
        ("pairs: open pair workbench", "Verify, encrypt; decrypt the private key", "open"),
        ("pairs: reload batch", "Read the batch again", "reload"),
    ]

    def __init__(self, batch: str) -> None:
        super().__init__()
        self.batch_name = batch
        self.TITLE_TEXT = f"Batch {batch}"

    def reload(self, select: str | None = None) -> None:
        from kmsworkbench.pairs import BundleError

        library = self.workbench.library()
        count = self.query_one("#lib-count", Label)
        try:
            batch = library.batches.get(self.batch_name)
        except (KeyError, BundleError, OSError) as exc:
            self.table.show([], self.workbench, None)
            count.update(f"The batch {self.batch_name} cannot be read: {exc}")
            self._update_detail()
            return
        current = self.highlighted
        keep = select if select is not None else (current.name if current else None)
        self.table.show(batch.pairs, self.workbench, keep)
        count.update(
            f"{batch.count} pairs in batch {batch.name} · {batch.key_pair_spec} · "
            f"{context_text(batch.encryption_context)}"
        )
        count.tooltip = f"Saved in {library.batches.folder}"
        self._update_detail()

    def action_not_here(self, what: str) -> None:
        self.notify(
            f"A batch's pairs are not {what}d one by one: the batch is kept whole. Delete it "
            f"with: kmsworkbench pairs delete {self.batch_name}",
            severity="warning",
        )
