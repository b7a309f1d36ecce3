"""UpdateKeyDescription, key policies (GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, CreateKey's
Policy), ListRetirableGrants and GetKeyLastUsage, through a real boto3 client."""

from __future__ import annotations

import json
from typing import Any

import pytest

DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::ACCOUNT:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _policy(account: str, *, action: str = "kms:*", extra: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "admin",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": action,
        "Resource": "*",
    }
    statement.update(extra or {})
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_update_key_description(kms: Any, error_of: Any) -> None:
    arn = kms.create_key(Description="before")["KeyMetadata"]["Arn"]
    kms.update_key_description(KeyId=arn, Description="after")
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["Description"] == "after"
    kms.update_key_description(KeyId=arn, Description="")
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["Description"] == ""
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    err = error_of(kms.update_key_description, KeyId=arn, Description="x")
    assert err["Code"] == "KMSInvalidStateException"
    ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]
    err = error_of(kms.update_key_description, KeyId=ebs, Description="x")
    assert err["Code"] == "AccessDeniedException"
    err = error_of(kms.update_key_description, KeyId="alias/workbench-demo", Description="x")
    assert err["Code"] == "NotFoundException"


def test_default_policy_is_aws_s_and_a_put_policy_is_kept(kms: Any, error_of: Any) -> None:
    arn = kms.create_key(Description="policies")["KeyMetadata"]["Arn"]
    account = _account(arn)
    got = kms.get_key_policy(KeyId=arn)
    assert got["PolicyName"] == "default"
    assert got["Policy"] == DEFAULT_POLICY.replace("ACCOUNT", account)
    assert kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"] == got["Policy"]
    assert kms.list_key_policies(KeyId=arn)["PolicyNames"] == ["default"]
    mine = _policy(account, extra={"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=mine)
    assert kms.get_key_policy(KeyId=arn)["Policy"] == mine
    err = error_of(kms.get_key_policy, KeyId=arn, PolicyName="AWS_RAM")
    assert err["Code"] == "NotFoundException"
    err = error_of(kms.put_key_policy, KeyId=arn, PolicyName="AWS_RAM", Policy=mine)
    assert err == {
        "Code": "ValidationException",
        "Message": "The AWS_RAM policy can only be managed by the RAM service.",
    }
    created = kms.create_key(Description="with policy", Policy=mine)["KeyMetadata"]["Arn"]
    assert kms.get_key_policy(KeyId=created)["Policy"] == mine
    ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]
    managed = json.loads(kms.get_key_policy(KeyId=ebs)["Policy"])
    via = managed["Statement"][0]["Condition"]["StringEquals"]["kms:ViaService"]
    assert via == "ec2.us-east-1.amazonaws.com"
    assert error_of(kms.put_key_policy, KeyId=ebs, Policy=mine)["Code"] == "AccessDeniedException"


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "[]",
        '{"Version": "2012-10-17"}',
        '{"Statement": []}',
        '{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}',
        '{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "kms:*"}]}',
        '{"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Principal": "*"}]}',
        '{"Statement": [{"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "kms:*"}]}',
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": 7}]}',
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Colour": "blue"}]}',
        '{"Extra": 1, "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]}',
        '{"Statement": [{"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": "*"},'
        ' {"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": "*"}]}',
    ],
)
def test_malformed_policies_are_refused(kms: Any, error_of: Any, document: str) -> None:
    err = error_of(kms.create_key, Description="bad policy", Policy=document)
    assert err["Code"] == "MalformedPolicyDocumentException" and err["Message"]


