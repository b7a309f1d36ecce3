"""sandbox/serve_processes.py: the helpers of ``serve --processes N`` (the served behaviour
is in test_commands.py, against the real command)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time

import pytest

from kmsworkbench.sandbox import serve_processes


def test_a_serve_that_cannot_start_its_helpers_serves_alone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("no more processes")

    monkeypatch.setattr(serve_processes.subprocess, "Popen", fail)
    caplog.set_level(logging.ERROR, logger="kmsworkbench.sandbox.server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        stop = serve_processes.starter(2, ["--data-dir", "unused"], 1.0)(sock)
    stop()  # nothing was started, nothing to stop
    assert (
        "could not start 2 more serving processes (no more processes); this one serves alone"
        in caplog.text
    )


def test_a_helper_that_ends_on_its_own_is_logged_and_stop_still_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="kmsworkbench.sandbox.server")
    ended = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], stdin=subprocess.PIPE)
    helpers = serve_processes.Helpers([ended])
    deadline = time.monotonic() + 30
    while "exit code 3" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)  # the watching thread logs once the process has ended
    assert f"a serving process (pid {ended.pid}) ended with exit code 3" in caplog.text
    helpers.stop(timeout=5.0)


def test_stop_kills_a_helper_that_does_not_stop(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kmsworkbench.sandbox.server")
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
            "time.sleep(60)",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    helpers = serve_processes.Helpers([stubborn])
    helpers.stop(timeout=0.5)
    assert stubborn.returncode == -9
    assert "did not stop; killed" in caplog.text
    assert "ended with exit code" not in caplog.text  # an end it asked for is not an error


def test_an_inherited_descriptor_that_is_no_tcp_socket_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        fd = udp.fileno()
        with pytest.raises(OSError, match="not a listening TCP socket"):
            serve_processes.inherited_socket(fd)
        udp.getsockname()  # still open: the refusal left the descriptor to its owner
