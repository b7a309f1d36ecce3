"""The index behind the key table: every listed key with its search text prepared once
(lower-cased alias names, key id, ARN, description), so filtering 10,000 keys is one pass
over a list, and mostly a substring test on one string per key.

The ranking puts exact matches first, then prefix matches, then other alias/key id
matches, then description matches, each in the view's order (customer aliases, AWS
aliases, keys without alias). A query that extends the previous one (one more letter typed)
searches only the previous matches: a key that does not match "ab" cannot match "abc".
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from kmsworkbench.service import KeyInfo


@dataclass(slots=True)
class _Entry:
    info: KeyInfo
    order: int
    aliases: str  # lower-cased alias names (each also without "alias/"), each between NULs
    key_id: str  # lower-cased
    arn: str  # lower-cased
    description: str  # lower-cased
    sort_key: str  # customer aliases first, then alias/aws/*, then keys without alias
    names: str  # aliases and key id: no query in it, the match is by ARN or description
    haystack: str  # names and description: no query in it, no match (but the ARN)
    ineligible: bool  # known not to wrap pairs (hidden on request)
    place: int = -1  # where it stands in the view order (KeyIndex._in_order)

    @classmethod
    def build(cls, info: KeyInfo, order: int) -> _Entry:
        names: list[str] = []
        for alias in info.aliases:
            low = alias.lower()
            names.append(low)
            if low.startswith("alias/"):
                names.append(low[len("alias/") :])
        aliases = "\0" + "\0".join(names) + "\0" if names else ""
        if not info.aliases:
            sort_key = "2" + info.key_id
        elif info.aliases[0].startswith("alias/aws/"):
            sort_key = "1" + info.aliases[0].lower()
        else:
            sort_key = "0" + info.aliases[0].lower()
        key_id = info.key_id.lower()
        description = info.description.lower()
        names = aliases + key_id
        haystack = names + "\0" + description
        return cls(
            info,
            order,
            aliases,
            key_id,
            info.arn.lower(),
            description,
            sort_key,
            names,
            haystack,
            info.eligible is False,
        )

    def match(self, query: str) -> tuple[int, str] | None:
        """(rank, field): 0 exact, 1 prefix, 2 substring of an alias or the key id, 3 a
        substring of the description; None no match. An alias comes before the key id at
        the same rank. The ARN counts whole or as a prefix (a pasted ARN) but not as a
        substring: every ARN contains "aws" and "kms", which made "aws" match every key.
        (:meth:`KeyIndex.filter` inlines this test for speed; the two must agree.)"""
        if not query:
            return (0, "")
        if query not in self.haystack and not self.arn.startswith(query):
            return None
        return _classify(self, query, "\0" + query, "\0" + query + "\0")


def _classify(entry: _Entry, q: str, start: str, whole: str) -> tuple[int, str]:
    """The rank and field of an entry known to match ``q`` (``start`` is NUL + q, ``whole``
    NUL + q + NUL: how an alias name equal to q, or starting with it, appears in
    :attr:`_Entry.aliases`). A query never holds a NUL, so it never spans two names."""
    aliases = entry.aliases
    if whole in aliases:
        return (0, "alias")
    if entry.key_id == q:
        return (0, "key ID")
    if start in aliases:
        return (1, "alias")
    if entry.key_id.startswith(q):
        return (1, "key ID")
    if q in aliases:
        return (2, "alias")
    if q in entry.key_id:
        return (2, "key ID")
    if entry.arn == q:
        return (0, "ARN")
    if entry.arn.startswith(q):
        return (1, "ARN")
    return (3, "description")


class _MatchedBy(Mapping[str, str]):
    """Per key id of the last filter's matches, the field that matched (alias, key ID, ARN,
    description), worked out when asked: a dict of 10,000 entries built on every keystroke
    cost more than the rest of the filter (the count per field is gathered by the filter:
    :attr:`KeyIndex.match_counts`)."""

    def __init__(
        self,
        entries: dict[str, _Entry],
        query: str,
        matches: list[_Entry],
        hide_ineligible: bool,
    ) -> None:
        self._entries = entries
        self._query = query
        self._matches = matches
        self._hide = hide_ineligible

    def __getitem__(self, key_id: str) -> str:
        entry = self._entries.get(key_id)
        if entry is None or not self._query or (self._hide and entry.ineligible):
            raise KeyError(key_id)
        found = entry.match(self._query)
        if found is None:
            raise KeyError(key_id)
        return found[1]

    def __iter__(self) -> Iterator[str]:
        if not self._query:
            return iter(())
        return (entry.info.key_id for entry in self._matches)

    def __len__(self) -> int:
        return len(self._matches) if self._query else 0


class KeyIndex:
    """Every key listed so far, by key id. Views list keys with aliases first (by alias),
    then the others by key id."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self.matched_by: Mapping[str, str] = {}
        self.match_counts: dict[str, int] = {}  # the last filter's matches per field
        # The last filter: (query, hide_ineligible, version, the matches ranked, the matches
        # in view order).
        self._last: tuple[str, bool, int, list[_Entry], list[_Entry]] | None = None
        self._version = 0  # changes whenever an entry is added or replaced
        self._order_version = 0  # changes whenever the view order may change
        # (order version, every entry in view order, number of aliases)
        # (order version, every entry in view order, number of aliases, the start all ARNs
        # share)
        self._sorted: tuple[int, list[_Entry], int, str] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._entries

    def clear(self) -> None:
        self._entries.clear()
        self._version += 1
        self._order_version += 1

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
        self._order_version += 1
        return new

    def update(self, info: KeyInfo) -> None:
        """Replace a key with its described version (keeps its place)."""
        old = self._entries.get(info.key_id)
        order = old.order if old else len(self._entries)
        if old is not None and not info.aliases and old.info.aliases:
            info.aliases = old.info.aliases
        entry = self._entries[info.key_id] = _Entry.build(info, order)
        self._version += 1
        sorted_ = self._sorted
        if (
            old is not None
            and sorted_ is not None
            and sorted_[0] == self._order_version
            and old.sort_key == entry.sort_key
            and len(old.info.aliases) == len(info.aliases)
        ):
            # Described in place: same names, same place in the view order. Without this,
            # the first keystroke after 10,000 keys were described sorted them all again.
            entry.place = old.place
            sorted_[1][old.place] = entry
        else:
            self._order_version += 1

    def get(self, key_id: str) -> KeyInfo | None:
        entry = self._entries.get(key_id)
        return entry.info if entry else None

    def all(self) -> list[KeyInfo]:
        return [e.info for e in self._entries.values()]

    def _in_order(self) -> list[_Entry]:
        """Every entry in the view's order (sorted once per change of the index, not per
        keystroke)."""
        if self._sorted is None or self._sorted[0] != self._order_version:
            ordered = sorted(self._entries.values(), key=lambda e: e.sort_key)
            for place, entry in enumerate(ordered):
                entry.place = place
            aliases = sum(len(e.info.aliases) for e in ordered)
            arn_start = os.path.commonprefix([e.arn for e in ordered])
            self._sorted = (self._order_version, ordered, aliases, arn_start)
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
        if hide_ineligible:
            candidates = [entry for entry in candidates if not entry.ineligible]
        counts: dict[str, int] = {}
        assert self._sorted is not None
        arn_start = self._sorted[3]
        if not q:
            entries = hits = candidates
        elif arn_start.startswith(q) or q.startswith(arn_start):
            # A query that can be the start of an ARN ("a", "arn:", a pasted ARN): the
            # ARN is tested too, and every hit ranked one by one.
            hits = [e for e in candidates if q in e.haystack or e.arn.startswith(q)]
            entries = self._rank(hits, [], q, counts)
        else:
            # Which keys match, in C; most hits of a short query are by description alone,
            # split off in C too: only the hits by name are ranked one by one.
            hits = [e for e in candidates if q in e.haystack]
            named = [e for e in hits if q in e.names]
            if len(named) == len(hits):
                described: list[_Entry] = []
            elif named:
                described = [e for e in hits if q not in e.names]
            else:
                described = hits
            entries = self._rank(named, described, q, counts)
        self.matched_by = _MatchedBy(self._entries, q, hits, hide_ineligible)
        self.match_counts = counts
        self._last = (q, hide_ineligible, self._version, entries, hits)
        return [entry.info for entry in entries]

    @staticmethod
    def _rank(
        hits: list[_Entry], described: list[_Entry], q: str, counts: dict[str, int]
    ) -> list[_Entry]:
        """``hits`` (in view order) by rank, then ``described`` (hits by description alone,
        in view order); ``counts`` gets the number of hits per matching field.
        :func:`_classify`, inlined: this loop runs once per hit and keystroke."""
        start, whole = "\0" + q, "\0" + q + "\0"
        exact: list[_Entry] = []
        prefix: list[_Entry] = []
        inner: list[_Entry] = []
        described = list(described)
        n_alias = n_key_id = n_arn = 0
        for e in hits:
            if q not in e.names:
                if e.arn == q:
                    exact.append(e)
                    n_arn += 1
                elif e.arn.startswith(q):
                    prefix.append(e)
                    n_arn += 1
                else:
                    described.append(e)
                continue
            aliases, key_id = e.aliases, e.key_id
            if whole in aliases:
                exact.append(e)
                n_alias += 1
            elif key_id == q:
                exact.append(e)
                n_key_id += 1
            elif start in aliases:
                prefix.append(e)
                n_alias += 1
            elif key_id.startswith(q):
                prefix.append(e)
                n_key_id += 1
            elif q in aliases:
                inner.append(e)
                n_alias += 1
            else:
                inner.append(e)
                n_key_id += 1
        for field, n in (
            ("alias", n_alias),
            ("key ID", n_key_id),
            ("ARN", n_arn),
            ("description", len(described)),
        ):
            if n:
                counts[field] = n
        return exact + prefix + inner + described

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
