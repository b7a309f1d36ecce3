"""The key table and the index behind it.

:class:`KeyIndex` holds every listed key with its search text prepared once (lower-cased
alias names, key id, ARN, description), so filtering thousands of keys is a single pass over
a list. The ranking puts exact matches first, then prefix matches, then other substring
matches, each in listing order.

:class:`KeyTable` is a DataTable that shows a filtered view: ineligible keys are dimmed
(and explained), and it carries the bare-letter keys (``y``, ``Y``, ``/``, ...), which are
safe here because a table never takes typed text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from kmsworkbench.service import KeyInfo

COLUMNS: tuple[tuple[str, str], ...] = (
    ("alias", "Alias"),
    ("wraps", "Wraps pairs?"),
    ("key_id", "Key ID"),
    ("state", "State"),
    ("spec", "Key spec"),
    ("usage", "Usage"),
    ("origin", "Origin · manager"),
    ("description", "Description"),
)

_ALIAS_WIDTH = 30
_DESCRIPTION_WIDTH = 40


@dataclass
class _Entry:
    info: KeyInfo
    order: int
    names: tuple[tuple[str, str], ...]  # (field, lower-cased value): aliases, key id
    arn: str  # lower-cased
    description: str  # lower-cased
    sort_key: str  # customer aliases first, then alias/aws/*, then keys without alias

    @classmethod
    def build(cls, info: KeyInfo, order: int) -> _Entry:
        names: list[tuple[str, str]] = []
        for alias in info.aliases:
            low = alias.lower()
            names.append(("alias", low))
            if low.startswith("alias/"):
                names.append(("alias", low[len("alias/") :]))
        names.append(("key ID", info.key_id.lower()))
        if not info.aliases:
            sort_key = "2" + info.key_id
        elif info.aliases[0].startswith("alias/aws/"):
            sort_key = "1" + info.aliases[0].lower()
        else:
            sort_key = "0" + info.aliases[0].lower()
        return cls(info, order, tuple(names), info.arn.lower(), info.description.lower(), sort_key)

    def match(self, query: str) -> tuple[int, str] | None:
        """(rank, field): 0 exact, 1 prefix, 2 substring of an alias or the key id, 3 a
        substring of the description; None no match. The ARN counts whole or as a prefix
        (a pasted ARN) but not as a substring: every ARN contains "aws" and "kms", which
        made "aws" match every key."""
        if not query:
            return (0, "")
        best: tuple[int, str] | None = None
        for field, name in self.names:
            if name == query:
                return (0, field)
            if name.startswith(query):
                if best is None or best[0] > 1:
                    best = (1, field)
            elif best is None and query in name:
                best = (2, field)
        if best is None:
            if self.arn == query:
                return (0, "ARN")
            if self.arn.startswith(query):
                return (1, "ARN")
            if query in self.description:
                best = (3, "description")
        return best

    def rank(self, query: str) -> int | None:
        found = self.match(query)
        return None if found is None else found[0]


class KeyIndex:
    """Every key listed so far, by key id. Views list keys with aliases first (by alias),
    then the others by key id."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self.matched_by: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._entries

    def clear(self) -> None:
        self._entries.clear()

    def add(self, keys: Iterable[KeyInfo]) -> list[KeyInfo]:
        """Add or replace keys; returns the ones that were new."""
        new: list[KeyInfo] = []
        for info in keys:
            old = self._entries.get(info.key_id)
            order = old.order if old else len(self._entries)
            if old is None:
                new.append(info)
            elif info.metadata is None and old.info.metadata is not None:
                # A re-listing must not forget what DescribeKey already told us.
                info.metadata = old.info.metadata
            self._entries[info.key_id] = _Entry.build(info, order)
        return new

    def update(self, info: KeyInfo) -> None:
        """Replace a key with its described version (keeps its place)."""
        old = self._entries.get(info.key_id)
        order = old.order if old else len(self._entries)
        if old is not None and not info.aliases and old.info.aliases:
            info.aliases = old.info.aliases
        self._entries[info.key_id] = _Entry.build(info, order)

    def get(self, key_id: str) -> KeyInfo | None:
        entry = self._entries.get(key_id)
        return entry.info if entry else None

    def all(self) -> list[KeyInfo]:
        return [e.info for e in self._entries.values()]

    @property
    def alias_count(self) -> int:
        return sum(len(e.info.aliases) for e in self._entries.values())

    def filter(self, query: str, *, hide_ineligible: bool = False) -> list[KeyInfo]:
        """The keys matching ``query`` (case-insensitive), exact matches first, then
        prefix matches, then other alias/key id matches, then description matches; keys
        known to be ineligible left out on request. ``matched_by`` says, per key id, which
        field matched (for the count line and the detail pane)."""
        q = query.strip().lower()
        ranked: list[tuple[int, str, KeyInfo]] = []
        self.matched_by: dict[str, str] = {}
        for entry in self._entries.values():
            if hide_ineligible and entry.info.eligible is False:
                continue
            found = entry.match(q)
            if found is not None:
                ranked.append((found[0], entry.sort_key, entry.info))
                if found[1]:
                    self.matched_by[entry.info.key_id] = found[1]
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [info for _, _, info in ranked]

    def find(self, reference: str) -> KeyInfo | None:
        """The key a key id, key ARN, alias name or alias ARN names, if it is listed."""
        ref = reference.strip()
        if ":alias/" in ref:
            ref = ref[ref.index(":alias/") + 1 :]
        for entry in self._entries.values():
            info = entry.info
            if ref in (info.key_id, info.arn) or ref in info.aliases:
                return info
        return None


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def short_reason(info: KeyInfo) -> str:
    """A few words for the table; the detail pane has the full reason."""
    if info.metadata is None:
        return "describe failed" if info.error else ""
    usage, spec = info.key_usage, info.key_spec or ""
    if usage == "SIGN_VERIFY":
        return "signing key"
    if usage == "GENERATE_VERIFY_MAC" or spec.startswith("HMAC_"):
        return "HMAC key"
    if usage == "KEY_AGREEMENT":
        return "key agreement key"
    if spec and spec != "SYMMETRIC_DEFAULT":
        return "asymmetric key"
    if info.origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"):
        return "custom key store"
    if info.key_manager == "AWS":
        return "AWS managed"
    state = info.key_state or ""
    if state.startswith("Pending") and "Deletion" in state:
        return "pending deletion"
    if state == "Disabled":
        return "disabled"
    return state or (info.ineligible_reason or "no")


