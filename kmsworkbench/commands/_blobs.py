"""Blob and file arguments as the AWS CLI takes them, and private file writes.

- ``fileb://PATH``: the file's bytes.
- ``file://PATH``: the file's text (UTF-8); for a blob, that text is then read like a
  value given inline.
- otherwise the value itself: base64 for blobs such as ``--signature`` and
  ``--ciphertext-blob``; UTF-8 text for ``--message`` and ``--plaintext``.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Literal

from kmsworkbench import paths
from kmsworkbench.cli import UsageError


def _load(option: str, value: str, prefix: str) -> bytes:
    path = Path(value[len(prefix) :]).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"Error parsing parameter '{option}': Unable to load paramfile {value}: "
            f"[Errno {exc.errno}] {exc.strerror}: '{path}'"
        ) from None


def read_text_param(option: str, value: str) -> str:
    """A text parameter that may be ``file://`` (or ``fileb://``) as in the AWS CLI."""
    if value.startswith("file://"):
        data = _load(option, value, "file://")
    elif value.startswith("fileb://"):
        data = _load(option, value, "fileb://")
    else:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"Error parsing parameter '{option}': the file is not UTF-8 text"
        ) from None


def read_blob(option: str, value: str, inline: Literal["base64", "text"] = "base64") -> bytes:
    """A blob parameter: ``fileb://`` raw bytes, ``file://`` or inline value read as
    base64 (``inline="base64"``) or UTF-8 text (``inline="text"``)."""
    if value.startswith("fileb://"):
        return _load(option, value, "fileb://")
    text = read_text_param(option, value)
    if inline == "text":
        return text.encode("utf-8")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            f"Error parsing parameter '{option}': Invalid base64: {text[:40]!r}. Pass base64, "
            "or the raw bytes with fileb://FILE."
        ) from None


def write_file(path: str | os.PathLike[str], data: bytes | str, *, overwrite: bool = True) -> Path:
    """Write a file atomically with mode 0600, creating missing parent folders (0700)
    but never changing the mode of a folder that already exists."""
    target = Path(path).expanduser()
    if not target.parent.exists():
        paths.ensure_private_dir(target.parent)  # every missing parent 0700, whatever the umask
    if not overwrite and target.exists():
        raise UsageError(f"{target} already exists; not overwriting it.")
    return paths.replace_file(target, data)
