"""Access control through real boto3 clients (in-process): principals, identity and key
policies, the lockout check, grants and their delay, cross-account use, and the trail."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kmsworkbench.sandbox import Sandbox, directory, iam_store
from kmsworkbench.sandbox.inprocess import make_client


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    with Sandbox.open(data) as sb:
        directory.set_setting(sb, "grant_delay_seconds", 0)
    return data


@pytest.fixture
def root(folder):
    client = make_client(folder)
    yield client
    client._kmsworkbench_sandbox.close()


def client_as(folder, who: str) -> Any:
    return make_client(folder, acting_as=who)


def sandbox(folder) -> Sandbox:
    return Sandbox.open(folder)


def code_and_message(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err.get("Message", "")


def key_of(root, alias: str = "alias/workbench-demo") -> dict[str, Any]:
    return root.describe_key(KeyId=alias)["KeyMetadata"]


def attach(folder, who: str, *statements: dict[str, Any]) -> None:
    with sandbox(folder) as sb:
        directory.attach_policy(
            sb, who, json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), "p"
        )


def test_root_is_unchanged_and_a_new_user_has_nothing(folder, root):
    key = key_of(root)
    with sandbox(folder) as sb:
        alice = directory.add_principal(sb, "alice")
    alice_client = client_as(folder, "alice")
    with pytest.raises(ClientError) as exc:
        alice_client.describe_key(KeyId=key["Arn"])
    assert code_and_message(exc) == (
        "AccessDeniedException",
        f"User: {alice.arn} is not authorized to perform: kms:DescribeKey on resource: "
        f"{key['Arn']} because no identity-based policy allows the kms:DescribeKey action",
    )
    with pytest.raises(ClientError) as exc:
        alice_client.list_keys()
    assert code_and_message(exc)[1].endswith(
        "because no identity-based policy allows the kms:ListKeys action"
    )


def test_producer_and_consumer(folder, root):
    key = key_of(root)
    with sandbox(folder) as sb:
        directory.add_principal(sb, "producer", role=True)
        directory.add_principal(sb, "consumer", role=True)
    attach(
        folder,
        "producer",
        {
            "Effect": "Allow",
            "Action": "kms:GenerateDataKeyPairWithoutPlaintext",
            "Resource": key["Arn"],
        },
    )
    attach(
        folder,
        "consumer",
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key["Arn"],
            "Condition": {"StringEquals": {"kms:EncryptionContext:app": "wb"}},
        },
    )
    producer, consumer = client_as(folder, "producer"), client_as(folder, "consumer")
    pair = producer.generate_data_key_pair_without_plaintext(
        KeyId=key["Arn"], KeyPairSpec="ECC_NIST_P256", EncryptionContext={"app": "wb"}
    )
    with pytest.raises(ClientError) as exc:
        producer.decrypt(
            CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"app": "wb"}
        )
    code, message = code_and_message(exc)
    assert code == "AccessDeniedException" and "assumed-role/producer/kmsworkbench" in message
    with pytest.raises(ClientError) as exc:
        producer.generate_data_key_pair(KeyId=key["Arn"], KeyPairSpec="ECC_NIST_P256")
    assert code_and_message(exc)[0] == "AccessDeniedException"
    plain = consumer.decrypt(
        CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"app": "wb"}
    )
    assert plain["Plaintext"]
    with pytest.raises(ClientError) as exc:
        consumer.generate_data_key_pair_without_plaintext(
            KeyId=key["Arn"], KeyPairSpec="ECC_NIST_P256"
        )
    assert code_and_message(exc)[0] == "AccessDeniedException"


def test_key_policy_decides_and_lockout_check(folder, root):
    key = key_of(root)
    with sandbox(folder) as sb:
        alice = directory.add_principal(sb, "alice")
    only_alice = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Alice",
                    "Effect": "Allow",
                    "Principal": {"AWS": alice.arn},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    with pytest.raises(ClientError) as exc:
        root.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=only_alice)
    assert code_and_message(exc) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
    )
    with pytest.raises(ClientError) as exc:
        root.put_key_policy(
            KeyId=key["KeyId"], PolicyName="default", Policy='{"Statement": [{"Effect": "Allow"}]}'
        )
    assert code_and_message(exc)[0] == "MalformedPolicyDocumentException"
    root.put_key_policy(
        KeyId=key["KeyId"],
        PolicyName="default",
        Policy=only_alice,
        BypassPolicyLockoutSafetyCheck=True,
    )
    assert json.loads(
        client_as(folder, "alice").get_key_policy(KeyId=key["KeyId"])["Policy"]
    ) == json.loads(only_alice)
    with pytest.raises(ClientError) as exc:
        root.describe_key(KeyId=key["Arn"])
    assert code_and_message(exc)[1].endswith(
        "because no resource-based policy allows the kms:DescribeKey action"
    )


def test_grants_take_effect_after_their_delay_or_with_the_token(folder, root):
    key = key_of(root)
    with sandbox(folder) as sb:
        bob = directory.add_principal(sb, "bob")
        directory.set_setting(sb, "grant_delay_seconds", 5)
    ct = root.encrypt(KeyId=key["Arn"], Plaintext=b"hello", EncryptionContext={"app": "wb"})[
        "CiphertextBlob"
    ]
    g = root.create_grant(
        KeyId=key["Arn"],
        GranteePrincipal=bob.arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"app": "wb"}},
    )
    bob_client = client_as(folder, "bob")
    with pytest.raises(ClientError) as exc:
        bob_client.decrypt(CiphertextBlob=ct, EncryptionContext={"app": "wb"})
    assert code_and_message(exc)[0] == "AccessDeniedException"
    assert (
        bob_client.decrypt(
            CiphertextBlob=ct, EncryptionContext={"app": "wb"}, GrantTokens=[g["GrantToken"]]
        )["Plaintext"]
        == b"hello"
    )
    with sandbox(folder) as sb:
        sb.clock.advance(6)
    assert (
        bob_client.decrypt(CiphertextBlob=ct, EncryptionContext={"app": "wb"})["Plaintext"]
        == b"hello"
    )
    other = root.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "other"})[
        "CiphertextBlob"
    ]
    with pytest.raises(ClientError) as exc:
        bob_client.decrypt(CiphertextBlob=other, EncryptionContext={"app": "other"})
    assert code_and_message(exc)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        bob_client.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "wb"})
    assert code_and_message(exc)[0] == "AccessDeniedException"


def test_cross_account_by_arn_only(folder, root):
    key = key_of(root)
    with sandbox(folder) as sb:
        b = directory.add_account(sb)
        directory.add_principal(sb, "bob", account=b.account_id)
        home = sb.account_id
    bob_client = client_as(folder, "bob")
    with pytest.raises(ClientError) as exc:
        bob_client.describe_key(KeyId=key["Arn"])
    assert code_and_message(exc)[1].endswith(
        "because no resource-based policy allows the kms:DescribeKey action"
    )
    policy = json.loads(root.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    policy["Statement"].append(
        {
            "Sid": "B",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{b.account_id}:root"},
            "Action": ["kms:DescribeKey", "kms:GenerateDataKeyPairWithoutPlaintext"],
            "Resource": "*",
        }
    )
    root.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    with pytest.raises(ClientError) as exc:
        bob_client.describe_key(KeyId=key["Arn"])
    assert code_and_message(exc)[1].endswith(
        "because no identity-based policy allows the kms:DescribeKey action"
    )
    attach(
        folder,
        "bob",
        {"Effect": "Allow", "Action": "kms:*", "Resource": f"arn:aws:kms:*:{home}:key/*"},
    )
    assert bob_client.describe_key(KeyId=key["Arn"])["KeyMetadata"]["Arn"] == key["Arn"]
    alias_arn = f"arn:aws:kms:us-east-1:{home}:alias/workbench-demo"
    pair = bob_client.generate_data_key_pair_without_plaintext(
        KeyId=alias_arn, KeyPairSpec="ECC_NIST_P256"
    )
    assert pair["KeyId"] == key["Arn"]
    with pytest.raises(ClientError) as exc:
        bob_client.describe_key(KeyId="alias/workbench-demo")
    assert code_and_message(exc) == (
        "NotFoundException",
        f"Alias arn:aws:kms:us-east-1:{b.account_id}:alias/workbench-demo is not found.",
    )
    with pytest.raises(ClientError) as exc:
        bob_client.describe_key(KeyId=key["KeyId"])
    assert code_and_message(exc)[0] == "NotFoundException"
    assert bob_client.list_keys()["Keys"] == []
    b_root = client_as(folder, b.account_id)
    assert b_root.describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyId"] == key["KeyId"]


def test_unknown_access_key_is_refused(folder):
    import botocore.session

    from kmsworkbench.sandbox.inprocess import attach as attach_sandbox

    session = botocore.session.get_session()
    client = session.create_client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id="AKIAUNKNOWN0000000",
        aws_secret_access_key="x" * 40,
    )
    sb = sandbox(folder)
    attach_sandbox(client, sb)
    with pytest.raises(ClientError) as exc:
        client.list_keys()
    assert code_and_message(exc) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    sb.close()


def test_every_call_is_in_the_trail_and_no_secret(folder, root):
    key = key_of(root)
    pair = root.generate_data_key_pair(
        KeyId=key["Arn"], KeyPairSpec="ECC_NIST_P256", EncryptionContext={"app": "wb"}
    )
    dk = root.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
    with sandbox(folder) as sb:
        directory.add_principal(sb, "eve")
    with pytest.raises(ClientError):
        client_as(folder, "eve").decrypt(
            CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"app": "wb"}
        )
    plain = root.decrypt(
        CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"app": "wb"}
    )["Plaintext"]
    with sandbox(folder) as sb:
        events = [e for _, _, e in directory.trail_events(sb, limit=1000)]
        last = directory.trail_events(sb, iam_store.TrailQuery(errors_only=True), 10)
    names = [e["eventName"] for e in events]
    assert names[:4] == ["Decrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyPair"]
    refused = events[1]
    assert (
        refused["errorCode"] == "AccessDeniedException"
        and refused["userIdentity"]["userName"] == "eve"
    )
    assert refused["resources"][0]["ARN"] == key["Arn"]
    assert last[0][2]["eventID"] == refused["eventID"]
    generated = events[3]
    assert generated["requestParameters"] == {
        "keyId": key["Arn"],
        "keyPairSpec": "ECC_NIST_P256",
        "encryptionContext": {"app": "wb"},
    }
    assert (
        generated["responseElements"] is None and generated["additionalEventData"]["keyMaterialId"]
    )
    last_use = root.get_key_last_usage(KeyId=key["Arn"])["KeyLastUsage"]
    assert last_use["CloudTrailEventId"] == events[0]["eventID"]  # the last Decrypt
    text = json.dumps(events)
    for secret in (plain, pair["PrivateKeyPlaintext"], dk["Plaintext"]):
        assert base64.b64encode(secret).decode() not in text and secret.hex() not in text
