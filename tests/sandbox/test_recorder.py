"""The call records (trail events and key last usage) are written by group commit: one
transaction for every call waiting at that moment, committed before each call answers."""

from __future__ import annotations

import base64
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.sandbox import Sandbox, iam_store, recorder
from kmsworkbench.sandbox.iam_store import TrailQuery
from kmsworkbench.sandbox.store import Store


def _call(sb: Sandbox, operation: str, **params: Any) -> dict[str, Any]:
    status, headers, body = sb.handle(
        f"TrentService.{operation}", json.dumps(params).encode(), access_key_id=sb.access_key_id
    )
    assert status == 200, body
    return {"id": headers["x-amzn-RequestId"], **json.loads(body)}


def _events(store: Store, **query: Any) -> list[dict[str, Any]]:
    with store.transaction():
        return [e for _, _, e in iam_store.query_events(store, TrailQuery(**query), 1000)]


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    sb = Sandbox.open(tmp_path / "data")
    yield sb
    sb.close()


def test_an_answered_call_is_in_the_store_for_another_connection(sandbox: Sandbox) -> None:
    key = _call(sandbox, "CreateKey")["KeyMetadata"]["KeyId"]
    plaintext = base64.b64encode(b"secret").decode()
    answer = _call(sandbox, "Encrypt", KeyId=key, Plaintext=plaintext)
    other = Store(sandbox.data_dir)  # what another process sharing the folder sees
    try:
        (event,) = _events(other, event_name="Encrypt")
        assert event["requestID"] == answer["id"]
        with other.transaction():
            used = other.get_last_usage("us-east-1", key)
        assert used is not None and used[0] == "Encrypt" and used[2] == answer["id"]
        assert used[3] == event["eventID"]  # GetKeyLastUsage names the trail event
    finally:
        other.close()
    # The call records are written without an fsync; every other write commits with FULL.
    assert sandbox.store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    with sandbox.store.transaction(write=True) as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2


def _hold_first_batch(
    rec: recorder.Recorder, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Event, threading.Event, list[int]]:
    """The recorder's writes, counted (``batches``: each one's size); the first is held,
    before it takes the store's lock, from ``first_writing`` until ``release``."""
    first_writing, release = threading.Event(), threading.Event()
    batches: list[int] = []
    real_write = rec._write

    def write(entries: list[recorder.Entry]) -> None:
        batches.append(len(entries))
        if len(batches) == 1:
            first_writing.set()
            assert release.wait(30)
        real_write(entries)

    monkeypatch.setattr(rec, "_write", write)
    return first_writing, release, batches


