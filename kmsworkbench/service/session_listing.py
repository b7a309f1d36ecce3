"""The key listing half of KmsSession: ListKeys and ListAliases as pages arrive, DescribeKey
cached per session and on a bounded pool. A mixin: KmsSession (service/session.py) gives it
its calls, pages and caches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.models import KeyInfo

# DescribeKey calls in flight at once when describing a key list. AWS's DescribeKey quota is
# 2,000 requests per second per account and Region; 8 in flight stays far below it. (16 was
# tried: on a heavily loaded machine it was not shown to be faster; see benchmarks/RESULTS.md.)
DESCRIBE_CONCURRENCY = 8


class KeyListing:
    """Listing and describing keys; needs the attributes and calls KmsSession defines."""

    _cache_lock: threading.Lock
    _described: dict[str, KeyInfo]
    _aliases: dict[str, list[str]] | None
    _first_page: threading.Event | None
    _listed_account: str | None
    call: Callable[..., dict[str, Any]]
    _paginate: Callable[..., Iterator[dict[str, Any]]]

    def _alias_map(self) -> dict[str, list[str]]:
        aliases: dict[str, list[str]] = {}
        for page in self._paginate("ListAliases"):
            for alias in page.get("Aliases", []):
                target = alias.get("TargetKeyId")
                if target:
                    aliases.setdefault(target, []).append(alias["AliasName"])
        for names in aliases.values():
            names.sort()
        with self._cache_lock:
            self._aliases = aliases
        return aliases

    def iter_keys(
        self, aliases_later: Callable[[list[KeyInfo]], None] | None = None
    ) -> Iterator[list[KeyInfo]]:
        """Batches of keys as ListKeys pages arrive, each key with its aliases (ListAliases
        runs alongside the first ListKeys page). Not described yet.

        With ``aliases_later``, a page is yielded as soon as it arrives, without waiting for
        ListAliases (which is paged too: behind 50 ms of latency, 2,000 keys' aliases took
        about a quarter of a second more than the first ListKeys page): its keys carry the
        aliases if they are known by then; when they become known, the keys listed before
        get theirs (their ``aliases`` replaced) and ``aliases_later`` is called, from
        another thread, with those whose aliases changed. Either way the iteration ends
        when both listings are done, and a failed ListAliases raises then."""
        lock = threading.Lock()
        listed: list[KeyInfo] = []
        known: list[dict[str, list[str]]] = []  # the alias map, once it is in

        def fetch_aliases() -> dict[str, list[str]]:
            aliases = self._alias_map()
            with lock:
                known.append(aliases)
                changed = []
                for info in listed:
                    names = aliases.get(info.key_id, [])
                    if names != info.aliases:
                        info.aliases = list(names)
                        changed.append(info)
                if changed and aliases_later is not None:
                    aliases_later(changed)  # under the lock: before any later page
            return aliases

        first_page = threading.Event()
        self._first_page = first_page
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="kms-aliases") as pool,
            _setting(first_page),
        ):
            aliases_future: Future[dict[str, list[str]]] = pool.submit(fetch_aliases)
            for page in self._paginate("ListKeys"):
                if aliases_later is None:
                    aliases_future.result()
                batch: list[KeyInfo] = []
                with lock:
                    aliases = known[0] if known else None
                    for key in page.get("Keys", []):
                        key_id = key["KeyId"]
                        names = list(aliases.get(key_id, [])) if aliases is not None else []
                        info = KeyInfo(key_id, key.get("KeyArn", ""), names)
                        with self._cache_lock:
                            cached = self._described.get(key_id)
                        if cached is not None:
                            if aliases is not None:
                                cached.aliases = info.aliases
                            info = cached
                        batch.append(info)
                    listed.extend(batch)
                if self._listed_account is None and batch:
                    self._listed_account = account_of(batch[0].arn)
                first_page.set()
                yield batch
            aliases_future.result()

    def list_keys(self) -> list[KeyInfo]:
        """Every key with its aliases, undescribed."""
        return [info for batch in self.iter_keys() for info in batch]

    def describe_key(self, key_id: str) -> KeyInfo:
        """DescribeKey (cached per session); raises KmsError."""
        with self._cache_lock:
            cached = self._described.get(key_id)
        if cached is not None and cached.metadata is not None:
            return cached
        response = self.call("DescribeKey", KeyId=key_id)
        meta = response["KeyMetadata"]
        with self._cache_lock:
            aliases = list((self._aliases or {}).get(meta["KeyId"], []))
            existing = self._described.get(meta["KeyId"])
        if existing is not None and not aliases:
            aliases = existing.aliases
        if not aliases and key_id.startswith("alias/"):
            aliases = [key_id]
        info = KeyInfo(meta["KeyId"], meta["Arn"], aliases, meta)
        with self._cache_lock:
            self._described[meta["KeyId"]] = info
            self._described[key_id] = info
            self._described[meta["Arn"]] = info
        return info

    def describe_keys(
        self,
        keys: Iterable[str | KeyInfo],
        on_result: Callable[[KeyInfo], None],
        max_workers: int = DESCRIBE_CONCURRENCY,
    ) -> None:
        """DescribeKey for each key on a bounded pool; ``on_result`` gets each KeyInfo
        (described, or with ``error`` set) from a worker thread. Returns when all are done."""
        items = list(keys)
        refs = [k.key_id if isinstance(k, KeyInfo) else k for k in items]
        given = {k.key_id: k for k in items if isinstance(k, KeyInfo)}

        def one(ref: str) -> None:
            try:
                info = self.describe_key(ref)
                original = given.get(ref)
                if original is not None:
                    original.metadata = info.metadata
                    original.error = None
                    if original.aliases:
                        info.aliases = original.aliases
            except KmsError as exc:
                info = given.get(ref) or KeyInfo(ref, ref if ref.startswith("arn:") else "")
                info.error = f"{exc.code}: {exc.message}" if exc.message else exc.code
            on_result(info)

        if not refs:
            return
        with ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(refs))), thread_name_prefix="kms-describe"
        ) as pool:
            for future in [pool.submit(one, ref) for ref in refs]:
                future.result()

    def list_keys_described(self, max_workers: int = DESCRIBE_CONCURRENCY) -> list[KeyInfo]:
        """Every key, with aliases and metadata (in ListKeys order)."""
        keys = self.list_keys()
        self.describe_keys(list(keys), lambda _info: None, max_workers=max_workers)
        with self._cache_lock:
            return [self._described.get(k.key_id, k) for k in keys]

    def invalidate(self, key_id: str | None = None) -> None:
        """Forget cached descriptions (of one key, or all)."""
        with self._cache_lock:
            if key_id is None:
                self._described.clear()
                self._aliases = None
                return
            info = self._described.get(key_id)
            for ref in [r for r, v in self._described.items() if v is info or r == key_id]:
                del self._described[ref]


@contextmanager
def _setting(event: threading.Event) -> Iterator[None]:
    """Sets ``event`` on the way out, however the block ends."""
    try:
        yield
    finally:
        event.set()


def account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None
