"""Sandbox backups: one file holding the whole store, encrypted under a passphrase.

File layout::

    b"KMSWB-SANDBOX-BACKUP\\n"            magic
    4 bytes, big-endian                   length of the header
    header (UTF-8 JSON)                   format, version, created_at, schema_version,
                                          account_id, key count, kdf (scrypt parameters),
                                          check (passphrase check value)
    nonce (12) + AES-256-GCM ciphertext   the SQLite image of the store; the magic, length
                                          and header are its associated data

The image is taken with SQLite's online backup API from a read transaction, so it is one
consistent snapshot even while ``kmsworkbench serve`` or the TUI write to the store. All of
it is encrypted (key material, the sandbox's credentials, key metadata), not only the
material. Restoring checks everything (magic, header, passphrase, authentication, SQLite
quick_check and schema version of the image) before it writes a byte, and only into an empty
or new folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kmsworkbench import paths
from kmsworkbench.sandbox import integrity, sealing
from kmsworkbench.sandbox.migrations import SCHEMA_VERSION, stored_version
from kmsworkbench.sandbox.store import Store
from kmsworkbench.sandbox.storefile import DB_NAME, exclusive_folder

MAGIC = b"KMSWB-SANDBOX-BACKUP\n"
FORMAT = "kmsworkbench-sandbox-backup"
VERSION = 1
MAX_HEADER = 64 * 1024
MAX_BACKUP = 1 << 31  # 2 GiB: far above any sandbox; a larger file is not ours


class BackupError(ValueError):
    """A backup cannot be made or restored: ``str()`` says why; nothing was written."""


def make_backup(data_dir: Path, passphrase: str, *, kdf_n: int = sealing.DEFAULT_N) -> bytes:
    """The backup file's bytes for the store in ``data_dir`` (which must exist and pass
    its checks: a damaged store raises StoreError)."""
    if not (Path(data_dir) / DB_NAME).exists():
        raise BackupError(f"there is no sandbox store in {data_dir} to back up")
    store = Store(data_dir)
    try:
        image = store.snapshot()
        with store.transaction():
            account = store.get_meta("account_id")
            keys = int(store.conn.execute("SELECT COUNT(*) FROM keys").fetchone()[0])
            version = int(store.get_meta("schema_version") or SCHEMA_VERSION)
    finally:
        store.close()
    key = sealing.derive(passphrase, sealing.KdfParams.new(kdf_n))
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "schema_version": version,
        "account_id": account,
        "keys": keys,
        "kdf": key.params.to_json(),
        "check": key.check_value,
    }
    head = json.dumps(header, sort_keys=True).encode("utf-8")
    prefix = MAGIC + struct.pack(">I", len(head)) + head
    return prefix + key.seal(image, prefix)


def read_header(blob: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """(header, associated data, sealed image) of a backup file; BackupError if it is not
    one or its header is damaged. Needs no passphrase."""
    if not blob:
        raise BackupError("it is empty (0 bytes)")
    if not blob.startswith(MAGIC):
        if MAGIC.startswith(blob[: len(MAGIC)]) and len(blob) < len(MAGIC):
            raise BackupError("it is truncated (shorter than its magic)")
        raise BackupError("it is not a kmsworkbench sandbox backup (no backup magic)")
    rest = blob[len(MAGIC) :]
    if len(rest) < 4:
        raise BackupError("it is truncated (no header)")
    (size,) = struct.unpack(">I", rest[:4])
    if size > MAX_HEADER or size > len(rest) - 4:
        raise BackupError("its header is damaged or truncated")
    head = rest[4 : 4 + size]
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BackupError("its header is damaged (not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("its header is damaged (not a sandbox backup header)")
    if header.get("version") != VERSION:
        raise BackupError(
            f"it is backup format version {header.get('version')!r}; this kmsworkbench reads "
            f"version {VERSION} (a newer kmsworkbench made it?)"
        )
    return header, blob[: len(MAGIC) + 4 + size], rest[4 + size :]


def open_backup(blob: bytes, passphrase: str) -> tuple[dict[str, Any], bytes]:
    """(header, SQLite image) of a backup, everything checked; BackupError says why not."""
    header, aad, sealed = read_header(blob)
    try:
        key = sealing.derive(passphrase, sealing.KdfParams.from_json(header.get("kdf")))
        key.verify(header.get("check"))
        image = key.open(sealed, aad)
    except sealing.SealError as exc:
        raise BackupError(str(exc)) from None
    problem = _image_problem(image)
    if problem:
        raise BackupError(problem)
    return header, image


def _image_problem(image: bytes) -> str | None:
    if not image.startswith(integrity.SQLITE_HEADER):
        return "the store inside it is not an SQLite database"
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(image)
        problems = integrity.integrity_check(conn)
        if problems:
            return f"the store inside it is damaged ({integrity.describe(problems)})"
        version = stored_version(conn)
        if version is None or version == 0:
            return "the store inside it is not a kmsworkbench store"
        if version > SCHEMA_VERSION:
            return (
                f"the store inside it has schema {version}, newer than this kmsworkbench "
                f"reads ({SCHEMA_VERSION}); upgrade kmsworkbench to restore it"
            )
    except sqlite3.DatabaseError as exc:
        return f"the store inside it cannot be read ({exc})"
    finally:
        conn.close()
    return None


def restore_backup(blob: bytes, passphrase: str, data_dir: Path) -> dict[str, Any]:
    """Restore a backup into ``data_dir``, which must be missing or empty. Nothing is written
    unless every check passes. Returns the backup's header."""
    target = Path(data_dir)
    _require_empty(target)
    header, image = open_backup(blob, passphrase)
    paths.ensure_private_dir(target)
    with exclusive_folder(target):
        _require_empty(target)  # again, under the lock
        fd, tmp = paths.private_temp(target, DB_NAME)
        try:
            os.write(fd, image)
            os.fsync(fd)
            try:
                os.link(tmp, target / DB_NAME)
            except FileExistsError:
                raise BackupError(f"{target} is no longer empty; nothing was restored") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.close(fd)
        paths.fsync_folder(target)
    # Not opened here: the next open migrates it, and asks for the at-rest passphrase of a
    # store whose material is encrypted at rest (which this restore need not know).
    return header


def _require_empty(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file, not a folder; restore needs an empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise BackupError(
            f"{folder} is not empty; restore only into a new or empty folder (--data-dir "
            "NEW_FOLDER), so no sandbox is ever overwritten"
        )
