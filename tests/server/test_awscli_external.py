"""The real AWS CLI against ``kmsworkbench serve`` for the import flow (get-parameters-for-
import, OpenSSL wraps the material the way AWS's developer guide does, import-key-material)
and the multi-Region flow (--region per command; one data folder holds both Regions)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kmsworkbench.sandbox import blob as blobfmt
from kmsworkbench.sandbox.server import ServerHandle, start_background
from tests.sandbox.openssl_wrap import needs_openssl, openssl_wrap

from .conftest import AwsCli, aws_env, aws_executable

pytestmark = pytest.mark.slow  # several AWS CLI runs, each a fresh interpreter


@needs_openssl
def test_import_flow_with_the_aws_cli_and_openssl(aws: AwsCli, tmp_path: Path) -> None:
    key_id = aws.json("kms", "create-key", "--origin", "EXTERNAL")["KeyMetadata"]["KeyId"]  # type: ignore[index]
    params = aws.json(
        "kms", "get-parameters-for-import", "--key-id", key_id,
        "--wrapping-algorithm", "RSA_AES_KEY_WRAP_SHA_256", "--wrapping-key-spec", "RSA_3072",
    )  # fmt: skip
    (tmp_path / "ImportToken.bin").write_bytes(base64.b64decode(str(params["ImportToken"])))
    material = os.urandom(32)
    wrapped = openssl_wrap(
        tmp_path, "RSA_AES_KEY_WRAP_SHA_256", base64.b64decode(str(params["PublicKey"])), material
    )
    assert (tmp_path / "EncryptedKeyMaterial.bin").read_bytes() == wrapped
    out = aws.json(
        "kms", "import-key-material", "--key-id", key_id,
        "--encrypted-key-material", f"fileb://{tmp_path / 'EncryptedKeyMaterial.bin'}",
        "--import-token", f"fileb://{tmp_path / 'ImportToken.bin'}",
        "--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE",
    )  # fmt: skip
    assert str(out["KeyId"]).endswith(key_id) and len(str(out["KeyMaterialId"])) == 64
    state = aws.ok("kms", "describe-key", "--key-id", key_id, "--query", "KeyMetadata.KeyState",
                   "--output", "text")  # fmt: skip
    assert state.strip() == "Enabled"
    (tmp_path / "plain.txt").write_bytes(b"imported")
    blob = aws.ok("kms", "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{tmp_path / 'plain.txt'}",
                  "--query", "CiphertextBlob", "--output", "text")  # fmt: skip
    sealed = base64.b64decode(blob.strip())
    assert blobfmt.open_blob(material, blobfmt.parse(sealed), None) == b"imported"
    aws.ok("kms", "delete-imported-key-material", "--key-id", key_id)
    (tmp_path / "blob.bin").write_bytes(sealed)
    aws.fails("kms", "decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'blob.bin'}",
              code="KMSInvalidStateException")  # fmt: skip


def test_multi_region_flow_with_the_aws_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    east = start_background(data, "127.0.0.1", 0, "us-east-1")
    west = start_background(data, "127.0.0.1", 0, "eu-west-1")
    home = tmp_path / "home"
    home.mkdir()
    aws = AwsCli(aws_executable(), east, home)

    def run(handle: ServerHandle, region: str) -> Callable[..., dict[str, object]]:
        env = aws_env(handle, home)

        def call(*args: str) -> dict[str, object]:
            result = aws.run(*args, "--region", region, env=env)
            assert result.returncode == 0, (args, result.stderr)
            return json.loads(result.stdout) if result.stdout.strip() else {}

        return call

    try:
        in_east, in_west = run(east, "us-east-1"), run(west, "eu-west-1")
        key_id = str(in_east("kms", "create-key", "--multi-region")["KeyMetadata"]["KeyId"])  # type: ignore[index]
        assert key_id.startswith("mrk-")
        replica = in_east(
            "kms", "replicate-key", "--key-id", key_id, "--replica-region", "eu-west-1"
        )
        assert replica["ReplicaKeyMetadata"]["Arn"].startswith("arn:aws:kms:eu-west-1:")  # type: ignore[index]
        (tmp_path / "p.txt").write_bytes(b"from east")
        blob = in_east(
            "kms", "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{tmp_path / 'p.txt'}"
        )
        (tmp_path / "c.bin").write_bytes(base64.b64decode(str(blob["CiphertextBlob"])))
        plain = in_west("kms", "decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'c.bin'}")
        assert base64.b64decode(str(plain["Plaintext"])) == b"from east"
        in_east("kms", "update-primary-region", "--key-id", key_id, "--primary-region", "eu-west-1")
        config = in_west("kms", "describe-key", "--key-id", key_id)["KeyMetadata"][
            "MultiRegionConfiguration"
        ]  # type: ignore[index]
        assert config["MultiRegionKeyType"] == "PRIMARY"  # type: ignore[index]
    finally:
        east.stop()
        west.stop()
