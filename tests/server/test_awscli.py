"""The real AWS CLI against ``kmsworkbench serve``: the whole generate-then-decrypt flow, every
key pair spec the region allows, errors with the CLI's exit codes, --query and --output text."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kmsworkbench.keypairs.specs import SPECS
from kmsworkbench.sandbox.server import ServerHandle

from .conftest import AwsCli, aws_env, aws_executable

CONTEXT = "purpose=server-test,app=kmsworkbench"

# Runs the AWS CLI's own entry point (awscli.clidriver, what the `aws` script calls) several
# times in one process, so creating the key and sweeping every spec costs one interpreter
# start, not thirteen.
SWEEP = r"""
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver

def aws(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = create_clidriver().main(list(args))
    return {"rc": rc, "out": out.getvalue(), "err": err.getvalue()}

description, specs = sys.argv[1], sys.argv[2:]
created = aws("kms", "create-key", "--description", description)
results = {"create-key": created}
if created["rc"] == 0:
    key_id = json.loads(created["out"])["KeyMetadata"]["KeyId"]
    for spec in specs:
        results[spec] = aws(
            "kms", "generate-data-key-pair-without-plaintext",
            "--key-id", key_id, "--key-pair-spec", spec,
            "--encryption-context", "sweep=yes",
        )
sys.__stdout__.write(json.dumps(results))
"""


def openssl_public_der(private_der: bytes) -> bytes:
    """The public key openssl derives from a DER PKCS#8 private key (fed on stdin)."""
    result = subprocess.run(
        ["openssl", "pkey", "-inform", "DER", "-pubout", "-outform", "DER"],
        input=private_der,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def create_key(aws: AwsCli, description: str = "server test") -> str:
    created = aws.json("kms", "create-key", "--description", description)
    metadata = created["KeyMetadata"]
    assert isinstance(metadata, dict)
    return str(metadata["KeyId"])


def test_create_alias_list_describe(aws: AwsCli, served: ServerHandle) -> None:
    key_id = create_key(aws, "listing")
    aws.ok("kms", "create-alias", "--alias-name", "alias/wb-server", "--target-key-id", key_id)

    keys = aws.json("kms", "list-keys")
    assert key_id in [k["KeyId"] for k in keys["Keys"]]  # type: ignore[index,union-attr]

    aliases = aws.json("kms", "list-aliases")["Aliases"]
    mine = [a for a in aliases if a["AliasName"] == "alias/wb-server"]  # type: ignore[union-attr,index]
    assert len(mine) == 1 and mine[0]["TargetKeyId"] == key_id  # type: ignore[index]

    described = aws.json("kms", "describe-key", "--key-id", "alias/wb-server")["KeyMetadata"]
    assert described["KeyId"] == key_id  # type: ignore[index]
    assert described["KeySpec"] == "SYMMETRIC_DEFAULT"  # type: ignore[index]
    assert described["Description"] == "listing"  # type: ignore[index]
    assert described["Arn"] == (  # type: ignore[index]
        f"arn:aws:kms:us-east-1:{served.sandbox.account_id}:key/{key_id}"
    )


def test_generate_then_decrypt_with_openssl(aws: AwsCli, tmp_path: Path) -> None:
    key_id = create_key(aws)
    pair = aws.json(
        "kms",
        "generate-data-key-pair-without-plaintext",
        "--key-id",
        key_id,
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        CONTEXT,
    )
    assert pair["KeyPairSpec"] == "ECC_NIST_P256"
    assert "PrivateKeyPlaintext" not in pair
    public_der = base64.b64decode(str(pair["PublicKey"]))
    blob = tmp_path / "private.blob"
    blob.write_bytes(base64.b64decode(str(pair["PrivateKeyCiphertextBlob"])))

    plaintext_b64 = aws.ok(
        "kms",
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{blob}",
        "--encryption-context",
        CONTEXT,
        "--query",
        "Plaintext",
        "--output",
        "text",
    ).strip()
    private_der = base64.b64decode(plaintext_b64)
    assert openssl_public_der(private_der) == public_der

    stderr = aws.fails(
        "kms",
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{blob}",
        "--encryption-context",
        "purpose=server-test,app=someone-else",
        code="InvalidCiphertextException",
    )
    assert "Decrypt operation" in stderr


@pytest.mark.slow
@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1"])
def test_every_spec_the_region_allows(
    serve: Callable[..., ServerHandle], tmp_path: Path, region: str
) -> None:
    from kmsworkbench.keypairs import spec_of_public_key

    handle = serve(region)
    aws = AwsCli(aws_executable(), handle, tmp_path)
    specs = list(SPECS)
    result = subprocess.run(
        [sys.executable, "-c", SWEEP, f"sweep {region}", *specs],
        env=aws_env(handle, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    created = outcomes["create-key"]
    assert created["rc"] == 0, created["err"]
    metadata = json.loads(created["out"])["KeyMetadata"]
    assert metadata["Description"] == f"sweep {region}"
    allowed = [s for s in specs if SPECS[s].available_in(region)]
    assert ("SM2" in allowed) == region.startswith("cn-")
    for spec in specs:
        outcome = outcomes[spec]
        if spec in allowed:
            assert outcome["rc"] == 0, (spec, outcome["err"])
            pair = json.loads(outcome["out"])
            assert pair["KeyPairSpec"] == spec
            assert pair["KeyId"].startswith(
                f"arn:{'aws-cn' if region.startswith('cn-') else 'aws'}:"
            )
            assert spec_of_public_key(base64.b64decode(pair["PublicKey"])) == spec
        else:
            assert outcome["rc"] == aws.service_error_rc, (spec, outcome)
            assert "An error occurred (" in outcome["err"]


def test_disabled_key_is_refused(aws: AwsCli) -> None:
    key_id = create_key(aws)
    aws.ok("kms", "disable-key", "--key-id", key_id)
    state = aws.ok(
        "kms",
        "describe-key",
        "--key-id",
        key_id,
        "--query",
        "KeyMetadata.KeyState",
        "--output",
        "text",
    )
    assert state.strip() == "Disabled"
    aws.fails(
        "kms",
        "generate-data-key-pair-without-plaintext",
        "--key-id",
        key_id,
        "--key-pair-spec",
        "ECC_NIST_P256",
        code="DisabledException",
    )


def test_dry_run(aws: AwsCli) -> None:
    key_id = create_key(aws)
    aws.fails(
        "kms",
        "generate-data-key-pair-without-plaintext",
        "--key-id",
        key_id,
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--dry-run",
        code="DryRunOperationException",
    )


def test_query_and_text_output(aws: AwsCli) -> None:
    key_id = create_key(aws, "query me")
    aws.ok("kms", "create-alias", "--alias-name", "alias/query-me", "--target-key-id", key_id)
    target = aws.ok(
        "kms",
        "list-aliases",
        "--query",
        "Aliases[?AliasName=='alias/query-me'].TargetKeyId",
        "--output",
        "text",
    )
    assert target.strip() == key_id
    text = aws.ok("kms", "list-keys", "--output", "text")
    assert any(line.split("\t")[0] == "KEYS" and key_id in line for line in text.splitlines())


def test_wrong_secret_from_the_cli(aws: AwsCli, served: ServerHandle) -> None:
    bad_secret = aws_env(served, aws.home, AWS_SECRET_ACCESS_KEY="not-the-sandbox-secret")
    stderr = aws.fails("kms", "list-keys", code="InvalidSignatureException", env=bad_secret)
    assert "The request signature we calculated does not match" in stderr


@pytest.mark.slow
def test_each_region_from_the_credential_scope(aws: AwsCli, served: ServerHandle) -> None:
    """One server, one AWS_ENDPOINT_URL_KMS, several --region values: each request is
    answered in the Region it is signed for, with that Region's keys and partition."""
    account = served.sandbox.account_id
    made = {}
    for region in ("eu-west-1", "cn-north-1"):
        key = aws.json("--region", region, "kms", "create-key", "--description", region)
        metadata = key["KeyMetadata"]
        assert isinstance(metadata, dict)
        partition = "aws-cn" if region.startswith("cn-") else "aws"
        assert metadata["Arn"] == f"arn:{partition}:kms:{region}:{account}:key/{metadata['KeyId']}"
        made[region] = str(metadata["KeyId"])
    for region, key_id in made.items():
        listed = aws.json("--region", region, "kms", "list-keys")["Keys"]
        assert key_id in [k["KeyId"] for k in listed]  # type: ignore[union-attr,index]
    home = aws.json("kms", "list-keys")["Keys"]  # the default Region, us-east-1
    assert not set(made.values()) & {k["KeyId"] for k in home}  # type: ignore[union-attr,index]
    # SM2 exists only in China Regions, here as on AWS.
    pair = aws.json(
        "--region", "cn-north-1", "kms", "generate-data-key-pair-without-plaintext",
        "--key-id", made["cn-north-1"], "--key-pair-spec", "SM2",
    )  # fmt: skip
    assert pair["KeyPairSpec"] == "SM2"
    aws.fails(
        "--region", "eu-west-1", "kms", "describe-key", "--key-id", made["cn-north-1"],
        code="NotFoundException",
    )  # fmt: skip
    # The same data folder holds every Region.
    status, _, body = served.sandbox.handle(
        "TrentService.DescribeKey", json.dumps({"KeyId": made["eu-west-1"]}).encode(), "eu-west-1"
    )
    assert status == 200, body


def test_copied_commands_keep_values_that_begin_with_a_dash(
    aws: AwsCli, served: ServerHandle, tmp_path: Path
) -> None:
    """The copied AWS CLI command ("Copy as AWS CLI") with a grant token or a description
    that begins with ``-``: the real AWS CLI takes the value, not an unknown option
    (``--grant-tokens -Qc2...`` was one)."""
    import shlex

    from kmsworkbench.service import Backend, aws_cli_command

    backend = Backend(kind="endpoint", endpoint_url=served.endpoint_url, region="us-east-1")
    described = shlex.split(
        aws_cli_command("CreateKey", {"Description": "-starts with a dash"}, backend)
    )
    assert described[0] == "aws"
    created = aws.json(*described[1:])
    assert created["KeyMetadata"]["Description"] == "-starts with a dash"  # type: ignore[index]
    (tmp_path / "private-key-ciphertext.bin").write_bytes(b"\x01" * 64)
    for tokens in (["-Qc2AY7zB80TQ"], ["AQpA", "-Qc2AY7zB80TQ"]):
        words = shlex.split(
            aws_cli_command(
                "Decrypt", {"CiphertextBlob": b"\x01" * 64, "GrantTokens": tokens}, backend
            )
        )
        words = [w.replace("fileb://", f"fileb://{tmp_path}/") for w in words]
        err = aws.fails(*words[1:], code="InvalidGrantTokenException")
        assert "Unknown options" not in err
