"""Fixtures for the TUI tests: a steady cursor, the real app on an in-process sandbox in a
temporary folder, and a helper that waits for workers instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from kmsworkbench import config
from kmsworkbench.service import Backend
from kmsworkbench.tui.app import WorkbenchApp


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "sandbox"


@pytest.fixture
def make_app(sandbox_dir: Path) -> Callable[..., WorkbenchApp]:
    def make(**kwargs: object) -> WorkbenchApp:
        kwargs.setdefault("settings", config.Settings())
        return WorkbenchApp(Backend(kind="sandbox", data_dir=sandbox_dir), **kwargs)  # type: ignore[arg-type]

    return make


async def settle(app: WorkbenchApp, pilot: Pilot[object]) -> None:
    """Wait until no worker runs and every message they posted has been handled. A worker
    that failed is not a test failure here: the app shows it (tests assert the modal)."""
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
    raise AssertionError("workers kept running")


def record_notices(app: WorkbenchApp) -> list[str]:
    """Every notification's message from now on (``app._notifications`` forgets them when
    they time out, which a slow machine reaches before the test looks)."""
    messages: list[str] = []
    notify = app.notify

    def recording(message: str, *args: object, **kwargs: object) -> None:
        messages.append(str(message))
        notify(message, *args, **kwargs)  # type: ignore[arg-type]

    app.notify = recording  # type: ignore[method-assign]
    return messages
