"""SVG snapshots of the lessons list, a lesson and its break-it picker (80x24 and 120x40,
textual-dark and textual-light). Nothing is run, so the pictures hold no random ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from .snapshots import RunBefore, assert_snapshot, settled, snapshot_matrix


async def lessons(pilot: Pilot[object]) -> None:
    await settled(pilot)
    await pilot.press("f3")
    await pilot.pause()


async def lesson(pilot: Pilot[object]) -> None:
    await lessons(pilot)
    await pilot.press("down", "enter")
    await pilot.pause()


async def break_picker(pilot: Pilot[object]) -> None:
    await lesson(pilot)
    await pilot.press("down", "down", "b")
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "lessons": lessons,
    "lesson": lesson,
    "break-picker": break_picker,
}


@snapshot_matrix(SCREENS)
def test_lesson_screen_snapshot(
    snap_compare: Callable[..., bool],
    tmp_path: Path,
    screen: str,
    size: tuple[int, int],
    theme: str,
) -> None:
    assert_snapshot(snap_compare, SCREENS[screen], size, theme, tmp_path)
