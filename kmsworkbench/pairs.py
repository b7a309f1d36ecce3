"""The library of key pairs: each generated pair kept as a record on disk.

One JSON file per pair in ``<data folder>/pairs/`` (0600 files in a 0700 folder, written
atomically). A record holds the public key and the *encrypted* private key
(PrivateKeyCiphertextBlob) with what is needed to decrypt it again: the KMS key ARN, the
encryption context and the backend. A plaintext private key is never stored; bundles that
carry one are refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kmsworkbench import paths

BUNDLE_FORMAT = "kmsworkbench-pairs"
BUNDLE_VERSION = 1
PAIRS_FOLDER = "pairs"
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_FORBIDDEN_KEYS = frozenset(
    {"private_key_plaintext", "PrivateKeyPlaintext", "private_key", "Plaintext", "private_der"}
)

# Bounds on what a record may hold (far above any real pair: an ML-DSA-87 public key is
# 2,592 bytes, a KMS ciphertext at most 6,144; KMS caps an encryption context at 8 KiB).
MAX_RECORD_BYTES = 256 * 1024
MAX_KEY_BYTES = 16 * 1024
MAX_CONTEXT_BYTES = 8 * 1024
MAX_FIELD_CHARS = 2048

PUBLIC_FORMATS = ("PEM", "DER", "JWK", "OPENSSH")
PRIVATE_FORMATS = ("raw", "base64")


class PairExistsError(ValueError):
    """A pair with that name is already in the library."""


class BundleError(ValueError):
    """A bundle (or a record in it) that cannot be imported."""


@dataclass(frozen=True, slots=True)
class DamagedFile:
    """A file in the library folder that cannot be read as a pair, and why."""

    path: Path
    reason: str

    @property
    def name(self) -> str:
        return self.path.name


def validate_name(name: str) -> str | None:
    """None when ``name`` is a valid pair name, else what is wrong with it."""
    if not _NAME_RE.fullmatch(name):
        return (
            "A pair name is 1-100 characters: letters, digits, '.', '_' or '-', starting "
            f"with a letter or digit (got {name!r})."
        )
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, what: str, limit: int = MAX_KEY_BYTES) -> bytes:
    if not isinstance(value, str) or not value:
        raise BundleError(f"{what} must be a non-empty base64 string")
    if len(value) > limit * 4 // 3 + 4:
        raise BundleError(f"{what} is larger than any key ({len(value)} base64 characters)")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BundleError(f"{what} is not valid base64") from None


def _checked_public_key(der: bytes, spec: str) -> None:
    """The public key parses and is a key of ``spec`` (so a record that imports also
    exports, verifies and encrypts)."""
    from kmsworkbench.keypairs import KeyFormatError, load_public_key
    from kmsworkbench.keypairs.specs import SPECS

    if spec not in SPECS:
        raise BundleError(f"key_pair_spec {spec!r} is not a key pair spec this version knows")
    try:
        info = load_public_key(der)
    except (KeyFormatError, ValueError, TypeError) as exc:
        raise BundleError(f"public_key is not a readable public key ({exc})") from None
    if info.spec != spec:
        raise BundleError(f"public_key is a {info.spec} key, but key_pair_spec says {spec}")


def _context_bytes(ctx: dict[str, str]) -> int:
    return sum(
        len(k.encode("utf-8", "replace")) + len(v.encode("utf-8", "replace"))
        for k, v in ctx.items()
    )


def parse_created_at(raw: object) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; BundleError if it is not one or is out of
    range (a time far in the past used to overflow when converted)."""
    if raw is None or raw == "":
        return datetime.now(UTC)
    if not isinstance(raw, str) or len(raw) > 64:
        raise BundleError(f"created_at is not an ISO 8601 time: {str(raw)[:64]!r}")
    try:
        created = datetime.fromisoformat(raw)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return created.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise BundleError(f"created_at is not a usable ISO 8601 time: {raw!r}") from None


