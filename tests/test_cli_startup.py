"""What a one-shot command loads before it does its work: only its own parser, and none of
the TUI, the sandbox, cryptography or rich on the way to a KMS endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmsworkbench import cli


def _subcommands(parser: object) -> set[str]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_the_command_table_names_what_the_modules_register() -> None:
    assert _subcommands(cli.build_parser()) == set(cli.COMMANDS)
    for command in cli.COMMANDS:
        assert command in _subcommands(cli.build_parser(command))


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["generate", "--key-id", "k"], "generate"),
        (["--region", "keys", "generate"], "generate"),  # a value equal to a command name
        (["--reg", "keys", "pairs", "list"], "pairs"),  # argparse's abbreviations
        (["--region=keys", "sign"], "sign"),
        (["--aws", "--debug", "keys"], "keys"),
        (["--output", "json", "sandbox", "info"], "sandbox"),
        (["--help", "keys"], None),  # the top-level help lists every command
        (["--lessons", "x"], None),  # the TUI
        ([], None),
    ],
)
def test_command_in(argv: list[str], command: str | None) -> None:
    assert cli.command_in(argv) == command


@pytest.mark.parametrize(
    "argv",
    [
        ["--region", "eu-west-1", "generate", "--key-id", "alias/a", "--key-pair-spec", "RSA_2048"],
        ["--data-dir", "sb", "sandbox", "info"],
        ["--output", "text", "pairs", "list"],
        ["sign", "--pair", "p", "--message", "m"],
    ],
)
def test_one_command_parses_as_the_whole_parser_does(argv: list[str]) -> None:
    whole = vars(cli.build_parser().parse_args(argv))
    own = vars(cli.build_parser(cli.command_in(argv)).parse_args(argv))
    assert own == whole


def test_generate_against_an_endpoint_loads_only_what_it_needs(tmp_path: Path) -> None:
    """Up to the HTTP request (refused here: nothing listens on port 1)."""
    code = (
        "import json, sys\n"
        "from kmsworkbench.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "heavy = ('textual', 'rich', 'cryptography', 'kmsworkbench.sandbox', 'kmsworkbench.tui',\n"
        "         'kmsworkbench.pairs', 'kmsworkbench.commands.sandbox', 'kmsworkbench.commands.serve',\n"
        "         'kmsworkbench.commands.crypto', 'boto3')\n"
        "print(json.dumps({'rc': rc, 'botocore': 'botocore.client' in sys.modules,\n"
        "    'loaded': sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich',\n"
        "        'cryptography', 'boto3') or m.startswith(heavy[3:]))}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KMSWORKBENCH_HOME": str(tmp_path / "home"),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_MAX_ATTEMPTS": "1",
    }
    argv = [
        *("--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1"),
        *("--cli-connect-timeout", "2", "generate", "--key-id", "alias/a"),
        *("--key-pair-spec", "ECC_NIST_P256", "--no-save"),
    ]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rc"] == 255  # could not connect: the AWS CLI's exit code for it
    assert result["botocore"]  # it did build the client and try
    assert result["loaded"] == []
