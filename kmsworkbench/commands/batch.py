"""``generate --count N --out-dir D``: a batch of pairs in its own folder, with a manifest
written as it goes, that lands whole or can be resumed.

Each pair is three files in D (``pair-0001.public.der``, ``pair-0001.private-key-
ciphertext.bin``, then ``pair-0001.json``, the GenerateDataKeyPairWithoutPlaintext response,
written last: a pair whose response file is there is complete, since it holds both blobs).
``manifest.json`` is rewritten (atomically) at most once a second while the batch runs, with
``Status`` ``in-progress``, and once more at the end: ``complete``, or ``incomplete`` after
a failure. ``--resume`` reads the manifest, finds the pairs already made from their response
files, and makes only the missing ones; a batch killed at any point resumes.

The batch does not go into the library of pairs unless ``--save``: then, once the batch is
complete, it is kept as ONE batch entry (``kmsworkbench.batches``), whose pairs ``pairs show
NAME-0001`` and the TUI open like any other. A batch killed midway leaves nothing in the
library.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kmsworkbench import paths
from kmsworkbench.cli import UsageError
from kmsworkbench.commands._library import open_library
from kmsworkbench.commands._output import emit, note

MANIFEST = "manifest.json"
MANIFEST_EVERY_S = 1.0
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def _files(index: int, count: int) -> tuple[str, str, str]:
    stem = f"pair-{index:0{max(4, len(str(count)))}d}"
    return f"{stem}.json", f"{stem}.public.der", f"{stem}.private-key-ciphertext.bin"


class Batch:
    """The state of one batch folder: its manifest and the pairs made so far."""

    def __init__(self, out_dir: Path, manifest: dict[str, Any]) -> None:
        self.out_dir = out_dir
        self.manifest = manifest
        self.count = int(manifest["Count"])
        self.entries: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._last_write = 0.0

    # -- the pairs on disk ----------------------------------------------------------------

    def scan(self) -> None:
        """Find the pairs already made (a response file that parses and matches the batch);
        rewrite a missing or different .der/.bin from it (killed between the writes)."""
        for index in range(1, self.count + 1):
            response_file = self.out_dir / _files(index, self.count)[0]
            if not response_file.exists():
                continue
            try:
                response = json.loads(response_file.read_text(encoding="utf-8"))
                public = base64.b64decode(response["PublicKey"], validate=True)
                cipher = base64.b64decode(response["PrivateKeyCiphertextBlob"], validate=True)
                if response["KeyPairSpec"] != self.manifest["KeyPairSpec"]:
                    raise ValueError("another spec")
            except (OSError, ValueError, KeyError, TypeError):
                continue  # made again
            self._write_blobs(index, public, cipher)
            self.entries[index] = self._entry(index, public, response.get("KeyMaterialId"))
            self.manifest.setdefault("KeyId", response.get("KeyId"))

    def _write_blobs(self, index: int, public: bytes, cipher: bytes) -> None:
        _, public_file, cipher_file = _files(index, self.count)
        for name, data in ((public_file, public), (cipher_file, cipher)):
            target = self.out_dir / name
            if not target.exists() or target.read_bytes() != data:
                paths.replace_file(target, data)

    def _entry(self, index: int, public: bytes, material: str | None) -> dict[str, Any]:
        response_file, public_file, cipher_file = _files(index, self.count)
        return {
            "Index": index,
            "Name": None,
            "ResponseFile": response_file,
            "PublicKeyFile": public_file,
            "PrivateKeyCiphertextFile": cipher_file,
            "PublicKeySha256": hashlib.sha256(public).hexdigest(),
            "KeyMaterialId": material,
        }

    def missing(self) -> list[int]:
        return [i for i in range(1, self.count + 1) if i not in self.entries]

    def record(self, index: int, result: Any) -> None:
        """One pair made (called from the batch's worker threads)."""
        self._write_blobs(index, result.public_key, result.private_key_ciphertext)
        response_file = _files(index, self.count)[0]
        text = json.dumps(result.cli_output(), indent=4) + "\n"
        paths.replace_file(self.out_dir / response_file, text)  # last: the pair is complete
        with self._lock:
            self.entries[index] = self._entry(index, result.public_key, result.key_material_id)
            self.manifest.setdefault("KeyId", result.key_arn)
            if time.monotonic() - self._last_write >= MANIFEST_EVERY_S:
                self._write_manifest_locked()

    # -- the manifest -------------------------------------------------------------------------

    def write_manifest(self, status: str | None = None) -> None:
        with self._lock:
            if status is not None:
                self.manifest["Status"] = status
            self._write_manifest_locked()

    def _write_manifest_locked(self) -> None:
        self.manifest["Made"] = len(self.entries)
        self.manifest["Pairs"] = [self.entries[i] for i in sorted(self.entries)]
        self.manifest["UpdatedAt"] = datetime.now(UTC).isoformat()
        text = json.dumps(self.manifest, indent=4, ensure_ascii=False) + "\n"
        paths.replace_file(self.out_dir / MANIFEST, text)
        self._last_write = time.monotonic()


def _new_manifest(args: argparse.Namespace, context: dict[str, str], base: str) -> dict[str, Any]:
    return {
        "Status": "in-progress",
        "KeyIdRequested": args.key_id,
        "KeyPairSpec": args.key_pair_spec,
        "EncryptionContext": context,
        "Count": args.count,
        "Name": base,
        "Save": bool(args.save),
        "CreatedAt": datetime.now(UTC).isoformat(),
        "Pairs": [],
    }


def _load_manifest(out_dir: Path) -> dict[str, Any]:
    from kmsworkbench.pairs import BundleError, read_json_file

    path = out_dir / MANIFEST
    if not path.exists():
        raise UsageError(f"--resume: {path} does not exist; there is no batch to resume there.")
    try:
        manifest = read_json_file(path, MAX_MANIFEST_BYTES)
    except (BundleError, OSError) as exc:
        raise UsageError(f"--resume: {path} cannot be read: {exc}") from None
    ok = isinstance(manifest, dict) and isinstance(manifest.get("Count"), int)
    if not ok or not isinstance(manifest.get("KeyPairSpec"), str) or manifest["Count"] < 1:
        raise UsageError(f"--resume: {path} is not a batch manifest made by kmsworkbench.")
    return manifest


def _resume_parameters(args: argparse.Namespace, manifest: dict[str, Any]) -> None:
    """The batch's own parameters; any given on the command line must agree with them."""
    wanted = {
        "key_pair_spec": manifest["KeyPairSpec"],
        "key_id": manifest.get("KeyIdRequested") or manifest.get("KeyId"),
        "count": manifest["Count"],
    }
    for attr, value in wanted.items():
        given = getattr(args, attr, None)
        if (
            given is not None
            and given != value
            and not (attr == "key_id" and given == manifest.get("KeyId"))
        ):
            flag = "--" + attr.replace("_", "-")
            raise UsageError(f"--resume: this batch was started with {flag} {value}, not {given}.")
        setattr(args, attr, value)
    if args.save:
        manifest["Save"] = True


def run_batch(args: argparse.Namespace, context: dict[str, str]) -> int:
    """``generate --count N --out-dir D [--resume] [--save]``."""
    from kmsworkbench.pairs import validate_name
    from kmsworkbench.service import Backend, KmsError, KmsSession
    from kmsworkbench.service.batch import generate_batch, rate_for_spec

    out_dir = Path(args.out_dir).expanduser()
    if args.resume:
        manifest = _load_manifest(out_dir)
        _resume_parameters(args, manifest)
        started = dict(manifest.get("EncryptionContext") or {})
        if args.encryption_context is not None and context != started:
            raise UsageError("--resume: this batch was started with another encryption context.")
        context = started
    else:
        if (out_dir / MANIFEST).exists():
            raise UsageError(
                f"{out_dir / MANIFEST} already exists: finish that batch with --resume, or "
                "choose an empty --out-dir."
            )
        base = args.name or _default_name(args.key_pair_spec)
        problem = validate_name(base)
        if problem:
            raise UsageError(problem)
        manifest = _new_manifest(args, context, base)
    if not out_dir.exists():
        paths.ensure_private_dir(
            out_dir
        )  # every missing parent 0700; a folder that is there is kept
    paths.remove_stale_temps(out_dir)
    batch = Batch(out_dir, manifest)
    batch.scan()
    batch.write_manifest("in-progress" if batch.missing() else None)
    missing = batch.missing()
    backend = Backend.from_args(args)
    from kmsworkbench.commands.generate import _Progress

    rate = getattr(args, "rate", None)
    progress = _Progress(
        len(missing), args.key_pair_spec, rate or rate_for_spec(args.key_pair_spec)
    )
    with KmsSession(backend) as session:
        try:
            if missing:
                with progress:
                    generate_batch(
                        session,
                        args.key_id,
                        args.key_pair_spec,
                        len(missing),
                        encryption_context=context,
                        grant_tokens=args.grant_tokens,
                        rate=rate,
                        on_result=lambda j, r: (batch.record(missing[j], r), progress.advance()),
                        on_throttle=progress.throttled,
                        on_unpaced=progress.unpaced,
                    )
        except (KmsError, KeyboardInterrupt, OSError):
            batch.write_manifest("incomplete")
            note(
                f"The batch stopped with {len(batch.entries)} of {batch.count} pairs made (all "
                f"kept in {out_dir}). Make the rest with: kmsworkbench generate --out-dir "
                f"{out_dir} --resume"
            )
            raise
        label = session.label()
    manifest.setdefault("Backend", label)
    batch.write_manifest("complete")
    if manifest.get("Save") and not manifest.get("LibraryBatch"):
        stored = _save(args, batch, context)
        manifest["LibraryBatch"] = stored.name
        for record, index in zip(stored.pairs, sorted(batch.entries), strict=True):
            batch.entries[index]["Name"] = record.name
        batch.write_manifest()
    emit(batch.manifest, args, "Manifest")
    return 0


def _save(args: argparse.Namespace, batch: Batch, context: dict[str, str]) -> Any:
    """Keep the complete batch in the library as one entry (atomically)."""
    from kmsworkbench.batches import BatchRecord
    from kmsworkbench.pairs import PairRecord

    manifest = batch.manifest
    records = []
    for index in sorted(batch.entries):
        response = json.loads((batch.out_dir / _files(index, batch.count)[0]).read_text())
        records.append(
            PairRecord(
                name=f"pair-{index}",  # renamed by the batch entry
                key_arn=response["KeyId"],
                key_pair_spec=response["KeyPairSpec"],
                encryption_context=context,
                public_key=base64.b64decode(response["PublicKey"]),
                private_key_ciphertext=base64.b64decode(response["PrivateKeyCiphertextBlob"]),
                backend=str(manifest.get("Backend")),
                key_material_id=response.get("KeyMaterialId"),
            )
        )
    library = open_library(args)
    return library.batches.add(
        BatchRecord(
            name=str(manifest.get("Name") or _default_name(manifest["KeyPairSpec"])),
            key_arn=records[0].key_arn,
            key_pair_spec=records[0].key_pair_spec,
            encryption_context=context,
            backend=records[0].backend,
            pairs=records,
            out_dir=str(batch.out_dir.resolve()),
        )
    )


def _default_name(spec: str) -> str:
    return f"{spec.lower().replace('_', '-')}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
