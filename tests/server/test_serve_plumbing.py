"""The served path's plumbing: one write per answer, the work pool, SigV4's cached parts."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
from typing import Any

import pytest

from kmsworkbench.sandbox import Sandbox, sigv4
from kmsworkbench.sandbox.http11 import CoalescingTransport
from kmsworkbench.sandbox.server import ServerLimits, serve_app_background
from kmsworkbench.sandbox.workpool import WorkPool

from .helpers import make_request, send


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_head_and_body_written_in_one_turn_go_out_as_one_write() -> None:
    async def main() -> FakeTransport:
        raw = FakeTransport()
        wrapped = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        wrapped.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert raw.writes == []
        wrapped.write(b"{}")
        assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
        wrapped.write(b"alone")  # nothing follows in this turn: sent on the next one
        assert wrapped.get_write_buffer_size() == 5
        await asyncio.sleep(0)
        assert raw.writes[-1] == b"alone"
        wrapped.write(b"last words")
        wrapped.close()  # what is held goes out before the close
        assert raw.writes[-1] == b"last words" and raw.closed
        assert wrapped.get_extra_info("peername") == "info:peername"
        return raw

    raw = asyncio.run(main())
    assert len(raw.writes) == 3


def test_abort_drops_what_is_held() -> None:
    async def main() -> FakeTransport:
        raw = FakeTransport()
        wrapped = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        wrapped.write(b"never")
        wrapped.abort()
        await asyncio.sleep(0)
        return raw

    raw = asyncio.run(main())
    assert raw.writes == [] and raw.aborted


def test_work_pool_answers_raises_and_stays_within_its_threads() -> None:
    pool = WorkPool(3, "test-work")
    seen: set[str] = set()
    gate = threading.Barrier(3, timeout=10)

    def work(n: int) -> int:
        seen.add(threading.current_thread().name)
        if n < 3:
            gate.wait()  # three run at once: three threads exist
        return n * 2

    def fail() -> None:
        raise KeyError("boom")

    async def main() -> list[int]:
        answers = await asyncio.gather(*(pool.run(work, n) for n in range(20)))
        with pytest.raises(KeyError, match="boom"):
            await pool.run(fail)
        return list(answers)

    try:
        assert asyncio.run(main()) == [n * 2 for n in range(20)]
    finally:
        pool.close()
    assert len(seen) == 3 and all(name.startswith("test-work_") for name in seen)
    assert not any(t.name.startswith("test-work_") for t in threading.enumerate())


def test_work_pool_keeps_two_threads_for_work_that_only_queues() -> None:
    pool = WorkPool(8, "test-hot", stall=10.0)  # no thread counts as held here
    seen: set[str] = set()

    def work(n: int) -> int:
        seen.add(threading.current_thread().name)
        time.sleep(0.001)  # lets the GIL go, as a SQLite call does
        return n

    async def main() -> list[int]:
        return list(await asyncio.gather(*(pool.run(work, n) for n in range(40))))

    try:
        assert asyncio.run(main()) == list(range(40))
    finally:
        pool.close()
    assert len(seen) == 2


def test_work_pool_starts_a_thread_when_every_thread_is_held() -> None:
    pool = WorkPool(8, "test-stall", stall=0.02)
    release = threading.Event()

    def hold() -> None:
        assert release.wait(10)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        held = [loop.create_task(pool.run(hold)) for _ in range(2)]
        await asyncio.sleep(0.05)
        began = time.monotonic()
        await pool.run(int, "7")  # neither held thread can take it
        waited = time.monotonic() - began
        release.set()
        await asyncio.gather(*held)
        return waited

    try:
        assert asyncio.run(main()) < 5.0
    finally:
        release.set()
        pool.close()


def test_work_pool_threads_beyond_the_hot_ones_end_when_idle() -> None:
    pool = WorkPool(8, "test-idle", hot=1, stall=0.01, idle=0.05)
    release = threading.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        held = loop.create_task(pool.run(release.wait, 10))
        await asyncio.sleep(0.05)
        assert await pool.run(int, "7") == 7  # a second thread did it
        assert len(pool._threads) == 2
        release.set()
        await held
        for _ in range(200):
            if len(pool._threads) == 1:
                break
            await asyncio.sleep(0.01)

    try:
        asyncio.run(main())
        assert len(pool._threads) == 1
    finally:
        release.set()
        pool.close()


def test_work_pool_close_finishes_queued_work_then_refuses() -> None:
    pool = WorkPool(1)
    done: list[int] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(pool.run(done.append, n)) for n in range(5)]
        await asyncio.gather(*tasks)

    asyncio.run(main())
    pool.close()
    assert done == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError):
        asyncio.run(pool.run(done.append, 9))


def test_work_pool_calls_its_idle_hook_when_the_queue_runs_dry() -> None:
    calls: list[bool] = []  # for each call: was work still queued then?
    gate = threading.Event()
    pool: WorkPool

    def on_idle() -> None:
        calls.append(pool.queued())

    pool = WorkPool(1, "test-on-idle", on_idle=on_idle)

    async def main() -> list[int]:
        blocked = asyncio.ensure_future(pool.run(gate.wait, 30))
        await asyncio.sleep(0.05)  # the thread is in the first item
        rest = [asyncio.ensure_future(pool.run(lambda n=n: n)) for n in range(3)]
        await asyncio.sleep(0.05)
        assert pool.queued()  # three wait for the one thread
        before = len(calls)
        gate.set()
        await blocked
        values = await asyncio.gather(*rest)
        await asyncio.sleep(0.05)
        assert len(calls) == before + 1  # once, after the last of the four, not between
        return values

    try:
        assert asyncio.run(main()) == [0, 1, 2]
        assert calls and not any(calls)  # only ever called with nothing queued
    finally:
        pool.close()
    assert len(calls) >= 2  # and once more as the thread stopped


def test_work_pool_survives_a_failing_idle_hook(caplog: pytest.LogCaptureFixture) -> None:
    def on_idle() -> None:
        raise OSError("disk full")

    pool = WorkPool(1, "test-bad-idle", on_idle=on_idle)
    try:
        for n in range(2):
            assert asyncio.run(pool.run(lambda n=n: n * 2)) == n * 2
    finally:
        pool.close()
    assert "idle hook failed" in caplog.text


@pytest.mark.parametrize(
    "text", ["20261202T030405", "2026122T030405Z", "20261302T030405Z", "2026-12-02T03:04:05Z"]
)
def test_timestamps_not_in_basic_format_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        sigv4._parse_timestamp(text)


def test_signing_key_cache_gives_the_key_derived_afresh() -> None:
    sigv4._KEYS.clear()
    first = sigv4._derive_key("secret", "20261202", "us-east-1", "kms")
    assert sigv4._derive_key("secret", "20261202", "us-east-1", "kms") is first
    sigv4._KEYS.clear()
    assert sigv4._derive_key("secret", "20261202", "us-east-1", "kms") == first
    assert sigv4._derive_key("secret", "20261203", "us-east-1", "kms") != first
    for n in range(sigv4._KEYS_MAX + 5):  # bounded
        sigv4._derive_key(f"s{n}", "20261202", "us-east-1", "kms")
    assert len(sigv4._KEYS) <= sigv4._KEYS_MAX


def test_urgent_work_goes_before_work_queued_earlier() -> None:
    pool = WorkPool(1)
    order: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def block() -> None:
        started.set()
        assert release.wait(10)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        first = loop.create_task(pool.run(block))
        while not started.is_set():  # the one thread is busy from here on
            await asyncio.sleep(0.001)
        tasks = [loop.create_task(pool.run(order.append, f"later {n}")) for n in range(3)]
        tasks += [
            loop.create_task(pool.run(order.append, f"first {n}", urgent=True)) for n in range(2)
        ]
        await asyncio.sleep(0)  # every task has queued its work
        release.set()
        await asyncio.gather(first, *tasks)

    try:
        asyncio.run(main())
    finally:
        pool.close()
    assert order == ["first 0", "first 1", "later 0", "later 1", "later 2"]


def test_only_a_connections_first_request_is_marked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from kmsworkbench.sandbox import asgi
    from kmsworkbench.sandbox.http11 import FIRST_ON_CONNECTION

    marks: list[bool] = []

    class App:
        region = "us-east-1"
        access_key_id = "AKIDEXAMPLE"
        secret_access_key = "secret"

        def handle(self, target: str, body: bytes, region: str | None = None) -> asgi.Answer:
            return 200, {}, b"{}"

    original = asgi.KmsAsgiApp.__call__

    async def spy(self: asgi.KmsAsgiApp, scope: Any, receive: Any, send: Any) -> None:
        marks.append(bool(scope.get(FIRST_ON_CONNECTION)))
        await original(self, scope, receive, send)

    monkeypatch.setattr(asgi.KmsAsgiApp, "__call__", spy)
    handle = serve_app_background(App())  # type: ignore[arg-type]
    try:
        for _ in range(2):  # two connections, three requests each
            connection = http.client.HTTPConnection(handle.host, handle.port, timeout=5)
            for _ in range(3):
                connection.request("POST", "/", body=b"{}")
                connection.getresponse().read()
            connection.close()
    finally:
        handle.stop()
    assert marks == [True, False, False, True, False, False]


def test_request_log_time_is_each_lines_own_second() -> None:
    import logging
    import time

    from kmsworkbench.commands.serve import _RequestLogFormatter

    formatter = _RequestLogFormatter("%(asctime)s %(message)s", "%H:%M:%S")
    base = 1_800_000_000.25
    for offset in (0.0, 0.5, 1.0, 3600.0, 3600.9, 0.0):
        record = logging.LogRecord("serve", logging.INFO, "", 0, "line", (), None)
        record.created = base + offset
        shown = time.strftime("%H:%M:%S", time.localtime(record.created))
        assert formatter.format(record) == f"{shown} line"


def _trail_request_ids(data_dir: Any, event_name: str) -> list[str]:
    """The request ids of the trail's events of ``event_name``, as another connection to
    the store sees them."""
    from kmsworkbench.sandbox import iam_store
    from kmsworkbench.sandbox.iam_store import TrailQuery
    from kmsworkbench.sandbox.store import Store

    other = Store(data_dir)
    try:
        with other.transaction():
            found = iam_store.query_events(other, TrailQuery(event_name=event_name), 100)
    finally:
        other.close()
    return [event["requestID"] for _, _, event in found]


def test_a_served_answer_waits_for_its_handed_over_record(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox.open(tmp_path / "data")
    handed: list[str] = []
    submit = sandbox.submit_record

    def later(entry: Any, done: Any, hold: bool = False) -> None:  # committed 0.2 s later
        handed.append(entry.event["requestID"])

        def commit() -> None:
            time.sleep(0.2)
            submit(entry, done)

        threading.Thread(target=commit).start()

    monkeypatch.setattr(sandbox, "submit_record", later)
    handle = serve_app_background(sandbox, owns_app=True)
    try:
        reply = send(
            make_request(
                handle.endpoint_url,
                "TrentService.ListKeys",
                access_key=sandbox.access_key_id,
                secret_key=sandbox.secret_access_key,
                region="us-east-1",
            )
        )
        assert reply.status == 200, reply.body
        request_id = reply.header("x-amzn-RequestId")
        assert handed == [request_id]  # the worker handed it over instead of writing it
        assert _trail_request_ids(sandbox.data_dir, "ListKeys") == [request_id]
    finally:
        handle.stop()


def test_calls_queued_together_share_one_commit_and_each_answer_follows_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox.open(tmp_path / "data")
    entered, gate = threading.Event(), threading.Event()
    real_handle = sandbox.handle

    def handle(*args: Any, **kwargs: Any) -> Any:  # the first call holds the one thread
        if not entered.is_set():
            entered.set()
            assert gate.wait(30)
        return real_handle(*args, **kwargs)

    monkeypatch.setattr(sandbox, "handle", handle)
    server = serve_app_background(sandbox, limits=ServerLimits(max_workers=1), owns_app=True)
    replies: list[Any] = []

    def call() -> None:
        request = make_request(
            server.endpoint_url,
            "TrentService.ListKeys",
            access_key=sandbox.access_key_id,
            secret_key=sandbox.secret_access_key,
            region="us-east-1",
        )
        replies.append(send(request))

    try:
        first = threading.Thread(target=call)
        first.start()
        assert entered.wait(30)
        batches = sandbox.engine.recorder.batches
        rest = [threading.Thread(target=call) for _ in range(4)]
        for thread in rest:
            thread.start()
        pool = server.server.asgi._pool
        deadline = time.monotonic() + 30
        while pool._queue.qsize() < 4 and time.monotonic() < deadline:
            time.sleep(0.01)  # the four wait for the thread
        gate.set()
        for thread in [first, *rest]:
            thread.join(30)
        assert [r.status for r in replies] == [200] * 5
        assert sandbox.engine.recorder.batches == batches + 1  # five records, one commit
        ids = sorted(_trail_request_ids(sandbox.data_dir, "ListKeys"))
        assert ids == sorted(r.header("x-amzn-RequestId") for r in replies)
    finally:
        server.stop()


def test_a_held_record_is_committed_soon_though_every_thread_went_on_to_slow_calls(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox.open(tmp_path / "data")
    gate = threading.Event()  # the slow calls (DescribeKey) wait for it
    slow_started = threading.Semaphore(0)
    queued = threading.Event()  # set once the second slow call waits for a thread
    real_handle = sandbox.handle

    def handle(target: str, *args: Any, **kwargs: Any) -> Any:
        if target.endswith("DescribeKey"):
            slow_started.release()
            assert gate.wait(30)
        elif target.endswith("ListKeys"):
            assert queued.wait(30)  # so that its record is held: work is queued behind it
        return real_handle(target, *args, **kwargs)

    monkeypatch.setattr(sandbox, "handle", handle)
    server = serve_app_background(sandbox, limits=ServerLimits(max_workers=2), owns_app=True)
    replies: dict[str, Any] = {}

    def call(name: str, operation: str, body: dict[str, object]) -> None:
        request = make_request(
            server.endpoint_url,
            f"TrentService.{operation}",
            body=body,
            access_key=sandbox.access_key_id,
            secret_key=sandbox.secret_access_key,
            region="us-east-1",
        )
        replies[name] = send(request)

    describe = {"KeyId": "alias/workbench-demo"}
    threads = {
        "slow-1": threading.Thread(target=call, args=("slow-1", "DescribeKey", describe)),
        "fast": threading.Thread(target=call, args=("fast", "ListKeys", {})),
        "slow-2": threading.Thread(target=call, args=("slow-2", "DescribeKey", describe)),
    }
    pool = server.server.asgi._pool
    try:
        threads["slow-1"].start()
        assert slow_started.acquire(timeout=30)  # one thread is held
        threads["fast"].start()
        deadline = time.monotonic() + 30
        while pool._busy < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # the other thread has the fast call
        threads["slow-2"].start()
        while not pool.queued() and time.monotonic() < deadline:
            time.sleep(0.01)  # the second slow call waits for a thread
        queued.set()  # the fast call ends, holds its record, and takes the slow one
        threads["fast"].join(5)
        assert not threads["fast"].is_alive(), "the held record waited for the slow calls"
        assert replies["fast"].status == 200
        assert not gate.is_set() and "slow-1" not in replies  # both threads are still held
    finally:
        gate.set()
        for thread in threads.values():
            thread.join(30)
        server.stop()
    assert replies["slow-1"].status == replies["slow-2"].status == 200
