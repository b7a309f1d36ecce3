"""``kmsworkbench serve``: the sandbox KMS over HTTP, for the AWS CLI, boto3 and any SDK.

Binds to loopback (127.0.0.1) unless ``--allow-remote`` is given together with another
``--host``. Prints the endpoint and how to point a shell at it, logs one line per request to
stderr (never a body), and stops cleanly on Ctrl+C or SIGTERM, answering requests in flight.
"""

from __future__ import annotations

import argparse
import errno
import logging
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from kmsworkbench import paths
from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, EXIT_USAGE

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
    parser.set_defaults(func=run)


def env_command(data_dir: str | None, region: str | None, host: str, port: int) -> str:
    """The ``kmsworkbench sandbox env ...`` command that matches this server."""
    words = ["kmsworkbench", "sandbox", "env"]
    if data_dir:
        words += ["--data-dir", data_dir]
    if region:
        words += ["--region", region]
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):
        words += ["--host", host]
    words += ["--port", str(port)]
    return " ".join(shlex.quote(w) for w in words)


def _setup_logging(debug: bool) -> Callable[[], None]:
    """Send the server's request log to stderr; returns a function that undoes it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("kmsworkbench.sandbox.server")
    saved = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    log.propagate = False

    def undo() -> None:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]

    return undo


def run(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.server import is_loopback, serve_app_forever

    host: str = args.host
    port: int = args.port
    if not 0 <= port <= 65535:
        sys.stderr.write(f"kmsworkbench serve: error: --port must be 0..65535, not {port}\n")
        return EXIT_USAGE
    if not is_loopback(host):
        if not args.allow_remote:
            sys.stderr.write(
                f"kmsworkbench serve: error: {host} is not a loopback address. The sandbox "
                "answers anyone who has its credentials; to listen where other machines can "
                "reach it, add --allow-remote.\n"
            )
            return EXIT_USAGE
        sys.stderr.write(
            f"WARNING: listening on {host}, reachable from other machines. The sandbox is for "
            "tests and teaching: plain HTTP (no TLS), and its keys are not protected like "
            "AWS KMS keys.\n"
        )

    data_arg: str | None = getattr(args, "data_dir", None)
    region: str | None = getattr(args, "region", None)
    folder = paths.data_dir(data_arg)
    undo_logging = _setup_logging(bool(getattr(args, "debug", False)))

    from kmsworkbench.sandbox import Sandbox

    try:
        sandbox = Sandbox.open(folder, region)
    except Exception as exc:  # a damaged or unreadable store: say so, no traceback
        sys.stderr.write(f"kmsworkbench serve: cannot open the sandbox in {folder}: {exc}\n")
        undo_logging()
        return EXIT_OTHER

    def on_ready(url: str) -> None:
        bound_port = int(url.rsplit(":", 1)[1])
        shown_dir = str(Path(data_arg).expanduser()) if data_arg else None
        lines = [
            f"kmsworkbench sandbox KMS listening on {url}",
            f"  region {sandbox.region} · account {sandbox.account_id} · data {folder}",
            f"  access key id {sandbox.access_key_id} (SigV4 required)",
            "",
            "Point a shell at it (AWS CLI, boto3, SDKs):",
            f'  eval "$({env_command(shown_dir, region, host, bound_port)})"',
            "  aws kms list-keys",
            "  aws kms create-key --description demo",
            "",
            "Press Ctrl+C to stop.",
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()

    try:
        serve_app_forever(sandbox, host, port, on_ready=on_ready)
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
        sandbox.close()
        undo_logging()
    sys.stdout.write("kmsworkbench serve: stopped.\n")
    sys.stdout.flush()
    return EXIT_OK
