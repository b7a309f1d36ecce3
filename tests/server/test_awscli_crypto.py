"""The real AWS CLI against ``kmsworkbench serve`` for key agreement: the peer's public key
through ``fileb://`` (what the CLI's docs tell v1 users to do for DeriveSharedSecret), and
OpenSSL deriving the same secret from the other side.

No ML-KEM here: the AWS CLI v1 bundles its own botocore (1.43.x in awscli 1.46), whose model
has no Encapsulate or Decapsulate yet; boto3 covers those (tests/sandbox/test_pq.py)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from kmsworkbench import keypairs as kp
from kmsworkbench.sandbox.server import ServerHandle
from tests.sandbox.conftest import http_client

from .conftest import AwsCli

pytestmark = pytest.mark.slow


def test_derive_shared_secret_with_the_aws_cli(
    aws: AwsCli, served: ServerHandle, tmp_path: Path
) -> None:
    # the key is made with boto3 (CLI starts are the slow part); the CLI does the derivation
    kms = http_client(served.endpoint_url, served.sandbox, "us-east-1")
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    (tmp_path / "kms.pub.der").write_bytes(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    peer = kp.generate("ECC_NIST_P256")
    (tmp_path / "peer.der").write_bytes(peer.private_der)
    (tmp_path / "peer.pub.der").write_bytes(peer.public_der)
    out = aws.json(
        "kms", "derive-shared-secret", "--key-id", key["Arn"], "--key-agreement-algorithm",
        "ECDH", "--public-key", f"fileb://{tmp_path / 'peer.pub.der'}",
    )  # fmt: skip
    assert (out["KeyId"], out["KeyOrigin"]) == (key["Arn"], "AWS_KMS")
    secret = base64.b64decode(str(out["SharedSecret"]))
    openssl = shutil.which("openssl")
    if openssl is not None:
        derived = subprocess.run(
            [openssl, "pkeyutl", "-derive", "-keyform", "DER", "-inkey", "peer.der",
             "-peerform", "DER", "-peerkey", "kms.pub.der"],
            cwd=tmp_path, capture_output=True, check=True,
        ).stdout  # fmt: skip
        assert secret == derived
    assert secret == kp.derive_shared_secret(
        peer.private_der, (tmp_path / "kms.pub.der").read_bytes()
    )
    stderr = aws.fails(
        "kms", "derive-shared-secret", "--key-id", key["KeyId"], "--key-agreement-algorithm",
        "ECDH", "--public-key", f"fileb://{tmp_path / 'peer.der'}", code="ValidationException",
    )  # fmt: skip
    assert "SubjectPublicKeyInfo" in stderr  # a private key is not the peer's public key
