"""Batches in the library: the pairs of one ``generate --count N --out-dir D --save`` kept
as ONE entry, ``<data folder>/pairs/batches/NAME.json``, written atomically once the batch is
complete (so a batch killed midway leaves nothing in the library).

The entry is self-contained (every pair's public key and encrypted private key, the KMS key,
the encryption context), so the library does not depend on the batch's folder staying where
it was. Its pairs are named ``NAME-0001``, ``NAME-0002``, ...: ``pairs show NAME-0002`` and
the TUI open them like any pair; they are renamed and deleted with their batch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmsworkbench import paths
from kmsworkbench.pairs import (
    BundleError,
    DamagedFile,
    PairRecord,
    parse_created_at,
    read_json_file,
    validate_name,
)

if TYPE_CHECKING:
    from kmsworkbench.pairs import PairLibrary

BATCH_FORMAT = "kmsworkbench-batch"
BATCH_VERSION = 1
BATCHES_FOLDER = "batches"
MAX_BATCH_PAIRS = 100_000
MAX_BATCH_BYTES = 512 * 1024 * 1024
_PAIR_NAME = re.compile(r"(?P<batch>.+)-(?P<index>[0-9]{4,6})")


def pair_name(batch: str, index: int, count: int) -> str:
    return f"{batch}-{index:0{max(4, len(str(count)))}d}"


@dataclass
class BatchRecord:
    name: str
    key_arn: str
    key_pair_spec: str
    encryption_context: dict[str, str]
    backend: str
    pairs: list[PairRecord]
    out_dir: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def count(self) -> int:
        return len(self.pairs)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": BATCH_FORMAT,
            "version": BATCH_VERSION,
            "name": self.name,
            "key_arn": self.key_arn,
            "key_pair_spec": self.key_pair_spec,
            "encryption_context": dict(self.encryption_context),
            "backend": self.backend,
            "out_dir": self.out_dir,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "pairs": [{k: v for k, v in p.to_json().items() if k in _PER_PAIR} for p in self.pairs],
        }

    @classmethod
    def from_json(cls, d: object) -> BatchRecord:
        if not isinstance(d, dict) or d.get("format") != BATCH_FORMAT:
            raise BundleError(f'not a batch entry (no "format": "{BATCH_FORMAT}")')
        if d.get("version") != BATCH_VERSION:
            raise BundleError(f"unsupported batch entry version {d.get('version')!r}")
        items = d.get("pairs")
        if not isinstance(items, list) or not items or len(items) > MAX_BATCH_PAIRS:
            raise BundleError(f"a batch holds 1 to {MAX_BATCH_PAIRS} pairs")
        name = d.get("name")
        if not isinstance(name, str) or validate_name(name):
            raise BundleError(f"the batch name {name!r} is not a valid name")
        out_dir = d.get("out_dir")
        if out_dir is not None and not isinstance(out_dir, str):
            raise BundleError("out_dir must be a string or null")
        shared = {k: d.get(k) for k in ("key_arn", "key_pair_spec", "encryption_context")}
        shared["backend"] = d.get("backend")
        created = parse_created_at(d.get("created_at"))
        pairs = []
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise BundleError(f"pair #{i} of the batch is not a JSON object")
            record = {**shared, **{k: item.get(k) for k in _PER_PAIR}}
            record["name"] = pair_name(name, i, len(items))
            record["created_at"] = created.isoformat()
            try:
                pairs.append(PairRecord.from_json(record))
            except BundleError as exc:
                raise BundleError(f"pair #{i} of the batch: {exc}") from None
        first = pairs[0]
        return cls(
            name=name,
            key_arn=first.key_arn,
            key_pair_spec=first.key_pair_spec,
            encryption_context=dict(first.encryption_context),
            backend=first.backend,
            pairs=pairs,
            out_dir=out_dir,
            created_at=created,
        )


_PER_PAIR = ("public_key", "private_key_ciphertext", "key_material_id")


class BatchShelf:
    """The batch entries of one library (``pairs/batches``)."""

    def __init__(self, library: PairLibrary) -> None:
        self.library = library
        self.folder = library.folder / BATCHES_FOLDER
        self.damaged: list[DamagedFile] = []
        self.removed_temps = paths.remove_stale_temps(self.folder)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def _read(self, path: Path) -> BatchRecord:
        batch = BatchRecord.from_json(read_json_file(path, MAX_BATCH_BYTES))
        if batch.name != path.stem:
            raise BundleError(f"the file is named {path.stem!r} but holds {batch.name!r}")
        return batch

    def list(self) -> list[BatchRecord]:
        """Every batch, newest first; damaged entries in ``damaged``, never raised."""
        batches: list[BatchRecord] = []
        damaged: list[DamagedFile] = []
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.json")):
                try:
                    batches.append(self._read(path))
                except (OSError, BundleError) as exc:
                    damaged.append(DamagedFile(path, str(exc)))
        self.damaged = damaged
        batches.sort(key=lambda b: (b.created_at, b.name), reverse=True)
        return batches

    def exists(self, name: str) -> bool:
        return validate_name(name) is None and self._path(name).exists()

    def get(self, name: str) -> BatchRecord:
        if validate_name(name):
            raise KeyError(name)
        try:
            return self._read(self._path(name))
        except FileNotFoundError:
            raise KeyError(name) from None

    def owner_of(self, pair: str) -> str | None:
        """The batch a pair name belongs to, if a batch has it."""
        match = _PAIR_NAME.fullmatch(pair)
        if match is None or not self.exists(match["batch"]):
            return None
        return match["batch"]

    def get_pair(self, pair: str) -> PairRecord:
        batch = self.owner_of(pair)
        if batch is None:
            raise KeyError(pair)
        for record in self.get(batch).pairs:
            if record.name == pair:
                return record
        raise KeyError(pair)

    def add(self, batch: BatchRecord) -> BatchRecord:
        """Keep ``batch`` as one entry, atomically; a name in use (by a batch or by a pair
        the batch's pairs would shadow) gets a suffix. Returns the batch as stored."""
        with self.library._lock:
            base = self.library.unique_name(batch.name)
            name, n = base, 2
            while self._taken(name, batch.count):
                name, n = f"{base}-{n}", n + 1
            stored = BatchRecord.from_json({**batch.to_json(), "name": name})
            paths.ensure_private_dir(self.folder)
            paths.replace_file(self._path(name), json.dumps(stored.to_json(), indent=1) + "\n")
            return stored

    def _taken(self, name: str, count: int) -> bool:
        if self.exists(name) or self.library.exists(name):
            return True
        return any(self.library.exists(pair_name(name, i, count)) for i in range(1, count + 1))

    def delete(self, name: str) -> None:
        if validate_name(name):
            raise KeyError(name)
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            raise KeyError(name) from None
