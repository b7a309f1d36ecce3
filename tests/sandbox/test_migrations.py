"""Stores made by earlier code still work: every fixture store (tests/fixtures/stores/vN,
each made by the code of schema vN with make_store_fixture.py) is opened with today's code,
migrated, and every key, alias, tag, grant and blob recorded on it is used again.

A new migration step is covered here automatically: the fixtures are migrated through it.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kmsworkbench import keypairs
from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    check_steps,
    migrate,
    stored_version,
)
from kmsworkbench.sandbox.store import DB_NAME, StoreTooNewError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
FIXTURE_DIRS = sorted(FIXTURES.glob("v*/"), key=lambda p: int(p.name[1:]))


def b(value: str) -> bytes:
    return base64.b64decode(value)


def test_every_schema_version_has_a_fixture() -> None:
    # The fixture of the first version is enough to walk every step; a fixture per version
    # also proves each version's own data survives. vN folders must be numbered like steps.
    versions = [int(p.name[1:]) for p in FIXTURE_DIRS]
    assert versions and versions[0] == 1
    assert all(1 <= v <= SCHEMA_VERSION for v in versions)


class FixtureClock:
    """The fixture's own time (plus an hour), so its 30-day deletion never falls due."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=FIXTURE_DIRS, ids=[p.name for p in FIXTURE_DIRS])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    source: Path = request.param
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copy2(source / DB_NAME, data / DB_NAME)
    records = json.loads((source / "records.json").read_text())
    return records, data


def clients(records: dict[str, Any], data: Path) -> dict[str, Any]:
    """One client per Region, answered by a Sandbox on the fixture's clock."""
    from kmsworkbench.sandbox.inprocess import attach

    out = {}
    for region in ("us-east-1", "cn-north-1"):
        sandbox = Sandbox.open(data, region, clock=FixtureClock(records["made_at"] + 3600))
        kms = make_client(data, region)
        kms._kmsworkbench_sandbox.close()
        kms.meta.events.unregister("before-send.kms", unique_id="kmsworkbench-sandbox")
        attach(kms, sandbox)
        out[region] = kms
    return out


