"""Schema step 2 (rotation, key policies, last usage) on a store made by v1 code: its keys
gain a current material, rotate, and every blob and data key pair made before still
decrypts under the material it was made with."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from kmsworkbench import keypairs
from kmsworkbench.sandbox.store import DB_NAME
from tests.sandbox.test_migrations import FIXTURE_DIRS, b, clients


def test_v1_keys_rotate_and_old_blobs_still_decrypt(tmp_path: Path) -> None:
    import json

    source = FIXTURE_DIRS[0]
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copy2(source / DB_NAME, data / DB_NAME)
    records: dict[str, Any] = json.loads((source / "records.json").read_text())
    kms = clients(records, data)
    us = kms["us-east-1"]
    sym = us.describe_key(KeyId="alias/fixture-sym")["KeyMetadata"]
    first = sym["CurrentKeyMaterialId"]
    assert us.get_key_rotation_status(KeyId=sym["Arn"])["KeyRotationEnabled"] is False
    us.rotate_key_on_demand(KeyId=sym["Arn"])
    us.enable_key_rotation(KeyId=sym["Arn"])
    rotated = us.describe_key(KeyId=sym["Arn"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert rotated != first
    history = us.list_key_rotations(KeyId=sym["Arn"], IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [r["KeyMaterialId"] for r in history["Rotations"]] == [first, rotated]
    assert history["Rotations"][0]["KeyMaterialState"] == "NON_CURRENT"
    context = {"purpose": "fixture", "app": "kmsworkbench"}
    for item in records["ciphertexts"]:
        out = us.decrypt(CiphertextBlob=b(item["blob"]), EncryptionContext=context)
        assert out["Plaintext"] == b(item["plaintext"])
        if item["key"] in (sym["Arn"], "alias/fixture-sym"):
            assert out["KeyMaterialId"] == first
    for pair in records["pairs"]:
        out = kms[pair["region"]].decrypt(
            CiphertextBlob=b(pair["private_blob"]), EncryptionContext=pair["context"]
        )
        assert keypairs.keys_match(out["Plaintext"], b(pair["public_key"])), pair["spec"]
    new = us.generate_data_key_pair_without_plaintext(KeyId=sym["Arn"], KeyPairSpec="ECC_NIST_P256")
    assert new["KeyMaterialId"] == rotated
    ebs = us.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
    assert us.get_key_rotation_status(KeyId=ebs["KeyId"])["RotationPeriodInDays"] == 365
    for client in kms.values():
        client._kmsworkbench_sandbox.close()
