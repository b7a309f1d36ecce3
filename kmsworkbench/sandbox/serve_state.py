"""The small state file a running ``kmsworkbench serve`` keeps in its data folder.

``<data folder>/serve.json`` (0600, written atomically when the server is listening, removed
when it stops) says where the server listens and whether it uses TLS, so that
``kmsworkbench sandbox env`` prints the right endpoint (``https://`` and the real port, also
for ``--port 0``) and ``AWS_CA_BUNDLE``. A file left by a server that died is ignored: its
process id is checked.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "serve.json"


@dataclass(frozen=True)
class ServeState:
    pid: int
    endpoint_url: str
    host: str
    port: int
    ca_bundle: str | None  # the CA to trust when the server uses TLS


def _path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def write_state(data_dir: Path, state: ServeState) -> None:
    path = _path(data_dir)
    tmp = path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
    data = json.dumps(state.__dict__, indent=2).encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(data_dir: Path) -> ServeState | None:
    """The running server's state, or None (no file, an unreadable one, or a dead server)."""
    try:
        raw = json.loads(_path(data_dir).read_text(encoding="utf-8"))
        state = ServeState(
            pid=int(raw["pid"]),
            endpoint_url=str(raw["endpoint_url"]),
            host=str(raw["host"]),
            port=int(raw["port"]),
            ca_bundle=str(raw["ca_bundle"]) if raw.get("ca_bundle") else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if state.pid > 0 and _alive(state.pid) else None


def remove_state(data_dir: Path) -> None:
    """Remove the file if this process wrote it."""
    path = _path(data_dir)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(path.read_text(encoding="utf-8"))["pid"]) == os.getpid():
            path.unlink()
