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
which lets the work already queued finish, then joins them.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

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

    def __init__(self, max_workers: int, name: str = "kms-work") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._name = name
        # One token on the queue per item in one of the deques (None: a thread is to stop).
        self._queue: queue.SimpleQueue[bool | None] = queue.SimpleQueue()
        self._urgent: deque[_Item] = deque()
        self._normal: deque[_Item] = deque()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._busy = 0  # calls handed over and not yet finished
        self._closed = False

    async def run(self, function: Callable[..., T], *args: Any, urgent: bool = False) -> T:
        """Run ``function(*args)`` on a worker thread and return (or raise) what it did;
        ``urgent`` work goes before every item not marked so."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the work pool is closed")
            self._busy += 1
            if self._busy > len(self._threads) and len(self._threads) < self.max_workers:
                self._start_thread()
        (self._urgent if urgent else self._normal).append((loop, future, function, args))
        self._queue.put(True)
        return await future

    def _start_thread(self) -> None:
        thread = threading.Thread(
            target=self._worker, name=f"{self._name}_{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _worker(self) -> None:
        get = self._queue.get
        while True:
            if get() is None:
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
            del item, function, args
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: nobody awaits the answer any more
                pass
            del future, result, error

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
