"""The installed app in a real terminal (tmux), driven by keystrokes as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _capture(session: str) -> str:
    out = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    )
    return out.stdout


def _wait_until(
    session: str, check: Callable[[str], bool], what: str, timeout: float = 60.0
) -> str:
    """Poll the pane until ``check`` holds (a frame can be caught half drawn, so a single
    capture is never trusted for an absence)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if check(screen):
            return screen
        time.sleep(0.2)  # polling a real terminal: there is no event to wait on
    raise AssertionError(f"{what} never happened; the screen was:\n{screen}")


def _wait_for(session: str, needle: str) -> str:
    return _wait_until(session, lambda screen: needle in screen, f"{needle!r} appearing")


def test_installed_app_in_tmux(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "kmsworkbench"
    assert executable.exists(), executable
    session = f"kmswb-test-{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    env_prefix = (
        f"env KMSWORKBENCH_HOME={home} AWS_CONFIG_FILE={tmp_path / 'none'} "
        f"AWS_SHARED_CREDENTIALS_FILE={tmp_path / 'none'} TERM=xterm-256color"
    )
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "120",
            "-y",
            "36",
            f"{env_prefix} {executable}",
        ],
        check=True,
        env={**os.environ, "TMUX": ""},
    )
    try:
        screen = _wait_for(session, "alias/workbench-demo")
        assert "sandbox ·" in screen
        _wait_for(session, "✓ yes")
        subprocess.run(["tmux", "send-keys", "-t", session, "/"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "hmac"], check=True)
        screen = _wait_until(
            session,
            lambda s: "1 shown" in s and "alias/workbench-demo" not in s and "HMAC" in s,
            "the filter leaving only the HMAC key",
        )
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        screen = _wait_for(session, "alias/workbench-demo")
        subprocess.run(["tmux", "send-keys", "-t", session, "F1"], check=True)
        _wait_for(session, "(key table)")
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        # A key sent right after Escape would read as alt+key: wait for the help to close.
        _wait_until(session, lambda s: "(key table)" not in s, "the help closing")
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            alive = subprocess.run(
                ["tmux", "has-session", "-t", session], capture_output=True, check=False
            )
            if alive.returncode != 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the app did not quit on ctrl+q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
