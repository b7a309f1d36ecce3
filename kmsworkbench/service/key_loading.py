"""Listing and describing keys at once: DescribeKey for a page's keys starts as soon as the
ListKeys page arrives, while later pages are still being listed.

A key list is ListKeys pages (plus ListAliases, alongside them: a page's keys are passed on
without waiting for it, and again with their alias names when it answers) and one
DescribeKey per key (its spec, usage and state decide whether it can wrap a data key pair).
Listing every page before describing any key makes a person wait for the whole listing
before the first "✓ yes"; describing one key at a time makes 2,000 keys behind a 50 ms
network take 100 s. Here the describes run on a bounded pool while listing goes on, within
two limits that respect the DescribeKey quota (2,000 requests per second per account and
Region by default, shared with every other client of the account):

- at most ``max_in_flight`` calls at once (32: as many as the client's connection pool; behind
  50 ms of latency 16 described 2,000 keys 7.5x sooner than one at a time, 32 10.3x), and
- at most ``max_rate`` calls per second (1,000: half the quota, leaving the other half to
  everything else the account runs; botocore retries a ThrottlingException if it happens).

Thread-only: no Textual here. Callbacks run on worker threads; the caller moves their
results to its UI thread (the key screen posts messages).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.models import KeyInfo
from kmsworkbench.service.session import KmsSession

MAX_IN_FLIGHT = 32
MAX_RATE = 1000.0  # DescribeKey calls per second, half the default quota of 2,000
# How long a KeyListing's describes wait for their consumer before going on alone (the TUI's
# key screen follows within a second of the start; a consumer that never comes must not
# keep the describe threads, which the interpreter joins at exit, waiting for ever).
HOLD_LIMIT = 10.0


class RateLimit:
    """Spaces calls at least ``1 / rate`` seconds apart (thread-safe): ``wait()`` before a call."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait for it (seconds, 0 if now)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)


def describe_one(session: KmsSession, info: KeyInfo) -> KeyInfo:
    """DescribeKey for a listed key: the listed KeyInfo gets the metadata (it may already be
    shown), or its ``error`` when the call fails. Never raises KmsError."""
    try:
        described = session.describe_key(info.key_id)
    except KmsError as exc:
        info.error = f"{exc.code}: {exc.message}" if exc.message else exc.code
        return info
    info.metadata = described.metadata
    info.error = None
    if info.aliases:
        described.aliases = info.aliases
    return info


