"""The KMS authorization decision, table-driven from the examples in AWS's key policy,
IAM policy and condition-key documentation (KMS Developer Guide: "Key policies", "Default key
policy", "Allowing users in other accounts", "AWS KMS condition keys"; IAM User Guide:
"Condition operators", "Single-valued vs. multivalued context keys")."""

from __future__ import annotations

from typing import Any

import pytest

from kmsworkbench.sandbox.access import (
    AccessRequest,
    Caller,
    GrantInfo,
    KeyFacts,
    authorize,
    build_context,
    default_key_policy,
    parse,
)

A = "111122223333"
B = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALICE = f"arn:aws:iam::{A}:user/Alice"
APP_ROLE = f"arn:aws:iam::{A}:role/App"
BOB_B = f"arn:aws:iam::{B}:user/Bob"
SYMMETRIC = KeyFacts("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", aliases=("alias/app",))


def caller(spec: str, *identity: dict[str, Any]) -> Caller:
    """spec: "root@A", "user:Alice@A", "role:App@A" ..."""
    who, account = spec.split("@")
    acct = {"A": A, "B": B}[account]
    kind, _, name = who.partition(":")
    policies = tuple(parse(doc, "identity", f"policy{i + 1}") for i, doc in enumerate(identity))
    pid = {"root": acct, "user": "AIDAEXAMPLE", "role": "AROAEXAMPLE"}[kind]
    return Caller(acct, "aws", kind, name or None, "AKIAEXAMPLE", pid, policies)


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def key_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def st(effect: str, principal: Any, action: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*", **extra}


def decide(
    who: Caller,
    action: str,
    policy: dict[str, Any] | None,
    params: dict[str, Any] | None = None,
    *,
    grants: tuple[GrantInfo, ...] = (),
    grant_delay: float = 0.0,
    now: float = 1_000_000.0,
    source_ip: str | None = "127.0.0.1",
    request_alias: str | None = None,
    facts: KeyFacts | None = SYMMETRIC,
) -> Any:
    params = params or {}
    ctx = build_context(
        action,
        params,
        who,
        facts if policy is not None else None,
        now=now,
        source_ip=source_ip,
        request_alias=request_alias,
    )
    return authorize(
        AccessRequest(
            action=action,
            caller=who,
            resource=KEY if policy is not None else "*",
            key_account=A if policy is not None else None,
            key_policy=parse(policy, "key", "key policy") if policy is not None else None,
            grants=grants,
            context=ctx,
            encryption_context=params.get("EncryptionContext"),
            grant_tokens=tuple(params.get("GrantTokens", ())),
            now=now,
            grant_delay=grant_delay,
        )
    )


DEFAULT = default_key_policy("aws", A)
PRODUCER_ONLY = key_policy(
    st("Allow", {"AWS": f"arn:aws:iam::{A}:root"}, "kms:*"),
)
DIRECT_ALICE = key_policy(st("Allow", {"AWS": ALICE}, ["kms:Decrypt", "kms:DescribeKey"]))
CROSS = key_policy(
    st("Allow", {"AWS": f"arn:aws:iam::{A}:root"}, "kms:*"),
    {
        "Sid": "Allow use of the key by account B",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{B}:root"]},
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ],
        "Resource": "*",
    },
)
EC = {"AppName": "ExampleApp"}


