"""The key list behind the key chooser: loading (ListKeys + ListAliases, each page's keys
described while the next pages arrive), the filter, the count line and the detail pane.
The chooser (keys.py) adds the bindings and what Enter does; keys_admin.py the actions
that change keys."""

from __future__ import annotations

import gc
import threading

from textual import on, work
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from kmsworkbench.service import KeyInfo
from kmsworkbench.service.key_details import KeyDetails, fetch_key_details
from kmsworkbench.tui.screens.base import WorkbenchScreen, focus_now
from kmsworkbench.tui.screens.keys_messages import (
    DescribingDone,
    DetailsReady,
    KeyDetailsFetched,
    KeysArrived,
    ListingDone,
)
from kmsworkbench.tui.screens.keys_text import metadata_text
from kmsworkbench.tui.widgets.key_detail import KeyDetailPane
from kmsworkbench.tui.widgets.key_table import KeyIndex, KeyTable


class KeyListScreen(WorkbenchScreen):
    """A screen with a key table (#key-table), a filter (#key-filter), a count line
    (#key-count) and a detail pane."""

    # The first screen: the app's own styles are all it needs (see screens/base.py).
    CSS_PATH = None

    def __init__(self) -> None:
        super().__init__()
        self.index = KeyIndex()
        self.loading_keys = False
        self.describing = False
        self._token = 0
        self._queue: list[KeyInfo] = []
        self._queue_lock = threading.Lock()
        self._described_count = 0
        self.matching = 0
        self._count_text = ""
        self._key_details: dict[str, KeyDetails] = {}
        self._fetching_details: set[str] = set()

    def on_mount(self) -> None:
        self.load_keys()

    # -- loading -------------------------------------------------------------------------

    @property
    def hide_ineligible(self) -> bool:
        return self.workbench.settings.hide_ineligible

    def load_keys(self) -> None:
        self._token += 1
        # What the last listing froze (see _describing_done) can be collected again: the old
        # keys and anything cyclic that was left then.
        gc.unfreeze()
        self.index.clear()
        with self._queue_lock:
            self._queue.clear()
        self._described_count = 0
        self.loading_keys = True
        self.describing = True
        table = self.query_one(KeyTable)
        table.show([])
        table.loading = True
        self._update_count()
        self._update_detail(None)
        self._load_worker(self._token)

    @work(thread=True, exclusive=True, exit_on_error=False, group="keys", description="ListKeys")
    def _load_worker(self, token: int) -> None:
        """ListKeys page by page; each page's keys are described (a bounded, rate-limited
        pool: service/key_loading.py) while the next pages are listed."""
        worker = get_current_worker()

        def on_described(info: KeyInfo) -> None:
            if worker.is_cancelled:
                return
            with self._queue_lock:
                first = not self._queue
                self._queue.append(info)
            if first:
                self.post_message(DetailsReady(token))

        # The app's: the first time, it takes over the listing begun at start-up.
        self.workbench.load_keys(
            lambda batch: self.post_message(KeysArrived(token, batch)),
            on_described,
            on_listed=lambda: self.post_message(ListingDone(token)),
            cancelled=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self.post_message(DescribingDone(token))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "keys" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.loading_keys = False
            self.describing = False
            self.query_one(KeyTable).loading = False
            self.refresh_bindings()
            self._update_count(failed=event.state == WorkerState.ERROR)

    @on(KeysArrived)
    def _keys_arrived(self, message: KeysArrived) -> None:
        if message.token != self._token:
            return
        self.index.add(message.keys)
        table = self.query_one(KeyTable)
        # While the list comes in, a cursor on the first row stays there: keys that sort
        # above it arrive in later pages or get their alias names later, and the view must
        # not open on whichever key happened to be listed first.
        on_top = self.loading_keys and table.cursor_row == 0
        table.loading = False
        if self.focused is None:
            # Auto focus can find the table still covered by its loading indicator (seen in a
            # real terminal under load): then nothing has focus and the table's keys are dead.
            focus_now(table)
        self.refresh_bindings()  # the footer shows the table's keys once it has rows
        self._refilter()
        if on_top and table.cursor_row != 0:
            table.move_cursor(row=0)

    @on(ListingDone)
    def _listing_done(self, message: ListingDone) -> None:
        if message.token != self._token:
            return
        self.loading_keys = False
        self.describing = len(self.index) > 0
        self.query_one(KeyTable).loading = False
        self._refilter()
        last = self.workbench.settings.last_key
        if last:
            info = self.index.find(last)
            if info is not None:
                self.query_one(KeyTable).move_to(info.key_id)

    @on(DetailsReady)
    def _details_ready(self, message: DetailsReady) -> None:
        with self._queue_lock:
            described, self._queue = self._queue, []
        if message.token != self._token:
            return
        self._apply_described(described)

    def _apply_described(self, described: list[KeyInfo]) -> None:
        table = self.query_one(KeyTable)
        hidden_changed = False
        for info in described:
            self.index.update(info)
            self._described_count += 1
            if self.hide_ineligible and info.eligible is False:
                hidden_changed = True
            else:
                table.update_key(info)
        if hidden_changed or self.filter_text:
            # Ineligible keys leave the view, or a description now matches the filter (the
            # refilter updates the pane if the highlighted key changed).
            self._refilter()
        self._update_count()
        now = table.highlighted
        if now is not None and any(info.key_id == now.key_id for info in described):
            # Only when the highlighted key itself was described: the pane redrawn for every
            # batch laid the screen out again hundreds of times while 10,000 keys loaded.
            self._update_detail(now)

    @on(DescribingDone)
    def _describing_done(self, message: DescribingDone) -> None:
        if message.token != self._token:
            return
        with self._queue_lock:
            described, self._queue = self._queue, []
        self.describing = False
        self._apply_described(described)
        # The listed keys live as long as the list: take them (and everything else alive
        # now) out of the collector's full passes, which walked every one of them on a
        # keystroke now and then (170 ms at 10,000 keys). Reference counting still frees
        # them when the list is refreshed, which unfreezes them for the collector too.
        gc.freeze()

    # -- filter, count, detail -----------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self.query_one("#key-filter", Input).value

    def _refilter(self) -> None:
        table = self.query_one(KeyTable)
        current = table.highlighted
        before = self.index.matched_by.get(current.key_id) if current else None
        keys = self.index.filter(self.filter_text, hide_ineligible=self.hide_ineligible)
        self.matching = len(keys)
        # Every match is in the view: the table renders only the rows on screen.
        table.show(keys, keep_key=current.key_id if current else None)
        self._update_count()
        now = table.highlighted
        if now is None or now is not current or self.index.matched_by.get(now.key_id) != before:
            # The pane changes only with the key (or why it matches): redrawing it on every
            # keystroke would lay the whole screen out again.
            self._update_detail(now)

    def _update_count(self, failed: bool = False) -> None:
        total = len(self.index)
        shown = len(self.query_one(KeyTable).shown)
        parts = [f"{total} keys", f"{self.index.alias_count} aliases"]
        if shown != total:
            parts.append(f"{shown} shown")
        if self.filter_text.strip() and self.matching:
            parts.append(self._matched_by_text())
        if self.hide_ineligible:
            parts.append("ineligible hidden")
        if failed:
            parts.append("listing failed")
        elif self.loading_keys:
            parts.append(
                f"listing… described {self._described_count}"
                if self._described_count
                else "listing…"
            )
        elif self.describing:
            parts.append(f"described {self._described_count}/{total}")
        text = " · ".join(parts)
        label = self.query_one("#key-count", Label)
        if text != self._count_text:
            # The label is as wide as its text: only a new length needs a layout (one per
            # keystroke cost a layout of the whole screen).
            label.update(text, layout=len(text) != len(self._count_text))
            self._count_text = text

    def _matched_by_text(self) -> str:
        """Which fields the filter matched, e.g. "matched: 3 alias, 2 description"."""
        counts = self.index.match_counts
        order = ("alias", "key ID", "ARN", "description")
        return "matched: " + ", ".join(f"{counts[f]} {f}" for f in order if f in counts)

    def _update_detail(self, info: KeyInfo | None) -> None:
        pane = self.query_one(KeyDetailPane)
        if info is None:
            if self.loading_keys:
                pane.show("Listing keys…", None)
            elif len(self.index) == 0:
                pane.show(
                    "No keys. Ctrl+N creates a symmetric key; Ctrl+O names a key of "
                    "another account by its ARN.",
                    None,
                )
            else:
                pane.show("No key matches the filter.", None)
            return
        text = metadata_text(info)
        field = self.index.matched_by.get(info.key_id) if self.filter_text.strip() else None
        if field:
            text.append(f"\nMatches the filter by its {field}.", style="italic")
        pane.show(text, info)
        details = self._key_details.get(info.key_id)
        if details is not None:
            if info.metadata is not None:
                pane.show_details(info, details, can_rotate_now=self._can_rotate(details))
        elif info.key_id not in self._fetching_details:
            # Begun before the key is described, too (shown once it is): at start the calls
            # go on while the first rows are drawn and the keys described, not after.
            self._fetching_details.add(info.key_id)
            self._key_details_worker(info.key_id)

    def _can_rotate(self, details: KeyDetails) -> bool:
        """Does the pane offer R? A key that rotates, and is Enabled (KMS refuses others)."""
        info = self.index.find(details.key_id)
        return not details.rotation_note and info is not None and info.key_state == "Enabled"

    @work(thread=True, exit_on_error=False, group="key-details", description="Key details")
    def _key_details_worker(self, key_id: str) -> None:
        # One fetch per key at a time (not exclusive: moving on must not cancel it; its
        # answer is kept for when the key is highlighted again).
        try:
            details = fetch_key_details(self.workbench.session, key_id)
        except Exception as exc:  # the pane says so; no modal for an optional detail
            note = f"could not be read ({type(exc).__name__}: {exc})"
            details = KeyDetails(key_id, rotation_note=note, policy_note=note)
        self.post_message(KeyDetailsFetched(details))

    @on(KeyDetailsFetched)
    def _key_details_fetched(self, message: KeyDetailsFetched) -> None:
        self._fetching_details.discard(message.details.key_id)
        self._key_details[message.details.key_id] = message.details
        info = self.query_one(KeyTable).highlighted
        if info is not None and info.key_id == message.details.key_id and info.metadata is not None:
            self.query_one(KeyDetailPane).show_details(
                info, message.details, can_rotate_now=self._can_rotate(message.details)
            )

    @on(Input.Changed, "#key-filter")
    def _filter_changed(self) -> None:
        # At once, on every keystroke: about 10 ms at 10,000 keys (benchmarks/
        # bench_tui_filter.py), so there is no pause in the typing to wait for.
        self._refilter()

    @on(Input.Submitted, "#key-filter")
    def _filter_submitted(self) -> None:
        table = self.query_one(KeyTable)
        if table.row_count:
            table.move_cursor(row=0)
            focus_now(table)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        filter_input = self.query_one("#key-filter", Input)
        if filter_input.has_focus and key in ("down", "escape"):
            if key == "escape":
                filter_input.value = ""
            focus_now(self.query_one(KeyTable))
            getattr(event, "stop", lambda: None)()

    @on(KeyTable.Highlighted, "#key-table")
    def _row_highlighted(self) -> None:
        self._update_detail(self.query_one(KeyTable).highlighted)
