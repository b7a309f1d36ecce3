"""The index behind the key table: every listed key with its search text prepared once
(lower-cased alias names, key id, ARN, description), so filtering 10,000 keys is one pass
over a list, and mostly a substring test on one string per key.

The ranking puts exact matches first, then prefix matches, then other alias/key id
matches, then description matches, each in the view's order (customer aliases, AWS
aliases, keys without alias). A query that extends the previous one (one more letter typed)
searches only the previous matches: a key that does not match "ab" cannot match "abc".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kmsworkbench.service import KeyInfo


@dataclass
class _Entry:
    info: KeyInfo
    order: int
    names: tuple[tuple[str, str], ...]  # (field, lower-cased value): aliases, key id
    arn: str  # lower-cased
    description: str  # lower-cased
    sort_key: str  # customer aliases first, then alias/aws/*, then keys without alias
    haystack: str  # names and description joined: no query in it, no match (but the ARN)

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
        description = info.description.lower()
        haystack = "\0".join([name for _, name in names] + [description])
        return cls(info, order, tuple(names), info.arn.lower(), description, sort_key, haystack)

    def match(self, query: str) -> tuple[int, str] | None:
        """(rank, field): 0 exact, 1 prefix, 2 substring of an alias or the key id, 3 a
        substring of the description; None no match. The ARN counts whole or as a prefix
        (a pasted ARN) but not as a substring: every ARN contains "aws" and "kms", which
        made "aws" match every key."""
        if not query:
            return (0, "")
        if query not in self.haystack and not self.arn.startswith(query):
            return None
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
        # The last filter: (query, hide_ineligible, version, the matches ranked, the matches
        # in view order).
        self._last: tuple[str, bool, int, list[_Entry], list[_Entry]] | None = None
        self._version = 0  # changes whenever an entry is added or replaced
        self._sorted: tuple[int, list[_Entry], int] | None = None  # version, view order, aliases

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._entries

    def clear(self) -> None:
        self._entries.clear()
        self._version += 1

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
        self._version += 1
        return new

    def update(self, info: KeyInfo) -> None:
        """Replace a key with its described version (keeps its place)."""
        old = self._entries.get(info.key_id)
        order = old.order if old else len(self._entries)
        if old is not None and not info.aliases and old.info.aliases:
            info.aliases = old.info.aliases
        self._entries[info.key_id] = _Entry.build(info, order)
        self._version += 1

    def get(self, key_id: str) -> KeyInfo | None:
        entry = self._entries.get(key_id)
        return entry.info if entry else None

    def all(self) -> list[KeyInfo]:
        return [e.info for e in self._entries.values()]

    def _in_order(self) -> list[_Entry]:
        """Every entry in the view's order (sorted once per change of the index, not per
        keystroke)."""
        if self._sorted is None or self._sorted[0] != self._version:
            ordered = sorted(self._entries.values(), key=lambda e: e.sort_key)
            aliases = sum(len(e.info.aliases) for e in ordered)
            self._sorted = (self._version, ordered, aliases)
        return self._sorted[1]

    @property
    def alias_count(self) -> int:
        self._in_order()
        assert self._sorted is not None
        return self._sorted[2]

    def filter(self, query: str, *, hide_ineligible: bool = False) -> list[KeyInfo]:
        """The keys matching ``query`` (case-insensitive), exact matches first, then
        prefix matches, then other alias/key id matches, then description matches; keys
        known to be ineligible left out on request. ``matched_by`` says, per key id, which
        field matched (for the count line and the detail pane)."""
        q = query.strip().lower()
        candidates: list[_Entry] = self._in_order()
        last = self._last
        if last is not None and last[1] == hide_ineligible and last[2] == self._version:
            if q == last[0]:
                return [entry.info for entry in last[3]]
            if last[0] and q.startswith(last[0]):
                # One more letter typed: only the previous matches can match (a name or
                # description holding q holds its start; an ARN starting with q too).
                candidates = last[4]
        # Candidates come in view order, so each rank's bucket is already in view order:
        # no sort per keystroke.
        buckets: tuple[list[_Entry], ...] = ([], [], [], [])
        matched_by: dict[str, str] = {}
        for entry in candidates:
            if hide_ineligible and entry.info.eligible is False:
                continue
            found = entry.match(q)
            if found is not None:
                buckets[found[0]].append(entry)
                if found[1]:
                    matched_by[entry.info.key_id] = found[1]
        entries = [entry for bucket in buckets for entry in bucket]
        in_order = (
            [entry for entry in candidates if entry.info.key_id in matched_by] if q else entries
        )
        self.matched_by = matched_by
        self._last = (q, hide_ineligible, self._version, entries, in_order)
        return [entry.info for entry in entries]

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
