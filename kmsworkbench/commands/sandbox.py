"""``kmsworkbench sandbox env``, ``sandbox info`` (and ``sandbox clock``, in sandbox_clock.py;
``sandbox check/backup/restore/reset``, in sandbox_data.py).

``sandbox env`` prints shell lines that point the AWS CLI, boto3 and the SDKs at a served
sandbox (``kmsworkbench serve``)::

    eval "$(kmsworkbench sandbox env)"
    aws kms list-keys

It exports the sandbox's own credentials, its region (as ``AWS_REGION`` for the SDKs that
read it and ``AWS_DEFAULT_REGION`` for botocore and the AWS CLI v1, which read only that one)
and ``AWS_ENDPOINT_URL_KMS``, and unsets ``AWS_SESSION_TOKEN`` (a token left over from a real
AWS session would be sent along and refused). Other services keep their usual endpoints.

How it knows the endpoint: a running ``kmsworkbench serve`` keeps ``serve.json`` in the data
folder (see :mod:`kmsworkbench.sandbox.serve_state`); when it is there, ``sandbox env`` takes
the port (unless ``--port`` is given), the scheme and, for ``serve --tls``, the CA to trust
(``AWS_CA_BUNDLE``) from it. ``--tls`` says the server uses TLS when it is not running yet.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING

from kmsworkbench import paths
from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, EXIT_USAGE

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox

DEFAULT_PORT = 4599  # the same as kmsworkbench.sandbox.server.DEFAULT_PORT (imported lazily)


def register(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        parents=parents,
        help="the sandbox KMS: shell environment for a served sandbox, facts about it",
        description="Facts about the sandbox KMS, and the shell environment that points the "
        "AWS CLI and boto3 at a served one ('kmsworkbench serve').",
    )
    sub = parser.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")

    env = sub.add_parser(
        "env",
        parents=parents,
        help="print export lines for AWS_ENDPOINT_URL_KMS and the sandbox's credentials",
        description='Print shell export lines; use as: eval "$(kmsworkbench sandbox env)"',
    )
    env.add_argument(
        "--host",
        default=None,
        help="host the sandbox is served on (default: the running server's, or 127.0.0.1)",
    )
    env.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port the sandbox is served on (default: the running server's, or {DEFAULT_PORT})",
    )
    env.add_argument(
        "--tls",
        action="store_true",
        help="the server uses TLS ('serve --tls'): print an https endpoint and AWS_CA_BUNDLE "
        "(found by itself while the server runs)",
    )
    env.set_defaults(func=run_env)

    info = sub.add_parser(
        "info",
        parents=parents,
        help="print the sandbox's folder, region, account and access key id",
    )
    info.set_defaults(func=run_info)
    from kmsworkbench.commands import sandbox_clock, sandbox_data

    sandbox_clock.register(sub, parents)
    sandbox_data.register(sub, parents)
    from kmsworkbench.commands import sandbox_access

    sandbox_access.register(sub, parents)
    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _open(args: argparse.Namespace) -> Sandbox:
    from kmsworkbench.sandbox import Sandbox

    return Sandbox.open(
        paths.data_dir(getattr(args, "data_dir", None)), getattr(args, "region", None)
    )


def env_lines(
    access_key_id: str,
    secret_access_key: str,
    region: str,
    endpoint_url: str,
    ca_bundle: str | None = None,
) -> list[str]:
    """The lines ``sandbox env`` prints (POSIX shell, values quoted)."""
    values = [
        ("AWS_ACCESS_KEY_ID", access_key_id),
        ("AWS_SECRET_ACCESS_KEY", secret_access_key),
        ("AWS_REGION", region),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_ENDPOINT_URL_KMS", endpoint_url),
    ]
    if ca_bundle:
        values.append(("AWS_CA_BUNDLE", ca_bundle))
    lines = [f"export {name}={shlex.quote(value)}" for name, value in values]
    lines.append("unset AWS_SESSION_TOKEN")
    return lines


def run_env(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.serve_state import read_state
    from kmsworkbench.sandbox.server import endpoint_url_for
    from kmsworkbench.sandbox.tls import tls_folder

    if args.port is not None and not 1 <= args.port <= 65535:
        sys.stderr.write(
            f"kmsworkbench sandbox env: error: --port must be 1..65535, not {args.port}\n"
        )
        return EXIT_USAGE
    folder = paths.data_dir(getattr(args, "data_dir", None))
    running = read_state(folder)
    host = args.host or (running.host if running else "127.0.0.1")
    port = args.port or (running.port if running else DEFAULT_PORT)
    ca_bundle = running.ca_bundle if running else None
    if args.tls and ca_bundle is None:
        ca_path = tls_folder(folder) / "ca.pem"
        if not ca_path.exists():
            sys.stderr.write(
                f"kmsworkbench sandbox env: error: {ca_path} does not exist yet; start "
                "'kmsworkbench serve --tls' once to make the local certificate authority.\n"
            )
            return EXIT_OTHER
        ca_bundle = str(ca_path)
    try:
        sandbox = _open(args)
    except Exception as exc:
        sys.stderr.write(f"kmsworkbench sandbox env: cannot open the sandbox: {exc}\n")
        return EXIT_OTHER
    try:
        access_key_id, secret = sandbox.access_key_id, sandbox.secret_access_key
        acting_as = getattr(args, "acting_as", None)
        if acting_as:
            try:
                access_key_id, secret = sandbox.credentials_of(acting_as)
            except ValueError as exc:
                sys.stderr.write(f"kmsworkbench sandbox env: error: {exc}\n")
                return EXIT_USAGE
        lines = env_lines(
            access_key_id,
            secret,
            sandbox.region,
            endpoint_url_for(host, port, "https" if ca_bundle else "http"),
            ca_bundle,
        )
    finally:
        sandbox.close()
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    try:
        sandbox = _open(args)
    except Exception as exc:
        sys.stderr.write(f"kmsworkbench sandbox info: cannot open the sandbox: {exc}\n")
        return EXIT_OTHER
    try:
        rows = [
            ("data folder", str(sandbox.data_dir)),
            ("region", sandbox.region),
            ("partition", sandbox.partition),
            ("account", sandbox.account_id),
            ("access key id", sandbox.access_key_id),
            ("serve with", f"kmsworkbench serve --port {DEFAULT_PORT}"),
        ]
    finally:
        sandbox.close()
    width = max(len(k) for k, _ in rows)
    sys.stdout.write("".join(f"{k.ljust(width)}  {v}\n" for k, v in rows))
    return EXIT_OK
