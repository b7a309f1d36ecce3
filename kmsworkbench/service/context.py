"""Encryption context, as the AWS CLI accepts it on the command line.

Two forms are accepted, exactly as ``aws kms ... --encryption-context`` accepts them:

- shorthand: ``k1=v1,k2=v2``. Keys are made of ``A-Z a-z 0-9 - _ . # / :``; values run to
  the next comma (``\\,`` is a literal comma) or are quoted with ``'...'`` or ``"..."``
  (``\\'`` / ``\\"`` and ``\\\\`` escapes inside). Whitespace around keys and values is
  dropped. A key given twice is an error, as in the AWS CLI.
- JSON: an object whose values are all strings, e.g. ``{"app": "wb", "env": "dev"}``.

Errors raise :class:`ContextParseError` with the position of the bad part and the fragment
there, so a caller can point at it.
"""

from __future__ import annotations

import json
import re

CONTEXT_WARNING = (
    "The encryption context is not secret: AWS CloudTrail logs it in plaintext with every "
    "call that uses it. Put identifiers in it (app, purpose, tenant), never secrets."
)

CONTEXT_RULE = (
    "Decrypt needs exactly the same encryption context as the call that produced the "
    "ciphertext: the same keys and values, compared case-sensitively; only the order of the "
    "pairs may differ. A missing, extra or changed pair makes Decrypt fail with "
    "InvalidCiphertextException."
)

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#/:")
# Characters that are safe unquoted in a shorthand value *and* in a shell word that we quote
# anyway; anything else makes format_context_for_cli fall back to JSON.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.\-/:@+]+")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.\-/:#]+")


