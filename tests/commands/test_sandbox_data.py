"""sandbox check, backup, restore and reset (issue 11, "Nothing lost")."""

from __future__ import annotations

import base64
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox import backup as backup_module
from kmsworkbench.sandbox.backup import BackupError, make_backup, restore_backup
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.store import DB_NAME, Store
from tests.commands.conftest import Result

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "stores" / "v1" / DB_NAME
FAST_N = 2**14  # the API's cost knob; the CLI always uses the default


def _decrypts(data_dir: Path, made: dict[str, Any], context: dict[str, str]) -> bool:
    kms = make_client(data_dir)
    try:
        out = kms.decrypt(
            CiphertextBlob=base64.b64decode(made["PrivateKeyCiphertextBlob"]),
            EncryptionContext=context,
        )
        return keypairs.keys_match(out["Plaintext"], base64.b64decode(made["PublicKey"]))
    finally:
        kms._kmsworkbench_sandbox.close()


@pytest.mark.slow
def test_backup_then_restore_elsewhere_decrypts_a_pair_made_before(
    cli: Callable[..., Result],
    pair: Callable[..., dict[str, Any]],
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = pair("before-backup")
    monkeypatch.setenv("BACKUP_PW", "correct horse battery staple")
    backup_file = tmp_path / "new" / "parents" / "sandbox.backup"
    r = cli("sandbox", "backup", str(backup_file), "--passphrase-env", "BACKUP_PW")
    assert r.rc == 0, r.err
    assert r.json()["Keys"] >= 5
    assert backup_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    # The key material is not in the file in the clear: not even SQLite's header is.
    assert b"SQLite format 3" not in backup_file.read_bytes()
    again = cli("sandbox", "backup", str(backup_file), "--passphrase-env", "BACKUP_PW")
    assert again.rc == 252 and "already exists" in again.err

    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("WRONG_PW", "not it")
    wrong = cli(
        "--data-dir", str(elsewhere), "sandbox", "restore", str(backup_file),
        "--passphrase-env", "WRONG_PW",
    )  # fmt: skip
    assert wrong.rc == 255
    assert "the passphrase is wrong" in wrong.err and "Nothing was restored" in wrong.err
    assert not elsewhere.exists()
    r = cli(
        "--data-dir", str(elsewhere), "sandbox", "restore", str(backup_file),
        "--passphrase-env", "BACKUP_PW",
    )  # fmt: skip
    assert r.rc == 0, r.err
    assert _decrypts(elsewhere, made, {"app": "wb"})
    # Never over an existing sandbox.
    r = cli(
        "--data-dir", str(home), "sandbox", "restore", str(backup_file),
        "--passphrase-env", "BACKUP_PW",
    )  # fmt: skip
    assert r.rc == 255 and "is not empty" in r.err


def _damaged(blob: bytes, how: str) -> bytes:
    if how == "truncated":
        return blob[: len(blob) - 100]
    if how == "flipped ciphertext":
        out = bytearray(blob)
        out[-40] ^= 0x01
        return bytes(out)
    if how == "flipped header":
        return blob.replace(b'"keys": ', b'"keys": 1', 1)
    if how == "not a backup":
        return b"PK\x03\x04" + blob[4:]
    if how == "empty":
        return b""
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("truncated", "damaged"),
        ("flipped ciphertext", "damaged"),
        ("flipped header", "damaged"),
        ("not a backup", "not a kmsworkbench sandbox backup"),
        ("empty", "is empty (0 bytes)"),
    ],
)
def test_a_damaged_backup_restores_nothing_and_says_why(
    tmp_path: Path, how: str, reason: str
) -> None:
    source = tmp_path / "source"
    source.mkdir(mode=0o700)
    shutil.copy2(FIXTURE, source / DB_NAME)
    blob = make_backup(source, "pw-pw-pw", kdf_n=FAST_N)
    target = tmp_path / "target"
    with pytest.raises(BackupError) as info:
        restore_backup(_damaged(blob, how), "pw-pw-pw", target)
    assert reason in str(info.value)
    assert not target.exists()


def test_a_backup_is_consistent_while_another_process_writes(tmp_path: Path) -> None:
    """The online backup API copies one snapshot: keys acknowledged before it are in it, and
    the copy passes integrity_check, while a writer keeps committing."""
    data = tmp_path / "data"
    writer = make_client(data)
    done = threading.Event()
    acknowledged: list[str] = []

    def write() -> None:
        while not done.is_set():
            acknowledged.append(writer.create_key(Description="w")["KeyMetadata"]["KeyId"])

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(acknowledged) < 5:
            threading.Event().wait(0.01)
        before = list(acknowledged)
        blob = make_backup(data, "pw-pw-pw", kdf_n=FAST_N)
    finally:
        done.set()
        thread.join()
    target = tmp_path / "restored"
    restore_backup(blob, "pw-pw-pw", target)
    store = Store(target)
    try:
        with store.transaction():
            ids = {r[0] for r in store.conn.execute("SELECT key_id FROM keys").fetchall()}
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()
    assert set(before) <= ids
    writer._kmsworkbench_sandbox.close()


def test_check_reports_a_sound_and_a_damaged_store(cli: Callable[..., Result], home: Path) -> None:
    assert cli("keys").rc == 0
    r = cli("sandbox", "check")
    assert r.rc == 0, r.err
    report = r.json()
    assert report["Status"] == "ok" and report["Integrity"] == "ok" and report["Keys"] >= 5
    data = bytearray((home / DB_NAME).read_bytes())
    data[2 * 4096 : 2 * 4096 + 200] = b"\xff" * 200
    (home / DB_NAME).write_bytes(bytes(data))
    for name in ("-wal", "-shm"):
        (home / f"{DB_NAME}{name}").unlink(missing_ok=True)
    r = cli("sandbox", "check")
    assert r.rc == 255
    assert r.json()["Status"] == "damaged"
    assert "sandbox restore" in r.err
    # keys, serve-like opens and the TUI all refuse it with the same message.
    r = cli("keys")
    assert r.rc != 0 and str(home / DB_NAME) in r.err and "damaged" in r.err