@dataclass
class PairRecord:
    name: str
    key_arn: str
    key_pair_spec: str
    encryption_context: dict[str, str]
    public_key: bytes
    private_key_ciphertext: bytes
    backend: str
    key_material_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_arn": self.key_arn,
            "key_pair_spec": self.key_pair_spec,
            "encryption_context": dict(self.encryption_context),
            "public_key": _b64(self.public_key),
            "private_key_ciphertext": _b64(self.private_key_ciphertext),
            "backend": self.backend,
            "key_material_id": self.key_material_id,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PairRecord:
        if not isinstance(d, dict):
            raise BundleError("a pair record must be a JSON object")
        leaked = _FORBIDDEN_KEYS & set(d)
        if leaked:
            raise BundleError(
                "this record carries a plaintext private key "
                f"({', '.join(sorted(leaked))}); the library never stores one"
            )
        for key in ("name", "key_arn", "key_pair_spec", "backend"):
            if not isinstance(d.get(key), str) or not d[key]:
                raise BundleError(f"the record field {key!r} must be a non-empty string")
            if len(d[key]) > MAX_FIELD_CHARS:
                raise BundleError(f"the record field {key!r} is too long ({len(d[key])} chars)")
        problem = validate_name(d["name"])
        if problem:
            raise BundleError(problem)
        ctx = d.get("encryption_context") or {}
        if not isinstance(ctx, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in ctx.items()
        ):
            raise BundleError("encryption_context must map strings to strings")
        if _context_bytes(ctx) > MAX_CONTEXT_BYTES:
            raise BundleError("encryption_context is larger than KMS allows (8 KiB)")
        kmid = d.get("key_material_id")
        if kmid is not None and (not isinstance(kmid, str) or len(kmid) > MAX_FIELD_CHARS):
            raise BundleError("key_material_id must be a string or null")
        created = parse_created_at(d.get("created_at"))
        public_key = _unb64(d.get("public_key"), "public_key")
        _checked_public_key(public_key, d["key_pair_spec"])
        return cls(
            name=d["name"],
            key_arn=d["key_arn"],
            key_pair_spec=d["key_pair_spec"],
            encryption_context=dict(ctx),
            public_key=public_key,
            private_key_ciphertext=_unb64(
                d.get("private_key_ciphertext"), "private_key_ciphertext"
            ),
            backend=d["backend"],
            key_material_id=kmid,
            created_at=created,
        )

    # --- exports -----------------------------------------------------------------

    def export_public_key(self, fmt: str = "PEM") -> bytes:
        """The public key as PEM, DER, JWK (JSON text) or OpenSSH's one-line form (RSA,
        NIST ECDSA and Ed25519 only; ``KeyFormatError`` for the others)."""
        from kmsworkbench.keypairs import load_public_key

        fmt_u = fmt.upper()
        if fmt_u == "DER":
            return self.public_key
        info = load_public_key(self.public_key)
        if fmt_u == "PEM":
            return info.pem.encode("ascii")
        if fmt_u == "JWK":
            return (json.dumps(info.jwk(), indent=2) + "\n").encode("utf-8")
        if fmt_u == "OPENSSH":
            from kmsworkbench.keypairs.openssh import openssh_public_key

            return (openssh_public_key(self.public_key, self.name) + "\n").encode("ascii")
        raise ValueError(
            f"unknown public key format {fmt!r}; use one of {', '.join(PUBLIC_FORMATS)}"
        )

    def export_private_key_ciphertext(self, fmt: str = "raw") -> bytes:
        """The encrypted private key (PrivateKeyCiphertextBlob) raw or base64."""
        if fmt.lower() == "raw":
            return self.private_key_ciphertext
        if fmt.lower() == "base64":
            return (_b64(self.private_key_ciphertext) + "\n").encode("ascii")
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(PRIVATE_FORMATS)}")


MAX_BUNDLE_BYTES = 256 * 1024 * 1024