def row_cells(info: KeyInfo) -> list[Text]:
    """The table cells of one key; an ineligible key is dimmed, its reason in the cells."""
    eligible = info.eligible
    dim = "dim" if eligible is False else ""
    if not info.described:
        pending = "describing…" if info.error is None else "✗ describe failed"
        wraps = Text(pending, style="dim italic" if info.error is None else "dim")
    elif eligible:
        wraps = Text("✓ yes", style="bold")
    else:
        wraps = Text("✗ " + short_reason(info), style="dim")
    aliases = ", ".join(info.aliases) if info.aliases else "—"
    origin = " · ".join(x for x in (info.origin, info.key_manager) if x) or ""
    values = [
        _clip(aliases, _ALIAS_WIDTH),
        None,
        info.key_id,
        info.key_state or "",
        info.key_spec or "",
        info.key_usage or "",
        origin,
        _clip(info.description, _DESCRIPTION_WIDTH),
    ]
    cells: list[Text] = []
    for value in values:
        cells.append(wraps if value is None else Text(value, style=dim, no_wrap=True))
    return cells


class KeyTable(DataTable[Text]):
    """The keys. Enter chooses the highlighted key for a new pair."""

    HELP_SCOPE = "key table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Choose", id="key-choose", tooltip="Generate a pair"),
        Binding("y", "screen.copy_key_id", "Copy ID", id="key-copy-id", show=False),
        Binding("Y", "screen.copy_key_arn", "Copy ARN", id="key-copy-arn", show=False),
        Binding("slash", "screen.focus_filter", "Filter", id="key-filter"),
        Binding(
            "i", "screen.toggle_ineligible", "Hide/show ineligible", id="key-toggle", show=False
        ),
        Binding("e", "screen.toggle_enabled", "Enable/disable", id="key-enable", show=False),
        Binding("p", "screen.key_access", "Access", id="key-access", show=False),
        Binding("x", "screen.schedule_deletion", "Schedule deletion", id="key-delete", show=False),
        Binding("u", "screen.cancel_deletion", "Cancel deletion", id="key-undelete", show=False),
        Binding("R", "screen.rotate_now", "Rotate now", id="key-rotate", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.shown: list[KeyInfo] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, keys: list[KeyInfo], keep_key: str | None = None) -> None:
        """Replace the rows with ``keys`` (one clear and one bulk add), keeping the cursor
        on ``keep_key`` when it is still shown."""
        self.shown = keys
        self.clear()
        for info in keys:
            self.add_row(*row_cells(info), key=info.key_id)
        if keep_key is not None:
            self.move_to(keep_key)

    def move_to(self, key_id: str) -> bool:
        try:
            row = self.get_row_index(key_id)
        except Exception:
            return False
        self.move_cursor(row=row)
        return True

    def update_key(self, info: KeyInfo) -> None:
        """Refresh one row in place (DescribeKey answered)."""
        try:
            index = self.get_row_index(info.key_id)
        except Exception:
            return
        self.shown[index] = info
        for (column, _), cell in zip(COLUMNS, row_cells(info), strict=True):
            self.update_cell(info.key_id, column, cell, update_width=True)

    @property
    def highlighted(self) -> KeyInfo | None:
        if not self.shown or self.cursor_row < 0 or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]
