"""The key list while it loads: a one-line note covers the table until the first rows come,
and those rows come before ListAliases has answered (the alias names fill in after)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kmsworkbench import config
from kmsworkbench.service import Backend, KeyInfo, child_process
from kmsworkbench.service.key_loading import KeyListing
from kmsworkbench.service.key_loading_process import ProcessKeyListing
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.launch import start_app
from kmsworkbench.tui.screens.error_modal import ErrorModal
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.widgets.busy import BusyNote
from kmsworkbench.tui.widgets.key_table import KeyTable

from .conftest import settle
from .fakes import FixedSession


class HeldSession(FixedSession):
    """The fixed keys, listed only when ``listed`` is set; their aliases only when
    ``aliased`` is set (after the page was passed on)."""

    listed = threading.Event()
    aliased = threading.Event()
    rows_when_described: list[int] = []
    rows: Callable[[], int] = staticmethod(lambda: 0)  # type: ignore[assignment]

    def describe_key(self, key_id: str) -> KeyInfo:
        self.rows_when_described.append(self.rows())
        return super().describe_key(key_id)

    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        assert aliases_later is not None, "the key list waited for ListAliases"
        assert self.listed.wait(30)
        self._record("ListKeys", {})
        keys = [KeyInfo(k.key_id, k.arn, []) for k in self.keys]
        yield keys
        assert self.aliased.wait(30)
        for key, known in zip(keys, self.keys, strict=True):
            key.aliases = list(known.aliases)
        aliases_later([k for k in keys if k.aliases])


def held_app(tmp_path: Path) -> WorkbenchApp:
    """The app on a sandbox whose session is a HeldSession (its listing waits on events)."""
    return WorkbenchApp(
        Backend(kind="sandbox", data_dir=tmp_path / "sandbox"),
        settings=config.Settings(),
        session_factory=HeldSession,  # type: ignore[arg-type]
        library_dir=tmp_path / "library",
        persist_settings=False,
    )


async def until(pilot: Pilot[object], condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never held")


async def test_rows_come_before_the_aliases_and_the_note_covers_the_table_until_then(
    tmp_path: Path,
) -> None:
    HeldSession.listed.clear()
    HeldSession.aliased.clear()
    HeldSession.rows_when_described.clear()
    app = held_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, KeyChooserScreen))
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        table = screen.query_one(KeyTable)
        HeldSession.rows = staticmethod(lambda: table.row_count)  # type: ignore[assignment]
        main = screen.query_one("#key-main")  # the covered table is not in the map itself
        await until(pilot, lambda: main.region.area > 0)
        middle = (main.region.x + 4, main.region.y + 4)  # inside the table, left of the pane
        await until(pilot, lambda: isinstance(screen.get_widget_at(*middle)[0], BusyNote))
        await pilot.press("down", "enter")  # keys on the covered table do nothing
        assert isinstance(app.screen, KeyChooserScreen) and table.row_count == 0

        HeldSession.listed.set()
        await until(pilot, lambda: table.row_count == len(HeldSession(app.backend).keys))
        # The note goes with the rows; the screen's map of what is where follows at the next
        # refresh (a loaded machine can look in between).
        await until(pilot, lambda: not isinstance(screen.get_widget_at(*middle)[0], BusyNote))
        assert all(k.aliases == [] for k in table.shown)
        assert screen.index.find("alias/workbench-demo") is None
        assert screen.loading_keys  # listing is not done while ListAliases is out

        HeldSession.aliased.set()
        await settle(app, pilot)
        # DescribeKey waited until the first rows were drawn (their parsing would have
        # taken the interpreter lock from the UI thread drawing them).
        described = HeldSession.rows_when_described
        assert len(described) >= len(table.shown) and 0 not in described
        demo = screen.index.find("alias/workbench-demo")
        assert demo is not None and demo.aliases == ["alias/workbench-demo"]
        assert table.shown[0].aliases  # keys with aliases sort first once they have them
        # The cursor stayed on the first row (not on the key that happened to be first).
        assert table.cursor_row == 0 and table.highlighted is table.shown[0]
        assert not screen.loading_keys
        # Found by its alias now: the filter, then Enter twice opens the generate form.
        await pilot.press("slash", *"workbench-demo", "enter")
        await until(pilot, lambda: table.highlighted is demo and table.has_focus)
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "GenerateScreen")


async def test_the_entry_points_app_takes_over_the_listing_begun_before_it(
    sandbox_dir: Path,
) -> None:
    """start_app (what `kmsworkbench` runs) lists the keys before the app exists: the key
    screen shows that listing (not a second one), the activity log has its calls once each,
    and F5 lists again."""
    app = start_app(
        Backend(kind="sandbox", data_dir=sandbox_dir), config.Settings(), persist_settings=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        demo = screen.index.find("alias/workbench-demo")
        assert demo is not None and demo.eligible is True
        assert all(k.described for k in screen.index.all())

        def listings() -> int:
            return sum(e.operation == "ListKeys" and "Limit" not in e.params for e in app.activity)

        assert listings() == 1
        assert [e.operation for e in app.activity].count("ListAliases") == 1
        assert app.activity == app.session.journal.entries  # every call, once, in order
        await pilot.press("f5")
        await settle(app, pilot)
        assert listings() == 2 and len(screen.index) == len(app.session.list_keys())


async def test_the_open_activity_log_gets_the_calls_made_while_it_is_open(
    tmp_path: Path,
) -> None:
    HeldSession.listed.clear()
    HeldSession.aliased.set()
    app = held_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, KeyChooserScreen))
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "ActivityScreen")
        table = app.screen.query_one("#activity-table")
        before = table.row_count
        HeldSession.listed.set()  # ListKeys is made (and journaled) now
        await settle(app, pilot)
        assert table.row_count == len(app.activity) > before


async def test_a_failure_of_the_start_up_listing_process_is_the_error_modal() -> None:
    """The listing begun before the app runs in a child process: its KmsError (here, no
    credentials for an endpoint) is shown as a listing on a thread showed it; Escape closes
    it and the app goes on."""
    # No credentials anywhere: tests/conftest.py's isolated_home clears them for every test.
    backend = Backend(kind="endpoint", endpoint_url="http://127.0.0.1:9", region="eu-west-1")
    app = start_app(backend, config.Settings(), persist_settings=False)
    assert isinstance(app._key_listing, ProcessKeyListing)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ErrorModal))
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.details.code == "NoCredentialsError" and app.screen.details.remedy
        assert [e.error_code for e in app.activity][-1] == "NoCredentialsError"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, KeyChooserScreen))


async def test_without_a_child_process_the_app_lists_on_a_thread(
    sandbox_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_process, "can_fork", lambda: False)
    monkeypatch.setattr(sys, "executable", str(sandbox_dir / "no-python-here"))
    app = start_app(
        Backend(kind="sandbox", data_dir=sandbox_dir), config.Settings(), persist_settings=False
    )
    assert type(app._key_listing) is KeyListing
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        assert screen.index.find("alias/workbench-demo") is not None
        assert all(k.described for k in screen.index.all())
        assert app.activity == app.session.journal.entries


async def test_the_key_list_parses_only_its_own_styles_and_a_dialog_brings_the_rest(
    make_app: Callable[..., WorkbenchApp],
) -> None:
    """Every stylesheet the app had was parsed before the first frame and checked when each
    node was styled; the key list needs two of them. The rest come with the first other
    screen (here F1's help), and nothing is left without its styles."""
    app = make_app(persist_settings=False, session_factory=FixedSession)

    def ours() -> set[str]:
        return {Path(where).name for where, _ in app.stylesheet.source if where.endswith(".tcss")}

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, KeyChooserScreen)
        assert ours() == {"app.tcss", "keys.tcss"}
        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        styles = Path(__file__).parents[2] / "kmsworkbench" / "tui" / "styles"
        assert ours() == {p.name for p in styles.glob("*.tcss")}
