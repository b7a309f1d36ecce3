"""The real AWS CLI, started once per test worker instead of once per command.

An ``aws`` process spends most of its CPU (about 0.4 of 0.6 s here) importing botocore and
the CLI's plugins before it reads its arguments. The tests run hundreds of ``aws`` commands
(every lesson script, the served-sandbox tests), so the suite paid that import hundreds of
times. This module keeps one process per worker with those modules imported; each ``aws``
command is then a fork of it that runs the installed CLI's own entry point
(``awscli.clidriver.main``, what the ``aws`` script calls) with the command's arguments,
environment, working folder and standard streams (passed as file descriptors, so pipes,
files and here-strings behave as with any process). Everything after the import (building
the session and the command table from the environment, parsing, signing, the request,
the output) is the real CLI's work in a fresh process of its own, as before.

``aws_command()`` returns the path of an ``aws`` executable (a small client that
forwards to the preloaded process and exits with the command's exit code). Run directly,
this file is that preloaded process: ``python aws_preloaded.py SOCKET``.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

# The client: as small as Python allows (-I -S: no site, no user paths), so a command costs
# an interpreter start without imports plus the fork.
CLIENT = """#!{python} -IS
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect({socket!r})
body = json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}).encode()
socket.send_fds(s, [struct.pack("!I", len(body)) + body], [0, 1, 2])
answer = b""
while chunk := s.recv(64):
    answer += chunk
sys.exit(int(answer) if answer else 255)
"""


def _receive(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
        more = conn.recv(1 << 16)
        if not more:
            raise EOFError("the aws client went away")
        data += more
    (length,) = struct.unpack("!I", data[:4])
    return json.loads(data[4 : 4 + length]), list(fds)


def _run_command(request: dict[str, object], fds: list[int]) -> None:
    """In the forked child: become the ``aws`` process the client stands for, and run."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server's own handler, not the CLI's
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update(env)
    argv = request["argv"]
    assert isinstance(argv, list)
    sys.argv = ["aws", *argv]
    import awscli
    import awscli.clidriver

    # The one thing the CLI's import takes from the environment (awscli/__init__.py adds
    # its data folder to AWS_DATA_PATH): done again, as a fresh process does, with this one.
    importlib.reload(awscli)
    code: int = 1
    try:
        returned = awscli.clidriver.main()  # what the installed ``aws`` script runs
        code = returned if isinstance(returned, int) else 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # as Python does with an uncaught exception
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed pipe: the process ends either way
            pass
    os._exit(code)


def _serve_one(conn: socket.socket) -> None:
    """In a forked child of the server: run one command in a child of its own (so that
    whatever that does, even a crash, there is someone left to report its exit status)."""
    request, fds = _receive(conn)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _run_command(request, fds)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    conn.sendall(str(code if code >= 0 else 128 - code).encode())
    conn.close()


def serve(path: str) -> None:
    import awscli.clidriver
    import awscli.handlers  # the plugins every command loads

    awscli.clidriver.create_clidriver()  # imports what building a driver imports
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGTERM, _stop)
    # The test worker holds the other end of stdin: when it ends, however it ends (killed
    # with the run, say, when its atexit never runs), stdin reads EOF and this process ends
    # too, rather than waiting on its socket for ever.
    threading.Thread(target=_end_with_parent, name="parent-watch", daemon=True).start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        while True:
            conn, _ = listener.accept()
            pid = os.fork()
            if pid == 0:
                listener.close()
                try:
                    _serve_one(conn)
                finally:
                    os._exit(0)
            conn.close()
            _reap(os.WNOHANG)
    except SystemExit:
        _reap(0)  # every command's process waited for: their CPU time is counted


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _end_with_parent() -> None:
    sys.stdin.buffer.read()
    os.kill(os.getpid(), signal.SIGTERM)


def _reap(options: int) -> None:
    try:
        while os.waitpid(-1, options)[0]:
            pass
    except ChildProcessError:
        pass


def _end_server() -> None:
    if _SERVER is not None and _SERVER.poll() is None:
        _SERVER.terminate()
        _SERVER.wait(timeout=60)


_SERVER: subprocess.Popen[str] | None = None


_FOLDER: Path | None = None


def aws_command() -> Path:
    """An ``aws`` executable (alone in its folder, to put first on a PATH) backed by this
    worker's preloaded AWS CLI, started on first use and ended with the worker."""
    global _SERVER, _FOLDER
    if _FOLDER is None:
        # Short: a socket's path has a limit of about 100 bytes.
        _FOLDER = Path(tempfile.mkdtemp(prefix="kmswb-aws-"))
        atexit.register(shutil.rmtree, _FOLDER, True)
    sock = _FOLDER / "aws.sock"
    executable = _FOLDER / "bin" / "aws"
    if _SERVER is None or _SERVER.poll() is not None:
        sock.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["LANG"] = "C.UTF-8"  # the streams' encoding, as the tests' environments have it
        _SERVER = subprocess.Popen(
            [sys.executable, __file__, str(sock)],
            env=env,
            stdin=subprocess.PIPE,  # its cue to end with this process (_end_with_parent)
            stdout=subprocess.PIPE,
            text=True,
        )
        assert _SERVER.stdout is not None
        if _SERVER.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the preloaded AWS CLI did not start (exit {_SERVER.wait()})")
        atexit.register(_end_server)
        executable.parent.mkdir(exist_ok=True)
        executable.write_text(CLIENT.format(python=sys.executable, socket=str(sock)))
        executable.chmod(0o755)
    return executable


if __name__ == "__main__":
    serve(sys.argv[1])
