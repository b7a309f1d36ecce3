"""The start-up key listing in a child process (service/key_loading_process.py): what the
child lists reaches the follower and the session's journal and caches as a thread's listing
would; its failures come back as the same KmsError; the read-only calls it makes for the
session until the session has a client; and the thread when no child can run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.sandbox.store import DB_NAME
from kmsworkbench.service import (
    Backend,
    KeyInfo,
    KmsError,
    KmsSession,
    child_process,
    key_loading_process,
)
from kmsworkbench.service.key_listing_wire import dumps, loads
from kmsworkbench.service.key_loading import KeyListing
from kmsworkbench.service.key_loading_process import (
    ProcessKeyListing,
    StoreProblem,
    start_key_listing,
)


def use_fork(monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    """The child forked or spawned. A fork is made only where the app would make one: on
    Linux, from a process running one thread (a test worker may run others; then the fresh
    interpreter of test_the_apps_process_never_imports_botocore_for_the_start covers it)."""
    if fork and not child_process.can_fork():
        pytest.skip("this process cannot fork the child (not Linux, or more than one thread)")
    monkeypatch.setattr(child_process, "can_fork", lambda: fork)


def follow(listing: KeyListing) -> tuple[list[KeyInfo], list[KeyInfo], list[str]]:
    batches: list[KeyInfo] = []
    described: list[KeyInfo] = []
    events: list[str] = []
    shown = threading.Event()  # as the app's hold: the first rows are drawn

    def batch_in(batch: list[KeyInfo]) -> None:
        batches.extend(batch)
        events.append("batch")
        shown.set()

    def hold() -> None:
        assert shown.wait(30)
        events.append("hold")

    listing.follow(
        batch_in,
        lambda info: (described.append(info), events.append("described")),
        on_listed=lambda: events.append("listed"),
        hold=hold,
    )
    return batches, described, events


@pytest.fixture
def session(tmp_path: Path) -> KmsSession:
    return KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "sandbox"))


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_the_childs_listing_reaches_the_follower_the_journal_and_the_caches(
    session: KmsSession, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    use_fork(monkeypatch, fork)
    listing = start_key_listing(session)
    assert isinstance(listing, ProcessKeyListing)
    assert isinstance(listing._process, child_process.ForkedChild) is fork
    with session:
        batches, described, events = follow(listing)
        ids = {k.key_id for k in batches}
        assert ids and {k.key_id for k in described} == ids
        assert all(k.described for k in described)
        # The same objects: a description fills the key the follower was given.
        assert {id(k) for k in described} <= {id(k) for k in batches}
        demo = next(k for k in batches if "alias/workbench-demo" in k.aliases)
        assert isinstance(demo.metadata and demo.metadata["CreationDate"], datetime)
        # Descriptions are handed on only after hold() (the first rows drawn).
        assert events.index("hold") < events.index("described")
        assert events.index("batch") < events.index("hold") and "listed" in events
        journal = [e.operation for e in session.journal.entries]
        assert sorted(journal) == sorted(["ListKeys", "ListAliases"] + ["DescribeKey"] * len(ids))
        assert all(e.ok and e.aws_cli.startswith("aws kms ") for e in session.journal.entries)
        # The session knows what its own listing would have taught it: no call for these.
        assert session.describe_key(demo.key_id) is demo
        assert session.caller_account() == demo.arn.split(":")[4]
        assert session.known_region() == demo.arn.split(":")[3]
        assert len(session.journal.entries) == len(journal)
        # Read-only calls are made by the child, journaled once, here too.
        policy = session.call("GetKeyPolicy", KeyId=demo.key_id, PolicyName="default")
        assert '"kms:*"' in policy["Policy"]
        with pytest.raises(KmsError) as raised:  # and their errors are KMS's
            session.call("GetKeyPolicy", KeyId="alias/workbench-demo", PolicyName="default")
        assert raised.value.code == "NotFoundException"
        assert [e.operation for e in session.journal.entries][-2:] == ["GetKeyPolicy"] * 2
        assert session._client is None
        # Anything else is made here, with a client of its own.
        session.call("Encrypt", KeyId=demo.key_id, Plaintext=b"x")
        assert session._client is not None
        assert session.journal.entries[-1].operation == "Encrypt"
    assert listing._process is not None and listing._process.wait(30) is not None


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_once_the_listing_is_done_the_session_takes_over_and_the_child_ends(
    session: KmsSession, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """With hand_over (the TUI's), the child's memory is given back: once everything is
    listed and described the session builds its client and the child ends; calls made
    meanwhile are answered once each, by one side or the other, and the journal holds each
    once."""
    use_fork(monkeypatch, fork)
    listing = start_key_listing(session, hand_over=0.2)
    assert isinstance(listing, ProcessKeyListing) and listing._process is not None
    with session:
        batches, _, _ = follow(listing)
        demo = next(k for k in batches if "alias/workbench-demo" in k.aliases)
        before = len(session.journal.entries)
        answered: list[str] = []
        stop = threading.Event()

        def keep_asking() -> None:  # a detail pane's calls, across the hand-over
            while not stop.is_set():
                policy = session.call("GetKeyPolicy", KeyId=demo.key_id, PolicyName="default")
                answered.append(policy["Policy"])

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            assert listing._process.wait(30) == 0  # ended, not killed
            listing._thread.join(30)  # its reader has seen the end and let the session go
        finally:
            stop.set()
            asker.join(30)
        assert session._client is not None and session._remote is None
        assert answered and all('"kms:*"' in text for text in answered)
        calls = [e.operation for e in session.journal.entries[before:]]
        assert calls == ["GetKeyPolicy"] * len(answered)
        # From now on every call is made here.
        session.call("GetKeyPolicy", KeyId=demo.key_id, PolicyName="default")
        assert session.journal.entries[-1].operation == "GetKeyPolicy"


def test_while_the_descriptions_wait_for_the_rows_the_rest_is_read_on(
    session: KmsSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the first rows are drawn, descriptions are kept, but the rest of what the child
    says is not held behind them: a call the detail pane makes meanwhile is answered. When
    the reader itself waited at the first description, that answer waited for the rows."""
    use_fork(monkeypatch, False)
    listing = start_key_listing(session)
    assert isinstance(listing, ProcessKeyListing)
    answered: list[str] = []

    def hold() -> None:  # the rows are being drawn: the pane asks for a key's policy
        reply: Future[dict[str, Any]] = Future()

        def ask() -> None:
            try:
                listed = session.call("ListAliases")["Aliases"]
                key_id = next(a["TargetKeyId"] for a in listed if "TargetKeyId" in a)
                reply.set_result(session.call("GetKeyPolicy", KeyId=key_id, PolicyName="default"))
            except BaseException as exc:
                reply.set_exception(exc)

        threading.Thread(target=ask, daemon=True).start()
        answered.append(reply.result(timeout=20)["Policy"])

    with session:
        described: list[KeyInfo] = []
        listing.follow(lambda _batch: None, described.append, hold=hold)
        assert answered and '"Statement"' in answered[0]
        assert described and all(k.described for k in described)
        assert session._client is None  # the child made those calls


def test_past_read_ahead_descriptions_the_reader_waits_for_the_rows(
    session: KmsSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most READ_AHEAD descriptions are read before the rows are drawn: 10,000 are not
    parsed while Textual starts. Then the reader waits, and every key is still described."""
    use_fork(monkeypatch, False)
    monkeypatch.setattr(key_loading_process, "READ_AHEAD", 3)
    with session:
        made = [session.call("CreateKey", Description=f"k{i}")["KeyMetadata"] for i in range(6)]
    session = KmsSession(session.backend)
    listing = start_key_listing(session)
    assert isinstance(listing, ProcessKeyListing)
    kept: list[int] = []

    def hold() -> None:
        deadline = time.monotonic() + 20
        while listing._kept_descriptions < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # the child has more to say: the reader does not read it yet
        kept.append(listing._kept_descriptions)

    with session:
        described: list[KeyInfo] = []
        listing.follow(lambda _batch: None, described.append, hold=hold)
        assert kept == [3]
        assert {k["KeyId"] for k in made} <= {k.key_id for k in described}


def test_a_closed_session_is_not_handed_a_client(session: KmsSession) -> None:
    """Closing the session (the app quits) before the hand-over: no client is built for it
    (a sandbox client would hold the store open), and the child is ended."""
    listing = start_key_listing(session, hand_over=0.3)
    assert isinstance(listing, ProcessKeyListing) and listing._process is not None
    follow(listing)
    session.close()
    assert listing._process.wait(30) is not None
    time.sleep(0.6)  # past the hand-over's time
    assert session._client is None


def test_a_failure_in_the_child_is_the_same_kms_error_here() -> None:
    # No credentials anywhere: tests/conftest.py's isolated_home clears them for every test.
    backend = Backend(kind="endpoint", endpoint_url="http://127.0.0.1:9", region="eu-west-1")
    with KmsSession(backend) as session:
        listing = start_key_listing(session)
        assert isinstance(listing, ProcessKeyListing)
        with pytest.raises(KmsError) as raised:
            follow(listing)
        assert raised.value.code == "NoCredentialsError" and raised.value.remedy
        failed = session.journal.entries[-1]
        assert failed.operation in ("ListKeys", "ListAliases") and not failed.ok
        assert failed.error_code == "NoCredentialsError"


def test_a_child_that_dies_is_an_error_and_the_session_goes_on_without_it(
    session: KmsSession,
) -> None:
    listing = start_key_listing(session)
    assert isinstance(listing, ProcessKeyListing) and listing._process is not None
    listing._process.kill()
    with session:
        with pytest.raises(RuntimeError, match="ended before it finished"):
            follow(listing)
        assert session._remote is None
        assert session.call("ListKeys", Limit=1)["Keys"]  # made here
        assert session._client is not None


def test_without_a_child_the_listing_runs_on_a_thread(
    session: KmsSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_process, "can_fork", lambda: False)
    monkeypatch.setattr(sys, "executable", str(Path(session.backend.data_dir or ".") / "none"))
    listing = start_key_listing(session)
    assert type(listing) is KeyListing
    with session:
        batches, described, _ = follow(listing)
        # (a page's keys come again with their aliases when those come after the page)
        assert batches and {k.key_id for k in described} == {k.key_id for k in batches}
    # The check is made here then, before the thread opens anything.
    data, damaged = damaged_store(session.backend.data_dir.parent)  # type: ignore[union-attr]
    with pytest.raises(StoreProblem, match="is damaged"):
        start_key_listing(KmsSession(Backend(kind="sandbox", data_dir=data)), check_store=True)
    assert (data / DB_NAME).read_bytes() == damaged
    debug = KmsSession(Backend(kind="sandbox", data_dir=session.backend.data_dir, debug=True))
    listing = start_key_listing(debug)
    assert type(listing) is KeyListing
    listing.cancel()
    debug.close()


def test_the_wire_keeps_dates_and_bytes() -> None:
    when = datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    message = {"k": "x", "d": when, "b": b"\x00\xff", "n": [1, "a", None]}
    assert loads(dumps(message)) == message


def test_the_apps_process_never_imports_botocore_for_the_start(tmp_path: Path) -> None:
    """The point of the child: the listing, the descriptions and the detail pane's calls
    need no botocore in the app's process (its import took turns with Textual's)."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from kmsworkbench.service import Backend, KmsSession
        from kmsworkbench.service.key_details import fetch_key_details
        from kmsworkbench.service.key_loading_process import start_key_listing

        session = KmsSession(Backend(kind="sandbox", data_dir=Path(sys.argv[1])))
        listing = start_key_listing(session)
        keys = []
        listing.follow(keys.extend, lambda info: None)
        details = fetch_key_details(session, keys[0].key_id)
        assert details.policy, details
        forked = type(listing._process).__name__ == "ForkedChild"
        journal = [e.operation for e in session.journal.entries]
        assert journal.count("ListKeys") == 1 and journal.count("ListAliases") == 1, journal
        assert journal.count("DescribeKey") == len({k.key_id for k in keys}), journal
        assert "GetKeyPolicy" in journal, journal
        print(len(keys), "botocore" in sys.modules, "kmsworkbench.sandbox" in sys.modules, forked)
        session.close()
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "sandbox")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    count, botocore, sandbox, forked = out.stdout.split()
    assert int(count) > 0 and botocore == "False" and sandbox == "False"
    # A fresh interpreter runs one thread at the start: on Linux, the child is a fork.
    assert forked == str(sys.platform.startswith("linux"))


