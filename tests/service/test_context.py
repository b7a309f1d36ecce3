"""Encryption context parsing and formatting, checked against the AWS CLI's own parser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmsworkbench.service.context import (
    CONTEXT_WARNING,
    ContextParseError,
    format_context_for_cli,
    format_context_shorthand,
    is_plain_context,
    parse_encryption_context,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("app=wb", {"app": "wb"}),
        ("app=wb,env=dev", {"app": "wb", "env": "dev"}),
        (" app = wb , env = dev ", {"app": "wb", "env": "dev"}),
        ('k="a,b=c"', {"k": "a,b=c"}),
        ("k='it\\'s'", {"k": "it's"}),
        ("k=a\\,b", {"k": "a,b"}),
        ("aws:purpose=x/y:z", {"aws:purpose": "x/y:z"}),
        ("k=", {"k": ""}),
        ('{"app": "wb", "env": "dev"}', {"app": "wb", "env": "dev"}),
        ('{"ключ": "значение ü"}', {"ключ": "значение ü"}),
    ],
)
def test_parse_accepts_what_the_aws_cli_accepts(text: str, expected: dict[str, str]) -> None:
    assert parse_encryption_context(text) == expected


_AWSCLI_CASES = ["app=wb,env=dev", 'k="a,b=c"', "k=a\\,b", "a = b , c = d", "k='x y'"]


def test_shorthand_agrees_with_awscli() -> None:
    # In a child process: importing awscli swaps in its own vendored botocore for the whole
    # interpreter, which would change the service model every later test sees.
    code = (
        "import json, sys\n"
        "from awscli.shorthand import ShorthandParser\n"
        "print(json.dumps([ShorthandParser().parse(t) for t in json.loads(sys.argv[1])]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(_AWSCLI_CASES)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == [parse_encryption_context(t) for t in _AWSCLI_CASES]


@pytest.mark.parametrize(
    ("text", "position", "fragment_start"),
    [
        ("app=wb,env", 10, ""),
        ("app=wb;env=dev", 10, "="),
        ("app", 3, ""),
        ("=x", 0, "=x"),
        ("a=b,a=c", 4, "a=c"),
        ('k="open', 2, '"open'),
        ("a=b,", 4, ""),
        ('{"a": 1}', 1, '"a": 1}'),
        ('{"a": "b",}', 10, "}"),
        ("[1]", 0, "[1]"),
    ],
)
def test_errors_point_at_the_bad_part(text: str, position: int, fragment_start: str) -> None:
    with pytest.raises(ContextParseError) as info:
        parse_encryption_context(text)
    assert info.value.position == position
    assert info.value.fragment.startswith(fragment_start)
    assert info.value.pointer().splitlines()[1] == " " * position + "^"


def test_json_array_and_nonstring_rejected() -> None:
    with pytest.raises(ContextParseError, match="JSON object"):
        parse_encryption_context('["a"]')
    with pytest.raises(ContextParseError, match="must be a string"):
        parse_encryption_context('{"n": 1}')
    with pytest.raises(ContextParseError, match="given twice"):
        parse_encryption_context('{"a": "1", "a": "2"}')


def test_format_shorthand_or_json() -> None:
    assert format_context_for_cli({"app": "wb", "env": "dev"}) == "app=wb,env=dev"
    assert is_plain_context({"app": "wb"})
    assert not is_plain_context({"app": "w b"})
    assert json.loads(format_context_for_cli({"app": "w b"})) == {"app": "w b"}
    assert format_context_shorthand({"k": 'a "b", c'}) == 'k="a \\"b\\", c"'
    with pytest.raises(ValueError):
        format_context_shorthand({"a key": "v"})


def test_warning_says_cloudtrail() -> None:
    assert "CloudTrail" in CONTEXT_WARNING and "not secret" in CONTEXT_WARNING


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@given(
    st.dictionaries(st.text(alphabet="abcXYZ019-_.:/#", min_size=1, max_size=8), _text, max_size=5)
)
def test_round_trip_shorthand(ctx: dict[str, str]) -> None:
    # Values with surrounding spaces cannot survive unquoted; the formatter quotes them.
    text = format_context_shorthand(ctx)
    assert parse_encryption_context(text) == ctx


@given(st.dictionaries(_text.filter(bool), _text, max_size=5))
def test_round_trip_cli_form(ctx: dict[str, str]) -> None:
    assert parse_encryption_context(format_context_for_cli(ctx)) == ctx


@given(st.text(max_size=40))
def test_parser_never_crashes(text: str) -> None:
    try:
        result = parse_encryption_context(text)
    except ContextParseError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())
