"""Principals, cross-account use and CloudTrail LookupEvents through the real AWS CLI
against a served sandbox, each principal signing with its own credentials."""

from __future__ import annotations

import json

import pytest

from kmsworkbench.sandbox import directory
from tests.server.conftest import aws_env

pytestmark = pytest.mark.slow


def test_cross_account_and_lookup_events(aws, served):
    sb = served.sandbox
    b = directory.add_account(sb)
    directory.add_principal(sb, "bob", account=b.account_id)
    directory.add_principal(sb, "reader")
    key = aws.json("kms", "describe-key", "--key-id", "alias/workbench-demo")["KeyMetadata"]
    bob_key, bob_secret = sb.credentials_of("bob")
    bob = aws_env(served, aws.home, AWS_ACCESS_KEY_ID=bob_key, AWS_SECRET_ACCESS_KEY=bob_secret)

    # A's default key policy does not allow account B.
    err = aws.fails(
        "kms", "describe-key", "--key-id", key["Arn"], code="AccessDeniedException", env=bob
    )
    assert "because no resource-based policy allows the kms:DescribeKey action" in err
    policy = json.loads(
        aws.ok(
            "kms",
            "get-key-policy",
            "--key-id",
            key["KeyId"],
            "--policy-name",
            "default",
            "--query",
            "Policy",
            "--output",
            "text",
        )
    )
    policy["Statement"].append(
        {
            "Sid": "AccountB",
            "Effect": "Allow",
            "Principal": {"AWS": b.account_id},
            "Action": ["kms:DescribeKey", "kms:GenerateDataKeyPairWithoutPlaintext"],
            "Resource": "*",
        }
    )
    aws.ok(
        "kms",
        "put-key-policy",
        "--key-id",
        key["KeyId"],
        "--policy-name",
        "default",
        "--policy",
        json.dumps(policy),
    )
    # ... and now B's identity policy is what is missing.
    err = aws.fails(
        "kms", "describe-key", "--key-id", key["Arn"], code="AccessDeniedException", env=bob
    )
    assert "because no identity-based policy allows the kms:DescribeKey action" in err
    directory.attach_policy(
        sb,
        "bob",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
            }
        ),
        "use-a-keys",
    )
    alias_arn = key["Arn"].split(":key/")[0] + ":alias/workbench-demo"
    out = json.loads(
        aws.run(
            "kms",
            "generate-data-key-pair-without-plaintext",
            "--key-id",
            alias_arn,
            "--key-pair-spec",
            "ECC_NIST_P256",
            "--encryption-context",
            "app=wb",
            env=bob,
        ).stdout
    )
    assert out["KeyId"] == key["Arn"] and "PrivateKeyPlaintext" not in out
    aws.fails(
        "kms", "describe-key", "--key-id", "alias/workbench-demo", code="NotFoundException", env=bob
    )

    # CloudTrail LookupEvents (SigV4 service cloudtrail) over the same endpoint.
    ct = ["cloudtrail", "lookup-events", "--endpoint-url", served.endpoint_url]
    events = aws.json(
        *ct,
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=GenerateDataKeyPairWithoutPlaintext",
    )["Events"]
    assert len(events) == 1
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["userIdentity"]["accountId"] == b.account_id
    assert record["recipientAccountId"] == sb.account_id
    assert record["requestParameters"]["encryptionContext"] == {"app": "wb"}
    assert (
        events[0]["Username"] == "bob" and events[0]["Resources"][0]["ResourceName"] == key["Arn"]
    )
    denied = aws.json(
        *ct,
        "--lookup-attributes",
        "AttributeKey=Username,AttributeValue=bob",
        "--max-results",
        "50",
    )["Events"]
    codes = [json.loads(e["CloudTrailEvent"]).get("errorCode") for e in denied]
    # Account A sees bob's calls on its key; the alias-name call named B's own alias, so
    # only account B sees that one.
    assert codes == [None, "AccessDeniedException", "AccessDeniedException"]
    b_key, b_secret = sb.credentials_of(b.account_id)
    b_root = aws_env(served, aws.home, AWS_ACCESS_KEY_ID=b_key, AWS_SECRET_ACCESS_KEY=b_secret)
    seen_by_b = json.loads(aws.run(*ct, env=b_root).stdout)["Events"]
    b_codes = [json.loads(e["CloudTrailEvent"]).get("errorCode") for e in seen_by_b]
    assert "NotFoundException" in b_codes and len(b_codes) == 4
    reader_key, reader_secret = sb.credentials_of("reader")
    reader = aws_env(
        served, aws.home, AWS_ACCESS_KEY_ID=reader_key, AWS_SECRET_ACCESS_KEY=reader_secret
    )
    aws.fails(*ct, code="AccessDeniedException", env=reader)
    aws.fails(
        *ct,
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=a",
        "AttributeKey=Username,AttributeValue=b",
        code="InvalidLookupAttributesException",
    )
