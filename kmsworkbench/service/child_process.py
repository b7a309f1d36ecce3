"""Starting the key listing's child process (service/key_loading_process.py): a fork where
that is safe, else a fresh interpreter. Either way the caller gets an object with the part
of ``subprocess.Popen``'s interface it uses: ``stdin`` and ``stdout`` (text, UTF-8),
``poll()``, ``kill()`` and ``wait()``.

A fresh interpreter pays its own start, the standard library and kmsworkbench.service again
(about 0.1 s of CPU before its first call, which is on the way to the first rows); a fork has
them already. It is used only where it cannot inherit trouble: on Linux (macOS's system
libraries do not survive a fork, which is why Python's multiprocessing spawns there), and
while this process runs a single thread (a fork copies only the forking thread, and a lock
another thread held stays held in the child). At the TUI's start that is so: nothing has
started a thread yet, and no SQLite connection is open (the store check before the start
closes its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any


class ForkedChild:
    """A forked child running ``main(stdin, stdout)``; Popen's interface, as far as used."""

    def __init__(self, main: Callable[[IO[str], IO[str]], int]) -> None:
        to_child, from_parent = os.pipe()[::-1]  # (write end, read end)
        from_child, to_parent = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 1
            try:
                os.setsid()  # no terminal signals: it ends when its stdin closes
                os.close(to_child)
                os.close(from_child)
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):  # the terminal is the TUI's
                    os.dup2(devnull, fd)
                code = main(
                    os.fdopen(from_parent, "r", encoding="utf-8"),
                    os.fdopen(to_parent, "w", encoding="utf-8"),
                )
            finally:
                os._exit(code)
        os.close(from_parent)
        os.close(to_parent)
        self.pid = pid
        self.stdin: IO[str] | None = os.fdopen(to_child, "w", encoding="utf-8")
        self.stdout: IO[str] | None = os.fdopen(from_child, "r", encoding="utf-8")
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            code = self._reap(0)
            assert code is not None
            return code
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.01)
        return code

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _reap(self, flags: int) -> int | None:
        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, flags)
                except ChildProcessError:
                    return self.returncode
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode


def can_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


def start_child(module: str, main: Callable[[IO[str], IO[str]], int]) -> Any:
    """The child running ``main`` (a fork), or ``python -m module`` (which runs the same
    ``main`` on its stdin and stdout). Raises OSError if neither can start."""
    if can_fork():
        return ForkedChild(main)
    return subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the terminal is the TUI's
        text=True,
        encoding="utf-8",
        start_new_session=True,  # no terminal signals: it ends when its stdin closes
    )