def test_reset_asks_and_keeps_the_library(
    cli: Callable[..., Result],
    pair: Callable[..., dict[str, Any]],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair("kept")
    r = cli("sandbox", "reset")  # stdin is not a terminal: --yes is needed
    assert r.rc == 252 and "--yes" in r.err and "sandbox backup" in r.err
    assert (home / DB_NAME).exists()
    held = Store(home)
    r = cli("sandbox", "reset", "--yes")
    assert r.rc == 255 and "in use by another process" in r.err
    held.close()
    r = cli("sandbox", "reset", "--yes")
    assert r.rc == 0, r.err
    assert not (home / DB_NAME).exists()
    assert (home / "pairs" / "kept.json").exists()
    r = cli("sandbox", "reset", "--yes")
    assert r.rc == 0 and "nothing to reset" in r.err


def test_reset_works_on_a_damaged_store(cli: Callable[..., Result], home: Path) -> None:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    (home / DB_NAME).write_bytes(b"")
    r = cli("sandbox", "reset", "--yes")
    assert r.rc == 0, r.err
    assert not (home / DB_NAME).exists()


def test_backup_refuses_a_damaged_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / DB_NAME).write_bytes(b"")
    from kmsworkbench.sandbox.store import StoreDamagedError

    with pytest.raises(StoreDamagedError):
        make_backup(data, "pw-pw-pw", kdf_n=FAST_N)
    with pytest.raises(BackupError):
        make_backup(tmp_path / "none", "pw-pw-pw", kdf_n=FAST_N)
    assert backup_module.MAGIC.endswith(b"\n")


@pytest.mark.parametrize("command", [[], ["serve", "--port", "0"]], ids=["tui", "serve"])
def test_serve_and_the_tui_refuse_a_damaged_store(
    cli: Callable[..., Result], tmp_path: Path, command: list[str]
) -> None:
    """Issue 11, defect 6: serve used to start on a corrupted store and answer every call
    with a retried "internal error DatabaseError"."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    damaged = bytearray(FIXTURE.read_bytes())
    damaged[3 * 4096 : 4 * 4096] = b"\x00\x13" * 2048
    (data / DB_NAME).write_bytes(bytes(damaged))
    before = (data / DB_NAME).read_bytes()
    r = cli("--data-dir", str(data), *command)
    assert r.rc != 0
    assert str(data / DB_NAME) in r.err and "is damaged" in r.err
    assert "sandbox restore" in r.err
    assert "listening" not in r.out
    assert (data / DB_NAME).read_bytes() == before


def test_every_folder_the_commands_make_is_0700_under_umask_000(
    cli: Callable[..., Result], pair: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    """Issue 11, defect 9: --data-dir, --out-dir and --outfile made their missing parents
    0755 (0777 under umask 000)."""
    import os

    old = os.umask(0)
    try:
        data = tmp_path / "d1" / "d2" / "data"
        assert cli("--data-dir", str(data), "keys").rc == 0
        out = tmp_path / "o1" / "o2" / "batch"
        r = cli("--data-dir", str(data), "generate", "--key-id", "alias/workbench-demo",
                "--key-pair-spec", "ECC_NIST_P256", "--count", "1", "--out-dir", str(out))  # fmt: skip
        assert r.rc == 0, r.err
        r = cli("--data-dir", str(data), "generate", "--key-id", "alias/workbench-demo",
                "--key-pair-spec", "ECC_NIST_P256", "--name", "p")  # fmt: skip
        assert r.rc == 0, r.err
        outfile = tmp_path / "f1" / "f2" / "p.pem"
        r = cli("--data-dir", str(data), "pairs", "export", "p", "--public-key", "PEM",
                "--outfile", str(outfile))  # fmt: skip
        assert r.rc == 0, r.err
    finally:
        os.umask(old)
    made = [data.parent.parent, data.parent, data, data / "pairs", out.parent.parent, out.parent,
            out, outfile.parent.parent, outfile.parent]  # fmt: skip
    assert {str(p): oct(p.stat().st_mode & 0o777) for p in made} == {str(p): "0o700" for p in made}
    files = [data / DB_NAME, data / "pairs" / "p.json", outfile, out / "manifest.json"]
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {
        p.name: "0o600" for p in files
    }


@pytest.mark.slow
def test_encrypt_and_decrypt_at_rest_commands(
    cli: Callable[..., Result],
    pair: Callable[..., dict[str, Any]],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = pair("sealed")
    monkeypatch.setenv("AT_REST_PW", "the at rest passphrase")
    r = cli("sandbox", "encrypt-at-rest", "--passphrase-env", "AT_REST_PW")
    assert r.rc == 0, r.err
    assert r.json()["Sealed"] >= 5 and r.json()["PassphraseFrom"] == "from $AT_REST_PW"
    again = cli("sandbox", "encrypt-at-rest", "--passphrase-env", "AT_REST_PW")
    assert again.rc == 252 and "already encrypted" in again.err
    assert _decrypts(home, made, {"app": "wb"})
    r = cli("sandbox", "decrypt-at-rest")
    assert r.rc == 0, r.err
    assert cli("sandbox", "decrypt-at-rest").rc == 252
    assert _decrypts(home, made, {"app": "wb"})
