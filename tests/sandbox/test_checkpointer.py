"""While ``serve`` runs, the WAL is checkpointed by a background thread, not by the commit
of whichever served call finds it past SQLite's threshold; afterwards, as before."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from kmsworkbench.sandbox import Sandbox, checkpointer
from kmsworkbench.sandbox.server import start_background
from kmsworkbench.sandbox.store import Store


def _autocheckpoint(store: Store) -> int:
    with store.transaction():
        return int(store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def _wal_frames(store: Store) -> tuple[int, int]:
    """(frames in the WAL, frames of them already in the database file), as another
    connection sees them."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        _, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    return int(frames), int(done)


def _encrypt_many(sb: Sandbox, n: int) -> None:
    status, _, body = sb.handle("TrentService.CreateKey", b"{}", access_key_id=sb.access_key_id)
    assert status == 200, body
    key = json.loads(body)["KeyMetadata"]["KeyId"]
    request = json.dumps({"KeyId": key, "Plaintext": "aGVsbG8="}).encode()
    for _ in range(n):
        status, _, body = sb.handle("TrentService.Encrypt", request, access_key_id=sb.access_key_id)
        assert status == 200, body


def test_the_commits_make_no_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    sb = Sandbox.open(tmp_path / "data")
    try:
        wal = checkpointer.Checkpointer(sb.store, interval=3600.0)  # checkpoint() by hand
        wal.start()
        assert _autocheckpoint(sb.store) == 0
        _encrypt_many(sb, 200)  # about 1400 pages: past the 1000 that would checkpoint
        # Nothing was checkpointed by the calls: every frame since the last checkpoint is
        # still only in the WAL (a second opinion from another connection, which is
        # itself a checkpoint: so it is asked once, after the calls).
        frames, done = _wal_frames(sb.store)
        assert frames > 1000
        assert done == frames  # that look checkpointed them all, without blocking
        _encrypt_many(sb, 20)
        before = wal.checkpoints
        wal.checkpoint()
        assert wal.checkpoints == before + 1
        frames, done = _wal_frames(sb.store)
        assert done == frames
        wal.stop()
        assert _autocheckpoint(sb.store) == checkpointer.AUTOCHECKPOINT_PAGES
    finally:
        sb.close()


def test_serving_runs_the_checkpointer_and_stopping_restores_sqlite_own(tmp_path: Path) -> None:
    handle = start_background(tmp_path / "data", "127.0.0.1", 0, None)
    try:
        store = handle.sandbox.store
        assert _autocheckpoint(store) == 0
        names = {t.name for t in threading.enumerate()}
        assert "kms-checkpoint" in names
    finally:
        handle.server.request_stop()
        handle._thread.join(30)
        store_after: Any = handle.sandbox.store
        assert _autocheckpoint(store_after) == checkpointer.AUTOCHECKPOINT_PAGES
        assert "kms-checkpoint" not in {t.name for t in threading.enumerate()}
        handle.stop()


def test_an_app_without_a_store_has_no_checkpointer() -> None:
    assert checkpointer.for_app(object()) is None