def damaged_store(tmp_path: Path) -> tuple[Path, bytes]:
    """A sandbox folder whose store has a page overwritten (tests/commands' way), and its bytes."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "stores" / "v1" / DB_NAME
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    damaged = bytearray(fixture.read_bytes())
    damaged[3 * 4096 : 4 * 4096] = b"\x00\x13" * 2048
    (data / DB_NAME).write_bytes(bytes(damaged))
    return data, bytes(damaged)


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_the_child_checks_the_store_first_and_a_damaged_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """The TUI never starts on a damaged store: with check_store the child says so before
    anything opens it, and leaves the file as it was; a sound store passes."""
    use_fork(monkeypatch, fork)
    data, damaged = damaged_store(tmp_path)
    with KmsSession(Backend(kind="sandbox", data_dir=data)) as session:
        listing = start_key_listing(session, check_store=True)
        assert isinstance(listing, ProcessKeyListing)
        problem = listing.store_problem()
        assert problem is not None and "is damaged" in problem and "sandbox restore" in problem
        listing.cancel()
    assert (data / DB_NAME).read_bytes() == damaged
    sound = tmp_path / "sound"
    with KmsSession(Backend(kind="sandbox", data_dir=sound)) as session:
        listing = start_key_listing(session, check_store=True)
        assert listing.store_problem() is None
        batches, _, _ = follow(listing)
        assert batches