CASES: list[tuple[str, Caller, str, dict[str, Any] | None, dict[str, Any], str]] = [
    # (name, caller, action, key policy, params, expected reason)
    (
        "default policy: the account root may do anything",
        caller("root@A"),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "default policy delegates: a user with no IAM policy is refused",
        caller("user:Alice@A"),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "default policy delegates: the user's IAM policy allows",
        caller("user:Alice@A", allow("kms:Decrypt", KEY)),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "IAM policy on another key does not apply",
        caller("user:Alice@A", allow("kms:Decrypt", KEY[:-4] + "ffff")),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "IAM resource wildcard",
        caller("user:Alice@A", allow("kms:Decrypt", f"arn:aws:kms:*:{A}:key/*")),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "key policy names the user: no IAM policy needed",
        caller("user:Alice@A"),
        "Decrypt",
        DIRECT_ALICE,
        {},
        "allowed",
    ),
    (
        "key policy names the user, other actions refused",
        caller("user:Alice@A"),
        "Encrypt",
        DIRECT_ALICE,
        {},
        "no-resource-allow",
    ),
    (
        "without the root statement even the root is refused",
        caller("root@A"),
        "Decrypt",
        DIRECT_ALICE,
        {},
        "no-resource-allow",
    ),
    (
        "without the root statement IAM policies do nothing",
        caller("user:Bob@A", allow("kms:*")),
        "Decrypt",
        DIRECT_ALICE,
        {},
        "no-resource-allow",
    ),
    (
        "kms:Generate* covers the pair operations",
        caller("user:Alice@A", allow("kms:Generate*")),
        "GenerateDataKeyPairWithoutPlaintext",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "action names are case-insensitive",
        caller("user:Alice@A", allow("KMS:generatedatakeypair*")),
        "GenerateDataKeyPairWithoutPlaintext",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "producer: only the WithoutPlaintext operation",
        caller("role:App@A", allow("kms:GenerateDataKeyPairWithoutPlaintext")),
        "GenerateDataKeyPair",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "producer: it cannot Decrypt what it made",
        caller("role:App@A", allow("kms:GenerateDataKeyPairWithoutPlaintext")),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "producer: it may make pairs",
        caller("role:App@A", allow("kms:GenerateDataKeyPairWithoutPlaintext")),
        "GenerateDataKeyPairWithoutPlaintext",
        DEFAULT,
        {"KeyPairSpec": "ECC_NIST_P256"},
        "allowed",
    ),
    (
        "NotAction: everything but Decrypt",
        caller(
            "user:Alice@A",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": "*"}],
            },
        ),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "NotAction: Encrypt allowed",
        caller(
            "user:Alice@A",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": "*"}],
            },
        ),
        "Encrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "Deny in an IAM policy wins over the key policy",
        caller(
            "user:Alice@A",
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}],
            },
        ),
        "Decrypt",
        DIRECT_ALICE,
        {},
        "explicit-deny-identity",
    ),
    (
        "Deny in the key policy wins over an IAM allow",
        caller("user:Alice@A", allow("kms:*")),
        "Decrypt",
        key_policy(st("Allow", {"AWS": A}, "kms:*"), st("Deny", {"AWS": ALICE}, "kms:Decrypt")),
        {},
        "explicit-deny-resource",
    ),
    (
        "Deny to everyone except the admin (NotPrincipal)",
        caller("user:Alice@A", allow("kms:*")),
        "ScheduleKeyDeletion",
        key_policy(
            st("Allow", {"AWS": A}, "kms:*"),
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [f"arn:aws:iam::{A}:role/Admin", f"arn:aws:iam::{A}:root"]},
                "Action": "kms:ScheduleKeyDeletion",
                "Resource": "*",
            },
        ),
        {},
        "explicit-deny-resource",
    ),
    (
        "NotPrincipal spares the listed principal",
        caller("role:Admin@A", allow("kms:*")),
        "ScheduleKeyDeletion",
        key_policy(
            st("Allow", {"AWS": A}, "kms:*"),
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:role/Admin"},
                "Action": "kms:ScheduleKeyDeletion",
                "Resource": "*",
            },
        ),
        {},
        "allowed",
    ),
    (
        "account id form of Principal",
        caller("user:Alice@A", allow("kms:Decrypt")),
        "Decrypt",
        key_policy(st("Allow", {"AWS": A}, "kms:*")),
        {},
        "allowed",
    ),
    (
        '"Principal": "*" with kms:CallerAccount',
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st("Allow", "*", "kms:Decrypt", Condition={"StringEquals": {"kms:CallerAccount": A}})
        ),
        {},
        "allowed",
    ),
    (
        "kms:CallerAccount refuses another account",
        caller("user:Bob@B", allow("kms:*")),
        "Decrypt",
        key_policy(
            st("Allow", "*", "kms:Decrypt", Condition={"StringEquals": {"kms:CallerAccount": A}})
        ),
        {},
        "no-resource-allow",
    ),
    (
        "role named in the key policy by role ARN",
        caller("role:App@A"),
        "Decrypt",
        key_policy(st("Allow", {"AWS": APP_ROLE}, "kms:Decrypt")),
        {},
        "allowed",
    ),
    (
        "cross-account: both sides allow",
        caller("user:Bob@B", allow("kms:Decrypt", KEY)),
        "Decrypt",
        CROSS,
        {},
        "allowed",
    ),
    (
        "cross-account: B's IAM policy missing",
        caller("user:Bob@B"),
        "Decrypt",
        CROSS,
        {},
        "no-identity-allow",
    ),
    (
        "cross-account: A's key policy does not allow the action",
        caller("user:Bob@B", allow("kms:*")),
        "ScheduleKeyDeletion",
        CROSS,
        {},
        "no-resource-allow",
    ),
    (
        "cross-account: default key policy never allows B",
        caller("user:Bob@B", allow("kms:*")),
        "Decrypt",
        DEFAULT,
        {},
        "no-resource-allow",
    ),
    (
        "cross-account: naming B's user still needs B's IAM policy",
        caller("user:Bob@B"),
        "Decrypt",
        key_policy(st("Allow", {"AWS": BOB_B}, "kms:Decrypt")),
        {},
        "no-identity-allow",
    ),
    (
        "cross-account: B's root needs no IAM policy",
        caller("root@B"),
        "Decrypt",
        CROSS,
        {},
        "allowed",
    ),
    (
        "consumer: Decrypt with the required context",
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Decrypt",
                Condition={"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}},
            )
        ),
        {"EncryptionContext": EC},
        "allowed",
    ),
    (
        "consumer: the context key name is case-insensitive",
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Decrypt",
                Condition={"StringEquals": {"kms:encryptioncontext:appname": "ExampleApp"}},
            )
        ),
        {"EncryptionContext": EC},
        "allowed",
    ),
    (
        "consumer: the value is case-sensitive",
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Decrypt",
                Condition={"StringEquals": {"kms:EncryptionContext:AppName": "exampleapp"}},
            )
        ),
        {"EncryptionContext": EC},
        "no-resource-allow",
    ),
    (
        "consumer: no context, no Decrypt",
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Decrypt",
                Condition={"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}},
            )
        ),
        {},
        "no-resource-allow",
    ),
    (
        "IfExists: no such context key is fine",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={"StringEqualsIfExists": {"kms:EncryptionContext:Dept": "IT"}},
            )
        ),
        {},
        "allowed",
    ),
    (
        "IfExists: a different value is refused",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={"StringEqualsIfExists": {"kms:EncryptionContext:Dept": "IT"}},
            )
        ),
        {"EncryptionContext": {"Dept": "HR"}},
        "no-resource-allow",
    ),
    (
        "ForAllValues with an empty set is true (AWS's warning)",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={
                    "ForAllValues:StringEquals": {
                        "kms:EncryptionContextKeys": ["AppName", "FilePath"]
                    }
                },
            )
        ),
        {},
        "allowed",
    ),
    (
        "ForAllValues plus Null false requires a context",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={
                    "ForAllValues:StringEquals": {
                        "kms:EncryptionContextKeys": ["AppName", "FilePath"]
                    },
                    "Null": {"kms:EncryptionContextKeys": "false"},
                },
            )
        ),
        {},
        "no-resource-allow",
    ),
    (
        "ForAllValues refuses an extra context key",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={
                    "ForAllValues:StringEquals": {
                        "kms:EncryptionContextKeys": ["AppName", "FilePath"]
                    }
                },
            )
        ),
        {"EncryptionContext": {"AppName": "x", "Other": "y"}},
        "no-resource-allow",
    ),
    (
        "ForAnyValue with an empty set is false",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "AppName"}},
            )
        ),
        {},
        "no-resource-allow",
    ),
    (
        "ForAnyValue: one listed key is enough",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "AppName"}},
            )
        ),
        {"EncryptionContext": {"AppName": "x", "Other": "y"}},
        "allowed",
    ),
    (
        "StringNotEquals on a missing key is true",
        caller("user:Alice@A"),
        "Encrypt",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:Encrypt",
                Condition={"StringNotEquals": {"kms:EncryptionContext:Dept": "HR"}},
            )
        ),
        {},
        "allowed",
    ),
    (
        "kms:DataKeyPairSpec restricts the spec",
        caller("user:Alice@A"),
        "GenerateDataKeyPairWithoutPlaintext",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:GenerateDataKeyPair*",
                Condition={
                    "StringEquals": {"kms:DataKeyPairSpec": ["ECC_NIST_P256", "ECC_NIST_P384"]}
                },
            )
        ),
        {"KeyPairSpec": "RSA_4096"},
        "no-resource-allow",
    ),
    (
        "kms:DataKeyPairSpec allows a listed spec",
        caller("user:Alice@A"),
        "GenerateDataKeyPairWithoutPlaintext",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:GenerateDataKeyPair*",
                Condition={
                    "StringEquals": {"kms:DataKeyPairSpec": ["ECC_NIST_P256", "ECC_NIST_P384"]}
                },
            )
        ),
        {"KeyPairSpec": "ECC_NIST_P384"},
        "allowed",
    ),
    (
        "kms:KeySpec from the key",
        caller(
            "user:Alice@A",
            allow("kms:Encrypt", Condition={"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}),
        ),
        "Encrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "kms:KeyOrigin from the key",
        caller(
            "user:Alice@A",
            allow("kms:Encrypt", Condition={"StringEquals": {"kms:KeyOrigin": "EXTERNAL"}}),
        ),
        "Encrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "kms:EncryptionAlgorithm defaults to SYMMETRIC_DEFAULT",
        caller(
            "user:Alice@A",
            allow(
                "kms:Decrypt",
                Condition={"StringEquals": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}},
            ),
        ),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "kms:SigningAlgorithm",
        caller(
            "user:Alice@A",
            allow("kms:Sign", Condition={"StringLike": {"kms:SigningAlgorithm": "ECDSA_*"}}),
        ),
        "Sign",
        DEFAULT,
        {"SigningAlgorithm": "RSASSA_PSS_SHA_256"},
        "no-identity-allow",
    ),
    (
        "kms:GrantOperations: only listed operations",
        caller(
            "user:Alice@A",
            allow(
                "kms:CreateGrant",
                Condition={
                    "ForAllValues:StringEquals": {"kms:GrantOperations": ["Decrypt", "Encrypt"]}
                },
            ),
        ),
        "CreateGrant",
        DEFAULT,
        {"Operations": ["Decrypt", "CreateGrant"]},
        "no-identity-allow",
    ),
    (
        "kms:GrantConstraintType required",
        caller(
            "user:Alice@A",
            allow(
                "kms:CreateGrant",
                Condition={"StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals"}},
            ),
        ),
        "CreateGrant",
        DEFAULT,
        {"Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": EC}},
        "allowed",
    ),
    (
        "kms:GrantIsForAWSResource is never true here",
        caller("user:Alice@A"),
        "CreateGrant",
        key_policy(
            st(
                "Allow",
                {"AWS": ALICE},
                "kms:CreateGrant",
                Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        ),
        {"Operations": ["Decrypt"]},
        "no-resource-allow",
    ),
    (
        "kms:RequestAlias present only with an alias",
        caller(
            "user:Alice@A",
            allow("kms:Encrypt", Condition={"StringEquals": {"kms:RequestAlias": "alias/app"}}),
        ),
        "Encrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "kms:ResourceAliases (multivalued)",
        caller(
            "user:Alice@A",
            allow(
                "kms:Encrypt",
                Condition={"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/app*"}},
            ),
        ),
        "Encrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "kms:RotationPeriodInDays NumericLessThanEquals",
        caller(
            "user:Alice@A",
            allow(
                "kms:EnableKeyRotation",
                Condition={"NumericLessThanEquals": {"kms:RotationPeriodInDays": "180"}},
            ),
        ),
        "EnableKeyRotation",
        DEFAULT,
        {"RotationPeriodInDays": 365},
        "no-identity-allow",
    ),
    (
        "kms:RotationPeriodInDays within the limit",
        caller(
            "user:Alice@A",
            allow(
                "kms:EnableKeyRotation",
                Condition={"NumericLessThanEquals": {"kms:RotationPeriodInDays": "180"}},
            ),
        ),
        "EnableKeyRotation",
        DEFAULT,
        {"RotationPeriodInDays": 90},
        "allowed",
    ),
    (
        "aws:PrincipalArn ArnLike",
        caller("role:AppReader@A"),
        "Decrypt",
        key_policy(
            st(
                "Allow",
                "*",
                "kms:Decrypt",
                Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/App*"}},
            )
        ),
        {},
        "allowed",
    ),
    (
        "aws:PrincipalAccount",
        caller("user:Alice@A"),
        "Decrypt",
        key_policy(
            st("Allow", "*", "kms:Decrypt", Condition={"StringEquals": {"aws:PrincipalAccount": B}})
        ),
        {},
        "no-resource-allow",
    ),
    (
        "aws:SourceIp IpAddress",
        caller(
            "user:Alice@A",
            allow("kms:Decrypt", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
        ),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "aws:SourceIp NotIpAddress in a Deny",
        caller("user:Alice@A", allow("kms:*")),
        "Decrypt",
        key_policy(
            st("Allow", {"AWS": A}, "kms:*"),
            st("Deny", "*", "kms:*", Condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}),
        ),
        {},
        "explicit-deny-resource",
    ),
    (
        "aws:CurrentTime DateLessThan (the sandbox clock)",
        caller(
            "user:Alice@A",
            allow(
                "kms:Decrypt",
                Condition={"DateLessThan": {"aws:CurrentTime": "1970-01-02T00:00:00Z"}},
            ),
        ),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "aws:CurrentTime DateGreaterThan",
        caller(
            "user:Alice@A",
            allow("kms:Decrypt", Condition={"DateGreaterThan": {"aws:CurrentTime": "1970-01-02"}}),
        ),
        "Decrypt",
        DEFAULT,
        {},
        "allowed",
    ),
    (
        "an unknown condition key fails closed (Allow)",
        caller(
            "user:Alice@A",
            allow("kms:Decrypt", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-123"}}),
        ),
        "Decrypt",
        DEFAULT,
        {},
        "no-identity-allow",
    ),
    (
        "an unknown condition key fails closed (Deny)",
        caller("user:Alice@A", allow("kms:Decrypt")),
        "Decrypt",
        key_policy(
            st("Allow", {"AWS": A}, "kms:*"),
            st(
                "Deny",
                "*",
                "kms:Decrypt",
                Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}},
            ),
        ),
        {},
        "explicit-deny-resource",
    ),
    ("actions on no key: the root", caller("root@A"), "CreateKey", None, {}, "allowed"),
    (
        "actions on no key: IAM decides",
        caller("user:Alice@A", allow("kms:CreateKey")),
        "CreateKey",
        None,
        {},
        "allowed",
    ),
    (
        "actions on no key: IAM refuses",
        caller("user:Alice@A", allow("kms:Decrypt")),
        "ListKeys",
        None,
        {},
        "no-identity-allow",
    ),
]


