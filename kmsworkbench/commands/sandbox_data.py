"""``kmsworkbench sandbox check | backup FILE | restore FILE | reset``: the sandbox's store.

- ``check`` runs SQLite's full integrity_check, read-only, and reports (exit 0 when sound).
- ``backup FILE`` writes a consistent copy of the store (taken even while ``serve`` runs),
  encrypted under a passphrase (scrypt, then AES-256-GCM; ``sandbox.backup``).
- ``restore FILE`` restores one into a new or empty folder (``--data-dir``), after checking
  the passphrase and every byte of it; on any failure nothing is written.
- ``reset`` deletes the sandbox (its keys, aliases, grants, credentials), after a
  confirmation (or ``--yes``); it suggests a backup first. The library of pairs is kept.

The passphrase is asked on the terminal (twice for a backup), or read from the environment
variable named by ``--passphrase-env VAR``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from kmsworkbench import paths
from kmsworkbench.cli import EXIT_OK, EXIT_OTHER, UsageError
from kmsworkbench.commands._blobs import write_file
from kmsworkbench.commands._output import emit, guarded, note
from kmsworkbench.commands._register import add_command


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    add_command(
        sub,
        "check",
        parents,
        run_check,
        "check the sandbox store (SQLite integrity_check), read-only",
    )
    for name, func, help, description in (
        (
            "backup",
            run_backup,
            "write an encrypted, consistent copy of the sandbox (works while serve runs)",
            "Write the whole sandbox store to FILE, encrypted under a passphrase (scrypt, "
            "then AES-256-GCM). Restore it with 'kmsworkbench sandbox restore FILE'.",
        ),
        (
            "restore",
            run_restore,
            "restore a backup into a new or empty folder (--data-dir)",
            "Restore a backup made by 'sandbox backup' into the data folder, which must be "
            "new or empty. Everything is checked before anything is written.",
        ),
    ):
        with_file = add_command(sub, name, parents, func, help, description)
        with_file.add_argument("file", metavar="FILE")
        _passphrase_option(with_file)
    seal = add_command(
        sub,
        "encrypt-at-rest",
        parents,
        run_encrypt_at_rest,
        "keep the sandbox's key material encrypted in the store under a passphrase",
        "Encrypt the key material in the store under a key derived from a passphrase "
        "(scrypt, AES-256-GCM). Every later open asks for it once per run, or reads it from "
        "the variable named by --passphrase-env.",
    )
    _passphrase_option(seal)
    add_command(
        sub,
        "decrypt-at-rest",
        parents,
        run_decrypt_at_rest,
        "store the key material plain again (asks for the passphrase)",
    )
    reset = add_command(
        sub,
        "reset",
        parents,
        run_reset,
        "delete the sandbox (keys, aliases, grants) after a confirmation",
        "Delete the sandbox store: every key goes, and pairs made with them no longer "
        "decrypt. Make a backup first ('kmsworkbench sandbox backup FILE').",
    )
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-env",
        metavar="VAR",
        help="read the passphrase from environment variable VAR instead of asking",
    )


def _folder(args: argparse.Namespace) -> Path:
    return paths.data_dir(getattr(args, "data_dir", None))


def read_passphrase(
    args: argparse.Namespace, *, confirm: bool, prompt: str = "Backup passphrase: "
) -> str:
    """The passphrase from ``--passphrase-env VAR`` or the terminal (asked twice with
    ``confirm``). Never echoed, never logged."""
    var = getattr(args, "passphrase_env", None)
    if var:
        value = os.environ.get(var, "")
        if not value:
            raise UsageError(
                f"--passphrase-env {var}: the environment variable is not set or empty."
            )
        return value
    if not sys.stdin.isatty():
        raise UsageError(
            "No terminal to ask for the passphrase on; pass --passphrase-env VAR with the "
            "passphrase in environment variable VAR."
        )
    first = getpass.getpass(prompt)
    if not first:
        raise UsageError("The passphrase is empty.")
    if confirm and getpass.getpass("Again, to confirm: ") != first:
        raise UsageError("The two passphrases differ; nothing was written.")
    return first


@guarded
def run_check(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.integrity import report
    from kmsworkbench.sandbox.storefile import DB_NAME

    path = _folder(args) / DB_NAME
    if not path.exists():
        note(f"No sandbox store in {path.parent} (the first command there makes one).")
        return EXIT_OK
    result = report(path)
    emit(result, args, "Sandbox store")
    if result["Status"] != "ok":
        note(
            f"The sandbox store {path} {result.get('Problem', 'failed its check')}. Restore a "
            "backup into a new folder (kmsworkbench sandbox restore BACKUP --data-dir "
            "NEW_FOLDER) or start over (kmsworkbench sandbox reset)."
        )
        return EXIT_OTHER
    return EXIT_OK


@guarded
def run_backup(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.backup import BackupError, make_backup
    from kmsworkbench.sandbox.store import StoreError

    target = Path(args.file).expanduser()
    if target.exists():
        raise UsageError(f"{target} already exists; choose a new file name for the backup.")
    passphrase = read_passphrase(args, confirm=True)
    try:
        blob = make_backup(_folder(args), passphrase)
    except (BackupError, StoreError) as exc:
        note(f"kmsworkbench sandbox backup: {exc}")
        return EXIT_OTHER
    write_file(target, blob, overwrite=False)
    from kmsworkbench.sandbox.backup import read_header

    header = read_header(blob)[0]
    emit(
        {
            "Backup": str(target),
            "Bytes": len(blob),
            "Account": header["account_id"],
            "Keys": header["keys"],
            "SchemaVersion": header["schema_version"],
            "RestoreWith": f"kmsworkbench sandbox restore {target} --data-dir NEW_FOLDER",
        },
        args,
        "Backup",
    )
    return EXIT_OK


@guarded
def run_restore(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.backup import MAX_BACKUP, BackupError, read_header, restore_backup
    from kmsworkbench.sandbox.store import StoreError

    source = Path(args.file).expanduser()
    folder = _folder(args)
    with source.open("rb") as handle:
        blob = handle.read(MAX_BACKUP + 1)
    try:
        if len(blob) > MAX_BACKUP:
            raise BackupError("it is larger than any sandbox backup")
        read_header(blob)  # not a backup at all: say so before asking for a passphrase
        passphrase = read_passphrase(args, confirm=False)
        header = restore_backup(blob, passphrase, folder)
    except (BackupError, StoreError) as exc:
        note(f"kmsworkbench sandbox restore: cannot restore {source}: {exc}. Nothing was restored.")
        return EXIT_OTHER
    emit(
        {
            "Restored": str(folder),
            "From": str(source),
            "Account": header.get("account_id"),
            "Keys": header.get("keys"),
            "BackupCreatedAt": header.get("created_at"),
        },
        args,
        "Restored",
    )
    return EXIT_OK


@guarded
def run_reset(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox.store import Store, StoreError, exclusive_folder
    from kmsworkbench.sandbox.storefile import DB_NAME

    folder = _folder(args)
    path = folder / DB_NAME
    if not path.exists():
        note(f"No sandbox store in {folder}; nothing to reset.")
        return EXIT_OK
    try:
        store = Store(folder)
        try:
            with store.transaction():
                account = store.get_meta("account_id")
                keys = int(store.conn.execute("SELECT COUNT(*) FROM keys").fetchone()[0])
        finally:
            store.close()
        what = f"the sandbox in {folder} (account {account}, {keys} keys)"
        backup_hint = "Make a backup first: kmsworkbench sandbox backup FILE."
    except StoreError as exc:
        what = f"the sandbox store {path} ({exc.problem})"
        backup_hint = "It cannot be backed up as it is; keep a copy of the file if unsure."
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"sandbox reset deletes {what}; confirm with --yes. {backup_hint}")
        sys.stderr.write(
            f"This deletes {what}: its keys, aliases and grants are gone for good, and every "
            "pair made with them stops decrypting (the library's records stay).\n"
            f"{backup_hint}\nType 'reset' to go on: "
        )
        sys.stderr.flush()
        if sys.stdin.readline().strip() != "reset":
            note("Nothing was deleted.")
            return EXIT_OTHER
    try:
        with exclusive_folder(folder):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            paths.remove_stale_temps(folder, DB_NAME)
            paths.fsync_folder(folder)
    except StoreError as exc:
        note(f"kmsworkbench sandbox reset: {exc}")
        return EXIT_OTHER
    emit({"Reset": str(folder)}, args, "Reset")
    return EXIT_OK


@guarded
def run_encrypt_at_rest(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import atrest
    from kmsworkbench.sandbox.store import Store, StoreError

    passphrase = read_passphrase(args, confirm=True, prompt="At-rest passphrase: ")
    try:
        store = Store(_folder(args))
    except StoreError as exc:
        note(f"kmsworkbench sandbox encrypt-at-rest: {exc}")
        return EXIT_OTHER
    try:
        with store.transaction(write=True):
            sealed = atrest.enable(store.conn, passphrase, args.passphrase_env)
    except ValueError as exc:
        raise UsageError(f"sandbox encrypt-at-rest: {exc}.") from None
    finally:
        store.close()
    how = f"from ${args.passphrase_env}" if args.passphrase_env else "on the terminal, once per run"
    emit({"Sealed": sealed, "PassphraseFrom": how}, args, "Encrypted at rest")
    return EXIT_OK


@guarded
def run_decrypt_at_rest(args: argparse.Namespace) -> int:
    from kmsworkbench.sandbox import atrest
    from kmsworkbench.sandbox.store import Store, StoreError

    try:
        store = Store(_folder(args))
    except StoreError as exc:
        note(f"kmsworkbench sandbox decrypt-at-rest: {exc}")
        return EXIT_OTHER
    try:
        if store.sealer is None:
            raise UsageError("The sandbox's key material is not encrypted at rest.")
        with store.transaction(write=True):
            plain = atrest.disable(store.conn, store.sealer)
    finally:
        store.close()
    emit({"Unsealed": plain}, args, "Decrypted at rest")
    return EXIT_OK
