"""The threads that do the served requests' work (SigV4, the operation, SQLite), handed
work by the event loop and handing answers back to it.

``asyncio``'s ``run_in_executor`` on a ``concurrent.futures.ThreadPoolExecutor`` makes two
futures per call (a ``concurrent.futures.Future`` with its own condition variable, and the
asyncio future chained to it), and three callbacks to copy the result from one to the
other. On a GIL-bound server that bookkeeping is a measurable part of a 1 ms request. Here
one asyncio future per call is all there is: the loop puts ``(future, function, args)`` on a
queue, a worker runs it and sets the future through ``call_soon_threadsafe``.

Work marked ``urgent`` is taken before the rest (and in order among itself): the server
marks a connection's first request so, so that a client starting among hundreds of others is
not queued behind their later requests. Each connection has one first request, so urgent
work is bounded by the connections and cannot starve the rest for long.

Threads are started on demand, up to ``max_workers``, and stay until :meth:`WorkPool.close`,
which lets the work already queued finish, then joins them. Only ``hot`` threads (two) are
started for work that merely queues: the work is GIL-bound and the store serialises its
transactions, so sixteen threads each holding a request only took turns at the GIL and the
store's lock (about twelve context switches per request against three, and some 0.05 ms of
server CPU a request more). Another thread is started when work is waiting and no thread
has finished anything for ``stall`` seconds (0.1 s): every thread is then held by something
slow that lets the GIL go (an RSA generation, a SQLite lock held by another process), and
the waiting work must not wait for it. (20 ms was too short: on a machine busy with its
clients, two threads waiting for the CPU looked held, and the pool grew to all its threads.)
A thread beyond the hot ones ends after ``idle`` seconds (1 s) with nothing to do.

``on_idle`` is called by a thread that finds no work queued, before it waits for more (and
before it stops): the server commits there the call records its threads held back while
more work was queued (``Recorder.submit(hold=True)``), so the calls queued together share
one commit and none waits once the work runs out. :meth:`WorkPool.queued` tells whether
work waits for a thread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger("kmsworkbench.sandbox.server")

_Item = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def _settle(
    future: asyncio.Future[Any], result: Any, error: BaseException | None
) -> None:  # on the loop's thread
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class WorkPool:
    """At most ``max_workers`` threads running what :meth:`run` hands them, in order."""

    def __init__(
        self,
        max_workers: int,
        name: str = "kms-work",
        *,
        hot: int = 2,
        stall: float = 0.1,
        idle: float = 1.0,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self.hot = max(1, hot)
        self.stall = stall
        self.idle = idle
        self.on_idle = on_idle
        self._name = name
        self._started = 0  # threads started so far (their names' numbers)
        # One token on the queue per item in one of the deques (None: a thread is to stop).
        self._queue: queue.SimpleQueue[bool | None] = queue.SimpleQueue()
        self._urgent: deque[_Item] = deque()
        self._normal: deque[_Item] = deque()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._busy = 0  # calls handed over and not yet finished
        self._progress = time.monotonic()  # when a thread last finished a call (or started)
        self._watching = False  # a stall check is scheduled on the loop
        self._closed = False

    def queued(self) -> bool:
        """True while work waits for a thread (seen from any thread)."""
        return not self._queue.empty()

    async def run(self, function: Callable[..., T], *args: Any, urgent: bool = False) -> T:
        """Run ``function(*args)`` on a worker thread and return (or raise) what it did;
        ``urgent`` work goes before every item not marked so."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the work pool is closed")
            self._busy += 1
            watch = self._grow(loop)
        (self._urgent if urgent else self._normal).append((loop, future, function, args))
        self._queue.put(True)
        if watch:
            loop.call_later(self.stall, self._watch, loop)
        return await future

    def _grow(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Start a thread if the work needs one (under the lock); True when a stall check is
        to be scheduled (work waits, and none is scheduled yet)."""
        threads = len(self._threads)
        if self._busy <= threads or threads >= self.max_workers:
            return False
        if threads < self.hot or time.monotonic() - self._progress > self.stall:
            self._start_thread()
            self._progress = time.monotonic()
            return False
        if self._watching:
            return False
        self._watching = True
        return True

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop, ``stall`` seconds after work had to wait: a thread more if none
        has finished anything since; watch again while work still waits."""
        with self._lock:
            self._watching = False
            if self._closed:
                return
            watch = self._grow(loop)
        if watch:
            loop.call_later(self.stall, self._watch, loop)

    def _start_thread(self) -> None:
        extra = len(self._threads) >= self.hot
        thread = threading.Thread(
            target=self._worker, args=(extra,), name=f"{self._name}_{self._started}", daemon=True
        )
        self._started += 1
        self._threads.append(thread)
        thread.start()

    def _worker(self, extra: bool) -> None:
        get = self._queue.get
        while True:
            if self.on_idle is not None and self._queue.empty():
                self._idle()
            try:
                token = get(timeout=self.idle) if extra else get()
            except queue.Empty:
                with self._lock:  # nothing to do for a while: a thread beyond the hot ones ends
                    if self._busy >= len(self._threads):
                        continue  # work came in meanwhile, counting on this thread
                    self._threads.remove(threading.current_thread())
                return
            if token is None:
                self._idle()
                return
            # A token was put after its item was appended, so one of the two has an item.
            # (deque.popleft is atomic; the urgent deque is looked at first.)
            try:
                item = self._urgent.popleft()
            except IndexError:
                item = self._normal.popleft()
            loop, future, function, args = item
            try:
                result, error = function(*args), None
            except BaseException as exc:  # handed to the awaiting coroutine
                result, error = None, exc
            with self._lock:
                self._busy -= 1
                self._progress = time.monotonic()
            del item, function, args
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: nobody awaits the answer any more
                pass
            del future, result, error

    def _idle(self) -> None:
        if self.on_idle is None:
            return
        try:
            self.on_idle()
        except Exception:  # a thread of the pool must not end over it
            logger.exception("the work pool's idle hook failed")

    def close(self) -> None:
        """Finish the queued work, then stop and join every thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()