@pytest.mark.parametrize(
    ("who", "action", "policy", "params", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decision(who, action, policy, params, expected):
    d = decide(who, action, policy, params)
    assert d.reason == expected, d.explanation
    assert d.allowed == (expected == "allowed")
    assert d.explanation.startswith("Allowed" if d.allowed else "Denied")
    if d.allowed:
        assert d.by, "an allowed decision names what allowed it"


def test_decision_names_the_statement():
    policy = key_policy(
        {
            "Sid": "Admins",
            "Effect": "Allow",
            "Principal": {"AWS": APP_ROLE},
            "Action": "kms:Describe*",
            "Resource": "*",
        },
        {
            "Sid": "Consumers",
            "Effect": "Allow",
            "Principal": {"AWS": ALICE},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
    )
    d = decide(caller("user:Alice@A"), "Decrypt", policy)
    assert d.allowed
    assert (d.by[0].kind, d.by[0].index, d.by[0].sid) == ("key-policy", 1, "Consumers")
    assert 'statement 2 ("Consumers")' in d.explanation
    d = decide(caller("user:Alice@A", allow("kms:Decrypt")), "Decrypt", DEFAULT)
    assert [b.kind for b in d.by] == ["key-policy", "identity-policy"]
    assert d.by[0].sid == "Enable IAM User Permissions" and d.by[1].policy == "policy1"


def test_unknown_key_is_named_in_the_explanation():
    who = caller(
        "user:Alice@A",
        allow("kms:Decrypt", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}),
    )
    d = decide(who, "Decrypt", DEFAULT)
    assert any("aws:PrincipalOrgID" in n and "fails closed" in n for n in d.notes)


def test_failed_condition_is_named():
    who = caller("user:Alice@A")
    policy = key_policy(
        st(
            "Allow",
            {"AWS": ALICE},
            "kms:Decrypt",
            Condition={"StringEquals": {"kms:EncryptionContext:AppName": "X"}},
        )
    )
    d = decide(who, "Decrypt", policy, {"EncryptionContext": EC})
    assert any("StringEquals kms:EncryptionContext:AppName" in n for n in d.notes)


@pytest.mark.parametrize(
    ("who", "policy", "params", "message"),
    [
        (
            caller("user:Alice@A"),
            DIRECT_ALICE,
            {},
            f"User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {KEY} because no resource-based policy allows the kms:Encrypt action",
        ),
        (
            caller("user:Alice@A"),
            DEFAULT,
            {},
            f"User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {KEY} because no identity-based policy allows the kms:Encrypt action",
        ),
        (
            caller(
                "role:App@A",
                {
                    "Version": "2012-10-17",
                    "Statement": {"Effect": "Deny", "Action": "kms:*", "Resource": "*"},
                },
            ),
            DEFAULT,
            {},
            f"User: arn:aws:sts::{A}:assumed-role/App/kmsworkbench is not authorized to perform: kms:Encrypt on resource: {KEY} with an explicit deny in an identity-based policy",
        ),
        (
            caller("user:Alice@A"),
            key_policy(st("Deny", "*", "kms:Encrypt")),
            {},
            f"User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {KEY} with an explicit deny in a resource-based policy",
        ),
    ],
)
def test_access_denied_wording(who, policy, params, message):
    d = decide(who, "Encrypt", policy, params)
    assert not d.allowed and d.message == message


# --- grants ---------------------------------------------------------------------------------

NOW = 1_000_000.0


def grant(
    grantee: str, ops: tuple[str, ...], created: float = NOW - 100, constraints: Any = None
) -> GrantInfo:
    return GrantInfo("g" * 64, grantee, None, ops, constraints, created, "TOKEN-1")


NO_ROOT = key_policy(st("Allow", {"AWS": APP_ROLE}, "kms:DescribeKey"))


@pytest.mark.parametrize(
    ("g", "params", "delay", "expected"),
    [
        (grant(ALICE, ("Decrypt",)), {}, 5.0, "allowed"),
        (grant(ALICE, ("Encrypt",)), {}, 5.0, "no-resource-allow"),
        (grant(BOB_B, ("Decrypt",)), {}, 5.0, "no-resource-allow"),
        (grant(ALICE, ("Decrypt",), created=NOW - 1), {}, 5.0, "no-resource-allow"),
        (grant(ALICE, ("Decrypt",), created=NOW - 1), {"GrantTokens": ["TOKEN-1"]}, 5.0, "allowed"),
        (grant(ALICE, ("Decrypt",), created=NOW), {}, 0.0, "allowed"),
        (
            grant(ALICE, ("Decrypt",), constraints={"EncryptionContextEquals": EC}),
            {"EncryptionContext": EC},
            0.0,
            "allowed",
        ),
        (
            grant(ALICE, ("Decrypt",), constraints={"EncryptionContextEquals": EC}),
            {"EncryptionContext": {**EC, "x": "y"}},
            0.0,
            "no-resource-allow",
        ),
        (
            grant(ALICE, ("Decrypt",), constraints={"EncryptionContextSubset": EC}),
            {"EncryptionContext": {**EC, "x": "y"}},
            0.0,
            "allowed",
        ),
        (
            grant(ALICE, ("Decrypt",), constraints={"EncryptionContextSubset": EC}),
            {},
            0.0,
            "no-resource-allow",
        ),
    ],
    ids=[
        "grantee-op",
        "other-op",
        "other-grantee",
        "before-delay",
        "before-delay-with-token",
        "zero-delay",
        "equals-met",
        "equals-extra-pair",
        "subset-met",
        "subset-no-context",
    ],
)
def test_grants(g, params, delay, expected):
    d = decide(
        caller("user:Alice@A"), "Decrypt", NO_ROOT, params, grants=(g,), grant_delay=delay, now=NOW
    )
    assert d.reason == expected, (d.explanation, d.notes)
    if d.allowed:
        assert d.by[0].kind == "grant" and d.by[0].grant_id == g.grant_id


def test_pending_grant_is_explained():
    d = decide(
        caller("user:Alice@A"),
        "Decrypt",
        NO_ROOT,
        grants=(grant(ALICE, ("Decrypt",), created=NOW - 1),),
        grant_delay=5.0,
        now=NOW,
    )
    assert any("not in effect yet" in n and "grant token" in n for n in d.notes)


def test_grant_does_not_beat_a_deny():
    policy = key_policy(st("Deny", {"AWS": ALICE}, "kms:Decrypt"))
    d = decide(
        caller("user:Alice@A"), "Decrypt", policy, grants=(grant(ALICE, ("Decrypt",)),), now=NOW
    )
    assert d.reason == "explicit-deny-resource"


def test_grant_to_a_role_covers_its_session():
    d = decide(
        caller("role:App@A"),
        "Decrypt",
        key_policy(st("Allow", {"AWS": ALICE}, "kms:Decrypt")),
        grants=(grant(APP_ROLE, ("Decrypt",)),),
        now=NOW,
    )
    assert d.allowed
