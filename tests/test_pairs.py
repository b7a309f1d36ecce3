"""The library of pairs: records on disk, names, bundles, exports."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kmsworkbench import keypairs
from kmsworkbench.pairs import BundleError, PairExistsError, PairLibrary, PairRecord, validate_name

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _record(name: str = "p", when: datetime | None = None) -> PairRecord:
    public = keypairs.generate("ECC_NIST_P256").public_der
    return PairRecord(
        name=name,
        key_arn=ARN,
        key_pair_spec="ECC_NIST_P256",
        encryption_context={"app": "wb"},
        public_key=public,
        private_key_ciphertext=b"\x01\x02ciphertext",
        backend="sandbox · /x · us-east-1",
        key_material_id="ab" * 32,
        created_at=when or datetime.now(UTC),
    )


def test_round_trip_and_private_files(tmp_path: Path) -> None:
    lib = PairLibrary(tmp_path / "data")
    rec = lib.add(_record())
    assert PairRecord.from_json(rec.to_json()) == rec
    assert lib.get("p") == rec
    path = tmp_path / "data" / "pairs" / "p.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "private_key_plaintext" not in path.read_text()


def test_names_order_rename_delete(tmp_path: Path) -> None:
    lib = PairLibrary(tmp_path)
    lib.add(_record("old", datetime(2020, 1, 1, tzinfo=UTC)))
    lib.add(_record("new", datetime(2024, 1, 1, tzinfo=UTC)))
    assert [r.name for r in lib.list()] == ["new", "old"]
    with pytest.raises(PairExistsError):
        lib.add(_record("new"))
    assert lib.add(_record("new"), unique=True).name == "new-2"
    assert lib.unique_name("a b/c") == "a-b-c"
    assert validate_name("../x") is not None and validate_name("ok.name_1") is None
    with pytest.raises(ValueError):
        lib.add(_record("../escape"))
    lib.rename("old", "older")
    with pytest.raises(KeyError):
        lib.get("old")
    lib.delete("older")
    with pytest.raises(KeyError):
        lib.delete("older")
    with pytest.raises(KeyError):
        lib.get("../../etc/passwd")


def test_damaged_file_is_skipped(tmp_path: Path) -> None:
    lib = PairLibrary(tmp_path)
    lib.add(_record("good"))
    (tmp_path / "pairs" / "bad.json").write_text("{not json")
    assert [r.name for r in lib.list()] == ["good"]
    assert lib.skipped and lib.skipped[0][0].name == "bad.json"


def test_bundle_round_trip_and_refusals(tmp_path: Path) -> None:
    a = PairLibrary(tmp_path / "a")
    a.add(_record("one"))
    bundle = json.loads(json.dumps(a.export_bundle()))
    b = PairLibrary(tmp_path / "b")
    assert [r.name for r in b.import_bundle(bundle)] == ["one"]
    assert b.get("one") == a.get("one")
    bad = json.loads(json.dumps(bundle))
    bad["pairs"][0]["public_key"] = "%%%"
    with pytest.raises(BundleError, match="pair #1: public_key is not valid base64"):
        b.import_bundle(bad)
    with pytest.raises(BundleError, match="not a kmsworkbench-pairs bundle"):
        b.import_bundle({"pairs": []})
    leaked = json.loads(json.dumps(bundle))
    leaked["pairs"][0]["PrivateKeyPlaintext"] = "AAAA"
    with pytest.raises(BundleError, match="plaintext private key"):
        b.import_bundle(leaked)
    assert [r.name for r in b.list()] == ["one"]


def test_exports(tmp_path: Path) -> None:
    rec = _record()
    assert rec.export_public_key("DER") == rec.public_key
    assert rec.export_public_key("pem").startswith(b"-----BEGIN PUBLIC KEY-----")
    jwk = json.loads(rec.export_public_key("JWK"))
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    assert rec.export_private_key_ciphertext("raw") == b"\x01\x02ciphertext"
    assert rec.export_private_key_ciphertext("base64") == b"AQJjaXBoZXJ0ZXh0\n"
    with pytest.raises(ValueError):
        rec.export_public_key("XML")