def test_a_fixture_store_still_works_with_todays_code(migrated: tuple[dict, Path]) -> None:
    records, data = migrated
    kms = clients(records, data)
    us = kms["us-east-1"]
    sandbox = us._kmsworkbench_sandbox
    assert sandbox.account_id == records["account_id"]
    assert sandbox.access_key_id == records["access_key_id"]
    with sandbox.store.transaction():
        assert sandbox.store.get_meta("schema_version") == str(SCHEMA_VERSION)

    for name, key in records["keys"].items():
        meta = kms[key["region"]].describe_key(KeyId=key["arn"])["KeyMetadata"]
        assert (meta["KeySpec"], meta["KeyUsage"]) == (key["key_spec"], key["key_usage"]), name
        expected = {"disabled": "Disabled", "pending_deletion": "PendingDeletion"}.get(
            name, "Enabled"
        )
        assert meta["KeyState"] == expected, name
    doomed = us.describe_key(KeyId=records["keys"]["pending_deletion"]["arn"])["KeyMetadata"]
    assert doomed["DeletionDate"].timestamp() == pytest.approx(records["deletion_date"])

    for alias, target in records["aliases"].items():
        assert us.describe_key(KeyId=alias)["KeyMetadata"]["Arn"] == target
    for arn, tags in records["tags"].items():
        listed = us.list_resource_tags(KeyId=arn)["Tags"]
        assert {t["TagKey"]: t["TagValue"] for t in listed} == tags
    for grant in records["grants"]:
        listed = us.list_grants(KeyId=grant["key"])["Grants"]
        assert [(g["GrantId"], g["Name"]) for g in listed] == [(grant["grant_id"], grant["name"])]

    context = {"purpose": "fixture", "app": "kmsworkbench"}
    for item in records["ciphertexts"]:
        out = us.decrypt(CiphertextBlob=b(item["blob"]), EncryptionContext=context)
        assert out["Plaintext"] == b(item["plaintext"])
    for item in records["data_keys"]:
        assert us.decrypt(CiphertextBlob=b(item["blob"]))["Plaintext"] == b(item["plaintext"])
    for pair in records["pairs"]:
        out = kms[pair["region"]].decrypt(
            CiphertextBlob=b(pair["private_blob"]), EncryptionContext=pair["context"]
        )
        assert keypairs.keys_match(out["Plaintext"], b(pair["public_key"])), pair["spec"]
    for item in records["macs"]:
        ok = us.verify_mac(
            KeyId=item["key"],
            Message=b(item["message"]),
            MacAlgorithm=item["algorithm"],
            Mac=b(item["mac"]),
        )
        assert ok["MacValid"] is True
    for item in records["signatures"]:
        ok = us.verify(
            KeyId=item["key"],
            Message=b(item["message"]),
            Signature=b(item["signature"]),
            SigningAlgorithm=item["algorithm"],
        )
        assert ok["SignatureValid"] is True
        assert us.get_public_key(KeyId=item["key"])["PublicKey"] == b(item["public_key"])
    for item in records["asymmetric_ciphertexts"]:
        out = us.decrypt(
            KeyId=item["key"],
            CiphertextBlob=b(item["blob"]),
            EncryptionAlgorithm=item["algorithm"],
        )
        assert out["Plaintext"] == b(item["plaintext"])
    with pytest.raises(ClientError) as info:
        us.decrypt(CiphertextBlob=b(records["disabled_blob"]))
    assert info.value.response["Error"]["Code"] == "DisabledException"
    # And the migrated store takes new work.
    new = us.generate_data_key_pair_without_plaintext(
        KeyId="alias/fixture-sym", KeyPairSpec="ECC_NIST_P256"
    )
    out = us.decrypt(CiphertextBlob=new["PrivateKeyCiphertextBlob"])
    assert keypairs.keys_match(out["Plaintext"], new["PublicKey"])
    for client in kms.values():
        client._kmsworkbench_sandbox.close()


def test_migration_steps_are_numbered_in_order() -> None:
    check_steps()
    with pytest.raises(AssertionError):
        check_steps((*MIGRATIONS, Migration(len(MIGRATIONS) + 2, "a gap")))
    with pytest.raises(AssertionError):
        check_steps((*MIGRATIONS, MIGRATIONS[-1]))


def _v1_connection(tmp_path: Path) -> sqlite3.Connection:
    target = tmp_path / DB_NAME
    shutil.copy2(FIXTURE_DIRS[0] / DB_NAME, target)
    return sqlite3.connect(target, isolation_level=None)


def test_a_failing_step_leaves_the_store_at_its_version(tmp_path: Path) -> None:
    conn = _v1_connection(tmp_path)
    before = stored_version(conn)
    good = Migration(SCHEMA_VERSION + 1, "a table", sql="CREATE TABLE added (a TEXT);")
    bad = Migration(SCHEMA_VERSION + 2, "fails", sql="INSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, (*MIGRATIONS, good, bad))
    assert stored_version(conn) == before
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema")}
    assert "added" not in tables  # the good step was rolled back with the bad one
    assert migrate(conn, (*MIGRATIONS, good)) == before
    assert stored_version(conn) == SCHEMA_VERSION + 1
    conn.execute("INSERT INTO added VALUES ('x')")


def test_a_store_newer_than_the_code_is_refused_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    conn = _v1_connection(data)
    conn.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(99),))
    conn.close()
    before = (data / DB_NAME).read_bytes()
    with pytest.raises(StoreTooNewError) as info:
        Sandbox.open(data)
    message = str(info.value)
    assert str(data / DB_NAME) in message and "newer kmsworkbench" in message
    assert "store schema 99" in message and "upgrade" in message
    assert (data / DB_NAME).read_bytes() == before
