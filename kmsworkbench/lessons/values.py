"""Values a lesson keeps between steps, and how they are shown.

A secret (a plaintext data key, a private key, a shared secret) is a :class:`Secret`: it is
kept in memory for the lesson, shown only by its size and fingerprint, and wiped on reset.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any


class LocalError(Exception):
    """A local (non-KMS) step that failed, with what it means."""

    def __init__(self, code: str, message: str, explanation: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.explanation = explanation


class Secret:
    """Secret bytes in a bytearray that can be wiped. ``repr`` and ``str`` never show them."""

    __slots__ = ("_data", "label")

    def __init__(self, data: bytes | bytearray, label: str) -> None:
        self._data = bytearray(data)
        self.label = label

    @property
    def value(self) -> bytes:
        if not self._data:
            raise LocalError(
                "KeyForgotten",
                f"the {self.label} was forgotten",
                "It was wiped from memory. Only its encrypted copy is left, and only KMS "
                "(Decrypt, with the right encryption context) can give it back.",
            )
        return bytes(self._data)

    def wipe(self) -> None:
        for i in range(len(self._data)):
            self._data[i] = 0
        self._data = bytearray()

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<{self.label}: {len(self._data)} bytes, kept in memory, not shown>"

    __str__ = __repr__


def fingerprint(data: bytes) -> str:
    """SHA-256, first 16 hex digits: enough to see two values are the same."""
    return hashlib.sha256(data).hexdigest()[:16]


def short_blob(data: bytes, keep: int = 24) -> str:
    """A blob for the screen: its size and the ends of its base64."""
    text = base64.b64encode(data).decode()
    if len(text) <= 2 * keep + 1:
        return f"{text} ({len(data)} bytes)"
    return f"{text[:keep]}…{text[-keep:]} ({len(data)} bytes)"


def shown(value: Any) -> Any:
    """A response or request value made fit for the screen (and for an export): bytes
    shortened, secrets replaced by their description, nested values handled."""
    if isinstance(value, Secret):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return short_blob(bytes(value))
    if isinstance(value, dict):
        return {str(k): shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
