"""Generate many data key pairs at once, within the KMS request quota for the spec.

GenerateDataKeyPair(WithoutPlaintext) has a per-spec quota per account and Region
(kms-semantics.md 1.6; ``keypairs.SPECS[spec].quota_per_second``): 25/s for P-256, 1/s for
RSA_2048, one every 10 s for RSA_4096. A token bucket paces the calls at that rate, a small
pool keeps several in flight, and a ThrottlingException (after botocore's own standard-mode
retries) halves the rate and retries after a backoff instead of failing the batch.

The sandbox has no request quotas, so against it (embedded, or a served sandbox, which says
so on every answer) the pace is lifted as soon as that is known: waiting would only slow the
batch down. A throttled answer still slows it, and an explicit ``rate`` is always kept.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.models import GenerateResult
from kmsworkbench.service.session import KmsSession

# Used when the spec has no published quota (Ed25519 and ML-KEM at the time of writing).
DEFAULT_RATE_PER_SECOND = 5.0
MIN_RATE_PER_SECOND = 0.05
MAX_WORKERS = 8
# After throttling the pace never drops below the starting rate divided by this.
MAX_SLOWDOWN = 16.0

# Resolved at call time so a test can run a batch on a fake clock.
_clock: Callable[[], float] = time.monotonic
_sleep: Callable[[float], None] = time.sleep


def rate_for_spec(spec: str) -> float:
    """The pace for ``spec``: its KMS quota, or DEFAULT_RATE_PER_SECOND."""
    from kmsworkbench.keypairs.specs import SPECS

    entry = SPECS.get(spec)
    quota = entry.quota_per_second if entry is not None else None
    return float(quota) if quota else DEFAULT_RATE_PER_SECOND


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``burst``."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.min_rate = max(MIN_RATE_PER_SECOND, rate / MAX_SLOWDOWN)
        self.burst = max(1.0, burst if burst is not None else rate)
        self._tokens = self.burst
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()
        self.unlimited = False

    def lift(self) -> None:
        """No pacing from now on (the backend has no quota), until throttled."""
        with self._lock:
            self.unlimited = True

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self) -> None:
        while True:
            with self._lock:
                if self.unlimited:
                    return
                self._refill()
                # The epsilon keeps float rounding (0.9999999...) from waiting forever.
                if self._tokens >= 1.0 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                wait_for = (1.0 - self._tokens) / self.rate
            self._sleep(wait_for)

    def slow_down(self, factor: float = 0.5) -> float:
        """Lower the rate (after throttling); returns the new rate."""
        with self._lock:
            self.unlimited = False
            self._refill()
            self.rate = max(self.min_rate, self.rate * factor)
            self.burst = 1.0
            self._tokens = min(self._tokens, 0.0)
            return self.rate


def generate_batch(
    session: KmsSession,
    key_id: str,
    spec: str,
    count: int,
    *,
    encryption_context: dict[str, str] | None = None,
    grant_tokens: list[str] | None = None,
    rate: float | None = None,
    max_workers: int | None = None,
    max_throttle_retries: int = 10,
    on_result: Callable[[int, GenerateResult], None] | None = None,
    on_throttle: Callable[[float], None] | None = None,
    on_unpaced: Callable[[], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> list[GenerateResult]:
    """``count`` pairs under ``key_id``, in index order. ``on_result(index, result)`` is
    called (from a worker thread) as each arrives, ``on_throttle(new_rate)`` when KMS
    throttles, ``on_unpaced()`` once if the backend turns out to have no request quota (and
    ``rate`` was not given). Any other failure stops the batch and raises its KmsError."""
    if count < 1:
        raise ValueError("count must be at least 1")
    sleep = sleep or _sleep
    bucket = TokenBucket(rate or rate_for_spec(spec), clock=clock or _clock, sleep=sleep)
    workers = max(1, min(count, max_workers or MAX_WORKERS))
    lifted = threading.Event()
    lift_lock = threading.Lock()  # so that only one worker lifts the pace and says so

    def lift_if_unmetered() -> None:
        if rate is not None or lifted.is_set() or session.has_request_quotas:
            return
        with lift_lock:
            if lifted.is_set():
                return
            lifted.set()
        bucket.lift()
        if on_unpaced is not None:
            on_unpaced()

    lift_if_unmetered()
    results: list[GenerateResult | None] = [None] * count
    stop = threading.Event()

    def one(index: int) -> None:
        attempt = 0
        while True:
            if stop.is_set():
                return
            bucket.acquire()
            try:
                result = session.generate_pair(
                    key_id, spec, encryption_context=encryption_context, grant_tokens=grant_tokens
                )
            except KmsError as exc:
                if exc.code != "ThrottlingException" or attempt >= max_throttle_retries:
                    stop.set()
                    raise
                attempt += 1
                new_rate = bucket.slow_down()
                if on_throttle is not None:
                    on_throttle(new_rate)
                sleep(min(10.0, 0.2 * 2**attempt) * (0.5 + random.random() / 2))
                continue
            lift_if_unmetered()
            results[index] = result
            if on_result is not None:
                on_result(index, result)
            return

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kms-batch") as pool:
        futures: list[Future[None]] = [pool.submit(one, i) for i in range(count)]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future.done() and future.exception() is not None:
                stop.set()
                for other in futures:
                    other.cancel()
                raise future.exception()  # type: ignore[misc]
        wait(futures)
        for future in futures:
            exc = future.exception()
            if exc is not None:
                raise exc
    return [r for r in results if r is not None]
