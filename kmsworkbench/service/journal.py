"""The call journal: every KMS call a session makes, for the activity log and for the
equivalent ``aws kms ...`` command.

Parameters are kept with blobs shortened to ``"<N bytes>"``; a plaintext is never kept.
Encryption contexts are kept (they are not secret: CloudTrail logs them too).

The command for a call to the in-process sandbox is written for a served sandbox: run
``kmsworkbench serve`` and ``eval "$(kmsworkbench sandbox env)"`` first, which exports the
endpoint, Region and the sandbox's credentials for the AWS CLI.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kmsworkbench.service.context import format_context_for_cli

if TYPE_CHECKING:
    from kmsworkbench.service.backend import Backend

SANDBOX_CLI_NOTE = (
    "These commands reach the sandbox when it is served: run kmsworkbench serve, then "
    'eval "$(kmsworkbench sandbox env)" in the shell you run them in.'
)

# Parameters that are never kept, not even their size.
_SECRET_PARAMS = frozenset({"Plaintext", "PrivateKeyPlaintext"})

# A placeholder file name for each blob parameter: the command says which file to write.
_BLOB_FILES = {
    "CiphertextBlob": "private-key-ciphertext.bin",
    "Plaintext": "plaintext.bin",
    "Message": "message.bin",
    "Signature": "signature.bin",
}

# Paginated operations: the AWS CLI paginates itself; Limit is --page-size and the marker
# is its own business.
_PAGINATED = frozenset({"ListKeys", "ListAliases", "ListGrants", "ListKeyPolicies"})


@dataclass
class JournalEntry:
    operation: str
    params: dict[str, Any]
    ok: bool
    error_code: str | None
    latency_ms: float
    request_id: str | None
    aws_cli: str
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    error_message: str | None = None
    backend_label: str = ""


class Journal:
    """A thread-safe, append-only list of calls with subscribers (called from the thread
    that made the call)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.entries: list[JournalEntry] = []
        self._subscribers: list[Callable[[JournalEntry], None]] = []
        self._lock = threading.Lock()
        self._max = max_entries

    def subscribe(self, callback: Callable[[JournalEntry], None], *, replay: bool = False) -> None:
        """Call ``callback`` for every entry recorded from now on; with ``replay``, first
        for each entry recorded before (in order: a call recorded meanwhile waits)."""
        with self._lock:
            self._subscribers.append(callback)
            if replay:
                for entry in self.entries:
                    callback(entry)

    def unsubscribe(self, callback: Callable[[JournalEntry], None]) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self.entries.append(entry)
            if len(self.entries) > self._max:
                del self.entries[: len(self.entries) - self._max]
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(entry)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` fit to keep: blobs as "<N bytes>", secrets dropped."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in _SECRET_PARAMS:
            continue
        if isinstance(value, bytes | bytearray | memoryview):
            out[key] = f"<{len(value)} bytes>"
        elif isinstance(value, dict):
            out[key] = dict(value)
        elif isinstance(value, list):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def _kebab(name: str) -> str:
    """CamelCase parameter / operation name to the AWS CLI's kebab-case."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", s)
    return s.lower()


def aws_cli_command(
    operation: str,
    params: Mapping[str, Any],
    backend: Backend,
    effective_region: str | None = None,
) -> str:
    """The ``aws kms ...`` command equivalent to calling ``operation`` with ``params`` on
    ``backend``, shell-quoted. Blob parameters become ``fileb://<name>.bin`` placeholders
    (write the blob to that file first); the encryption context is shorthand when every
    key and value is plain, JSON otherwise. A ``"<N bytes>"`` (already redacted) blob is
    treated like a blob."""
    service = "sts" if operation == "GetCallerIdentity" else "kms"
    words: list[str] = ["aws", service, _kebab(operation)]
    for key, value in params.items():
        if key in _SECRET_PARAMS:
            continue
        if operation in _PAGINATED and key == "Marker":
            continue
        flag = "--page-size" if operation in _PAGINATED and key == "Limit" else f"--{_kebab(key)}"
        if isinstance(value, bytes | bytearray | memoryview) or (
            isinstance(value, str) and re.fullmatch(r"<\d+ bytes>", value)
        ):
            words += [flag, f"fileb://{_BLOB_FILES.get(key, _kebab(key) + '.bin')}"]
        elif isinstance(value, bool):
            words.append(flag if value else f"--no-{flag[2:]}")
        elif key == "EncryptionContext" and isinstance(value, dict):
            if value:
                words += [flag, format_context_for_cli({str(k): str(v) for k, v in value.items()})]
        elif isinstance(value, list):
            if value and any(str(v).startswith("-") for v in value):
                # The AWS CLI would read ``-Qc2...`` (a grant token may begin so) as an
                # option: the JSON form of the list cannot be mistaken.
                words += [flag, json.dumps([str(v) for v in value], separators=(",", ":"))]
            elif value:
                words.append(flag)
                words += [str(v) for v in value]
        elif isinstance(value, dict):
            words += [flag, json.dumps(value, separators=(",", ":"))]
        elif str(value).startswith("-"):
            words.append(f"{flag}={value}")
        else:
            words += [flag, str(value)]
    words += backend.cli_options(effective_region)
    return shlex.join(words)
