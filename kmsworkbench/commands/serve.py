"""``kmsworkbench serve``: the sandbox KMS over HTTP(S), for the AWS CLI, boto3 and any SDK.

Binds to loopback (127.0.0.1) unless ``--allow-remote`` is given together with another
``--host``. Prints the endpoint and how to point a shell at it, logs one line per request to
stderr (never a body), and stops cleanly on Ctrl+C, SIGTERM or SIGHUP (its terminal closed;
not under ``nohup``), answering requests in flight.
Each request is answered in the Region its SigV4 credential scope names (``--region`` is the
folder's default, shown in the banner). ``--tls`` serves HTTPS with a local certificate
authority kept in the data folder; ``--latency-ms N`` waits N ms before each answer, to show
what a slow network does; ``--processes N`` serves from N processes sharing the port and
the folder (``sandbox/serve_processes.py``). While it runs, ``serve.json`` in the data
folder tells ``sandbox env`` the endpoint and the CA bundle.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kmsworkbench import paths
from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, EXIT_USAGE

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox
    from kmsworkbench.sandbox.server import ServerLimits, TlsFiles

DEFAULT_PORT = 4599  # the same as kmsworkbench.sandbox.server.DEFAULT_PORT (imported lazily)


def register(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=parents,
        help="serve the sandbox KMS over HTTP (for the AWS CLI, boto3, any SDK)",
        description=(
            "Serve the sandbox KMS over HTTP with KMS's JSON 1.1 protocol. Requests must be "
            "SigV4-signed with the sandbox's credentials: get them with "
            "'eval \"$(kmsworkbench sandbox env)\"'. Listens on loopback only unless "
            "--allow-remote is given."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port (default: {DEFAULT_PORT}; 0 picks a free port)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding to an address other machines can reach (prints a warning)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a local certificate authority kept in the data folder "
        "('sandbox env' then prints AWS_CA_BUNDLE)",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        metavar="N",
        help="wait N milliseconds before each answer, to show what a slow network does "
        "(holds no thread; default 0)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="serve from N processes sharing the port and the data folder, to use more "
        "cores than one process's GIL allows (POSIX; default 1)",
    )
    parser.add_argument(  # a helper of `serve --processes N`: the parent's listening socket
        "--listen-fd", type=int, default=None, help=argparse.SUPPRESS
    )
    parser.add_argument(  # for measuring uvicorn's two HTTP parsers against each other
        "--http-impl", choices=("httptools", "h11"), default="httptools", help=argparse.SUPPRESS
    )
    parser.add_argument(  # for benchmarks: threads that work on requests
        "--max-workers", type=int, default=32, help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run)


def env_command(
    data_dir: str | None, region: str | None, host: str, port: int, tls: bool = False
) -> str:
    """The ``kmsworkbench sandbox env ...`` command that matches this server."""
    words = ["kmsworkbench", "sandbox", "env"]
    if data_dir:
        words += ["--data-dir", data_dir]
    if region:
        words += ["--region", region]
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):
        words += ["--host", host]
    words += ["--port", str(port)]
    if tls:
        words.append("--tls")
    return " ".join(shlex.quote(w) for w in words)


class _RequestLogFormatter(logging.Formatter):
    """``HH:MM:SS message``, the time text made once per second rather than once per line
    (``time.strftime`` was a measurable part of a served request's CPU)."""

    _cached: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second, text = self._cached
        if int(record.created) != second:
            text = super().formatTime(record, datefmt)
            self._cached = (int(record.created), text)  # one assignment: safe across threads
        return text


def _setup_logging(debug: bool) -> Callable[[], None]:
    """Send the server's request log to stderr; returns a function that undoes it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RequestLogFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("kmsworkbench.sandbox.server")
    # uvicorn's own warnings (a request it cannot parse) are already in our request log;
    # its errors (a bug) are shown.
    server_log = logging.getLogger("uvicorn.error")
    saved = [(one, one.level, one.propagate) for one in (log, server_log)]
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    log.propagate = False
    server_log.addHandler(handler)
    server_log.setLevel(logging.DEBUG if debug else logging.ERROR)
    server_log.propagate = False

    def undo() -> None:
        for one, level, propagate in saved:
            one.removeHandler(handler)
            one.setLevel(level)
            one.propagate = propagate

    return undo


def _processes_problem(count: int) -> str | None:
    from kmsworkbench.sandbox import serve_processes

    if not 1 <= count <= serve_processes.MAX_PROCESSES:
        return f"--processes must be 1..{serve_processes.MAX_PROCESSES}, not {count}"
    if count > 1 and not serve_processes.supported():
        return "--processes above 1 needs a POSIX system (Linux, macOS)"
    return None


def _helper_args(
    args: argparse.Namespace, folder: Path, host: str, latency_ms: int, limits: ServerLimits
) -> list[str]:
    """The options a helper of ``serve --processes`` gets: this serve's folder, Region, TLS
    and limits (its socket comes as ``--listen-fd``)."""
    words = ["--data-dir", str(folder), "--host", host, "--latency-ms", str(latency_ms)]
    words += ["--max-workers", str(limits.max_workers), "--http-impl", limits.http]
    region = getattr(args, "region", None)
    if region:
        words += ["--region", region]
    for flag in ("tls", "allow_remote", "debug"):
        if getattr(args, flag, False):
            words.append("--" + flag.replace("_", "-"))
    return words


def _serve_as_helper(
    sandbox: Sandbox,
    fd: int,
    host: str,
    limits: ServerLimits,
    tls_files: TlsFiles | None,
    undo_logging: Callable[[], None],
) -> int:
    """A helper of ``serve --processes N``: serve on the parent's socket, print nothing,
    and stop when the parent does (``serve_processes``)."""
    from kmsworkbench.sandbox import serve_processes
    from kmsworkbench.sandbox.server import serve_app_forever

    try:
        listening = serve_processes.inherited_socket(fd)
        serve_app_forever(
            sandbox,
            host,
            0,
            on_ready=lambda url: serve_processes.stop_with_parent(),
            limits=limits,
            tls=tls_files,
            listening=listening,
        )
    except OSError as exc:
        sys.stderr.write(f"kmsworkbench serve: error: cannot serve on descriptor {fd}: {exc}\n")
        return EXIT_OTHER
    finally:
        sandbox.close()
        undo_logging()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.server import ServerLimits, is_loopback, serve_app_forever

    host: str = args.host
    port: int = args.port
    tls: bool = bool(getattr(args, "tls", False))
    latency_ms: int = getattr(args, "latency_ms", 0)
    if not 0 <= port <= 65535:
        sys.stderr.write(f"kmsworkbench serve: error: --port must be 0..65535, not {port}\n")
        return EXIT_USAGE
    if not 0 <= latency_ms <= 60_000:
        sys.stderr.write(
            f"kmsworkbench serve: error: --latency-ms must be 0..60000, not {latency_ms}\n"
        )
        return EXIT_USAGE
    processes: int = getattr(args, "processes", 1)
    problem = _processes_problem(processes)
    if problem:
        sys.stderr.write(f"kmsworkbench serve: error: {problem}\n")
        return EXIT_USAGE
    listen_fd: int | None = getattr(args, "listen_fd", None)
    if not is_loopback(host) and listen_fd is None:  # a helper: its parent has warned
        if not args.allow_remote:
            sys.stderr.write(
                f"kmsworkbench serve: error: {host} is not a loopback address. The sandbox "
                "answers anyone who has its credentials; to listen where other machines can "
                "reach it, add --allow-remote.\n"
            )
            return EXIT_USAGE
        transport = "HTTPS with a local certificate authority" if tls else "plain HTTP (no TLS)"
        sys.stderr.write(
            f"WARNING: listening on {host}, reachable from other machines. The sandbox is for "
            f"tests and teaching: {transport}, and its keys are not protected like "
            "AWS KMS keys.\n"
        )

    data_arg: str | None = getattr(args, "data_dir", None)
    region: str | None = getattr(args, "region", None)
    folder = paths.data_dir(data_arg)
    undo_logging = _setup_logging(bool(getattr(args, "debug", False)))

    from kmsworkbench.sandbox import Sandbox
    from kmsworkbench.sandbox.serve_state import ServeState, remove_state, write_state

    try:
        sandbox = Sandbox.open(folder, region)
    except Exception as exc:  # a damaged or unreadable store: say so, no traceback
        sys.stderr.write(f"kmsworkbench serve: cannot open the sandbox in {folder}: {exc}\n")
        undo_logging()
        return EXIT_OTHER

    tls_files = None
    if tls:
        from kmsworkbench.sandbox.tls import ensure_certificates

        try:
            tls_files = ensure_certificates(
                folder,
                host,
                say=(lambda text: None)
                if listen_fd is not None
                else (lambda text: sys.stderr.write(text + "\n")),
            )
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"kmsworkbench serve: cannot prepare TLS in {folder}: {exc}\n")
            sandbox.close()
            undo_logging()
            return EXIT_OTHER

    def on_ready(url: str) -> None:
        bound_port = int(url.rsplit(":", 1)[1])
        shown_dir = str(Path(data_arg).expanduser()) if data_arg else None
        write_state(
            folder,
            ServeState(
                pid=os.getpid(),
                endpoint_url=url,
                host=host,
                port=bound_port,
                ca_bundle=str(tls_files.ca_bundle) if tls_files else None,
            ),
        )
        lines = [
            f"kmsworkbench sandbox KMS listening on {url}",
            f"  default region {sandbox.region} (each request is answered in the Region it "
            "is signed for)",
            f"  account {sandbox.account_id} · data {folder}",
            f"  access key id {sandbox.access_key_id} (SigV4 required)",
        ]
        if tls_files:
            lines.append(f"  TLS: trust {tls_files.ca_bundle} (AWS_CA_BUNDLE, --ca-bundle)")
        if latency_ms:
            lines.append(f"  every answer waits {latency_ms} ms (--latency-ms)")
        if processes > 1:
            lines.append(f"  {processes} processes serve this port and folder (--processes)")
        lines += [
            "",
            "Point a shell at it (AWS CLI, boto3, SDKs):",
            f'  eval "$({env_command(shown_dir, region, host, bound_port, bool(tls_files))})"',
            "  aws kms list-keys",
            "  aws kms create-key --description demo",
            "",
            "Press Ctrl+C to stop.",
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()

    limits = ServerLimits(
        latency=latency_ms / 1000.0,
        http=getattr(args, "http_impl", "httptools"),
        max_workers=max(1, getattr(args, "max_workers", 32)),
    )
    if listen_fd is not None:
        return _serve_as_helper(sandbox, listen_fd, host, limits, tls_files, undo_logging)
    on_listening = None
    if processes > 1:
        from kmsworkbench.sandbox import serve_processes

        tail = _helper_args(args, folder, host, latency_ms, limits)
        on_listening = serve_processes.starter(processes - 1, tail, limits.graceful_timeout + 5)

    try:
        serve_app_forever(
            sandbox,
            host,
            port,
            on_ready=on_ready,
            limits=limits,
            tls=tls_files,
            on_listening=on_listening,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            sys.stderr.write(
                f"kmsworkbench serve: error: port {port} on {host} is already in use; "
                "pick another with --port (0 picks a free one).\n"
            )
            return EXIT_OTHER
        sys.stderr.write(f"kmsworkbench serve: error: cannot listen on {host}:{port}: {exc}\n")
        return EXIT_USAGE if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) else EXIT_OTHER
    finally:
        remove_state(folder)
        sandbox.close()
        undo_logging()
    sys.stdout.write("kmsworkbench serve: stopped.\n")
    sys.stdout.flush()
    return EXIT_OK
