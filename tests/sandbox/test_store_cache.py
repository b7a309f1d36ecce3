"""Settings and due work read once per change of the store, not once per call: a cached
setting or "nothing is due" holds only while no connection (of this process or another)
has committed a change, and the clock has not reached the next due time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kmsworkbench.sandbox import Sandbox

DAY = 86_400.0


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Sandbox, Sandbox]]:
    """Two sandboxes on one folder: two connections, as two processes have."""
    one, other = Sandbox.open(tmp_path), Sandbox.open(tmp_path)
    try:
        yield one, other
    finally:
        one.close()
        other.close()


def call(sandbox: Sandbox, operation: str, **params: object) -> dict[str, object]:
    status, _, body = sandbox.handle(f"TrentService.{operation}", json.dumps(params).encode())
    answer: dict[str, object] = json.loads(body)
    answer["status"] = status
    return answer


def test_a_setting_changed_by_another_connection_is_read_anew(two: tuple[Sandbox, Sandbox]) -> None:
    one, other = two
    before = one.clock.offset()
    assert one.clock.offset() == before  # served from the cache the second time
    other.clock.advance(1000.0)
    assert one.clock.offset() == pytest.approx(before + 1000.0)
    one.clock.advance(5.0)  # this connection's own write
    assert one.clock.offset() == pytest.approx(before + 1005.0)
    assert other.clock.offset() == pytest.approx(before + 1005.0)


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


def test_cached_key_rows_follow_every_change_of_the_store(two: tuple[Sandbox, Sandbox]) -> None:
    one, other = two
    store, region = one.store, one.region
    key = str(call(one, "CreateKey")["KeyMetadata"]["KeyId"])  # type: ignore[index]
    queries: list[str] = []
    store.conn.set_trace_callback(queries.append)

    def read() -> tuple[object, list[str]]:
        with store.transaction():
            record = store.get_key(region, key)
            names = [a.name for a in store.list_aliases(region, key, None, 50)]
        assert record is not None
        return record, names

    first, _ = read()
    queries.clear()
    again, _ = read()
    assert again is first  # kept: no query on the key tables the second time
    assert not [q for q in queries if "FROM keys" in q or "FROM aliases" in q]
    # A call and its trail record change nothing a key row is made of.
    call(one, "Encrypt", KeyId=key, Plaintext="eA==")
    assert read()[0] is first
    # Another connection's commit, and this connection's own writes, are seen at once.
    call(other, "UpdateKeyDescription", KeyId=key, Description="by the other")
    call(other, "CreateAlias", AliasName="alias/cached", TargetKeyId=key)
    record, names = read()
    assert record.description == "by the other" and names == ["alias/cached"]  # type: ignore[attr-defined]
    call(one, "UpdateKeyDescription", KeyId=key, Description="mine")
    assert read()[0].description == "mine"  # type: ignore[attr-defined]
    # What a transaction read after its own change is forgotten when it rolls back.
    with pytest.raises(RuntimeError), store.transaction(write=True) as conn:
        conn.execute("UPDATE keys SET description = 'undone' WHERE key_id = ?", (key,))
        assert store.get_key(region, key).description == "undone"  # type: ignore[union-attr]
        raise RuntimeError
    assert read()[0].description == "mine"  # type: ignore[attr-defined]


# --- what a served call reads while its signature is checked (Sandbox.prepare_call) --------


def test_a_served_call_reads_its_signer_once_per_change_of_the_store(tmp_path: Path) -> None:
    with Sandbox.open(tmp_path) as sandbox:
        first = sandbox.prepare_call(sandbox.access_key_id)
        statements: list[str] = []
        sandbox.store.conn.set_trace_callback(statements.append)
        try:
            again = sandbox.prepare_call(sandbox.access_key_id)
        finally:
            sandbox.store.conn.set_trace_callback(None)
        assert statements == ["PRAGMA data_version"]
        assert again.secret == first.secret == sandbox.secret_access_key
        assert again.caller == first.caller
        assert again.now >= first.now


def test_a_principal_removed_by_another_connection_is_refused_at_the_next_call(
    two: tuple[Sandbox, Sandbox],
) -> None:
    from kmsworkbench.sandbox import directory

    one, other = two
    alice = directory.add_principal(other, "alice")
    secret = directory.credentials_of(other, "alice")[1]
    assert one.prepare_call(alice.access_key_id).secret == secret
    assert one.prepare_call(alice.access_key_id).secret == secret  # kept
    directory.remove_principal(other, "alice")
    refused = one.prepare_call(alice.access_key_id)
    assert refused.secret is None and refused.caller is None


def test_an_identity_policy_and_the_clock_changed_elsewhere_reach_the_next_call(
    two: tuple[Sandbox, Sandbox],
) -> None:
    from kmsworkbench.sandbox import directory

    one, other = two
    bob = directory.add_principal(other, "bob")
    before = one.prepare_call(bob.access_key_id)
    assert before.caller is not None and before.caller.policies == ()
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
    directory.attach_policy(other, "bob", json.dumps(policy), "everything")
    other.clock.advance(10 * DAY)
    after = one.prepare_call(bob.access_key_id)
    assert after.caller is not None and len(after.caller.policies) == 1
    assert after.now >= before.now + 10 * DAY
    # This connection's own change is seen too (it does not move data_version).
    directory.detach_policy(one, "bob", "everything")
    mine = one.prepare_call(bob.access_key_id)
    assert mine.caller is not None and mine.caller.policies == ()


def test_the_kept_reads_are_not_used_inside_a_transaction_or_on_a_closed_store(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox.open(tmp_path)
    sandbox.prepare_call(sandbox.access_key_id)
    with sandbox.store.transaction():
        assert sandbox.store.peek_stamp() is None
        assert sandbox.prepare_call(sandbox.access_key_id).secret == sandbox.secret_access_key
    sandbox.close()
    assert sandbox.store.peek_stamp() is None
    with pytest.raises(RuntimeError):
        sandbox.prepare_call(sandbox.access_key_id)


def test_a_value_kept_by_a_transaction_that_rolled_back_is_read_again(tmp_path: Path) -> None:
    with Sandbox.open(tmp_path) as sandbox:
        store = sandbox.store
        loads: list[int] = []
        assert store.kept(("test",), lambda: loads.append(1) or "first") == "first"
        assert store.kept(("test",), lambda: loads.append(2) or "second") == "first"
        with pytest.raises(RuntimeError), store.transaction(write=True):
            raise RuntimeError  # forgets the stamp, not the values
        with store.transaction():  # where no stamp can be peeked at
            assert store.kept(("test",), lambda: loads.append(3) or "third") == "third"
        assert loads == [1, 3]
