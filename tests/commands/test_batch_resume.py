"""Batches land whole or resume (issue 11, defect 8, and issue 9's headless gap): the manifest
is written as the batch goes, a stopped batch resumes with --resume and makes only what is
missing, and the library holds a batch only with --save, as one entry, once it is complete."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.service import session as session_module
from tests.commands.conftest import Result
from tests.service.helpers import error_response

GENERATE = ("generate", "--key-id", "alias/workbench-demo", "--key-pair-spec", "ECC_NIST_P256")


def _fail_after(monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
    """Every KMS client made from now on answers GenerateDataKeyPairWithoutPlaintext
    ``allowed`` times, then AccessDeniedException (not retried)."""
    original = session_module.KmsSession._build_client
    calls = [0]

    def build(self: Any) -> Any:
        client = original(self)

        def handler(request: Any, **_: object) -> Any:
            target = request.headers.get("X-Amz-Target", b"")
            target = target.decode() if isinstance(target, bytes) else str(target)
            if not target.endswith(".GenerateDataKeyPairWithoutPlaintext"):
                return None
            calls[0] += 1
            if calls[0] <= allowed:
                return None
            return error_response(request.url, "AccessDeniedException", "stopped by the test")

        client.meta.events.register_first("before-send.kms", handler)
        return client

    monkeypatch.setattr(session_module.KmsSession, "_build_client", build)


def test_a_stopped_batch_keeps_what_it_made_and_resumes(
    cli: Callable[..., Result],
    tmp_path: Path,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "new" / "batch"
    with monkeypatch.context() as patch:
        _fail_after(patch, 4)
        r = cli(*GENERATE, "--encryption-context", "run=1", "--count", "12",
                "--out-dir", str(out_dir), "--name", "fleet", "--save")  # fmt: skip
    assert r.rc != 0 and "--resume" in r.err and "AccessDenied" in r.err
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["Status"] == "incomplete" and 4 <= manifest["Made"] < 12
    made = {
        e["ResponseFile"]: (out_dir / e["ResponseFile"]).read_bytes() for e in manifest["Pairs"]
    }
    assert PairLibrary(home).batches.list() == [] and PairLibrary(home).list() == []

    wrong = cli(*GENERATE[:2], "alias/other", "--out-dir", str(out_dir), "--resume")
    assert wrong.rc == 252 and "started with --key-id" in wrong.err
    r = cli("generate", "--out-dir", str(out_dir), "--resume")
    assert r.rc == 0, r.err
    manifest = r.json()
    assert manifest["Status"] == "complete" and manifest["Made"] == 12
    assert [e["Index"] for e in manifest["Pairs"]] == list(range(1, 13))
    for name, content in made.items():  # what was made before is kept, not made again
        assert (out_dir / name).read_bytes() == content
    library = PairLibrary(home)
    [batch] = library.batches.list()
    assert batch.name == "fleet" and batch.count == 12 and library.list() == []
    assert manifest["LibraryBatch"] == "fleet"
    assert [e["Name"] for e in manifest["Pairs"]] == [f"fleet-{i:04d}" for i in range(1, 13)]
    with KmsSession(Backend.sandbox(home)) as session:
        for entry in manifest["Pairs"]:
            blob = (out_dir / entry["PrivateKeyCiphertextFile"]).read_bytes()
            public = (out_dir / entry["PublicKeyFile"]).read_bytes()
            assert library.get(entry["Name"]).public_key == public
            plain = session.decrypt_private_key(blob, {"run": "1"})
            assert keypairs.keys_match(plain.plaintext, public)
    again = cli("generate", "--out-dir", str(out_dir), "--resume")
    assert again.rc == 0 and len(PairLibrary(home).batches.list()) == 1  # saved once


def test_a_batch_is_not_in_the_library_unless_saved(
    cli: Callable[..., Result], tmp_path: Path, home: Path
) -> None:
    r = cli(*GENERATE, "--count", "3", "--out-dir", str(tmp_path / "b"))
    assert r.rc == 0, r.err
    assert all(e["Name"] is None for e in r.json()["Pairs"])
    assert PairLibrary(home).list() == [] and PairLibrary(home).batches.list() == []
    r = cli(*GENERATE, "--count", "3", "--out-dir", str(tmp_path / "c"), "--save", "--name", "c")
    assert r.rc == 0, r.err
    listed = cli("pairs", "list").json()
    assert listed["Pairs"] == []
    assert [(b["Batch"], b["Count"]) for b in listed["Batches"]] == [("c", 3)]
    inside = cli("pairs", "list", "--batch", "c").json()
    assert [p["Name"] for p in inside["Pairs"]] == ["c-0001", "c-0002", "c-0003"]
    shown = cli("pairs", "show", "c-0002").json()
    response = json.loads((tmp_path / "c" / "pair-0002.json").read_text())
    assert shown["PublicKey"] == response["PublicKey"]
    bundle = cli("pairs", "export", "c").json()
    assert [p["name"] for p in bundle["pairs"]] == ["c-0001", "c-0002", "c-0003"]
    refused = cli("pairs", "delete", "c-0001")
    assert refused.rc == 252 and "pairs delete c" in refused.err
    assert cli("pairs", "rename", "c-0001", "x").rc == 252
    assert cli("pairs", "delete", "c").rc == 0
    assert PairLibrary(home).batches.list() == []
    assert base64.b64decode(response["PublicKey"])  # the batch's folder is untouched
    assert (tmp_path / "c" / "manifest.json").exists()


def test_usage_errors(cli: Callable[..., Result], tmp_path: Path) -> None:
    r = cli("generate", "--out-dir", str(tmp_path / "none"), "--resume")
    assert r.rc == 252 and "no batch to resume" in r.err
    r = cli(*GENERATE, "--save")
    assert r.rc == 252 and "--count" in r.err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("[[[")
    r = cli("generate", "--out-dir", str(tmp_path / "bad"), "--resume")
    assert r.rc == 252 and "cannot be read" in r.err
