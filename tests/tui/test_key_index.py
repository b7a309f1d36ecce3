"""The key index behind the table: ranking and filtering over thousands of keys."""

from __future__ import annotations

from kmsworkbench.service import KeyInfo
from kmsworkbench.tui.widgets.key_table import KeyIndex


def make_keys(n: int) -> list[KeyInfo]:
    keys = []
    for i in range(n):
        key_id = f"{i:08x}-0000-4000-8000-{i:012x}"
        keys.append(
            KeyInfo(
                key_id,
                f"arn:aws:kms:us-east-1:111122223333:key/{key_id}",
                [f"alias/team-{i % 50}/key-{i}"],
                {
                    "KeyId": key_id,
                    "Description": f"key number {i}",
                    "KeySpec": "SYMMETRIC_DEFAULT",
                    "KeyUsage": "ENCRYPT_DECRYPT",
                    "KeyState": "Enabled" if i % 7 else "Disabled",
                    "KeyManager": "CUSTOMER",
                    "Origin": "AWS_KMS",
                },
            )
        )
    return keys


def test_exact_then_prefix_then_substring() -> None:
    index = KeyIndex()
    index.add(
        [
            KeyInfo("k1", "arn:k1", ["alias/app-prod"], {"Description": "uses app"}),
            KeyInfo("k2", "arn:k2", ["alias/app"], {"Description": ""}),
            KeyInfo("k3", "arn:k3", ["alias/my-app"], {"Description": ""}),
            KeyInfo("k4", "arn:k4", [], {"Description": "for the app team"}),
            KeyInfo("k5", "arn:k5", ["alias/other"], {"Description": ""}),
        ]
    )
    assert [k.key_id for k in index.filter("app")] == ["k2", "k1", "k3", "k4"]
    assert [k.key_id for k in index.filter("ALIAS/APP")] == ["k2", "k1"]
    assert [k.key_id for k in index.filter("k5")] == ["k5"]
    assert index.find("arn:aws:kms:us-east-1:111122223333:alias/other").key_id == "k5"  # type: ignore[union-attr]


def test_thousands_of_keys() -> None:
    index = KeyIndex()
    index.add(make_keys(5000))
    assert len(index) == 5000 and index.alias_count == 5000
    hits = index.filter("key-4999")
    assert hits[0].aliases == ["alias/team-49/key-4999"]
    assert len(index.filter("team-3/")) == 100
    visible = index.filter("", hide_ineligible=True)
    assert len(visible) == 5000 - len(range(0, 5000, 7))
    # A re-listing keeps what DescribeKey said.
    bare = [KeyInfo(k.key_id, k.arn, k.aliases) for k in make_keys(3)]
    index.add(bare)
    assert index.get(bare[0].key_id).described  # type: ignore[union-attr]


def test_arn_is_not_searched_inside_and_description_ranks_last() -> None:
    """Issue 9, item 10: "aws" matched every key (each ARN is arn:aws:kms:...)."""
    index = KeyIndex()
    index.add(make_keys(3))
    index.add([KeyInfo("kd", "arn:aws:kms:us-east-1:1:key/kd", [], {"Description": "my aws key"})])
    index.add([KeyInfo("ka", "arn:aws:kms:us-east-1:1:key/ka", ["alias/aws/s3"], {})])
    assert [k.key_id for k in index.filter("aws")] == ["ka", "kd"]
    assert index.matched_by == {"ka": "alias", "kd": "description"}
    arn = make_keys(1)[0].arn
    assert [k.arn for k in index.filter(arn[:-4])] == [arn]
    assert index.matched_by == {make_keys(1)[0].key_id: "ARN"}
