"""Tables that fit and say what they mean: ``keys --output table`` fits the terminal (the
full record stays in --output json / --query), and ``pairs list --output table`` writes each
encryption context as AWS CLI shorthand that the AWS CLI's own parser reads back exactly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest


def aws_cli_shorthand(text: str) -> object:
    """What the AWS CLI's shorthand parser makes of ``text``. In a child process: importing
    awscli here would swap botocore's data loader under the in-process sandbox."""
    code = (
        "import json, sys\n"
        "from awscli.shorthand import ShorthandParser\n"
        "print(json.dumps(ShorthandParser().parse(sys.argv[1])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, text], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_keys_table_fits_the_terminal(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    full = cli("keys", "--all", "--output", "json").json()["Keys"]
    r = cli("keys", "--all", "--output", "table")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert max(len(line) for line in lines) <= columns
    for key in full:  # every key is there, by its whole key ID
        assert key["KeyId"] in r.out
    header = next(line for line in lines if "KeyId" in line)
    shown = [h.strip() for h in header.strip("|").split("|")]
    assert shown[:3] == ["Alias", "KeyId", "State"]
    if columns >= 200:
        assert "KeyArn" in shown or "Not shown" in r.err
    else:
        assert re.search(rf"Not shown at {columns} columns: .*KeyArn", r.err)
        assert "--output json" in r.err
    # A query chooses its own columns and is not cut.
    arns = cli("keys", "--all", "--output", "table", "--query", "Keys[].KeyArn")
    assert all(k["KeyArn"] in arns.out for k in full)


def test_pairs_table_quotes_contexts_as_aws_cli_shorthand(
    cli: Callable[..., Any], pair: Callable[..., Any]
) -> None:
    context = {"app": "wb", "tenant": "a b,c", "note": 'say "hi"'}
    pair("quoted", context='{"app": "wb", "tenant": "a b,c", "note": "say \\"hi\\""}')
    pair("plain", context="app=wb,env=dev")
    r = cli("pairs", "list", "--output", "table")
    assert r.rc == 0, r.err
    row = next(line for line in r.out.splitlines() if "| quoted" in line)
    cell = next(c.strip() for c in row.split("|") if "tenant=" in c)
    assert 'tenant="a b,c"' in cell
    assert aws_cli_shorthand(cell) == context  # the AWS CLI reads it back exactly
    plain = next(line for line in r.out.splitlines() if "| plain" in line)
    assert "app=wb,env=dev" in plain
    # JSON keeps the context as an object.
    listed = cli("pairs", "list").json()["Pairs"]
    assert next(p for p in listed if p["Name"] == "quoted")["EncryptionContext"] == context
