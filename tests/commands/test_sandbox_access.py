"""``kmsworkbench sandbox principals | accounts | trail | policy | access`` and ``--as``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmsworkbench.cli import EXIT_OK, EXIT_USAGE

PRODUCER = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "kms:GenerateDataKeyPairWithoutPlaintext", "Resource": "*"}
    ],
}


def test_principals_as_and_trail(cli: Callable[..., Any], tmp_path: Path) -> None:
    added = cli("sandbox", "principals", "add", "producer", "--role")
    assert added.rc == EXIT_OK
    arn = added.json()["Principal"]["Arn"]
    assert arn.endswith(":role/producer")
    policy = tmp_path / "producer.json"
    policy.write_text(json.dumps(PRODUCER))
    assert cli("sandbox", "principals", "attach", "producer", str(policy)).rc == EXIT_OK
    listed = cli("sandbox", "principals", "list").json()["Principals"]
    assert [(p["Name"], p["Type"], p["Policies"]) for p in listed] == [
        ("producer", "Role", ["producer"])
    ]

    made = cli(
        "--as",
        "producer",
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--name",
        "p1",
    )
    assert made.rc == EXIT_OK, made.err
    refused = cli("--as", "producer", "keys")
    assert refused.rc != EXIT_OK and "AccessDeniedException" in refused.err
    assert "assumed-role/producer/kmsworkbench" in refused.err

    trail = cli("sandbox", "trail", "--principal", "producer").json()
    names = [e["EventName"] for e in trail["Events"]]
    assert "GenerateDataKeyPairWithoutPlaintext" in names and "ListKeys" in names
    errors = cli("sandbox", "trail", "--errors").json()["Events"]
    assert errors and all(json.loads(e["CloudTrailEvent"]).get("errorCode") for e in errors)
    only = cli(
        "sandbox",
        "trail",
        "--operation",
        "GenerateDataKeyPairWithoutPlaintext",
        "--key",
        "alias/workbench-demo",
    ).json()["Events"]
    assert len(only) == 1
    record = json.loads(only[0]["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "AssumedRole"
    assert cli("sandbox", "trail", "--since", "2999-01-01").json()["Events"] == []

    removed = cli("sandbox", "principals", "remove", "producer")
    assert removed.rc == EXIT_OK
    gone = cli("--as", "producer", "keys")
    assert gone.rc != EXIT_OK and "no principal named 'producer'" in gone.err


def test_policy_explained_and_who_can(cli: Callable[..., Any]) -> None:
    shown = cli("sandbox", "policy", "alias/workbench-demo").json()
    assert shown["PolicySource"] == "the default key policy"
    assert "default key policy statement" in shown["Statements"][0]["Explanation"]
    cli("sandbox", "principals", "add", "alice")
    d = cli(
        "sandbox",
        "policy",
        "alias/workbench-demo",
        "--can",
        "alice",
        "--do",
        "kms:Decrypt",
        "--encryption-context",
        "app=wb",
    ).json()
    assert d["Decision"] == "Denied"
    assert d["AccessDeniedMessage"].endswith(
        "because no identity-based policy allows the kms:Decrypt action"
    )
    assert (
        cli("sandbox", "policy", "alias/workbench-demo", "--can", "root", "--do", "Decrypt").json()[
            "Decision"
        ]
        == "Allowed"
    )


def test_accounts_settings_env_and_bad_input(cli: Callable[..., Any]) -> None:
    added = cli("sandbox", "accounts", "add", "444455556666")
    assert added.rc == EXIT_OK
    accounts = cli("sandbox", "accounts", "list").json()["Accounts"]
    assert [a["AccountId"] for a in accounts][1:] == ["444455556666"]
    dup = cli("sandbox", "accounts", "add", "444455556666")
    assert dup.rc == EXIT_USAGE and "already in this folder" in dup.err
    assert cli("sandbox", "accounts", "add", "12").rc == EXIT_USAGE
    assert cli("sandbox", "access", "grant-delay", "0").json()["GrantDelaySeconds"] == 0.0
    assert cli("sandbox", "access", "retention", "-1").rc == EXIT_USAGE
    cli("sandbox", "principals", "add", "bob", "--account", "444455556666")
    env = cli("sandbox", "env", "--as", "bob")
    assert env.rc == EXIT_OK
    root_env = cli("sandbox", "env")
    assert env.out != root_env.out and "AWS_ACCESS_KEY_ID" in env.out
    assert cli("sandbox", "env", "--as", "nobody").rc == EXIT_USAGE
    bad = cli("sandbox", "principals", "add", "no spaces")
    assert bad.rc == EXIT_USAGE and "not a valid IAM name" in bad.err
    assert cli("sandbox", "principals", "attach", "bob", "/nonexistent.json").rc == EXIT_USAGE
