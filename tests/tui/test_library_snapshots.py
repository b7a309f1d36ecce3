"""SVG snapshots of the library and the pair workbench at 80x24 and 120x40, in textual-dark
and textual-light, with fixed pairs (tests/tui/library_fakes.py). The workbench is shown with
the private key in memory: the picture has the indicator and the keys_match result, and
(by construction) nothing of the key. Update with
``pytest tests/tui --snapshot-update -p no:xdist`` after a deliberate change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from kmsworkbench.tui.screens.library import LibraryScreen
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen

from .library_fakes import PairSession, save_demo_records
from .snapshots import RunBefore, assert_snapshot, settled, snapshot_matrix


async def library(pilot: Pilot[object]) -> None:
    await settled(pilot)
    await pilot.press("f7")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LibraryScreen)


async def decrypt_confirm(pilot: Pilot[object]) -> None:
    await library(pilot)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PairWorkbenchScreen)
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmModal)


async def workbench_unlocked(pilot: Pilot[object]) -> None:
    await decrypt_confirm(pilot)
    await pilot.click("#confirm-yes")
    await settled(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PairWorkbenchScreen)
    assert screen.holder.held and screen.holder.matches is True
    screen.query_one("#wb-body").scroll_to(y=0, animate=False)
    # The "held in memory" toast times out on the clock; whether it is still up when the
    # picture is taken depended on the machine's load. The status line says the same.
    pilot.app.clear_notifications()
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "library": library,
    "decrypt-confirm": decrypt_confirm,
    "workbench-unlocked": workbench_unlocked,
}


@snapshot_matrix(SCREENS)
def test_library_snapshot(
    snap_compare: Callable[..., bool],
    tmp_path: Path,
    screen: str,
    size: tuple[int, int],
    theme: str,
) -> None:
    assert_snapshot(
        snap_compare, SCREENS[screen], size, theme, tmp_path, PairSession, save_demo_records
    )
