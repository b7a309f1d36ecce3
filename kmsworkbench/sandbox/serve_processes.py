"""More processes serving one port and one sandbox folder: ``serve --processes N``.

One process's GIL bounds what ``serve`` answers (its event loop and work threads take turns
at it). The store is SQLite in WAL mode, which several processes share safely: what one
commits, the others read at once. So ``serve --processes N`` starts N - 1 more ``serve``
processes on the same folder that accept connections from the SAME listening socket,
inherited (no second bind, no ``SO_REUSEPORT``): the kernel hands each new connection to a
process waiting in ``accept``, so an idle process takes the next one. A keep-alive
connection stays with the process that accepted it. Measured on 2 cores with the boto3
clients of ``benchmarks/bench_vs_moto.py`` on the same machine, two processes against one:
1,080 to 1,099 requests/s against 932 to 936 at 16 clients, 1,056 to 1,081 against 848 to
881 at 64 (the clients then fill the cores).

The parent (the ``serve`` the user started) prints the banner, writes ``serve.json`` and
logs like the others. The others are started with ``--listen-fd FD`` and a pipe as their
standard input, whose end the parent holds: when the parent ends in any way, even SIGKILL,
the pipe closes and each of them stops itself as if sent SIGTERM (``stop_with_parent``).
When the parent stops, it sends them SIGTERM and waits for their graceful stop. One that ends
on its own is logged; the others serve on.

POSIX only: the listening socket is handed over by descriptor inheritance.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

logger = logging.getLogger("kmsworkbench.sandbox.server")

MAX_PROCESSES = 64


def supported() -> bool:
    return os.name == "posix"


class Helpers:
    """The other serving processes of one ``serve --processes N``."""

    def __init__(self, processes: list[subprocess.Popen[bytes]]) -> None:
        self.processes = processes
        self._stopping = threading.Event()
        for process in processes:
            threading.Thread(
                target=self._watch, args=(process,), name="kms-serve-helper", daemon=True
            ).start()

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        if not self._stopping.is_set():
            logger.error(
                "a serving process (pid %d) ended with exit code %s; the others serve on",
                process.pid,
                code,
            )

    def stop(self, timeout: float) -> None:
        """SIGTERM to each (they answer what they hold, then end); after ``timeout``
        seconds, SIGKILL to any still running."""
        self._stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.error("a serving process (pid %d) did not stop; killed", process.pid)
                process.kill()
                process.wait()
            if process.stdin is not None:
                process.stdin.close()


def start_helpers(listening: socket.socket, count: int, serve_args: Sequence[str]) -> Helpers:
    """Start ``count`` processes running ``kmsworkbench serve --listen-fd FD`` with
    ``serve_args`` (the folder, Region, TLS and limits of this ``serve``), on ``listening``."""
    fd = listening.fileno()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "kmsworkbench",
                        "serve",
                        "--listen-fd",
                        str(fd),
                        *serve_args,
                    ],
                    pass_fds=(fd,),
                    stdin=subprocess.PIPE,  # closed when this process ends: they stop then
                    stdout=subprocess.DEVNULL,  # the banner is the parent's
                    start_new_session=False,  # Ctrl+C in the terminal reaches them too
                )
            )
    except BaseException:
        Helpers(processes).stop(timeout=10.0)
        raise
    return Helpers(processes)


def starter(
    count: int, serve_args: Sequence[str], timeout: float
) -> Callable[[socket.socket], Callable[[], None]]:
    """The ``on_listening`` hook of ``serve_app_forever`` for ``serve --processes``: start
    ``count`` helpers on the socket, and give the function that stops them (``timeout`` for
    their graceful stop). When they cannot be started, this process serves alone, and says
    so in the log, rather than not at all."""

    def start(listening: socket.socket) -> Callable[[], None]:
        try:
            helpers = start_helpers(listening, count, serve_args)
        except OSError as exc:
            logger.error(
                "could not start %d more serving processes (%s); this one serves alone",
                count,
                exc,
            )
            return lambda: None
        return lambda: helpers.stop(timeout)

    return start


def stop_with_parent() -> None:
    """In a helper: when standard input (the parent's pipe) closes, send this process
    SIGTERM, whose handler (``serve_app_forever``'s) stops it gracefully."""

    def wait() -> None:
        # os.read on the descriptor, not sys.stdin: a daemon thread blocked in a buffered
        # read holds its lock, and the interpreter then aborts at exit.
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="kms-serve-parent", daemon=True).start()


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket a parent ``serve`` handed over as descriptor ``fd``."""
    sock = socket.socket(fileno=fd)
    if sock.type != socket.SOCK_STREAM:
        sock.detach()
        raise OSError(f"descriptor {fd} is not a listening TCP socket")
    return sock