def test_policy_lockout_and_size(kms: Any, error_of: Any, demo_key: str) -> None:
    account = _account(demo_key)
    locked = _policy(account, action="kms:Encrypt")
    err = error_of(kms.create_key, Policy=locked)
    assert err == {
        "Code": "MalformedPolicyDocumentException",
        "Message": "The new key policy will not allow you to update the key policy in the future.",
    }
    arn = kms.create_key(Policy=locked, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["Arn"]
    # What the check protects against: the bypassed policy has locked the root out, even of
    # reading it back.
    assert error_of(kms.get_key_policy, KeyId=arn)["Code"] == "AccessDeniedException"
    err = error_of(kms.put_key_policy, KeyId=arn, Policy=_policy(account, action="kms:Put*"))
    assert err["Code"] == "AccessDeniedException"
    assert err["Message"].endswith("no resource-based policy allows the kms:PutKeyPolicy action")
    arn = kms.create_key(Description="size")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=arn, Policy=_policy(account, action="kms:Put*"))
    big = _policy(account, extra={"Sid": "x" * 33_000})
    assert error_of(kms.put_key_policy, KeyId=arn, Policy=big)["Code"] == ("LimitExceededException")


def test_list_retirable_grants(kms: Any, error_of: Any, demo_key: str) -> None:
    retiree = "arn:aws:iam::111122223333:role/Retiree"
    made = {
        kms.create_grant(
            KeyId=demo_key,
            GranteePrincipal="arn:aws:iam::111122223333:role/User",
            RetiringPrincipal=retiree,
            Operations=["Decrypt"],
            Name=f"retirable-{i}",
        )["GrantId"]
        for i in range(3)
    }
    kms.create_grant(
        KeyId=demo_key,
        GranteePrincipal="arn:aws:iam::111122223333:role/User",
        Operations=["Encrypt"],
    )
    first = kms.list_retirable_grants(RetiringPrincipal=retiree, Limit=2)
    assert first["Truncated"] is True and len(first["Grants"]) == 2
    rest = kms.list_retirable_grants(RetiringPrincipal=retiree, Marker=first["NextMarker"])
    grants = first["Grants"] + rest["Grants"]
    assert {g["GrantId"] for g in grants} == made
    assert all(g["RetiringPrincipal"] == retiree and g["KeyId"] == demo_key for g in grants)
    none = kms.list_retirable_grants(RetiringPrincipal="arn:aws:iam::111122223333:role/Nobody")
    assert none["Grants"] == [] and none["Truncated"] is False
    err = error_of(kms.list_retirable_grants, RetiringPrincipal=retiree, Marker="bogus")
    assert err["Code"] == "InvalidMarkerException"
    for gid in made:
        kms.revoke_grant(KeyId=demo_key, GrantId=gid)


def test_get_key_last_usage(kms: Any, error_of: Any) -> None:
    arn = kms.create_key(Description="usage")["KeyMetadata"]["Arn"]
    fresh = kms.get_key_last_usage(KeyId=arn)
    assert fresh["KeyId"] == arn and fresh["KeyLastUsage"] == {}
    assert fresh["TrackingStartDate"] >= fresh["KeyCreationDate"]
    kms.describe_key(KeyId=arn)  # not cryptographic
    assert kms.get_key_last_usage(KeyId=arn)["KeyLastUsage"] == {}
    out = kms.generate_data_key(KeyId=arn, KeySpec="AES_256")
    used = kms.get_key_last_usage(KeyId=arn)["KeyLastUsage"]
    assert used["Operation"] == "GenerateDataKey"
    assert used["KmsRequestId"] == out["ResponseMetadata"]["RequestId"]
    # The trail's event for that call (the sandbox records every call).
    assert len(used["CloudTrailEventId"]) == 36
    other = kms.create_key(Description="usage dest")["KeyMetadata"]["Arn"]
    kms.re_encrypt(CiphertextBlob=out["CiphertextBlob"], DestinationKeyId=other)
    assert kms.get_key_last_usage(KeyId=arn)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    assert kms.get_key_last_usage(KeyId=other)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    # A failed or dry-run call is not a use.
    error_of(kms.decrypt, CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"x": "y"})
    error_of(kms.encrypt, KeyId=arn, Plaintext=b"x", DryRun=True)
    assert kms.get_key_last_usage(KeyId=arn)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    err = error_of(kms.get_key_last_usage, KeyId="alias/workbench-demo")
    assert err["Code"] == "NotFoundException"
