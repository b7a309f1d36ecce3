"""Settings and due work read once per change of the store, not once per call: a cached
setting or "nothing is due" holds only while no connection (of this process or another)
has committed a change, and the clock has not reached the next due time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmsworkbench.sandbox import Sandbox

DAY = 86_400.0


def call(sandbox: Sandbox, operation: str, **params: object) -> dict[str, object]:
    status, _, body = sandbox.handle(f"TrentService.{operation}", json.dumps(params).encode())
    answer: dict[str, object] = json.loads(body)
    answer["status"] = status
    return answer


def test_a_setting_changed_by_another_connection_is_read_anew(tmp_path: Path) -> None:
    one, other = Sandbox.open(tmp_path), Sandbox.open(tmp_path)
    try:
        before = one.clock.offset()
        assert one.clock.offset() == before  # served from the cache the second time
        other.clock.advance(1000.0)
        assert one.clock.offset() == pytest.approx(before + 1000.0)
        one.clock.advance(5.0)  # this connection's own write
        assert one.clock.offset() == pytest.approx(before + 1005.0)
        assert other.clock.offset() == pytest.approx(before + 1005.0)
    finally:
        one.close()
        other.close()


def test_a_setting_written_in_a_transaction_that_failed_is_forgotten(tmp_path: Path) -> None:
    with Sandbox.open(tmp_path) as sandbox:
        store = sandbox.store
        with store.transaction():
            assert store.get_meta("lesson_setting") is None
        with pytest.raises(RuntimeError), store.transaction(write=True):
            store.set_meta("lesson_setting", "changed")
            assert store.get_meta("lesson_setting") == "changed"
            raise RuntimeError("undo")
        with store.transaction():
            assert store.get_meta("lesson_setting") is None


def test_the_clock_alone_brings_due_work_after_reads_found_none(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    with Sandbox.open(tmp_path, clock=lambda: now[0]) as sandbox:
        key_id = str(call(sandbox, "CreateKey")["KeyMetadata"]["KeyId"])  # type: ignore[index]
        call(sandbox, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
        for _ in range(3):  # read transactions that find nothing due yet
            assert call(sandbox, "DescribeKey", KeyId=key_id)["status"] == 200
        now[0] += 7 * DAY + 1  # no write: only time passes
        assert call(sandbox, "DescribeKey", KeyId=key_id)["__type"] == "NotFoundException"


def test_due_work_scheduled_by_another_connection_is_seen(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    reader = Sandbox.open(tmp_path, clock=lambda: now[0])
    writer = Sandbox.open(tmp_path, clock=lambda: now[0])
    try:
        key_id = str(call(writer, "CreateKey")["KeyMetadata"]["KeyId"])  # type: ignore[index]
        assert call(reader, "DescribeKey", KeyId=key_id)["status"] == 200  # nothing due
        call(writer, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
        now[0] += 7 * DAY + 1
        assert call(reader, "DescribeKey", KeyId=key_id)["__type"] == "NotFoundException"
    finally:
        reader.close()
        writer.close()
