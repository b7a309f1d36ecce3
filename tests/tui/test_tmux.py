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


# A private tmux server (its own socket, no user configuration), so that other tmux sessions
# on the machine can neither resize our window nor be touched by the test.
SOCKET = f"kmswb-test-{uuid.uuid4().hex[:8]}"


def _tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", SOCKET, "-f", os.devnull, *args],
        capture_output=True,
        text=True,
        check=check,
        # COLUMNS/LINES (set in pytest workers) would reach the app through tmux's environment,
        # and Textual takes them over the real terminal size.
        env={k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "TMUX"}},
    )


def _capture(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session, check=False).stdout


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
        f"env -u COLUMNS -u LINES KMSWORKBENCH_HOME={home} AWS_CONFIG_FILE={tmp_path / 'none'} "
        f"AWS_SHARED_CREDENTIALS_FILE={tmp_path / 'none'} TERM=xterm-256color"
    )
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", "sleep 600")
    size = _tmux("display-message", "-p", "-t", session, "#{window_width}x#{window_height}")
    assert size.stdout.strip() == "120x36", size.stdout
    _tmux("respawn-pane", "-k", "-t", session, f"{env_prefix} {executable}")
    try:
        screen = _wait_for(session, "workbench-demo")
        assert "sandbox ·" in screen
        _wait_for(session, "✓ yes")
        _wait_for(session, "⏎ Choose")  # the table has focus: its keys are in the footer
        # "/" and the letters in one burst, at machine speed: each key must reach the widget
        # the previous one left focused (before, the letters reached the table, not the filter).
        _tmux("send-keys", "-t", session, "-l", "/hmac")
        screen = _wait_until(
            session,
            lambda s: "1 shown" in s and "workbench-demo" not in s and "HMAC" in s,
            "the filter leaving only the HMAC key",
        )
        _tmux("send-keys", "-t", session, "Escape")
        screen = _wait_for(session, "workbench-demo")
        _tmux("send-keys", "-t", session, "F1")
        _wait_for(session, "(key table)")
        _tmux("send-keys", "-t", session, "Escape")
        # A key sent right after Escape would read as alt+key: wait for the help to close.
        _wait_until(session, lambda s: "(key table)" not in s, "the help closing")
        _tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            alive = _tmux("has-session", "-t", session, check=False)
            if alive.returncode != 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the app did not quit on ctrl+q")
    finally:
        _tmux("kill-server", check=False)


# A session leader that blocks SIGHUP while its child runs, as make does for `make run`: when
# the terminal goes away, the app is then never sent SIGHUP.
_LEADER = """\
import signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(child.pid))
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP])
sys.exit(child.wait())
"""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_app_ends_when_its_terminal_goes_away_under_make(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "kmsworkbench"
    session = f"kmswb-hangup-{uuid.uuid4().hex[:8]}"
    leader = tmp_path / "leader.py"
    leader.write_text(_LEADER)
    pid_file = tmp_path / "app.pid"
    command = (
        f"env -u COLUMNS -u LINES KMSWORKBENCH_HOME={tmp_path / 'home'} "
        f"AWS_CONFIG_FILE={tmp_path / 'none'} AWS_SHARED_CREDENTIALS_FILE={tmp_path / 'none'} "
        f"TERM=xterm-256color {sys.executable} {leader} {pid_file} {executable} "
        f"--data-dir {tmp_path / 'data'}"
    )
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    pid = 0
    try:
        _wait_for(session, "workbench-demo")
        pid = int(pid_file.read_text())
        _tmux("kill-session", "-t", session)  # the terminal hangs up
        deadline = time.monotonic() + 20
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)  # a process ending has no event to wait on here
        assert not _running(pid), "the app went on running without its terminal"
    finally:
        if pid and _running(pid):
            os.kill(pid, 9)
        _tmux("kill-server", check=False)
