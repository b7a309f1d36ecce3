"""``kmsworkbench pairs list|check|show|export|import|delete|rename``: the library of pairs."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

from kmsworkbench.cli import UsageError
from kmsworkbench.commands._blobs import read_text_param, write_file
from kmsworkbench.commands._library import get_pair, open_library
from kmsworkbench.commands._output import emit, guarded, note
from kmsworkbench.pairs import PUBLIC_FORMATS


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "pairs",
        parents=parents,
        help="the library of generated pairs",
        description="List, show, export, import, rename and delete the pairs kept in the "
        "library. The library holds public keys and encrypted private keys only.",
    )
    sub = p.add_subparsers(dest="pairs_command", metavar="ACTION", required=True)

    ls = sub.add_parser(
        "list", parents=parents, help="list the pairs, newest first, and the batches"
    )
    ls.add_argument("--batch", metavar="NAME", help="list the pairs of this batch instead")
    ls.set_defaults(func=run_list)

    check = sub.add_parser(
        "check", parents=parents, help="read every file of the library; list the damaged ones"
    )
    check.set_defaults(func=run_check)

    show = sub.add_parser("show", parents=parents, help="one pair in full")
    show.add_argument("name")
    show.set_defaults(func=run_show)

    export = sub.add_parser(
        "export",
        parents=parents,
        help="export a public key, an encrypted private key, or a bundle",
        description="With --public-key FORMAT or --private-key FORMAT, export that part of "
        "one pair; otherwise a JSON bundle of the named pairs (all when none is named), "
        "which pairs import reads.",
    )
    export.add_argument("names", nargs="*", metavar="NAME")
    what = export.add_mutually_exclusive_group()
    what.add_argument("--public-key", choices=PUBLIC_FORMATS, type=str.upper)
    what.add_argument(
        "--private-key",
        choices=("raw", "base64"),
        type=str.lower,
        help="the encrypted private key (PrivateKeyCiphertextBlob)",
    )
    export.add_argument("--outfile", help="write here instead of standard output")
    export.set_defaults(func=run_export)

    imp = sub.add_parser("import", parents=parents, help="import a bundle (file://F, F or -)")
    imp.add_argument("bundle")
    imp.set_defaults(func=run_import)

    delete = sub.add_parser("delete", parents=parents, help="delete pairs from the library")
    delete.add_argument("names", nargs="+", metavar="NAME")
    delete.set_defaults(func=run_delete)

    rename = sub.add_parser("rename", parents=parents, help="rename a pair")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.set_defaults(func=run_rename)


def _summary_row(record: Any) -> dict[str, Any]:
    return {
        "Name": record.name,
        "KeyPairSpec": record.key_pair_spec,
        "KeyId": record.key_arn,
        "EncryptionContext": dict(record.encryption_context),
        "CreatedAt": record.created_at.isoformat(),
        "Backend": record.backend,
    }


def _context_cell(context: dict[str, str]) -> str:
    """A table cell is text: the context as the AWS CLI shorthand that reads back to it
    (values quoted where shorthand needs it: tenant="a b,c"), JSON for a key shorthand
    cannot write."""
    from kmsworkbench.service.context import format_context_json, format_context_shorthand

    if not context:
        return ""
    try:
        return format_context_shorthand(context)
    except ValueError:
        return format_context_json(context)


@guarded
def run_list(args: argparse.Namespace) -> int:
    library = open_library(args)
    if args.batch:
        batch = _get_batch(library, args.batch)
        emit({"Batch": batch.name, "Pairs": [_summary_row(r) for r in batch.pairs]}, args, "Pairs")
        return 0
    records = library.list()
    rows = [_summary_row(r) for r in records]
    batches = [_batch_row(b) for b in library.batches.list()]
    if getattr(args, "output", None) == "table" and not getattr(args, "query", None):
        for row in rows + batches:
            row["EncryptionContext"] = _context_cell(row["EncryptionContext"])
    out: dict[str, Any] = {"Pairs": rows}
    if batches:
        out["Batches"] = batches
    if library.damaged or library.batches.damaged:
        out["Damaged"] = _damaged_rows(library)
        note(
            f"{len(library.damaged)} damaged file(s) in {library.folder} left out "
            "(kmsworkbench pairs check lists them with the reasons)."
        )
    emit(out, args, "Pairs")
    return 0


def _damaged_rows(library: Any) -> list[dict[str, str]]:
    damaged = library.damaged + library.batches.damaged
    return [{"File": str(d.path), "Reason": d.reason} for d in damaged]


def _batch_row(batch: Any) -> dict[str, Any]:
    return {
        "Batch": batch.name,
        "Count": batch.count,
        "KeyPairSpec": batch.key_pair_spec,
        "KeyId": batch.key_arn,
        "EncryptionContext": dict(batch.encryption_context),
        "CreatedAt": batch.created_at.isoformat(),
        "Backend": batch.backend,
        "OutDir": batch.out_dir,
        "Pairs": f"{batch.pairs[0].name} .. {batch.pairs[-1].name}",
    }


def _get_batch(library: Any, name: str) -> Any:
    from kmsworkbench.pairs import BundleError

    try:
        return library.batches.get(name)
    except KeyError:
        raise UsageError(
            f"No batch named {name!r} in the library (kmsworkbench pairs list)."
        ) from None
    except (BundleError, OSError) as exc:
        raise UsageError(f"The batch {name!r} is damaged in the library: {exc}.") from None


@guarded
def run_check(args: argparse.Namespace) -> int:
    library = open_library(args)
    records = library.list()
    batches = library.batches.list()
    emit(
        {
            "Folder": str(library.folder),
            "Sound": len(records),
            "SoundBatches": len(batches),
            "Damaged": _damaged_rows(library),
            "TemporaryFilesRemoved": [str(p) for p in library.removed_temps],
        },
        args,
        "Library check",
    )
    damaged = library.damaged + library.batches.damaged
    if damaged:
        note(
            f"{len(damaged)} damaged file(s). They are never changed or removed by "
            "kmsworkbench; move them away, or delete them, once you have what you need."
        )
        return 255
    return 0


@guarded
def run_show(args: argparse.Namespace) -> int:
    library = open_library(args)
    if library.batches.exists(args.name) and not library.exists(args.name):
        batch = _get_batch(library, args.name)
        data = _batch_row(batch)
        data["Pairs"] = [r.name for r in batch.pairs]
        emit(data, args, "Batch")
        return 0
    record = get_pair(library, args.name)
    data = _summary_row(record)
    data["KeyMaterialId"] = record.key_material_id
    data["PublicKey"] = record.to_json()["public_key"]
    data["PrivateKeyCiphertextBlob"] = record.to_json()["private_key_ciphertext"]
    data["PublicKeySha256"] = hashlib.sha256(record.public_key).hexdigest()
    try:
        from kmsworkbench.keypairs import load_public_key

        info = load_public_key(record.public_key)
        data["PublicKeySummary"] = info.summary
        data["PublicKeyFingerprint"] = info.fingerprint_hex
    except (ImportError, ValueError):
        pass
    emit(data, args, "Pair")
    return 0


def _write_out(data: bytes, outfile: str | None, binary: bool) -> None:
    if outfile:
        write_file(outfile, data)
        return
    if binary and sys.stdout.isatty():
        raise UsageError("That is binary; pass --outfile FILE (or pipe it).")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@guarded
def run_export(args: argparse.Namespace) -> int:
    library = open_library(args)
    if args.public_key or args.private_key:
        if len(args.names) != 1:
            raise UsageError("--public-key / --private-key export one pair: name exactly one.")
        record = get_pair(library, args.names[0])
        if args.public_key:
            _write_out(
                record.export_public_key(args.public_key), args.outfile, args.public_key == "DER"
            )
        else:
            data = record.export_private_key_ciphertext(args.private_key)
            _write_out(data, args.outfile, args.private_key == "raw")
        return 0
    for name in args.names:
        if not (library.batches.exists(name) and not library.exists(name)):
            get_pair(library, name)  # a batch's name stands for its pairs
    bundle = library.export_bundle(args.names or None)
    text = json.dumps(bundle, indent=4, ensure_ascii=False) + "\n"
    if args.outfile:
        write_file(args.outfile, text)
    else:
        sys.stdout.write(text)
    return 0


@guarded
def run_import(args: argparse.Namespace) -> int:
    from kmsworkbench.pairs import MAX_BUNDLE_BYTES, BundleError, loads

    if args.bundle == "-":
        text = sys.stdin.read()
    elif args.bundle.startswith(("file://", "fileb://")):
        text = read_text_param("bundle", args.bundle)
    else:
        text = read_text_param("bundle", "file://" + args.bundle)
    try:
        if len(text) > MAX_BUNDLE_BYTES:
            raise BundleError("it is larger than any bundle")
        bundle = loads(text, "the bundle")
        records = open_library(args).import_bundle(bundle)
    except BundleError as exc:
        raise UsageError(f"Cannot import the bundle: {exc}") from None
    emit({"Imported": [r.name for r in records]}, args, "Imported")
    return 0


@guarded
def run_delete(args: argparse.Namespace) -> int:
    library = open_library(args)
    batches = {n for n in args.names if library.batches.exists(n) and not library.exists(n)}
    for name in args.names:
        if name not in batches:
            get_pair(library, name)
            owner = library.batches.owner_of(name)
            if owner is not None and not (library.folder / f"{name}.json").exists():
                raise UsageError(
                    f"{name!r} is a pair of the batch {owner!r}; a batch's pairs are deleted "
                    f"with it (kmsworkbench pairs delete {owner})."
                )
    for name in args.names:
        if name in batches:
            library.batches.delete(name)
        else:
            library.delete(name)
    emit({"Deleted": list(args.names)}, args, "Deleted")
    return 0


@guarded
def run_rename(args: argparse.Namespace) -> int:
    from kmsworkbench.pairs import PairExistsError

    library = open_library(args)
    get_pair(library, args.old)
    try:
        record = library.rename(args.old, args.new)
    except (PairExistsError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    emit({"Name": record.name}, args, "Renamed")
    return 0