def load_keys(
    session: KmsSession,
    on_batch: Callable[[list[KeyInfo]], None],
    on_described: Callable[[KeyInfo], None],
    *,
    on_listed: Callable[[], None] | None = None,
    on_aliases: Callable[[list[KeyInfo]], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    hold: Callable[[], None] | None = None,
    pace: Callable[[], None] | None = None,
    max_in_flight: int = MAX_IN_FLIGHT,
    max_rate: float = MAX_RATE,
) -> None:
    """List every key (``on_batch`` per ListKeys page, in order) and describe each one
    (``on_described`` per key, as answers come), describing a page while the next is
    listed. A page is passed on as soon as it arrives, before ListAliases has answered;
    keys that learn their aliases after they were passed on are passed again, to
    ``on_aliases`` (default: ``on_batch``; the same KeyInfo objects, aliases filled in).
    ``on_listed`` runs once the last page and the aliases are in. Returns when every key is
    described, or soon after ``cancelled()`` turns true. A failed ListKeys or ListAliases
    raises (KmsError) after the describes already started have finished. ``hold``, if
    given, is called before each DescribeKey and may block (until describing may start);
    ``pace`` likewise before each ListKeys page after the first."""
    limit = RateLimit(max_rate)
    renamed = on_aliases if on_aliases is not None else on_batch

    def aliases_later(keys: list[KeyInfo]) -> None:
        if not cancelled():
            renamed(keys)

    def describe(info: KeyInfo) -> None:
        if hold is not None:
            hold()
        if cancelled():
            return
        limit.wait()
        if cancelled():
            return
        on_described(describe_one(session, info))

    pending: list[Future[None]] = []
    with ThreadPoolExecutor(
        max_workers=max(1, max_in_flight), thread_name_prefix="kms-describe"
    ) as pool:
        try:
            for batch in session.iter_keys(aliases_later=aliases_later):
                if cancelled():
                    break
                on_batch(batch)
                for info in batch:
                    if info.metadata is not None:  # described earlier in this session
                        on_described(info)
                    else:
                        pending.append(pool.submit(describe, info))
                if pace is not None:
                    pace()
            else:
                if on_listed is not None:
                    on_listed()
        finally:
            if cancelled():
                pool.shutdown(wait=True, cancel_futures=True)
    for future in pending:
        if not future.cancelled():
            future.result()


class KeyListing:
    """:func:`load_keys` begun at once on a thread of its own, for a consumer that comes
    later: the TUI's entry point starts listing before it imports Textual (about a third of
    a second), and the key screen takes over what has arrived when it mounts.

    Until :meth:`follow` is called, the first ListKeys page and ListAliases are fetched, and
    the rest waits: answers parsed while Textual starts would take the interpreter from it,
    and the first rows need only the first page."""

    def __init__(self, session: KmsSession, **limits: float) -> None:
        self.session = session
        self._limits = limits
        self._events: list[tuple[str, object]] = []
        self._changed = threading.Condition()
        self._finished = False
        self._error: BaseException | None = None
        self._cancelled = False
        self._followed = threading.Event()
        self._hold: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._run, name="kms-key-listing", daemon=True)

    def start(self) -> KeyListing:
        self._thread.start()
        return self

    def _put(self, kind: str, value: object = None) -> None:
        with self._changed:
            self._events.append((kind, value))
            self._changed.notify_all()

    def _run(self) -> None:
        try:
            load_keys(
                self.session,
                lambda batch: self._put("batch", batch),
                lambda info: self._put("described", info),
                on_listed=lambda: self._put("listed"),
                on_aliases=lambda keys: self._put("aliases", keys),
                cancelled=lambda: self._cancelled,
                hold=self._wait_for_follower,
                pace=lambda: self._followed.wait(HOLD_LIMIT),
                **self._limits,  # type: ignore[arg-type]
            )
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def _wait_for_follower(self) -> None:
        self._followed.wait(HOLD_LIMIT)
        hold = self._hold
        if hold is not None and not self._cancelled:
            hold()

    def store_problem(self) -> str | None:
        """A damaged sandbox store's message; a thread's listing starts only after the check
        (service/key_loading_process.py's start_key_listing), so: None."""
        return None

    def cancel(self) -> None:
        """Stop soon (the describes waiting to start give up)."""
        self._cancelled = True
        self._followed.set()

    def follow(
        self,
        on_batch: Callable[[list[KeyInfo]], None],
        on_described: Callable[[KeyInfo], None],
        *,
        on_listed: Callable[[], None] | None = None,
        on_aliases: Callable[[list[KeyInfo]], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        hold: Callable[[], None] | None = None,
    ) -> None:
        """What :func:`load_keys` would have called, from the start: first what arrived
        already, then the rest as it comes, on the calling thread. Same contract: returns
        when every key is described or soon after ``cancelled()`` (which cancels the
        listing), and raises what the listing raised; the describes wait for ``hold()``
        from now on."""
        renamed = on_aliases if on_aliases is not None else on_batch
        handlers: dict[str, Callable[[object], None]] = {
            "batch": on_batch,  # type: ignore[dict-item]
            "described": on_described,  # type: ignore[dict-item]
            "aliases": renamed,  # type: ignore[dict-item]
            "listed": lambda _value: on_listed() if on_listed is not None else None,
        }
        if cancelled():
            self.cancel()
            return
        self._hold = hold
        self._followed.set()
        seen = 0
        while True:
            with self._changed:
                while seen == len(self._events) and not self._finished:
                    if cancelled():
                        break
                    self._changed.wait(0.1)
                arrived = self._events[seen:]
                seen += len(arrived)
                finished = self._finished and seen == len(self._events)
            for kind, value in arrived:
                if cancelled():
                    break
                handlers[kind](value)
            if cancelled():
                self.cancel()
                return
            if finished:
                break
        if self._error is not None:
            raise self._error
