"""What the SVG snapshot tests share: the sizes and themes every picture is taken at, the app
on fixed data, and the one test shape (a screen reached by ``run_before``, then compared).

    SCREENS = {"library": library, ...}       # name -> async function of the pilot

    @snapshot_matrix(SCREENS)
    def test_library_snapshot(snap_compare, tmp_path, screen, size, theme) -> None:
        assert_snapshot(snap_compare, SCREENS[screen], size, theme, tmp_path, PairSession)

The pictures are named after the test and its parameters, so a file's test name and its
SCREENS keys are the names of its snapshot files. The data is fixed (fakes.py,
library_fakes.py), the cursor does not blink, and no wall-clock time is shown. Update with
``pytest tests/tui --snapshot-update -p no:xdist`` after a deliberate change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kmsworkbench import config
from kmsworkbench.tui.app import WorkbenchApp

from .conftest import settle
from .fakes import DEMO_BACKEND, FixedSession

SIZES = [(80, 24), (120, 40)]
THEMES = ["textual-dark", "textual-light"]

RunBefore = Callable[[Pilot[object]], Awaitable[None]]


def demo_app(theme: str, library: Path, session_factory: object = FixedSession) -> WorkbenchApp:
    """The app on the fixed demo keys (or ``session_factory``'s), with settings that are
    never written and a library in ``library``."""
    return WorkbenchApp(
        DEMO_BACKEND,
        settings=config.Settings(theme=theme),
        session_factory=session_factory,  # type: ignore[arg-type]
        library_dir=library,
        persist_settings=False,
    )


async def settled(pilot: Pilot[object]) -> None:
    """Workers done, their messages handled, and the layout their last updates asked for
    done too: a label's new text is laid out on a later frame, and a picture taken before
    it (seen once on a loaded machine: the key count's old, wider size) is not the screen a
    person sees. Textual has no public "layout pending" flag; the screen's own is read."""
    await settle(pilot.app, pilot)  # type: ignore[arg-type]
    for _ in range(100):
        screen = pilot.app.screen
        pending = screen._layout_required or screen._dirty_widgets or screen._repaint_required
        # A widget marks itself first; the screen learns of it on the widget's next idle.
        pending = pending or any(
            widget._layout_required or widget._repaint_required
            for widget in screen.walk_children(with_self=False)
        )
        if not pending:
            return
        await pilot.pause(0.01)


def snapshot_matrix(screens: dict[str, RunBefore]) -> Callable[[Callable[..., None]], object]:
    """Parametrise a snapshot test over every screen, size and theme (ids: screen-WxH-theme)."""

    def decorate(test: Callable[..., None]) -> object:
        test = pytest.mark.parametrize("screen", list(screens))(test)
        test = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")(test)
        return pytest.mark.parametrize("theme", THEMES)(test)

    return decorate


def assert_snapshot(
    snap_compare: Callable[..., bool],
    run_before: RunBefore,
    size: tuple[int, int],
    theme: str,
    tmp_path: Path,
    session_factory: object = FixedSession,
    prepare_library: Callable[[Path], object] | None = None,
) -> None:
    """The app at ``size`` in ``theme``, brought to the screen by ``run_before``, matches its
    stored picture. ``prepare_library`` fills the library folder first."""
    library = tmp_path / "library"
    if prepare_library is not None:
        prepare_library(library)
    assert snap_compare(
        demo_app(theme, library, session_factory), terminal_size=size, run_before=run_before
    )
