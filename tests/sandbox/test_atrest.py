"""Key material at rest: sealed in the store under a passphrase-derived key, opened once per
process, and never readable from the file alone."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox import atrest
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.store import DB_NAME, Store, StoreError

FAST_N = 2**14


def _enable(data: Path, passphrase: str, env: str | None) -> int:
    store = Store(data)
    try:
        with store.transaction(write=True):
            return atrest.enable(store.conn, passphrase, env, n=FAST_N)
    finally:
        store.close()


def _secrets(data: Path) -> list[bytes]:
    conn = sqlite3.connect(data / DB_NAME)
    try:
        return [
            bytes(r[0])
            for r in conn.execute("SELECT secret FROM key_material WHERE secret IS NOT NULL")
        ]
    finally:
        conn.close()


@pytest.mark.slow
def test_material_sealed_at_rest_still_works_and_is_not_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    kms = make_client(data)
    before = kms.generate_data_key_pair_without_plaintext(
        KeyId="alias/workbench-demo", KeyPairSpec="ECC_NIST_P256"
    )
    kms._kmsworkbench_sandbox.close()
    plain = _secrets(data)
    assert _enable(data, "at rest pw", "KMSWB_TEST_AT_REST") == len(plain)
    sealed = _secrets(data)
    assert all(s.startswith(atrest.PREFIX) for s in sealed)
    image = (data / DB_NAME).read_bytes() + b"".join(
        p.read_bytes() for p in data.glob(f"{DB_NAME}-wal")
    )
    assert not [s for s in plain if s in image]

    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from kmsworkbench.sandbox.inprocess import make_client
        kms = make_client(sys.argv[1])
        out = kms.decrypt(CiphertextBlob=Path(sys.argv[2]).read_bytes())
        Path(sys.argv[3]).write_bytes(out["Plaintext"])
        new = kms.create_key(Description="after")["KeyMetadata"]["KeyId"]
        kms.encrypt(KeyId=new, Plaintext=b"x")
        """
    )
    blob, out = tmp_path / "blob", tmp_path / "out"
    blob.write_bytes(before["PrivateKeyCiphertextBlob"])
    run = [sys.executable, "-c", code, str(data), str(blob), str(out)]
    refused = subprocess.run(run, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert refused.returncode != 0 and "KMSWB_TEST_AT_REST" in refused.stderr
    env = {**__import__("os").environ, "KMSWB_TEST_AT_REST": "at rest pw"}
    ok = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert keypairs.keys_match(out.read_bytes(), before["PublicKey"])
    assert all(s.startswith(atrest.PREFIX) for s in _secrets(data))  # the new key's too
    assert len(_secrets(data)) == len(plain) + 1

    env["KMSWB_TEST_AT_REST"] = "wrong"
    wrong = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
    assert wrong.returncode != 0 and "passphrase is wrong" in wrong.stderr

    monkeypatch.setenv("KMSWB_TEST_AT_REST", "at rest pw")
    store = Store(data)
    try:
        assert store.sealer is not None
        with store.transaction(write=True):
            atrest.disable(store.conn, store.sealer)
    finally:
        store.close()
    assert not [s for s in _secrets(data) if s.startswith(atrest.PREFIX)]
    kms = make_client(data)
    out_plain = kms.decrypt(CiphertextBlob=before["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert keypairs.keys_match(out_plain, before["PublicKey"])
    kms._kmsworkbench_sandbox.close()


def test_sealed_material_moved_to_another_key_does_not_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    make_client(data)._kmsworkbench_sandbox.close()
    monkeypatch.setenv("KMSWB_TEST_SWAP", "swap pw")
    _enable(data, "swap pw", "KMSWB_TEST_SWAP")
    conn = sqlite3.connect(data / DB_NAME)
    rows = conn.execute(
        "SELECT key_id, secret FROM key_material m JOIN keys k USING (region, key_id) "
        "WHERE k.key_spec = 'SYMMETRIC_DEFAULT' AND secret IS NOT NULL LIMIT 2"
    ).fetchall()
    (a, secret_a), (b, _) = rows
    conn.execute("UPDATE key_material SET secret = ? WHERE key_id = ?", (secret_a, b))
    conn.commit()
    conn.close()
    store = Store(data)
    try:
        with store.transaction(), pytest.raises(StoreError) as info:
            store.get_key("us-east-1", b)
        assert b in str(info.value) and "does not open" in str(info.value)
        with store.transaction():
            assert store.get_key("us-east-1", a) is not None
    finally:
        store.close()
    shutil.rmtree(data)
