"""The same calls through the real AWS CLI and through kmsworkbench, against one served
sandbox: the output of generate must match the AWS CLI's field by field, and the journal's
aws-cli commands must run."""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.service import Backend, KmsSession

server = pytest.importorskip("kmsworkbench.sandbox.server")

AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI (awscli) is not installed")


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    handle = server.start_background(tmp_path / "served")
    try:
        sandbox = handle.sandbox
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", sandbox.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", sandbox.secret_access_key)
        monkeypatch.setenv("AWS_REGION", sandbox.region)
        monkeypatch.setenv("AWS_DEFAULT_REGION", sandbox.region)  # the AWS CLI v1 reads this one
        yield handle
    finally:
        handle.stop()


def _aws(*args: str) -> subprocess.CompletedProcess[str]:
    assert AWS is not None
    return subprocess.run(
        [AWS, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )


def test_generate_matches_the_aws_cli(served: Any, cli: Callable[..., Any], tmp_path: Path) -> None:
    url = served.endpoint_url
    call = [
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        "app=wb,env=dev",
    ]
    theirs = _aws("kms", "generate-data-key-pair-without-plaintext", *call, "--endpoint-url", url)
    assert theirs.returncode == 0, theirs.stderr
    ours = cli("--endpoint-url", url, "generate", *call, "--no-save")
    assert ours.rc == 0, ours.err
    a, b = json.loads(theirs.stdout), json.loads(ours.out)
    assert list(a) == list(b)
    for field in ("KeyId", "KeyPairSpec", "KeyMaterialId"):
        assert a[field] == b[field]
    for field in ("PrivateKeyCiphertextBlob", "PublicKey"):
        assert base64.b64decode(a[field], validate=True) and base64.b64decode(
            b[field], validate=True
        )
    assert (
        keypairs.load_public_key(base64.b64decode(a["PublicKey"])).spec
        == keypairs.load_public_key(base64.b64decode(b["PublicKey"])).spec
    )

    # Same indentation and layout: replace the values and the texts are identical.
    def skeleton(text: str) -> str:
        data = json.loads(text)
        return text.replace(data["PrivateKeyCiphertextBlob"], "C").replace(data["PublicKey"], "P")

    assert skeleton(theirs.stdout) == skeleton(ours.out)
    # Our ciphertext decrypts with the AWS CLI, with the same context.
    blob = tmp_path / "private-key-ciphertext.bin"
    blob.write_bytes(base64.b64decode(b["PrivateKeyCiphertextBlob"]))
    dec = _aws(
        "kms",
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{blob}",
        "--encryption-context",
        "app=wb,env=dev",
        "--endpoint-url",
        url,
        "--query",
        "KeyId",
        "--output",
        "text",
    )
    assert dec.returncode == 0, dec.stderr
    assert dec.stdout.strip() == b["KeyId"]
    # And the AWS CLI's error for a wrong context is the line we print.
    wrong_theirs = _aws(
        "kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}", "--endpoint-url", url
    )
    # (The AWS CLI v1 installed here exits 255 for service errors; v2 and we exit 254.)
    assert wrong_theirs.returncode in (254, 255)
    assert (
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation"
        in wrong_theirs.stderr
    )


def test_journal_commands_run_with_the_aws_cli(served: Any, tmp_path: Path) -> None:
    backend = Backend(
        kind="endpoint", endpoint_url=served.endpoint_url, region=served.sandbox.region
    )
    with KmsSession(backend) as session:
        result = session.generate_pair(
            "alias/workbench-demo", "ECC_NIST_P256", {"app": "w b", "env": "dev"}
        )
        session.decrypt_private_key(result.private_key_ciphertext, {"app": "w b", "env": "dev"})
        session.describe_key("alias/workbench-demo")
    entries = {e.operation: e for e in session.journal.entries}
    for entry in entries.values():
        words = shlex.split(entry.aws_cli)
        assert words[:2] == ["aws", "kms"]
        assert words[words.index("--endpoint-url") + 1] == served.endpoint_url
    # write the blob where the placeholder says, and run the commands
    (tmp_path / "private-key-ciphertext.bin").write_bytes(result.private_key_ciphertext)
    for operation in ("GenerateDataKeyPairWithoutPlaintext", "Decrypt", "DescribeKey"):
        words = shlex.split(entries[operation].aws_cli)
        assert AWS is not None
        done = subprocess.run(
            [AWS, *words[1:]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=dict(os.environ),
            timeout=120,
        )
        assert done.returncode == 0, (entries[operation].aws_cli, done.stderr)
        assert json.loads(done.stdout)
