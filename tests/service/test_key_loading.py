"""Listing and describing at once (service/key_loading.py): the first page's keys are being
described before the last page is listed, never more calls in flight than the bound, and
the rate limit spaces calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from kmsworkbench.service import KeyInfo, KmsError
from kmsworkbench.service.key_loading import KeyListing, RateLimit, load_keys


class PagedSession:
    """Three pages of keys; the second page waits until a key of the first is described."""

    def __init__(self) -> None:
        self.first_described = threading.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.listed_all_at: float | None = None

    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        for page in range(3):
            if page == 1:
                # Only a loader that describes while listing gets past this.
                assert self.first_described.wait(5), "no key described before page 2"
            yield [KeyInfo(f"k{page}-{i}", f"arn:k{page}-{i}") for i in range(10)]

    def describe_key(self, key_id: str) -> KeyInfo:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.002)
        with self.lock:
            self.in_flight -= 1
        if key_id == "k2-9":
            raise KmsError("NotFoundException", "gone", "DescribeKey")
        self.first_described.set()
        return KeyInfo(key_id, f"arn:{key_id}", [], {"KeyId": key_id, "KeyState": "Enabled"})


def test_describes_while_listing_within_the_bound() -> None:
    session = PagedSession()
    batches: list[list[KeyInfo]] = []
    described: list[KeyInfo] = []
    listed: list[bool] = []
    load_keys(
        session,  # type: ignore[arg-type]
        batches.append,
        described.append,
        on_listed=lambda: listed.append(True),
        max_in_flight=4,
        max_rate=0,
    )
    assert [len(b) for b in batches] == [10, 10, 10] and listed == [True]
    assert len(described) == 30
    assert 1 <= session.most_in_flight <= 4
    failed = [k for k in described if k.error]
    assert [k.key_id for k in failed] == ["k2-9"] and "NotFoundException" in (failed[0].error or "")
    # The listed objects themselves carry the metadata (the table may show them already).
    assert all(k.metadata for b in batches for k in b if k.key_id != "k2-9")


class LateAliasSession(PagedSession):
    """One page whose aliases answer after the page was passed on."""

    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        assert aliases_later is not None, "the loader waited for ListAliases"
        keys = [KeyInfo(f"k0-{i}", f"arn:k0-{i}") for i in range(3)]
        yield keys
        keys[1].aliases = ["alias/late"]
        aliases_later([keys[1]])


@pytest.mark.parametrize("own_callback", [False, True])
def test_aliases_that_come_later_are_passed_on_again(own_callback: bool) -> None:
    session = LateAliasSession()
    session.first_described.set()
    batches: list[list[KeyInfo]] = []
    renamed: list[list[KeyInfo]] = []
    described: list[KeyInfo] = []
    load_keys(
        session,  # type: ignore[arg-type]
        batches.append,
        described.append,
        on_aliases=renamed.append if own_callback else None,
        max_rate=0,
    )
    again = renamed if own_callback else batches[1:]
    assert [len(b) for b in batches[:1]] == [3] and batches[0][0].aliases == []
    assert len(again) == 1 and again[0] == [batches[0][1]]
    assert again[0][0] is batches[0][1] and again[0][0].aliases == ["alias/late"]
    assert sorted(k.key_id for k in described) == ["k0-0", "k0-1", "k0-2"]  # once each


def test_cancel_stops_describing() -> None:
    session = PagedSession()
    session.first_described.set()
    described: list[KeyInfo] = []
    load_keys(
        session,  # type: ignore[arg-type]
        lambda _batch: None,
        described.append,
        cancelled=lambda: True,
    )
    assert described == []


def test_rate_limit_spaces_calls() -> None:
    now = [100.0]
    limit = RateLimit(1000.0, clock=lambda: now[0])
    waits = [limit.reserve() for _ in range(5)]
    expected = [0.0, 0.001, 0.002, 0.003, 0.004]
    assert all(abs(a - b) < 1e-9 for a, b in zip(waits, expected, strict=True)), waits
    now[0] = 101.0  # a second later the limit has room again
    assert limit.reserve() == 0.0


def test_a_listing_begun_early_lists_its_first_page_and_goes_on_once_followed() -> None:
    session = PagedSession()
    session.first_described.set()  # the pages come without waiting for a description
    listing = KeyListing(session).start()  # type: ignore[arg-type]
    with listing._changed:
        assert listing._changed.wait_for(lambda: listing._events, timeout=10)
    # The first page is in; the next pages and every DescribeKey wait for follow().
    assert [kind for kind, _ in listing._events] == ["batch"]
    assert session.most_in_flight == 0
    batches: list[list[KeyInfo]] = []
    described: list[KeyInfo] = []
    listed: list[bool] = []
    listing.follow(batches.append, described.append, on_listed=lambda: listed.append(True))
    assert [len(b) for b in batches] == [10, 10, 10] and listed == [True]
    assert len(described) == 30 and sum(1 for k in described if k.error) == 1


class FailingSession(PagedSession):
    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        yield [KeyInfo("k0-0", "arn:k0-0")]
        raise KmsError("AccessDeniedException", "no ListKeys for you", "ListKeys")


def test_a_listing_begun_early_hands_its_failure_and_its_cancel_on() -> None:
    listing = KeyListing(FailingSession()).start()  # type: ignore[arg-type]
    batches: list[list[KeyInfo]] = []
    with pytest.raises(KmsError, match="AccessDenied"):
        listing.follow(batches.append, lambda _info: None)
    assert [[k.key_id for k in b] for b in batches] == [["k0-0"]]  # what came first, shown

    session = PagedSession()
    session.first_described.set()
    listing = KeyListing(session).start()  # type: ignore[arg-type]
    # Cancelled at once: follow returns, nothing is described, and the listing stops.
    listing.follow(lambda _b: None, lambda _i: None, cancelled=lambda: True)
    listing._thread.join(10)
    assert not listing._thread.is_alive() and session.most_in_flight == 0
