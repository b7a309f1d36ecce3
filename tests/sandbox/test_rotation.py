"""Rotation and key material: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand, ListKeyRotations; every older ciphertext and data key pair still
decrypts; scheduled rotations happen when the sandbox clock passes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.sandbox import Sandbox

DAY = 86_400.0


def _key(kms: Any, **kwargs: Any) -> str:
    return kms.create_key(Description="rotation test", **kwargs)["KeyMetadata"]["Arn"]


def _current(kms: Any, arn: str) -> str:
    return kms.describe_key(KeyId=arn)["KeyMetadata"]["CurrentKeyMaterialId"]


def test_on_demand_rotation_keeps_every_older_ciphertext(kms: Any) -> None:
    arn = _key(kms)
    first = _current(kms, arn)
    old = kms.encrypt(KeyId=arn, Plaintext=b"before", EncryptionContext={"a": "1"})
    pair = kms.generate_data_key_pair_without_plaintext(KeyId=arn, KeyPairSpec="ECC_NIST_P256")
    assert pair["KeyMaterialId"] == first
    assert kms.rotate_key_on_demand(KeyId=arn)["KeyId"] == arn
    second = _current(kms, arn)
    assert second != first
    new = kms.generate_data_key(KeyId=arn, KeySpec="AES_256")
    assert new["KeyMaterialId"] == second
    assert kms.decrypt(CiphertextBlob=new["CiphertextBlob"])["KeyMaterialId"] == second
    out = kms.decrypt(CiphertextBlob=old["CiphertextBlob"], EncryptionContext={"a": "1"})
    assert out["Plaintext"] == b"before" and out["KeyMaterialId"] == first
    private = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])
    assert private["KeyMaterialId"] == first
    signature = keypairs.sign(private["Plaintext"], "ECDSA_SHA_256", b"m")
    assert keypairs.verify(pair["PublicKey"], "ECDSA_SHA_256", b"m", signature)
    re = kms.re_encrypt(
        CiphertextBlob=old["CiphertextBlob"],
        SourceEncryptionContext={"a": "1"},
        DestinationKeyId=arn,
    )
    assert re["SourceKeyMaterialId"] == first and re["DestinationKeyMaterialId"] == second
    rotations = kms.list_key_rotations(KeyId=arn)["Rotations"]
    assert [(x["KeyMaterialId"], x["RotationType"], x["KeyMaterialState"]) for x in rotations] == [
        (second, "ON_DEMAND", "CURRENT")
    ]
    everything = kms.list_key_rotations(KeyId=arn, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [x["KeyMaterialId"] for x in everything["Rotations"]] == [first, second]
    assert "RotationDate" not in everything["Rotations"][0]
    assert everything["Rotations"][0]["KeyMaterialState"] == "NON_CURRENT"


def test_rotation_status_and_schedule(
    kms: Any, error_of: Any, advance_clock: Callable[[float], None]
) -> None:
    arn = _key(kms)
    status = kms.get_key_rotation_status(KeyId=arn)
    status.pop("ResponseMetadata")
    assert status == {"KeyRotationEnabled": False, "KeyId": arn}
    kms.enable_key_rotation(KeyId=arn, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=arn)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    created = kms.describe_key(KeyId=arn)["KeyMetadata"]["CreationDate"]
    assert (status["NextRotationDate"] - created).total_seconds() == pytest.approx(
        90 * DAY, abs=120
    )
    assert "OnDemandRotationStartDate" not in status
    blob = kms.encrypt(KeyId=arn, Plaintext=b"old")["CiphertextBlob"]
    advance_clock(2 * 90 * DAY + DAY)  # two periods pass: two automatic rotations
    rotations = kms.list_key_rotations(KeyId=arn)["Rotations"]
    assert [x["RotationType"] for x in rotations] == ["AUTOMATIC", "AUTOMATIC"]
    gap = rotations[1]["RotationDate"] - rotations[0]["RotationDate"]
    assert gap.total_seconds() == pytest.approx(90 * DAY, abs=1)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"old"
    after = kms.get_key_rotation_status(KeyId=arn)["NextRotationDate"]
    assert after > rotations[1]["RotationDate"]
    # Default period, then disabling.
    kms.enable_key_rotation(KeyId=arn)
    assert kms.get_key_rotation_status(KeyId=arn)["RotationPeriodInDays"] == 365
    kms.disable_key_rotation(KeyId=arn)
    assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"] is False
    advance_clock(400 * DAY)
    assert len(kms.list_key_rotations(KeyId=arn)["Rotations"]) == 2


def test_a_disabled_key_rotates_when_enabled_again(
    kms: Any, advance_clock: Callable[[float], None]
) -> None:
    arn = _key(kms)
    kms.enable_key_rotation(KeyId=arn, RotationPeriodInDays=90)
    kms.disable_key(KeyId=arn)
    advance_clock(200 * DAY)
    assert kms.list_key_rotations(KeyId=arn)["Rotations"] == []
    kms.enable_key(KeyId=arn)
    rotations = kms.list_key_rotations(KeyId=arn)["Rotations"]
    assert [x["RotationType"] for x in rotations] == ["AUTOMATIC"]  # once, not per period
    status = kms.get_key_rotation_status(KeyId=arn)
    assert (status["NextRotationDate"] - rotations[0]["RotationDate"]).days == 90
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"] is False
    kms.cancel_key_deletion(KeyId=arn)
    assert kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"] is True


def test_list_key_rotations_pages(kms: Any) -> None:
    arn = _key(kms)
    made = [_current(kms, arn)]
    for _ in range(4):
        kms.rotate_key_on_demand(KeyId=arn)
        made.append(_current(kms, arn))
    pages = kms.get_paginator("list_key_rotations").paginate(
        KeyId=arn, IncludeKeyMaterial="ALL_KEY_MATERIAL", PaginationConfig={"PageSize": 2}
    )
    seen = [[x["KeyMaterialId"] for x in page["Rotations"]] for page in pages]
    assert seen == [made[0:2], made[2:4], made[4:5]]


def test_rotation_errors(kms: Any, error_of: Any, advance_clock: Callable[[float], None]) -> None:
    ecc = _key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    mac = _key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    external = _key(kms, Origin="EXTERNAL")
    for arn in (ecc, mac):
        for call in (kms.enable_key_rotation, kms.rotate_key_on_demand, kms.list_key_rotations):
            assert error_of(call, KeyId=arn)["Code"] == "UnsupportedOperationException"
        assert (
            error_of(kms.get_key_rotation_status, KeyId=arn)["Code"]
            == "UnsupportedOperationException"
        )
    assert error_of(kms.enable_key_rotation, KeyId=external)["Code"] == (
        "UnsupportedOperationException"
    )
    # botocore checks 90..2560 itself; the sandbox checks too, for clients that do not.
    sandbox = Sandbox.open(kms._kmsworkbench_data_dir)
    for days in (89, 2561):
        body = json.dumps({"KeyId": _key(kms), "RotationPeriodInDays": days}).encode()
        status, _, payload = sandbox.handle("TrentService.EnableKeyRotation", body)
        assert status == 400 and json.loads(payload)["__type"] == "ValidationException"
    sandbox.close()
    disabled = _key(kms)
    kms.disable_key(KeyId=disabled)
    for call in (kms.enable_key_rotation, kms.disable_key_rotation, kms.rotate_key_on_demand):
        assert error_of(call, KeyId=disabled)["Code"] == "DisabledException"
    assert kms.get_key_rotation_status(KeyId=disabled)["KeyRotationEnabled"] is False
    missing = ecc.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert error_of(kms.rotate_key_on_demand, KeyId=missing)["Code"] == "NotFoundException"
    assert error_of(kms.list_key_rotations, KeyId="alias/workbench-demo")["Code"] == (
        "NotFoundException"
    )
    # An automatic rotation due within 20 minutes: on-demand rotation conflicts with it.
    soon = _key(kms)
    kms.enable_key_rotation(KeyId=soon, RotationPeriodInDays=90)
    advance_clock(90 * DAY - 600)
    assert error_of(kms.rotate_key_on_demand, KeyId=soon)["Code"] == "ConflictException"
    # At most 25 on-demand rotations per key.
    many = _key(kms)
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=many)
    err = error_of(kms.rotate_key_on_demand, KeyId=many)
    assert err["Code"] == "LimitExceededException" and many in err["Message"]


def test_aws_managed_keys_rotate_yearly_and_refuse_changes(kms: Any, error_of: Any) -> None:
    ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
    status = kms.get_key_rotation_status(KeyId=ebs["KeyId"])
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 365
    for call in (kms.enable_key_rotation, kms.disable_key_rotation, kms.rotate_key_on_demand):
        assert error_of(call, KeyId=ebs["KeyId"])["Code"] == "AccessDeniedException"
