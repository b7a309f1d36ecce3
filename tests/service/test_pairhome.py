"""Where a pair belongs is decided by its key's partition, Region and account."""

from __future__ import annotations

import pytest

from kmsworkbench.service.pairhome import decrypt_home_problem

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MRK = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"


@pytest.mark.parametrize(
    ("arn", "account", "region", "words"),
    [
        (ARN, "111122223333", "us-east-1", None),
        (ARN, None, None, None),
        (ARN, "111122223333", "eu-west-1", "is in us-east-1 and this backend uses eu-west-1"),
        (MRK, "111122223333", "eu-west-1", None),
        (ARN, "111122223333", "cn-north-1", "aws-cn"),
        (ARN, "444455556666", "us-east-1", "cross-account Decrypt"),
        ("not an arn", "1", "us-east-1", None),
    ],
)
def test_decrypt_home_problem(
    arn: str, account: str | None, region: str | None, words: str | None
) -> None:
    problem = decrypt_home_problem(arn, account, region)
    if words is None:
        assert problem is None
    else:
        assert problem is not None and words in problem
