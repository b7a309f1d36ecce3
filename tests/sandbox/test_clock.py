"""The sandbox clock: real time plus a stored offset, shared by every process on a folder;
deletion windows end when it passes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kmsworkbench.sandbox.core.clock import parse_duration

DAY = 86_400.0


def test_deletion_window_ends_when_the_clock_passes_it(
    kms: Any, advance_clock: Callable[[float], None]
) -> None:
    arn = kms.create_key(Description="doomed by the clock")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/clock-doomed", TargetKeyId=arn)
    due = kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)["DeletionDate"]
    advance_clock(7 * DAY - 3600)
    md = kms.describe_key(KeyId=arn)["KeyMetadata"]
    assert md["KeyState"] == "PendingDeletion" and md["DeletionDate"] == due
    created = kms.create_key(Description="made in the future")["KeyMetadata"]["CreationDate"]
    assert (due - created).total_seconds() == pytest.approx(3600, abs=60)
    advance_clock(2 * 3600)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=arn)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId="alias/clock-doomed")


@pytest.mark.parametrize(
    ("text", "seconds"), [("30d", 30 * DAY), ("12h", 43_200), ("90m", 5400), ("1.5s", 1.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "3x", "-1d", "1 d 2h"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="s, m, h or d"):
        parse_duration(text)
