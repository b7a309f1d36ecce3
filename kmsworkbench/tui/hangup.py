"""Noticing that the app's terminal has gone away.

Closing a terminal window (or an SSH session, or ``tmux kill-session``) hangs up the
terminal. The kernel sends SIGHUP to the session's leader, and when that is the shell running
the app, the app is told too and ends. When the leader is ``make`` (the README's ``make
run``), which blocks SIGHUP while its recipe runs, the app is never told: its reads from the
terminal return at once with nothing, and Textual's input thread (8.2) reads on in a busy
loop, one core at 100% for as long as the machine stays up. :func:`hung_up` asks the
terminal itself, one ``poll`` that does not wait, so the app can check every second and end.
"""

from __future__ import annotations

import os
import select
import sys


def hung_up(fd: int) -> bool:
    """True when the terminal on ``fd`` has been hung up (``POLLHUP``), or ``fd`` is no longer
    open; False while it is there, and where ``poll`` is missing (Windows)."""
    if not hasattr(select, "poll"):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN)  # POLLHUP and POLLNVAL are reported whatever is asked
    try:
        events = poller.poll(0)
    except OSError:
        return False
    return any(mask & (select.POLLHUP | select.POLLNVAL) for _, mask in events)


def terminal_fd() -> int | None:
    """The descriptor Textual reads keys from (standard input), when it is a terminal."""
    stdin = sys.__stdin__
    if stdin is None:
        return None
    try:
        fd = stdin.fileno()
    except (OSError, ValueError):
        return None
    return fd if os.isatty(fd) else None