class ContextParseError(ValueError):
    """A malformed encryption context. ``position`` is the 0-based offset of the bad part
    in the text, ``fragment`` the text found there."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.fragment = text[self.position : self.position + 20]
        self.reason = message
        shown = self.fragment if self.fragment else "end of input"
        super().__init__(f"{message} (at character {self.position + 1}: {shown!r})")

    def pointer(self) -> str:
        """Two lines: the text and a caret under the bad part."""
        return f"{self.text}\n{' ' * self.position}^"


def parse_encryption_context(text: str) -> dict[str, str]:
    """Parse an encryption context given as shorthand or JSON. An empty or blank text is
    the empty context."""
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{"):
        return _parse_json(text)
    if stripped.startswith(("[", '"')):
        raise ContextParseError(
            "the encryption context must be a JSON object {...} or shorthand k1=v1,k2=v2",
            text,
            text.index(stripped[0]),
        )
    return _ShorthandParser(text).parse()


def _parse_json(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContextParseError(f"invalid JSON: {exc.msg}", text, exc.pos) from None
    if not isinstance(value, dict):
        raise ContextParseError("the encryption context must be a JSON object", text, 0)
    result: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(val, str):
            pos = _find_key(text, key)
            raise ContextParseError(
                f"the value of {key!r} must be a string, not {type(val).__name__} "
                '(write it in quotes, e.g. "1")',
                text,
                pos,
            )
        if key == "":
            raise ContextParseError("an encryption context key cannot be empty", text, 0)
        result[key] = val
    _reject_json_duplicates(text)
    return result


def _find_key(text: str, key: str) -> int:
    pos = text.find(json.dumps(key))
    return pos if pos >= 0 else 0


def _reject_json_duplicates(text: str) -> None:
    seen: set[str] = set()

    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        for key, _ in pairs:
            if key in seen:
                raise ContextParseError(
                    f"the key {key!r} is given twice", text, _find_key(text, key)
                )
            seen.add(key)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)


class _ShorthandParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def parse(self) -> dict[str, str]:
        result: dict[str, str] = {}
        while True:
            self._skip_ws()
            key_start = self.i
            key = self._key()
            self._skip_ws()
            if self._at_end() or self.text[self.i] != "=":
                if not key:
                    raise ContextParseError(
                        "expected a key (letters, digits and - _ . # / :)", self.text, self.i
                    )
                raise ContextParseError(
                    f"expected '=' after the key {key!r}; write pairs as key=value, and a "
                    "comma inside a value as \\, or in quotes",
                    self.text,
                    self.i,
                )
            if not key:
                raise ContextParseError("a key is missing before '='", self.text, key_start)
            self.i += 1  # '='
            self._skip_ws()
            value = self._value()
            if key in result:
                raise ContextParseError(f"the key {key!r} is given twice", self.text, key_start)
            result[key] = value
            self._skip_ws()
            if self._at_end():
                return result
            if self.text[self.i] != ",":
                raise ContextParseError("expected ',' between pairs", self.text, self.i)
            self.i += 1
            self._skip_ws()
            if self._at_end():
                raise ContextParseError("a pair is missing after the last ','", self.text, self.i)

    def _at_end(self) -> bool:
        return self.i >= len(self.text)

    def _skip_ws(self) -> None:
        while not self._at_end() and self.text[self.i].isspace():
            self.i += 1

    def _key(self) -> str:
        start = self.i
        while not self._at_end() and self.text[self.i] in _KEY_CHARS:
            self.i += 1
        return self.text[start : self.i]

    def _value(self) -> str:
        if self._at_end():
            return ""
        quote = self.text[self.i]
        if quote in ("'", '"'):
            return self._quoted(quote)
        if quote in "[{":
            raise ContextParseError(
                "an encryption context value must be a string, not a list or a map",
                self.text,
                self.i,
            )
        out: list[str] = []
        while not self._at_end():
            ch = self.text[self.i]
            if ch == "\\" and self.text.startswith("\\,", self.i):
                out.append(",")
                self.i += 2
                continue
            if ch == ",":
                break
            if ch == "=":
                raise ContextParseError(
                    "unexpected '=' in a value; did you forget a ',' between pairs? "
                    "(quote a value that contains '=')",
                    self.text,
                    self.i,
                )
            out.append(ch)
            self.i += 1
        return "".join(out).rstrip()

    def _quoted(self, quote: str) -> str:
        start = self.i
        self.i += 1
        out: list[str] = []
        while not self._at_end():
            ch = self.text[self.i]
            if (
                ch == "\\"
                and self.i + 1 < len(self.text)
                and self.text[self.i + 1] in (quote, "\\")
            ):
                out.append(self.text[self.i + 1])
                self.i += 2
                continue
            if ch == quote:
                self.i += 1
                return "".join(out)
            out.append(ch)
            self.i += 1
        raise ContextParseError(f"the quote {quote} is never closed", self.text, start)


def is_plain_context(ctx: dict[str, str]) -> bool:
    """True when every key and value can be written as shorthand without quoting."""
    return all(_PLAIN_KEY.fullmatch(k) and _PLAIN_VALUE.fullmatch(v) for k, v in ctx.items())


def format_context_shorthand(ctx: dict[str, str]) -> str:
    """The context as AWS CLI shorthand ``k1=v1,k2=v2``. Values that are not plain are
    double-quoted with escapes. Raises ``ValueError`` for a key shorthand cannot express
    (use :func:`format_context_for_cli`, which falls back to JSON)."""
    parts: list[str] = []
    for key, value in ctx.items():
        if not key or any(ch not in _KEY_CHARS for ch in key):
            raise ValueError(f"the key {key!r} cannot be written in shorthand; use JSON")
        if _PLAIN_VALUE.fullmatch(value):
            parts.append(f"{key}={value}")
        else:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{key}="{escaped}"')
    return ",".join(parts)


def format_context_json(ctx: dict[str, str]) -> str:
    return json.dumps(ctx, ensure_ascii=False, separators=(",", ":"))


def format_context_for_cli(ctx: dict[str, str]) -> str:
    """Shorthand when every key and value is plain, JSON otherwise (not shell-quoted)."""
    return format_context_shorthand(ctx) if is_plain_context(ctx) else format_context_json(ctx)
