"""Command line entry point.

``kmsworkbench`` with no command starts the TUI; with a command it runs headless.

Global options (backend, data folder, output) are accepted before or after the command
name, as the AWS CLI accepts them. Each headless command lives in its own module under
``kmsworkbench.commands`` and exposes::

    def register(subparsers, parents: list[argparse.ArgumentParser]) -> None

which adds its parser(s) with ``parents=parents`` and ``set_defaults(func=run)``, where
``run(args: argparse.Namespace) -> int`` returns the exit code.

Exit codes follow the AWS CLI: 0 success, 252 bad usage, 254 service error, 255 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kmsworkbench import __version__

EXIT_OK = 0
EXIT_USAGE = 252
EXIT_SERVICE = 254
EXIT_OTHER = 255

# Modules under kmsworkbench.commands that provide register(); missing ones are skipped so
# the CLI keeps working while commands are added.
COMMAND_MODULES: tuple[str, ...] = (
    "keys",
    "generate",
    "pairs",
    "crypto",
    "serve",
    "sandbox",
    "lessons",
    "web",
)


# The module that registers each command: a one-shot command builds only its own parser
# (importing and registering every module took about 0.1 s of each command's start).
# tests/test_cli.py checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "keys": "keys",
    "generate": "generate",
    "pairs": "pairs",
    "sign": "crypto",
    "verify": "crypto",
    "encrypt": "crypto",
    "decrypt": "crypto",
    "encapsulate": "crypto",
    "decapsulate": "crypto",
    "serve": "serve",
    "sandbox": "sandbox",
    "lessons": "lessons",
    "web": "web",
}


class UsageError(Exception):
    """Bad usage: printed as the AWS CLI prints it, exit code 252."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"\n{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes. ``suppress`` keeps a sub-command's copy from
    overwriting a value given before the command name."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("global options")
    g.add_argument("--data-dir", default=default(None), help="sandbox data folder")
    g.add_argument(
        "--endpoint-url", default=default(None), help="talk to this KMS endpoint instead"
    )
    g.add_argument(
        "--aws", action="store_true", default=default(False), help="use AWS (credential chain)"
    )
    g.add_argument("--profile", default=default(None), help="AWS profile (implies --aws)")
    g.add_argument("--region", default=default(None), help="region (sandbox or AWS)")
    g.add_argument(
        "--as",
        dest="acting_as",
        metavar="PRINCIPAL",
        default=default(None),
        help="act as a sandbox principal: NAME, ACCOUNT/NAME, an account id, or root",
    )
    g.add_argument(
        "--no-verify-ssl", action="store_true", default=default(False), help="skip TLS checks"
    )
    g.add_argument("--ca-bundle", default=default(None), help="CA bundle for TLS")
    g.add_argument(
        "--cli-read-timeout", type=float, default=default(None), help="socket read timeout (s)"
    )
    g.add_argument(
        "--cli-connect-timeout",
        type=float,
        default=default(None),
        help="socket connect timeout (s)",
    )
    g.add_argument(
        "--output",
        choices=("json", "text", "table", "yaml"),
        default=default(None),
        help="output format",
    )
    g.add_argument("--query", default=default(None), help="JMESPath query on the output")
    g.add_argument(
        "--debug", action="store_true", default=default(False), help="log requests to stderr"
    )


def _valued_options() -> list[str]:
    """The global options that take a value (their next word is not a command)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_global_options(probe, suppress=False)
    return [o for a in probe._actions if a.nargs != 0 for o in a.option_strings] + ["--lessons"]


def command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (the first word that is neither an option nor the value
    of a global option), or None. Long options may be abbreviated, as argparse allows."""
    valued = _valued_options()
    words = iter(argv)
    for word in words:
        if word in ("--", "-h", "--help"):
            return None  # the top-level help lists every command
        if not word.startswith("-"):
            return word
        if "=" in word:
            continue
        if word in valued or (
            word.startswith("--") and any(o.startswith(word) for o in valued if o[:2] == "--")
        ):
            next(words, None)
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``command`` (one of :data:`COMMANDS`), only that command's
    module is registered (the top-level ``--help`` and usage errors use the whole one)."""
    parser = _Parser(
        prog="kmsworkbench",
        description="A terminal workbench for AWS KMS data key pairs. "
        "With no command, starts the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"kmsworkbench {__version__}")
    add_global_options(parser, suppress=False)
    parser.add_argument(
        "--lessons", metavar="DIR", help="a folder of your own lesson files for the TUI (F3)"
    )
    common = _Parser(add_help=False)
    add_global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    names = (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES
    for name in names:
        try:
            module = importlib.import_module(f"kmsworkbench.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kmsworkbench.commands.{name}":
                continue
            raise
        module.register(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(command_in(words))
    args = parser.parse_args(words)
    func = getattr(args, "func", None)
    if func is None:
        return run_tui(args)
    try:
        return int(func(args))
    except UsageError as exc:
        sys.stderr.write(f"\n{exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run_tui(args: argparse.Namespace) -> int:
    try:
        tui_app = importlib.import_module("kmsworkbench.tui.launch")
    except ModuleNotFoundError as exc:
        if exc.name != "kmsworkbench.tui.launch":
            raise
        print(f"kmsworkbench {__version__}: the TUI is not built yet; see README.md for status.")
        return EXIT_OK
    return int(tui_app.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
