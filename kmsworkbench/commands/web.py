"""``kmsworkbench web``: the TUI in a browser, for a classroom without terminals.

textual-serve (Textual's own, maintained bridge) runs one ``kmsworkbench`` TUI process per
browser tab and streams it over a WebSocket to xterm.js in the page. Like ``serve``, it
binds to loopback unless ``--allow-remote`` is given with another ``--host``: a browser that
can reach it drives the app as you, with your sandbox (or your AWS credentials).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from kmsworkbench.cli import EXIT_OK, EXIT_USAGE

# The global options that choose what the TUI in each tab talks to.
_PASSED = (
    ("data_dir", "--data-dir"),
    ("endpoint_url", "--endpoint-url"),
    ("profile", "--profile"),
    ("region", "--region"),
    ("ca_bundle", "--ca-bundle"),
)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "web",
        parents=parents,
        help="serve the TUI to a browser (textual-serve), loopback only by default",
        description="Serve the TUI to web browsers with textual-serve: every browser tab gets "
        "its own kmsworkbench on the same backend. Listens on loopback unless --allow-remote.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow an address other machines can reach (anyone who reaches it uses the app as you)",
    )
    p.add_argument("--lessons", metavar="DIR", help="a folder of your own lesson files")
    p.set_defaults(func=run)


def tui_command(args: argparse.Namespace) -> str:
    """The command each browser tab runs: this interpreter's kmsworkbench, same backend."""
    words = [sys.executable, "-m", "kmsworkbench"]
    for attr, flag in _PASSED:
        value = getattr(args, attr, None)
        if value:
            words += [flag, str(value)]
    if getattr(args, "aws", False):
        words.append("--aws")
    if getattr(args, "no_verify_ssl", False):
        words.append("--no-verify-ssl")
    if getattr(args, "lessons", None):
        words += ["--lessons", str(args.lessons)]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.server import is_loopback

    if not is_loopback(args.host) and not args.allow_remote:
        sys.stderr.write(
            f"kmsworkbench web: error: {args.host} is not a loopback address. Anyone who can "
            "reach it drives the app as you; add --allow-remote if that is what you want.\n"
        )
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        sys.stderr.write(f"kmsworkbench web: error: --port {args.port} is not a TCP port\n")
        return EXIT_USAGE
    from textual_serve.server import Server

    if not is_loopback(args.host):
        sys.stderr.write(f"warning: serving the TUI to every machine that reaches {args.host}\n")
    server = Server(tui_command(args), host=args.host, port=args.port, title="kmsworkbench")
    sys.stderr.write(f"kmsworkbench web: http://{args.host}:{args.port} (Ctrl+C stops)\n")
    server.serve()
    return EXIT_OK
