"""The plumbing every command module repeats: a sub-command's parser with the global
options and its ``run`` function, and the ``--encryption-context`` option parsed as the AWS
CLI parses it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from kmsworkbench.cli import UsageError
from kmsworkbench.commands._blobs import read_text_param

Run = Callable[[argparse.Namespace], int]


def add_command(
    subparsers: Any,
    name: str,
    parents: list[argparse.ArgumentParser],
    func: Run,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """``name`` as a sub-command taking the global options (``parents``), run by ``func``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, parents=parents, help=help, description=description
    )
    parser.set_defaults(func=func)
    return parser


def encryption_context_param(value: str) -> dict[str, str]:
    """``--encryption-context`` (k1=v1,k2=v2, a JSON object, or file://FILE) as a dict; a
    UsageError that points at the fault otherwise."""
    from kmsworkbench.service import ContextParseError, parse_encryption_context

    text = read_text_param("--encryption-context", value)
    try:
        return parse_encryption_context(text)
    except ContextParseError as exc:
        raise UsageError(
            f"Error parsing parameter '--encryption-context': {exc}\n{exc.pointer()}"
        ) from None
