"""What the start-up key listing's child process and the app's process send each other
(service/key_loading_process.py): one JSON object a line, dates and bytes tagged so that they
come back as they went. The first line to the child names the backend; what the child may be
asked to call is :data:`REMOTE_OPERATIONS`, none of which carries a secret either way."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from kmsworkbench.service.backend import Backend
from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.models import KeyInfo

# The calls the child makes for the parent until the parent has a client of its own (the key
# screen's detail pane, the header's account): read-only, and none carries a secret either way.
REMOTE_OPERATIONS = frozenset(
    {
        "DescribeKey",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "ListAliases",
        "ListKeyRotations",
        "ListKeys",
        "ListResourceTags",
    }
)

_ERROR_FIELDS = (
    "code",
    "message",
    "operation",
    "request_id",
    "http_status",
    "explanation",
    "remedy",
    "client_side",
)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$datetime" in obj:
            return datetime.fromisoformat(obj["$datetime"])
        if "$bytes" in obj:
            return base64.b64decode(obj["$bytes"])
    return obj


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, default=_encode, separators=(",", ":"))


def loads(line: str) -> dict[str, Any]:
    value = json.loads(line, object_hook=_decode)
    if not isinstance(value, dict):
        raise ValueError("not a message")
    return value


def key_fields(info: KeyInfo) -> dict[str, Any]:
    return asdict(info)


def start_line(backend: Backend, check_store: bool) -> str:
    """The child's first line of input: the backend, and whether to check its store first."""
    values = {f.name: getattr(backend, f.name) for f in fields(Backend)}
    return dumps({"backend": values, "check_store": check_store})


def read_start_line(line: str) -> tuple[Backend, bool]:
    message = loads(line)
    values = dict(message["backend"])
    if values.get("data_dir") is not None:
        values["data_dir"] = Path(values["data_dir"])
    return Backend(**values), bool(message.get("check_store"))


def error_fields(exc: KmsError) -> dict[str, Any]:
    return {n: getattr(exc, n) for n in _ERROR_FIELDS}


def kms_error(data: dict[str, Any]) -> KmsError:
    data = dict(data)
    return KmsError(data.pop("code"), data.pop("message"), data.pop("operation"), **data)
