"""The filter typed key by key (issue 14): each keystroke's table is what a filter from
scratch gives (the index searches only the previous matches when a letter is added, and
keeps rendered rows across filters), the count line and the scrollbar follow, and a
scrollbar that goes away and comes back still lays the table out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Static

from kmsworkbench.service import KeyInfo
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.widgets.key_table import KeyIndex, KeyTable

from .conftest import settle
from .test_key_table import line_text, seed_many

AppFactory = Callable[..., WorkbenchApp]


def view_order(keys: list[KeyInfo]) -> list[KeyInfo]:
    def group(k: KeyInfo) -> tuple[int, str]:
        if not k.aliases:
            return (2, k.key_id)
        return (1 if k.aliases[0].startswith("alias/aws/") else 0, k.aliases[0].lower())

    return sorted(keys, key=group)


def reference(keys: list[KeyInfo], query: str) -> tuple[list[str], dict[str, int]]:
    """The ranking as documented, written plainly: the best rank over the names (aliases,
    each also without "alias/", then the key id; exact 0, prefix 1, substring 2; the first
    name wins a tie), else the ARN whole (0) or as a prefix (1), else the description (3);
    each rank in view order. Also the count of matches per field."""
    q = query.strip().lower()
    ranked: list[tuple[int, int, str, str]] = []
    for place, k in enumerate(view_order(keys)):
        names = []
        for alias in k.aliases:
            names.append((alias.lower(), "alias"))
            if alias.lower().startswith("alias/"):
                names.append((alias.lower()[6:], "alias"))
        names.append((k.key_id.lower(), "key ID"))
        found: tuple[int, str] | None = None
        for name, field in names:
            rank = 0 if name == q else 1 if name.startswith(q) else 2 if q in name else None
            if rank is not None and (found is None or rank < found[0]):
                found = (rank, field)
        if found is None and k.arn.lower().startswith(q):
            found = (0 if k.arn.lower() == q else 1, "ARN")
        if found is None and q in k.description.lower():
            found = (3, "description")
        if found is not None:
            ranked.append((found[0], place, k.key_id, found[1]))
    ranked.sort()
    counts: dict[str, int] = {}
    for *_, field in ranked:
        counts[field] = counts.get(field, 0) + 1
    return [key_id for _, _, key_id, _ in ranked], counts


async def test_each_keystroke_shows_what_a_fresh_filter_would(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    seed_many(sandbox_dir, 60)  # bulk-00000 .. bulk-00050 and 60 "bulk key NNNNN"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        table = screen.query_one(KeyTable)
        field = screen.query_one("#key-filter", Input)
        keys = screen.index.all()
        await pilot.press("slash")

        async def check() -> None:
            await pilot.pause()
            expected, counts = reference(keys, field.value)
            assert [k.key_id for k in table.shown] == expected, field.value
            count = str(screen.query_one("#key-count", Static).render())
            for name, n in counts.items():
                assert f"{n} {name}" in count, (field.value, count)
            if expected:
                first = screen.index.get(expected[0])
                assert first is not None
                name = first.aliases[0][6:] if first.aliases else first.key_id
                assert line_text(table, 1).startswith(name[:12]), field.value
            if len(expected) > table.size.height:  # the scrollbar's size follows, no layout
                assert table.show_vertical_scrollbar
                assert table.vertical_scrollbar.window_virtual_size == len(expected) + 1
            elif len(expected) + 3 < table.size.height:
                assert not table.show_vertical_scrollbar

        for char in "bulk-0001":  # 60 matches, then 6 aliases, then one
            await pilot.press(char)
            await check()
        assert table.row_count == 1 and not table.show_vertical_scrollbar
        for _ in range(5):  # back to "bulk": a wider query searches every key again
            await pilot.press("backspace")
            await check()
        assert field.value == "bulk" and table.show_vertical_scrollbar
        # Every match is still reached: End highlights the last one, on screen.
        await pilot.press("down", "end")
        await pilot.pause()
        assert table.highlighted is table.shown[-1]
        last_line = line_text(table, table.cursor_row - int(table.scroll_y) + 1)
        assert last_line.startswith(table.shown[-1].key_id[:8])  # a key without alias, last


def test_described_in_place_keeps_the_order_of_a_fresh_index() -> None:
    listed = [
        KeyInfo(f"k{i}", f"arn:aws:kms:us-east-1:1:key/k{i}", [f"alias/a{9 - i}"] if i % 2 else [])
        for i in range(10)
    ]
    index = KeyIndex()
    index.add(listed)
    assert index.filter("")  # sorted once
    for i, info in enumerate(listed):
        described = KeyInfo(info.key_id, info.arn, [], {"Description": f"key {i}"})
        index.update(described)  # same names: described in place
    index.update(KeyInfo("k0", listed[0].arn, ["alias/zz-renamed"], {"Description": "moved"}))
    fresh = KeyIndex()
    fresh.add([index.get(f"k{i}") for i in range(10)])  # type: ignore[misc]
    for query in ("", "key", "a", "k1", "zz"):
        assert [k.key_id for k in index.filter(query)] == [k.key_id for k in fresh.filter(query)], (
            query
        )
    assert index.filter("key 3")[0].key_id == "k3"  # the described text is searched


def test_the_index_agrees_with_the_plain_ranking_letter_by_letter() -> None:
    """Typed and erased letter by letter (so the narrowing from the previous matches is
    used), over names, key ids, descriptions and ARNs of two partitions."""
    keys = [
        KeyInfo(
            f"{i:04x}abcd-0000-4000-8000-{i:012x}",
            f"arn:{'aws-cn' if i % 3 == 0 else 'aws'}:kms:r-{i % 2}:11112222333{i % 4}:key/"
            f"{i:04x}abcd-0000-4000-8000-{i:012x}",
            [
                ["alias/aws/s3"],
                [f"alias/app-{i}", f"alias/web/app{i}"],
                [],
                [f"alias/{i:04x}abcd"],
            ][i % 4],
            {
                "Description": ["app key", "key for ARN arn:aws:kms tests", "", f"bench {i}"][
                    i % 5 % 4
                ]
            },
        )
        for i in range(40)
    ]
    index = KeyIndex()
    index.add(keys)
    typed = [
        "alias/app-1",
        "app1",
        "arn:aws-cn:kms:r-0",
        "arn:aws:kms:r-1:111122223331:key/0001abcd",
        "0001abcd-0000",
        "key for",
        "aws",
        "s3",
    ]
    for text in typed:
        queries = [text[:n] for n in range(1, len(text) + 1)]
        for query in queries + queries[::-1]:
            expected, counts = reference(keys, query)
            assert [k.key_id for k in index.filter(query)] == expected, query
            assert index.match_counts == counts, query
            for key_id in expected[:5]:
                assert key_id in index.matched_by, query


async def test_a_loaded_list_is_kept_out_of_full_collections_until_refreshed(
    make_app: AppFactory,
) -> None:
    import gc

    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            assert gc.get_freeze_count() > 0  # every key described: frozen
            screen = app.screen
            assert isinstance(screen, KeyChooserScreen)
            unfrozen: list[int] = []
            load = screen.load_keys

            def recording_load() -> None:
                load()
                unfrozen.append(gc.get_freeze_count())

            screen.load_keys = recording_load  # type: ignore[method-assign]
            await pilot.press("f5")
            await settle(app, pilot)
            assert unfrozen == [0] and gc.get_freeze_count() > 0  # F5 thawed, then froze
    finally:
        gc.unfreeze()