def read_json_file(path: Path, limit: int) -> Any:
    """The JSON in ``path``; BundleError (with the reason in plain words) for a file that is
    too large, not UTF-8, not JSON, or nested deeper than any record."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise BundleError(f"the file is larger than any record ({limit} bytes at most)")
    return loads(data)


def loads(data: bytes | str, what: str = "the file") -> Any:
    """JSON text to a value; BundleError for text that is empty, not UTF-8, not JSON or
    nested deeper than Python's parser goes (a RecursionError traceback before)."""
    if not data.strip():
        raise BundleError(f"{what} is empty")
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except UnicodeDecodeError as exc:
        raise BundleError(f"{what} is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"{what} is not complete JSON ({exc.msg} at {exc.pos})") from None
    except RecursionError:
        raise BundleError(f"{what} holds JSON nested deeper than any record") from None


class PairLibrary:
    """The pairs kept under ``data_dir/pairs``. Thread-safe within a process."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / PAIRS_FOLDER
        self._lock = threading.RLock()
        self.damaged: list[DamagedFile] = []  # damaged files met by the last list()
        # Temporary files a killed writer left behind (a live writer's are locked, kept).
        self.removed_temps = paths.remove_stale_temps(self.folder)
        from kmsworkbench.batches import BatchShelf

        self.batches = BatchShelf(self)  # batch entries: pairs/batches/NAME.json
        self.removed_temps += self.batches.removed_temps

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        """The damaged files of the last list(), as (path, reason)."""
        return [(d.path, d.reason) for d in self.damaged]

    def _path(self, name: str) -> Path:
        problem = validate_name(name)
        if problem:
            raise ValueError(problem)
        return self.folder / f"{name}.json"

    def _write(self, record: PairRecord) -> None:
        paths.ensure_private_dir(self.data_dir)  # mkdir(parents=True) ignores the mode
        paths.ensure_private_dir(self.folder)
        paths.replace_file(
            self._path(record.name),
            json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n",
        )

    def _read(self, path: Path) -> PairRecord:
        record = PairRecord.from_json(read_json_file(path, MAX_RECORD_BYTES))
        if record.name != path.stem:
            raise BundleError(f"the file is named {path.stem!r} but holds {record.name!r}")
        return record

    def _pair_files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def list(self) -> list[PairRecord]:
        """Every pair, newest first. A damaged file never stops the others: it is left out
        and reported in ``damaged`` with the reason."""
        records: list[PairRecord] = []
        damaged: list[DamagedFile] = []
        for path in self._pair_files():
            try:
                records.append(self._read(path))
            except (OSError, BundleError) as exc:
                damaged.append(DamagedFile(path, str(exc)))
        self.damaged = damaged
        records.sort(key=lambda r: (r.created_at, r.name), reverse=True)
        return records

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json"))

    def get(self, name: str) -> PairRecord:
        if validate_name(name):
            raise KeyError(name)
        path = self.folder / f"{name}.json"
        try:
            return self._read(path)
        except FileNotFoundError:
            return self.batches.get_pair(name)  # KeyError when no batch has it either

    def exists(self, name: str) -> bool:
        """A pair of that name is in the library (on its own or in a batch)."""
        if validate_name(name) is not None:
            return False
        return (self.folder / f"{name}.json").exists() or self.batches.owner_of(name) is not None

    def unique_name(self, base: str) -> str:
        """``base`` made valid, with -2, -3, ... appended until no pair has that name."""
        cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-._") or "pair"
        cleaned = cleaned[:90]
        with self._lock:
            if not self.exists(cleaned):
                return cleaned
            n = 2
            while self.exists(f"{cleaned}-{n}"):
                n += 1
            return f"{cleaned}-{n}"

    def add(self, record: PairRecord, *, unique: bool = False) -> PairRecord:
        """Store ``record``. With ``unique``, a taken name gets a suffix; otherwise a taken
        name raises PairExistsError. Returns the record as stored."""
        with self._lock:
            if unique:
                record.name = self.unique_name(record.name)
            problem = validate_name(record.name)
            if problem:
                raise ValueError(problem)
            if self.exists(record.name):
                raise PairExistsError(f"a pair named {record.name!r} already exists")
            self._write(record)
            return record

    def _not_in_batch(self, name: str) -> None:
        batch = self.batches.owner_of(name)
        if batch is not None and not (self.folder / f"{name}.json").exists():
            raise ValueError(
                f"{name!r} is a pair of the batch {batch!r}; its pairs are kept, renamed and "
                f"deleted with the batch (pairs delete {batch})"
            )

    def rename(self, old: str, new: str) -> PairRecord:
        with self._lock:
            self._not_in_batch(old)
            record = self.get(old)
            if old == new:
                return record
            problem = validate_name(new)
            if problem:
                raise ValueError(problem)
            if self.exists(new):
                raise PairExistsError(f"a pair named {new!r} already exists")
            record.name = new
            self._write(record)
            (self.folder / f"{old}.json").unlink()
            return record

    def delete(self, name: str) -> None:
        with self._lock:
            if validate_name(name):
                raise KeyError(name)
            self._not_in_batch(name)
            try:
                (self.folder / f"{name}.json").unlink()
            except FileNotFoundError:
                raise KeyError(name) from None

    def export_bundle(self, names: list[str] | None = None) -> dict[str, Any]:
        """A JSON-able bundle of the named pairs (all when ``names`` is None)."""
        if names is None:
            records = self.list() + [p for b in self.batches.list() for p in b.pairs]
        else:
            records = []
            for n in names:  # a batch's name stands for all its pairs
                is_batch = self.batches.exists(n) and not self.exists(n)
                records += self.batches.get(n).pairs if is_batch else [self.get(n)]
        return {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "exported_at": datetime.now(UTC).isoformat(),
            "pairs": [r.to_json() for r in records],
        }

    def import_bundle(self, bundle: dict[str, Any]) -> list[PairRecord]:
        """Add every pair of ``bundle``; a taken name gets a suffix. All records are checked
        before any is written. Returns the records as stored."""
        if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
            raise BundleError(f'not a {BUNDLE_FORMAT} bundle (no "format": "{BUNDLE_FORMAT}")')
        version = bundle.get("version")
        if not isinstance(version, int) or version > BUNDLE_VERSION:
            raise BundleError(
                f"unsupported bundle version {version!r} (this reads {BUNDLE_VERSION})"
            )
        items = bundle.get("pairs")
        if not isinstance(items, list):
            raise BundleError('the bundle has no "pairs" list')
        records: list[PairRecord] = []
        for i, item in enumerate(items):
            try:
                records.append(PairRecord.from_json(item))
            except BundleError as exc:
                raise BundleError(f"pair #{i + 1}: {exc}") from None
        with self._lock:
            return [self.add(r, unique=True) for r in records]