def test_calls_waiting_together_are_written_in_one_transaction(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = sandbox.engine.recorder
    first_writing, release, batches = _hold_first_batch(rec, monkeypatch)
    others = 6
    all_waiting = threading.Event()

    class Pending(list):  # type: ignore[type-arg]
        def append(self, item: object) -> None:
            super().append(item)
            if len(self) == others:
                all_waiting.set()

    rec._pending = Pending()
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one() -> None:
        answer = _call(sandbox, "ListKeys")
        with lock:
            results.append(answer)

    threads = [threading.Thread(target=one)]
    threads[0].start()
    assert first_writing.wait(30)  # the first call writes its batch (held here) ...
    threads += [threading.Thread(target=one) for _ in range(others)]
    for t in threads[1:]:
        t.start()
    assert all_waiting.wait(30)  # ... while the others queue up behind it
    assert len(results) == 0  # nobody has answered: each waits for its record
    release.set()
    for t in threads:
        t.join(30)
    assert batches == [1, others]
    ids = {e["requestID"] for e in _events(sandbox.store, event_name="ListKeys")}
    assert {r["id"] for r in results} <= ids and len(results) == others + 1


def test_a_record_made_inside_a_transaction_joins_it(sandbox: Sandbox) -> None:
    rec = sandbox.engine.recorder
    row = ("us-east-1", "no-such-key", "Encrypt", 1.0, "r", None)
    event = {
        "eventID": "e-inside",
        "eventName": "Encrypt",
        "awsRegion": "us-east-1",
        "userIdentity": {"arn": "arn:aws:iam::111122223333:root"},
    }
    with sandbox.store.transaction(write=True):
        rec.record(recorder.Entry(sandbox.clock.now(), event, [row]))  # no deadlock
        assert sandbox.store.conn.in_transaction
    assert [e["eventID"] for e in _events(sandbox.store, event_id="e-inside")] == ["e-inside"]


def test_a_trail_that_cannot_be_written_leaves_the_answer_standing(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(store: Store, items: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(iam_store, "append_events", broken)
    with caplog.at_level(logging.ERROR, logger="kmsworkbench.sandbox"):
        assert "Keys" in _call(sandbox, "ListKeys")
    assert "could not record 1 call(s) in the trail: OSError" in caplog.text
    monkeypatch.undo()
    _call(sandbox, "ListKeys")  # the recorder is not stuck
    assert sandbox.engine.recorder.batches >= 2


def test_only_call_records_commit_without_a_full_sync(tmp_path: Path) -> None:
    """Each commit's ``PRAGMA synchronous`` as SQLite applies it: NORMAL for call-record
    batches, FULL for every other write transaction, however they follow one another;
    read transactions leave it as it is."""
    with Sandbox.open(tmp_path) as sandbox:
        store = sandbox.store
        seen: list[tuple[str, int]] = []

        def commit(label: str, write: bool, durable: bool = True, change: bool = True) -> None:
            with store.transaction(write=write, durable=durable) as conn:
                if change:
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('t', ?)", (label,))
            # What the commit ran with: the setting stays until the next writer changes it.
            seen.append((label, store.conn.execute("PRAGMA synchronous").fetchone()[0]))

        commit("op", write=True)
        commit("record", write=True, durable=False)
        commit("read", write=False, change=False)
        commit("record again", write=True, durable=False)
        commit("op between", write=True)
        commit("read after it", write=False, change=False)
        commit("record three", write=True, durable=False)
        commit("op again", write=True)
        assert seen == [
            ("op", 2),
            ("record", 1),
            ("read", 1),
            ("record again", 1),
            ("op between", 2),
            ("read after it", 2),
            ("record three", 1),
            ("op again", 2),
        ]


def _entry(sandbox: Sandbox, event_id: str) -> recorder.Entry:
    event = {
        "eventID": event_id,
        "eventName": "Encrypt",
        "awsRegion": "us-east-1",
        "userIdentity": {"arn": "arn:aws:iam::111122223333:root"},
    }
    return recorder.Entry(sandbox.clock.now(), event)


def test_submitted_records_do_not_hold_their_thread_and_share_the_next_commit(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = sandbox.engine.recorder
    first_writing, release, batches = _hold_first_batch(rec, monkeypatch)
    seen: dict[str, bool] = {}

    def done_for(event_id: str) -> Any:
        def done() -> None:  # committed by now: another connection sees the record
            other = Store(sandbox.data_dir)
            try:
                seen[event_id] = bool(_events(other, event_id=event_id))
            finally:
                other.close()

        return done

    writer = threading.Thread(target=rec.submit, args=(_entry(sandbox, "e-0"), done_for("e-0")))
    writer.start()
    assert first_writing.wait(30)
    for n in range(1, 5):  # the first commit is being made: these return at once
        rec.submit(_entry(sandbox, f"e-{n}"), done_for(f"e-{n}"))
    assert seen == {}
    release.set()
    writer.join(30)
    assert batches == [1, 4]  # the writer went on with what came meanwhile
    assert seen == {f"e-{n}": True for n in range(5)}


def test_a_submitted_record_that_cannot_be_written_is_still_done(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(store: Store, items: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(iam_store, "append_events", broken)
    done = threading.Event()
    sandbox.engine.recorder.submit(_entry(sandbox, "e-lost"), done.set)
    assert done.is_set()


@pytest.fixture
def counted(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> tuple[recorder.Recorder, list[int]]:
    """The sandbox's recorder, with the size of each batch it writes counted."""
    rec = sandbox.engine.recorder
    batches: list[int] = []
    real_write = rec._write

    def write(entries: list[recorder.Entry]) -> None:
        batches.append(len(entries))
        real_write(entries)

    monkeypatch.setattr(rec, "_write", write)
    return rec, batches


def test_held_records_wait_for_a_flush_and_share_its_commit(
    sandbox: Sandbox, counted: tuple[recorder.Recorder, list[int]]
) -> None:
    rec, batches = counted
    done: list[str] = []
    for n in range(3):
        rec.submit(_entry(sandbox, f"h-{n}"), lambda n=n: done.append(f"h-{n}"), hold=True)
    assert (batches, done) == ([], [])  # nothing written or answered yet
    assert _events(sandbox.store, event_id="h-0") == []
    rec.flush()
    assert batches == [3]
    assert done == ["h-0", "h-1", "h-2"]
    assert sorted(e["eventID"] for e in _events(sandbox.store, event_name="Encrypt")) == [
        "h-0",
        "h-1",
        "h-2",
    ]
    rec.flush()  # nothing waits: no empty commit
    assert batches == [3]


def test_a_call_that_does_not_hold_commits_the_held_ones_with_its_own(
    sandbox: Sandbox, counted: tuple[recorder.Recorder, list[int]]
) -> None:
    rec, batches = counted
    done: list[str] = []
    rec.submit(_entry(sandbox, "a"), lambda: done.append("a"), hold=True)
    rec.submit(_entry(sandbox, "b"), lambda: done.append("b"))
    assert batches == [2]
    assert done == ["a", "b"]


def test_no_more_than_hold_max_records_are_held(
    sandbox: Sandbox, counted: tuple[recorder.Recorder, list[int]]
) -> None:
    rec, batches = counted
    done: list[int] = []
    for n in range(recorder.HOLD_MAX + 1):
        rec.submit(_entry(sandbox, f"m-{n}"), lambda n=n: done.append(n), hold=True)
    assert batches == [recorder.HOLD_MAX]  # the HOLD_MAX-th was written with those before it
    assert done == list(range(recorder.HOLD_MAX))
    rec.flush()
    assert batches == [recorder.HOLD_MAX, 1]
