"""Multi-Region keys through real boto3 clients of two Regions on ONE data folder, in-process
and over HTTP (one served sandbox per Region, both on the same folder)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.sandbox import wrapping
from tests.sandbox.conftest import TRANSPORTS, _client

EAST, WEST, SOUTH = "us-east-1", "eu-west-1", "ap-south-1"
MRK = re.compile(r"^mrk-[0-9a-f]{32}$")


@pytest.fixture(scope="module", params=TRANSPORTS)
def regions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    data: Path = tmp_path_factory.mktemp(f"mrk-{request.param}") / "data"
    clients = [_client(request.param, data, region) for region in (EAST, WEST, SOUTH)]
    try:
        yield {region: next(c) for region, c in zip((EAST, WEST, SOUTH), clients, strict=True)}
    finally:
        for c in clients:
            next(c, None)


def arn(region: str, account: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def test_replicate_and_decrypt_in_another_region(regions: dict[str, Any]) -> None:
    east, west = regions[EAST], regions[WEST]
    md = east.create_key(MultiRegion=True, Description="primary")["KeyMetadata"]
    key_id, account = md["KeyId"], md["AWSAccountId"]
    assert MRK.match(key_id) and md["MultiRegion"] is True
    assert md["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": {"Arn": arn(EAST, account, key_id), "Region": EAST},
        "ReplicaKeys": [],
    }
    out = east.replicate_key(
        KeyId=key_id,
        ReplicaRegion=WEST,
        Description="replica",
        Tags=[{"TagKey": "t", "TagValue": "v"}],
    )
    replica = out["ReplicaKeyMetadata"]
    assert replica["Arn"] == arn(WEST, account, key_id) and replica["KeyId"] == key_id
    assert replica["KeyState"] == "Enabled" and replica["Description"] == "replica"
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert replica["CurrentKeyMaterialId"] == md["CurrentKeyMaterialId"]
    assert out["ReplicaTags"] == [{"TagKey": "t", "TagValue": "v"}]
    assert '"Sid" : "Enable IAM User Permissions"' in out["ReplicaPolicy"]
    assert west.get_key_policy(KeyId=key_id)["Policy"] == out["ReplicaPolicy"]
    assert west.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "t", "TagValue": "v"}]
    seen_from_west = west.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert seen_from_west == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": {"Arn": arn(EAST, account, key_id), "Region": EAST},
        "ReplicaKeys": [{"Arn": arn(WEST, account, key_id), "Region": WEST}],
    }
    blob = east.encrypt(KeyId=key_id, Plaintext=b"across", EncryptionContext={"k": "v"})
    plain = west.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"k": "v"})
    assert plain["Plaintext"] == b"across" and plain["KeyId"] == arn(WEST, account, key_id)
    back = west.encrypt(KeyId=key_id, Plaintext=b"back")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=back, KeyId=key_id)["Plaintext"] == b"back"
    # Rotation is shared: the primary rotates, the replica has the new material too.
    east.rotate_key_on_demand(KeyId=key_id)
    current = east.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert current != md["CurrentKeyMaterialId"]
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == current
    rotated = east.encrypt(KeyId=key_id, Plaintext=b"rotated")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=rotated)["Plaintext"] == b"rotated"
    # A single-Region key's ciphertext stays in its Region.
    single = east.create_key()["KeyMetadata"]["KeyId"]
    other = east.encrypt(KeyId=single, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(west.exceptions.ClientError) as info:
        west.decrypt(CiphertextBlob=other)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"


def test_asymmetric_multi_region_key_signs_alike(regions: dict[str, Any]) -> None:
    east, south = regions[EAST], regions[SOUTH]
    key_id = east.create_key(MultiRegion=True, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")[
        "KeyMetadata"
    ]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion=SOUTH)
    assert (
        south.get_public_key(KeyId=key_id)["PublicKey"]
        == east.get_public_key(KeyId=key_id)["PublicKey"]
    )
    signature = south.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")[
        "Signature"
    ]
    assert east.verify(
        KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )["SignatureValid"]


def test_update_primary_region(regions: dict[str, Any], error_of: Any) -> None:
    east, west = regions[EAST], regions[WEST]
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion=WEST)
    err = error_of(east.update_primary_region, KeyId=key_id, PrimaryRegion=SOUTH)
    assert err["Code"] == "NotFoundException"
    east.update_primary_region(KeyId=key_id, PrimaryRegion=WEST)
    assert (
        west.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"][
            "MultiRegionKeyType"
        ]
        == "PRIMARY"
    )
    config = east.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert config["MultiRegionKeyType"] == "REPLICA" and config["PrimaryKey"]["Region"] == WEST
    # Only the primary replicates or moves the primary Region.
    assert error_of(east.replicate_key, KeyId=key_id, ReplicaRegion=SOUTH)["Code"] == (
        "UnsupportedOperationException"
    )
    west.replicate_key(KeyId=key_id, ReplicaRegion=SOUTH)
    assert (
        len(
            west.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"][
                "ReplicaKeys"
            ]
        )
        == 2
    )


def test_replicate_key_errors(regions: dict[str, Any], error_of: Any) -> None:
    east = regions[EAST]
    single = east.create_key()["KeyMetadata"]["KeyId"]
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion=SOUTH)
    cases = [
        ({"KeyId": single, "ReplicaRegion": WEST}, "UnsupportedOperationException"),
        ({"KeyId": key_id, "ReplicaRegion": SOUTH}, "AlreadyExistsException"),
        ({"KeyId": key_id, "ReplicaRegion": EAST}, "ValidationException"),
        ({"KeyId": key_id, "ReplicaRegion": "cn-north-1"}, "ValidationException"),
        ({"KeyId": "mrk-" + "0" * 32, "ReplicaRegion": WEST}, "NotFoundException"),
    ]
    for request, code in cases:
        assert error_of(east.replicate_key, **request)["Code"] == code, request
    east.disable_key(KeyId=key_id)
    assert (
        error_of(east.replicate_key, KeyId=key_id, ReplicaRegion=WEST)["Code"]
        == "DisabledException"
    )


def test_primary_with_replicas_waits_for_them(regions: dict[str, Any], error_of: Any) -> None:
    east, west = regions[EAST], regions[WEST]
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion=WEST)
    out = east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert out["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in out
    err = error_of(east.encrypt, KeyId=key_id, Plaintext=b"x")
    assert (
        err["Code"] == "KMSInvalidStateException" and "pending replica deletion" in err["Message"]
    )
    assert east.cancel_key_deletion(KeyId=key_id)["KeyId"].endswith(key_id)
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    west.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    sandbox_clock_advance(west, 7 * 86_400 + 1)
    with pytest.raises(west.exceptions.NotFoundException):
        west.describe_key(KeyId=key_id)
    md = east.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (
        md["KeyState"] == "PendingDeletion" and md["MultiRegionConfiguration"]["ReplicaKeys"] == []
    )


def sandbox_clock_advance(kms: Any, seconds: float) -> None:
    from kmsworkbench.sandbox import Sandbox

    with Sandbox.open(kms._kmsworkbench_data_dir) as sandbox:
        sandbox.clock.advance(seconds)


def test_imported_multi_region_key_takes_the_primarys_material(
    regions: dict[str, Any], error_of: Any
) -> None:
    east, west = regions[EAST], regions[WEST]
    key_id = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)

    def put(kms: Any, data: bytes) -> dict[str, Any]:
        p = kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )
        return kms.import_key_material(
            KeyId=key_id, ImportToken=p["ImportToken"],
            EncryptedKeyMaterial=wrapping.wrap("RSAES_OAEP_SHA_256", p["PublicKey"], data),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )  # fmt: skip

    first = put(east, material)["KeyMaterialId"]
    replica = east.replicate_key(KeyId=key_id, ReplicaRegion=WEST)["ReplicaKeyMetadata"]
    assert replica["KeyState"] == "PendingImport"
    assert error_of(put, kms=west, data=os.urandom(32))["Code"] == "IncorrectKeyMaterialException"
    assert put(west, material)["KeyMaterialId"] == first
    blob = east.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
