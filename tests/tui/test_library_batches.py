"""A batch in the TUI library: one row that opens (Enter) to its pairs, each opening the pair
workbench, where its private key decrypts like any saved pair's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Label, Static

from kmsworkbench.batches import BatchRecord
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.batch import BatchScreen
from kmsworkbench.tui.screens.library import LibraryScreen, PairTable
from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen

from .conftest import settle
from .test_library import decrypt_key, make_pair, open_library


async def test_a_batch_is_one_row_that_opens_to_its_pairs(
    make_app: Callable[..., WorkbenchApp], sandbox_dir: Path
) -> None:
    single = make_pair(sandbox_dir, "ECC_NIST_P256", "single")
    made = [make_pair(sandbox_dir, "ECC_NIST_P256", f"tmp-{i}") for i in range(3)]
    library = PairLibrary(sandbox_dir)
    for record in made:
        library.delete(record.name)
    first = made[0]
    library.batches.add(
        BatchRecord(
            name="fleet",
            key_arn=first.key_arn,
            key_pair_spec=first.key_pair_spec,
            encryption_context=first.encryption_context,
            backend=first.backend,
            pairs=made,
            out_dir=str(sandbox_dir / "out"),
        )
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        table = screen.query_one(PairTable)
        assert [r.name for r in table.records] == [single.name]
        assert [b.name for b in table.batches] == ["fleet"]
        assert table.row_count == 2
        assert "1 batch" in str(screen.query_one("#lib-count", Label).render())
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert table.highlighted_batch is not None
        assert "Batch fleet" in str(screen.query_one("#lib-detail", Static).render())
        await pilot.press("delete")  # a batch is not deleted from here: it says how
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("enter")
        await pilot.pause()
        batch_screen = app.screen
        assert isinstance(batch_screen, BatchScreen)
        inner = batch_screen.query_one(PairTable)
        assert [r.name for r in inner.records] == ["fleet-0001", "fleet-0002", "fleet-0003"]
        assert "3 pairs in batch fleet" in str(batch_screen.query_one("#lib-count", Label).render())
        inner.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        workbench = app.screen
        assert isinstance(workbench, PairWorkbenchScreen)
        assert workbench.record.name == "fleet-0002"
        assert workbench.record.public_key == made[1].public_key
        await decrypt_key(app, pilot, workbench)
        assert workbench.holder.held and workbench.holder.matches is True  # KMS Decrypt worked
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BatchScreen)
        await pilot.press("ctrl+r")  # not offered for a batch's pairs: a notice, no modal
        await pilot.pause()
        assert isinstance(app.screen, BatchScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


async def test_a_damaged_file_is_shown_with_its_reason_and_the_rest_lists(
    make_app: Callable[..., WorkbenchApp], sandbox_dir: Path
) -> None:
    make_pair(sandbox_dir, "ECC_NIST_P256", "fine")
    (PairLibrary(sandbox_dir).folder / "broken.json").write_bytes(b"\xff\xfe not json")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        assert [r.name for r in screen.query_one(PairTable).records] == ["fine"]
        count = screen.query_one("#lib-count", Label)
        assert "1 damaged file(s) skipped" in str(count.render())
        assert "broken.json: the file is not UTF-8 text" in str(count.tooltip)
