"""Persistence across processes, concurrent writers, and scheduled deletion over time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.inprocess import attach, make_client
from kmsworkbench.sandbox.seed import SEED_KEYS

SEEDED_KEY_COUNT = len(SEED_KEYS) + 3  # + the AWS managed keys behind ebs, s3, secretsmanager


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_pair_survives_a_new_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kms = make_client(data)
    out = kms.generate_data_key_pair_without_plaintext(
        KeyId="alias/workbench-demo", KeyPairSpec="ECC_NIST_P256", EncryptionContext={"a": "b"}
    )
    kms._kmsworkbench_sandbox.close()
    del kms
    blob_file = tmp_path / "blob.bin"
    blob_file.write_bytes(out["PrivateKeyCiphertextBlob"])
    result = run_python(
        """
        import sys, json
        from pathlib import Path
        from kmsworkbench.sandbox.inprocess import make_client
        kms = make_client(sys.argv[1])
        dec = kms.decrypt(CiphertextBlob=Path(sys.argv[2]).read_bytes(), EncryptionContext={"a": "b"})
        print(json.dumps({"key": dec["KeyId"], "private": dec["Plaintext"].hex()}))
        """,
        str(data),
        str(blob_file),
    )
    answer = json.loads(result.stdout)
    assert answer["key"] == out["KeyId"]
    assert keypairs.keys_match(bytes.fromhex(answer["private"]), out["PublicKey"])


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Sandbox.open(data).close()  # seeded once, before the race
    code = textwrap.dedent(
        """
        import sys
        from kmsworkbench.sandbox.inprocess import make_client
        kms = make_client(sys.argv[1])
        for i in range(30):
            key_id = kms.create_key(Description=f"{sys.argv[2]}-{i}")["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=f"alias/{sys.argv[2]}-{i}", TargetKeyId=key_id)
        print("done")
        """
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(data), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr
        assert stdout.strip() == "done"
    kms = make_client(data)
    keys = [k for p in kms.get_paginator("list_keys").paginate() for k in p["Keys"]]
    assert len(keys) == 60 + SEEDED_KEY_COUNT
    aliases = {
        a["AliasName"] for p in kms.get_paginator("list_aliases").paginate() for a in p["Aliases"]
    }
    assert {f"alias/{n}-{i}" for n in ("first", "second") for i in range(30)} <= aliases


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_scheduled_deletion_happens_when_due(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = Sandbox.open(tmp_path / "data", clock=clock)
    kms = make_client(tmp_path / "data")
    # Re-wire the client to the sandbox with the fake clock.
    kms.meta.events.unregister("before-send.kms", unique_id="kmsworkbench-sandbox")
    attach(kms, sandbox)
    arn = kms.create_key(Description="doomed")["KeyMetadata"]["Arn"]
    alias = "alias/doomed"
    kms.create_alias(AliasName=alias, TargetKeyId=arn)
    kms.tag_resource(KeyId=arn, Tags=[{"TagKey": "t", "TagValue": "v"}])
    blob = kms.encrypt(KeyId=arn, Plaintext=b"gone soon")["CiphertextBlob"]
    deletion = kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)["DeletionDate"]
    assert abs(deletion.timestamp() - (clock.now + 7 * 86400)) < 1
    clock.now += 7 * 86400 - 60
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    clock.now += 120
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=arn)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=alias)
    with pytest.raises(kms.exceptions.ClientError) as info:
        kms.decrypt(CiphertextBlob=blob)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert arn.rsplit("/", 1)[1] not in {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    # The deletion is in the store: a Sandbox with the real clock sees it too.
    other = make_client(tmp_path / "data")
    with pytest.raises(other.exceptions.NotFoundException):
        other.describe_key(KeyId=arn)
