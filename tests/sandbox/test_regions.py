"""Regions, partitions, seeding, credentials, files and SM2 (China Regions only)."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.seed import SEED_KEYS


def test_fresh_folder_is_seeded(tmp_path: Path) -> None:
    kms = make_client(tmp_path / "data")
    keys = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    customer = [k for k in keys if k["KeyManager"] == "CUSTOMER"]
    assert len(customer) == len(SEED_KEYS) == 7
    assert all(k["Description"] for k in keys)
    kinds = {(k["KeySpec"], k["KeyUsage"], k["KeyState"]) for k in customer}
    assert kinds == {
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled"),
        ("ECC_NIST_P256", "SIGN_VERIFY", "Enabled"),
        ("RSA_2048", "ENCRYPT_DECRYPT", "Enabled"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Disabled"),
        ("HMAC_256", "GENERATE_VERIFY_MAC", "Enabled"),
        ("ECC_NIST_P256", "KEY_AGREEMENT", "Enabled"),
    }
    assert any(k["KeyManager"] == "AWS" for k in keys)
    demo = kms.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]
    assert demo["KeySpec"] == "SYMMETRIC_DEFAULT" and demo["Enabled"]


def test_reopen_does_not_seed_again(tmp_path: Path) -> None:
    first = Sandbox.open(tmp_path / "d")
    identity = (first.account_id, first.access_key_id, first.secret_access_key)
    first.close()
    again = Sandbox.open(tmp_path / "d")
    assert (again.account_id, again.access_key_id, again.secret_access_key) == identity
    kms = make_client(tmp_path / "d")
    assert len(kms.list_keys()["Keys"]) == len(SEED_KEYS) + 3  # + AWS managed keys
    again.close()


def test_identity_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "private"
    sb = Sandbox.open(folder)
    assert re.fullmatch(r"[1-9]\d{11}", sb.account_id)
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", sb.access_key_id)
    assert len(sb.secret_access_key) == 40
    assert sb.region == "us-east-1" and sb.partition == "aws"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert repr(sb).count(sb.secret_access_key) == 0
    sb.close()


def test_keys_are_regional(tmp_path: Path) -> None:
    east = make_client(tmp_path / "d")
    west = make_client(tmp_path / "d", region="eu-west-1")
    arn = east.create_key(Description="east only")["KeyMetadata"]["Arn"]
    west_ids = {k["KeyId"] for k in west.list_keys()["Keys"]}
    assert arn.rsplit("/", 1)[1] not in west_ids
    assert all(":eu-west-1:" in k["KeyArn"] for k in west.list_keys()["Keys"])
    assert west.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]["Arn"].startswith(
        "arn:aws:kms:eu-west-1:"
    )
    blob = east.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    err = west.exceptions.ClientError
    with pytest.raises(err) as info:
        west.decrypt(CiphertextBlob=blob)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    # The folder keeps its first Region as its default.
    assert Sandbox.open(tmp_path / "d").region == "us-east-1"


def test_folder_default_region(tmp_path: Path) -> None:
    Sandbox.open(tmp_path / "d", region="ap-southeast-2").close()
    sb = Sandbox.open(tmp_path / "d")
    assert sb.region == "ap-southeast-2"
    sb.close()
    with pytest.raises(ValueError):
        Sandbox.open(tmp_path / "d", region="not a region")


def test_china_partition(kms_cn: Any) -> None:
    md = kms_cn.describe_key(KeyId="alias/workbench-demo")["KeyMetadata"]
    assert md["Arn"].startswith("arn:aws-cn:kms:cn-north-1:")


def test_sm2_kms_keys_in_china(kms_cn: Any) -> None:
    sign = kms_cn.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert sign["SigningAlgorithms"] == ["SM2DSA"]
    sig = kms_cn.sign(KeyId=sign["Arn"], Message=b"m", SigningAlgorithm="SM2DSA")["Signature"]
    public = kms_cn.get_public_key(KeyId=sign["Arn"])["PublicKey"]
    assert keypairs.spec_of_public_key(public) == "SM2"
    assert keypairs.verify(public, "SM2DSA", b"m", sig)
    assert kms_cn.verify(KeyId=sign["Arn"], Message=b"m", Signature=sig, SigningAlgorithm="SM2DSA")[
        "SignatureValid"
    ]
    enc = kms_cn.create_key(KeySpec="SM2", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert enc["EncryptionAlgorithms"] == ["SM2PKE"]
    blob = kms_cn.encrypt(KeyId=enc["Arn"], Plaintext=b"sm2", EncryptionAlgorithm="SM2PKE")
    out = kms_cn.decrypt(
        CiphertextBlob=blob["CiphertextBlob"], KeyId=enc["Arn"], EncryptionAlgorithm="SM2PKE"
    )
    assert out["Plaintext"] == b"sm2"


def test_sm2_data_key_pair_in_china(kms_cn: Any) -> None:
    out = kms_cn.generate_data_key_pair(KeyId="alias/workbench-demo", KeyPairSpec="SM2")
    assert out["KeyPairSpec"] == "SM2" and out["KeyId"].startswith("arn:aws-cn:")
    private = kms_cn.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert private == out["PrivateKeyPlaintext"]
    assert keypairs.keys_match(private, out["PublicKey"])


@pytest.mark.parametrize(
    "operation", ["generate_data_key_pair", "generate_data_key_pair_without_plaintext"]
)
def test_sm2_outside_china(kms: Any, operation: str, error_of: Any) -> None:
    err = error_of(getattr(kms, operation), KeyId="alias/workbench-demo", KeyPairSpec="SM2")
    assert err == {
        "Code": "UnsupportedOperationException",
        "Message": "KeyPairSpec SM2 is not supported in this Region",
    }
