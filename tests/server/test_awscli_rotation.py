"""The real AWS CLI's rotation flow against ``kmsworkbench serve``: encrypt, rotate on
demand, list the rotations, and decrypt the blob made before the rotation."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmsworkbench.sandbox.server import ServerHandle

from .conftest import aws_env

# One interpreter runs every step through awscli's own entry point (what `aws` calls).
FLOW = r"""
import base64, contextlib, io, json, pathlib, sys
from awscli.clidriver import create_clidriver

work = pathlib.Path(sys.argv[1])

def aws(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = create_clidriver().main(["kms", *args, "--output", "json"])
    if rc != 0:
        raise SystemExit(f"aws kms {args[0]} failed ({rc}): {err.getvalue()}")
    return json.loads(out.getvalue()) if out.getvalue().strip() else {}

steps = {}
key = aws("create-key", "--description", "cli rotation")["KeyMetadata"]["KeyId"]
(work / "plain.txt").write_bytes(b"made before the rotation")
enc = aws("encrypt", "--key-id", key, "--plaintext", f"fileb://{work / 'plain.txt'}",
          "--encryption-context", "purpose=rotation")
(work / "old.bin").write_bytes(base64.b64decode(enc["CiphertextBlob"]))
steps["before"] = aws("describe-key", "--key-id", key)["KeyMetadata"]["CurrentKeyMaterialId"]
steps["rotate"] = aws("rotate-key-on-demand", "--key-id", key)
steps["after"] = aws("describe-key", "--key-id", key)["KeyMetadata"]["CurrentKeyMaterialId"]
steps["rotations"] = aws("list-key-rotations", "--key-id", key)
steps["decrypt"] = aws("decrypt", "--ciphertext-blob", f"fileb://{work / 'old.bin'}",
                       "--encryption-context", "purpose=rotation")
aws("enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "180")
steps["status"] = aws("get-key-rotation-status", "--key-id", key)
steps["key"] = key
sys.__stdout__.write(json.dumps(steps))
"""


@pytest.mark.slow
def test_rotate_then_decrypt_the_old_blob_with_the_aws_cli(
    served: ServerHandle, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FLOW, str(tmp_path)],
        env=aws_env(served, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)
    assert steps["rotate"]["KeyId"].endswith(steps["key"])
    assert steps["after"] != steps["before"]
    rotations = steps["rotations"]["Rotations"]
    assert [(r["KeyMaterialId"], r["RotationType"]) for r in rotations] == [
        (steps["after"], "ON_DEMAND")
    ]
    decrypted = steps["decrypt"]
    assert base64.b64decode(decrypted["Plaintext"]) == b"made before the rotation"
    assert decrypted["KeyMaterialId"] == steps["before"]
    status = steps["status"]
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 180
