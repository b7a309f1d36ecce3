"""Output and errors of the headless commands, as the AWS CLI prints them.

- ``--output json`` (the default): 4-space indented JSON, non-ASCII kept, newline at the end.
- ``--output text``: the AWS CLI's text format (tab-separated scalars, sorted keys, list
  items prefixed with the upper-cased list name).
- ``--output table``: a boxed table.
- ``--output yaml``: block YAML in the response's own key order.
- ``--query``: a JMESPath expression applied before formatting.

Errors: a blank line and the AWS CLI's error line on stderr, then what it means and what to
do (our addition), and the AWS CLI's exit code (254 service, 252 usage, 255 other).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from kmsworkbench.cli import EXIT_OTHER, EXIT_USAGE, UsageError

# ------------------------------------------------------------------ formatting


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def apply_query(data: Any, query: str | None) -> Any:
    if not query:
        return data
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise UsageError(f"Bad value for --query {query}: {exc}") from None


def format_json(data: Any) -> str:
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"


def format_text(data: Any) -> str:
    out = io.StringIO()
    _text(data, out, None, None)
    return out.getvalue()


def _text(item: Any, out: TextIO, identifier: str | None, scalar_keys: list[str] | None) -> None:
    if isinstance(item, dict):
        scalars: list[str] = []
        non_scalars: list[tuple[str, Any]] = []
        if scalar_keys is None:
            for key, value in sorted(item.items()):
                if isinstance(value, dict | list):
                    non_scalars.append((key, value))
                else:
                    scalars.append(_scalar(value))
        else:
            scalars = [_scalar(item.get(key, "")) for key in scalar_keys]
            non_scalars = [(k, item[k]) for k in sorted(set(item) - set(scalar_keys))]
        if scalars:
            if identifier is not None:
                scalars.insert(0, identifier.upper())
            out.write("\t".join(scalars) + "\n")
        for key, value in non_scalars:
            _text(value, out, key, None)
    elif isinstance(item, list):
        if not item:
            return
        if any(isinstance(el, dict) for el in item):
            keys = sorted(
                {
                    k
                    for el in item
                    if isinstance(el, dict)
                    for k, v in el.items()
                    if not isinstance(v, dict | list)
                }
            )
            for element in item:
                _text(element, out, identifier, keys)
        elif any(isinstance(el, list) for el in item):
            plain = [el for el in item if not isinstance(el, dict | list)]
            if plain:
                _scalar_list(plain, identifier, out)
            for el in item:
                if isinstance(el, dict | list):
                    _text(el, out, identifier, None)
        else:
            _scalar_list(item, identifier, out)
    else:
        out.write(_scalar(item) + "\n")


def _scalar(value: Any) -> str:
    return "None" if value is None else str(value)


def _scalar_list(items: list[Any], identifier: str | None, out: TextIO) -> None:
    if identifier is not None:
        for item in items:
            out.write(f"{identifier.upper()}\t{_scalar(item)}\n")
    else:
        out.write("\t".join(_scalar(i) for i in items) + "\n")


def format_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def format_table(data: Any, title: str) -> str:
    """A boxed table: a dict's scalars as key | value rows, lists of dicts as columns."""
    lines: list[str] = []
    _table(data, title, lines)
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _box(title: str, header: list[str] | None, rows: list[list[str]], lines: list[str]) -> None:
    ncols = max([len(header)] if header else [] + [len(r) for r in rows] or [1])
    ncols = max(ncols, *(len(r) for r in rows)) if rows else ncols
    widths = [0] * ncols
    for row in ([header] if header else []) + rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    inner = sum(widths) + 3 * ncols - 1
    inner = max(inner, len(title) + 2)
    if sum(widths) + 3 * ncols - 1 < inner:
        widths[-1] += inner - (sum(widths) + 3 * ncols - 1)
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines.append("-" * (inner + 2))
    lines.append("|" + title.center(inner) + "|")
    lines.append(sep)
    if header:
        lines.append(
            "|" + "|".join(f" {h.center(w)} " for h, w in zip(header, widths, strict=False)) + "|"
        )
        lines.append(sep)
    for row in rows:
        padded = row + [""] * (ncols - len(row))
        lines.append(
            "|" + "|".join(f" {c.ljust(w)} " for c, w in zip(padded, widths, strict=False)) + "|"
        )
    lines.append(sep)


def _table(data: Any, title: str, lines: list[str]) -> None:
    if isinstance(data, dict):
        scalars = [
            [k, _cell(v)]
            for k, v in data.items()
            if not isinstance(v, list) or not any(isinstance(e, dict) for e in v)
        ]
        if scalars:
            _box(title, None, scalars, lines)
        for key, value in data.items():
            if isinstance(value, list) and any(isinstance(e, dict) for e in value):
                _table(value, key, lines)
    elif isinstance(data, list):
        dicts = [e for e in data if isinstance(e, dict)]
        if dicts:
            header: list[str] = []
            for d in dicts:
                for k in d:
                    if k not in header:
                        header.append(k)
            rows = [[_cell(d.get(k)) for k in header] for d in dicts]
            _box(title, header, rows, lines)
        else:
            _box(title, None, [[_cell(e)] for e in data], lines)
    else:
        _box(title, None, [[_cell(data)]], lines)


def render(data: Any, args: argparse.Namespace, title: str = "") -> str:
    """Apply --query and --output to a response-shaped dict."""
    result = apply_query(_jsonable(data), getattr(args, "query", None))
    fmt = getattr(args, "output", None) or "json"
    if fmt == "text":
        return format_text(result)
    if fmt == "table":
        return format_table(result, title)
    if fmt == "yaml":
        return format_yaml(result)
    return format_json(result)


def emit(
    data: Any, args: argparse.Namespace, title: str = "", stream: TextIO | None = None
) -> None:
    (stream or sys.stdout).write(render(data, args, title))


# ------------------------------------------------------------------ errors


def note(text: str) -> None:
    """A line for the person at the terminal (stderr, so stdout stays machine-readable)."""
    sys.stderr.write(text.rstrip("\n") + "\n")


def print_error(exc: BaseException, hint: str | None = None) -> int:
    """Print a failure as the AWS CLI does (plus explanation and remedy); the exit code."""
    from kmsworkbench.service import KmsError

    if isinstance(exc, KmsError):
        sys.stderr.write(f"\n{exc.cli_line}\n")
        if exc.explanation:
            sys.stderr.write(f"What it means: {exc.explanation}\n")
        if exc.remedy:
            sys.stderr.write(f"What to do: {exc.remedy}\n")
        if hint:
            sys.stderr.write(f"Note: {hint}\n")
        return exc.exit_code
    if isinstance(exc, UsageError):
        sys.stderr.write(f"\n{exc}\n")
        return EXIT_USAGE
    sys.stderr.write(f"\n{exc}\n")
    return EXIT_OTHER


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command's run(): KmsError, UsageError and file errors become the AWS CLI's
    error line and exit code."""

    def run(args: argparse.Namespace) -> int:
        from kmsworkbench.service import KmsError

        try:
            return func(args)
        except (KmsError, UsageError) as exc:
            return print_error(exc)
        except OSError as exc:
            return print_error(
                RuntimeError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
            )

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run
