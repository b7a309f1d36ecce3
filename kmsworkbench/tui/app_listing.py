"""The app's part in listing keys: the listing begun before the app existed (tui/launch.py)
taken over by the first key screen, a new listing after that, and what a widget shows while
it waits for KMS.

A listing's DescribeKey calls start once the screen has shown the first rows. Their answers
are parsed on up to 32 threads, each holding the interpreter lock while it parses: begun at
once, they left the UI thread a small share of it, and behind 50 ms of latency the rows of
the first page (already there) were drawn seconds late."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget

    from kmsworkbench.service import KeyInfo, KmsSession
    from kmsworkbench.service.key_loading import KeyListing
    from kmsworkbench.tui.screens.keys_messages import KeysArrived

# How long a listing's describes wait for the first rows to be drawn, at most (seconds).
ROWS_FIRST_LIMIT = 2.0


class KeyListingHost:
    """Mixed into WorkbenchApp, which sets ``session``, ``_key_listing`` (or None) and
    ``_listing_lock``."""

    session: KmsSession
    _key_listing: KeyListing | None
    _listing_lock: threading.Lock
    _rows_shown: threading.Event | None = None  # the running listing's describes wait on it

    if TYPE_CHECKING:  # App's, in WorkbenchApp

        def call_after_refresh(self, callback: Callable[[], object]) -> bool: ...

    def get_loading_widget(self) -> Widget:
        """What a widget shows while ``loading`` (the key table while it is listed): one
        line that turns, not Textual's indicator that repaints its whole area (see
        widgets/busy.py)."""
        from kmsworkbench.tui.widgets.busy import BusyNote

        return BusyNote()

    def load_keys(
        self,
        on_batch: Callable[[list[KeyInfo]], None],
        on_described: Callable[[KeyInfo], None],
        *,
        on_listed: Callable[[], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        """The key list of the current session, as service/key_loading.py's ``load_keys``
        gives it (called on a worker thread): the first time, the listing begun at start-up
        is taken over (what it fetched already comes first); after that, a new listing."""
        from kmsworkbench.service.key_loading import load_keys

        shown = threading.Event()
        self._rows_shown = shown

        def hold() -> None:
            if not shown.wait(ROWS_FIRST_LIMIT):
                shown.set()  # the others need not wait as long again

        listing = self._take_key_listing()
        if listing is not None:
            listing.follow(
                on_batch, on_described, on_listed=on_listed, cancelled=cancelled, hold=hold
            )
            return
        load_keys(
            self.session,
            on_batch,
            on_described,
            on_listed=on_listed,
            cancelled=cancelled,
            hold=hold,
        )

    def on_keys_arrived(self, _message: KeysArrived) -> None:
        """A screen has taken a batch of keys (the message bubbles up here after it): once
        they are drawn, the listing may describe."""
        shown = self._rows_shown
        if shown is not None:
            self.call_after_refresh(shown.set)

    def _take_key_listing(self) -> KeyListing | None:
        with self._listing_lock:
            listing, self._key_listing = self._key_listing, None
        if listing is not None and listing.session is not self.session:
            listing.cancel()
            return None
        return listing

    def _drop_key_listing(self) -> None:
        """The start-up listing, if no screen took it (a switch or a quit came first)."""
        with self._listing_lock:
            listing, self._key_listing = self._key_listing, None
        if listing is not None:
            listing.cancel()
