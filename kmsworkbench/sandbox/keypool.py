"""RSA data key pairs generated ahead of time, while ``serve`` runs.

An RSA key takes tens of milliseconds (2048) to over a second (4096) to generate, almost all
of it the prime search; ECC and Ed25519 keys take well under a millisecond. So while the
sandbox is served, a background thread keeps a few RSA key pairs of each size ready, and
GenerateDataKeyPair(WithoutPlaintext) hands one out instead of generating it during the
call. AWS KMS answers these calls in a few milliseconds too, and documents no more about
how.

- **Memory only**: the pairs are Python objects in this process; nothing of them is
  written anywhere (no file, log or trail record) before a call hands one out, and a call
  that takes one treats it exactly as a pair it made itself. (Like every secret in memory,
  they could reach swap; the sandbox is for teaching and tests, not for production keys.)
- **Each pair is used once**: :meth:`KeyPool.take` removes it under the pool's lock.
- **Only the sizes asked for**: a spec's pairs are made once a call has asked for that
  spec (the first such call makes its own pair, as without a pool). A server answering ECC
  and symmetric calls alone so spends no CPU on RSA keys: filling all three sizes at start
  took several seconds of CPU, more than the first thousands of requests themselves.
- **Bounded**: at most ``size`` pairs per spec (``KMSWORKBENCH_RSA_POOL``, default 4;
  0 turns it off), refilled one at a time, the emptiest spec first, by one thread at the
  lowest CPU priority (``nice`` 19 on Linux), which ``cryptography`` runs without holding
  the GIL. An empty pool is no error: the call generates its own pair, as without a pool.
- **Only while serving**: ``kmsworkbench serve`` (``sandbox.server``) starts it and stops
  it, dropping the pairs it holds; the TUI and one-shot commands never start it, so they
  spend no CPU on keys nobody asks for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the key pair code loads when a pool first generates, not at import
    from kmsworkbench.keypairs.generate import GeneratedKeyPair

logger = logging.getLogger("kmsworkbench.sandbox")

RSA_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")
DEFAULT_SIZE = 4
SIZE_ENV = "KMSWORKBENCH_RSA_POOL"
MAX_SIZE = 64


def size_from_env(default: int = DEFAULT_SIZE) -> int:
    """The pool size ``KMSWORKBENCH_RSA_POOL`` asks for (0..64; ``default`` if unset or not
    a number)."""
    raw = os.environ.get(SIZE_ENV, "").strip()
    if not raw:
        return default
    try:
        return max(0, min(int(raw), MAX_SIZE))
    except ValueError:
        logger.warning("%s=%r is not a number; using %d", SIZE_ENV, raw, default)
        return default


def _generate(spec: str) -> GeneratedKeyPair:
    from kmsworkbench.keypairs.generate import generate

    return generate(spec)


class KeyPool:
    """Up to ``size`` ready key pairs per spec of ``specs`` that has been asked for
    (:meth:`take` or :meth:`want`), refilled by one background thread between
    :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        specs: tuple[str, ...] = RSA_SPECS,
        generate: Callable[[str], GeneratedKeyPair] = _generate,
    ) -> None:
        self.size = size
        self.specs = specs
        self._generate = generate
        self._ready: dict[str, deque[GeneratedKeyPair]] = {spec: deque() for spec in specs}
        self._wanted: list[str] = []  # the specs asked for so far, in the order asked
        self._cond = threading.Condition()
        self._stopped = True
        self._thread: threading.Thread | None = None
        self.handed_out = 0  # pairs taken so far
        self.generated = 0  # pairs made so far

    def __repr__(self) -> str:  # never the keys
        counts = {spec: len(q) for spec, q in self._ready.items()}
        return f"KeyPool(size={self.size}, ready={counts})"

    def start(self) -> None:
        with self._cond:
            if self._thread is not None or self.size <= 0:
                return
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name="kms-rsa-pool", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop refilling and drop every pair not handed out. A generation under way is
        not waited for: its pair is dropped when it ends."""
        with self._cond:
            self._stopped = True
            self._thread = None
            for ready in self._ready.values():
                ready.clear()
            self._cond.notify_all()

    def take(self, spec: str) -> GeneratedKeyPair | None:
        """A ready pair of ``spec``, removed from the pool (None: none ready, or not a spec
        the pool keeps)."""
        with self._cond:
            ready = self._ready.get(spec)
            if ready is None:
                return None
            if spec not in self._wanted:
                self._want(spec)
            if not ready:
                return None
            pair = ready.popleft()
            self.handed_out += 1
            self._cond.notify_all()  # the refill thread has room again
            return pair

    def want(self, *specs: str) -> None:
        """Keep pairs of ``specs`` ready from now on, before any call asks for them."""
        with self._cond:
            for spec in specs:
                if spec in self._ready and spec not in self._wanted:
                    self._want(spec)

    def _want(self, spec: str) -> None:  # under the lock
        self._wanted.append(spec)
        self._cond.notify_all()

    def wanted(self) -> tuple[str, ...]:
        with self._cond:
            return tuple(self._wanted)

    def ready(self, spec: str) -> int:
        with self._cond:
            return len(self._ready.get(spec, ()))

    def wait_full(self, timeout: float) -> bool:
        """Wait until every spec asked for has ``size`` pairs ready (tests, benchmarks)."""
        with self._cond:
            return self._cond.wait_for(self._full, timeout)

    def _full(self) -> bool:
        return all(len(self._ready[spec]) >= self.size for spec in self._wanted)

    def _run(self) -> None:
        with contextlib.suppress(AttributeError, OSError):  # Linux: this thread alone
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        me = threading.current_thread()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._thread is not me or not self._full())
                if self._thread is not me:
                    return
                spec = min(self._wanted, key=lambda s: len(self._ready[s]))
            try:
                pair = self._generate(spec)  # outside the lock: the slow part
            except Exception as exc:
                logger.error("the RSA key pool could not make a %s pair: %s", spec, exc)
                return
            with self._cond:
                if self._thread is not me:
                    return  # stopped meanwhile: the pair is dropped
                self.generated += 1
                if len(self._ready[spec]) < self.size:
                    self._ready[spec].append(pair)
                    self._cond.notify_all()


# The pool of this process while something serves (None otherwise), shared by the servers
# of one process (tests run several).
_lock = threading.Lock()
_active: KeyPool | None = None
_users = 0


def acquire(size: int, specs: tuple[str, ...] = RSA_SPECS) -> KeyPool | None:
    """Start (or join) this process's pool; pair each call with :func:`release`."""
    global _active, _users
    with _lock:
        _users += 1
        if _active is None and size > 0:
            _active = KeyPool(size, specs)
            _active.start()
        return _active


def release() -> None:
    global _active, _users
    with _lock:
        _users = max(0, _users - 1)
        if _users == 0 and _active is not None:
            _active.stop()
            _active = None


def active() -> KeyPool | None:
    return _active


def take(spec: str) -> GeneratedKeyPair | None:
    """A ready pair of ``spec`` from this process's pool, if one is running and has one."""
    pool = _active
    return pool.take(spec) if pool is not None else None
