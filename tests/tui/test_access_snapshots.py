"""SVG snapshots of the access views at 80x24 and 120x40, in textual-dark and textual-light:
a key's policy explained, "who can" with a decision, the key's audit log, one trail record's
JSON, and F6 (this app's calls). The sandbox's access answers (principals, decisions, trail
records) are fixed here, as the key list's are in fakes.py; the screens are reached by keys.
Update with ``pytest tests/tui --snapshot-update -p no:xdist`` after a deliberate change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from kmsworkbench.service import access
from kmsworkbench.tui.screens.access import AuditScreen, EventJsonModal, KeyAccessScreen
from kmsworkbench.tui.widgets.key_table import KeyTable

from .fakes import ACCOUNT, REGION, demo_keys
from .snapshots import assert_snapshot, settled, snapshot_matrix

DEMO = demo_keys()[0]
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
STATEMENT = 'the key policy, statement 1 ("Enable IAM User Permissions")'


def record(n: int, name: str, who: str = "root", error: str | None = None) -> dict[str, Any]:
    """A trail record of the sandbox's shape, with fixed ids and times."""
    identity: dict[str, Any] = (
        {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root"}
        if who == "root"
        else {"type": "IAMUser", "userName": who, "arn": f"arn:aws:iam::{ACCOUNT}:user/{who}"}
    )
    params: dict[str, Any] = {"keyId": DEMO.key_id}
    if name in ("GenerateDataKeyPairWithoutPlaintext", "Decrypt"):
        params["encryptionContext"] = {"app": "wb", "env": "dev"}
    if name == "GenerateDataKeyPairWithoutPlaintext":
        params["keyPairSpec"] = "ECC_NIST_P256"
    event: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": {**identity, "accountId": ACCOUNT},
        "eventTime": f"2026-07-01T09:3{n}:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "127.0.0.1",
        "requestParameters": params,
        "responseElements": None,
        "requestID": f"00000000-0000-4000-8000-{n:012d}",
        "eventID": f"11111111-0000-4000-8000-{n:012d}",
        "readOnly": name.startswith(("Get", "Describe", "List")),
        "resources": [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": DEMO.arn}],
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    if error:
        event["errorCode"] = error
        event["errorMessage"] = f"User: {ALICE} is not authorized to perform: kms:Decrypt"
    return event


EVENTS = [
    record(4, "Decrypt", "alice", "AccessDeniedException"),
    record(3, "Decrypt"),
    record(2, "GenerateDataKeyPairWithoutPlaintext"),
    record(1, "GetKeyPolicy"),
]


@pytest.fixture(autouse=True)
def fixed_access(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        access,
        "principals",
        lambda data_dir: [
            (f"root (account {ACCOUNT})", "root"),
            (f"user alice ({ACCOUNT})", f"{ACCOUNT}/alice"),
        ],
    )
    monkeypatch.setattr(access, "events", lambda data_dir, **kwargs: list(EVENTS))
    monkeypatch.setattr(
        access,
        "decide",
        lambda data_dir, key, principal, action, ec=None: {
            "Principal": ALICE,
            "Action": f"kms:{action}",
            "KeyId": DEMO.arn,
            "Decision": "Denied",
            "DecidedBy": [STATEMENT],
            "Explanation": f"Denied: {STATEMENT} lets IAM policies decide kms:{action}, but no "
            "identity policy of user alice allows it (and no grant does).",
            "Notes": [],
            "AccessDeniedMessage": f"User: {ALICE} is not authorized to perform: kms:{action} "
            f"on resource: {DEMO.arn} because no identity-based policy allows the "
            f"kms:{action} action",
        },
    )


async def policy(pilot: Pilot[object]) -> None:
    await settled(pilot)
    table = pilot.app.screen.query_one(KeyTable)
    table.focus()
    assert table.move_to(DEMO.key_id)
    await pilot.pause()
    await pilot.press("p")
    await settled(pilot)
    assert isinstance(pilot.app.screen, KeyAccessScreen)
    assert pilot.app.screen.key_arn == DEMO.arn


async def who_can(pilot: Pilot[object]) -> None:
    await policy(pilot)
    await pilot.press("right")  # the tabs have the focus: "Who can"
    await pilot.pause()
    await pilot.press("tab")  # the principal
    select = pilot.app.screen.query_one("#who-principal", Select)
    assert select.has_focus
    await pilot.press("enter", "down", "enter")  # alice
    await pilot.pause()
    assert select.value == f"{ACCOUNT}/alice"
    await pilot.press("tab", "tab", "tab", "enter")  # action, context, Decide
    await settled(pilot)


async def key_audit(pilot: Pilot[object]) -> None:
    await policy(pilot)
    await pilot.press("right", "right")
    await pilot.pause()
    await pilot.press("tab")
    assert pilot.app.screen.query_one("#audit-table", DataTable).has_focus


async def event_json(pilot: Pilot[object]) -> None:
    await key_audit(pilot)
    await pilot.press("down", "down", "enter")  # the GenerateDataKeyPair record
    await pilot.pause()
    assert isinstance(pilot.app.screen, EventJsonModal)


async def app_audit(pilot: Pilot[object]) -> None:
    await settled(pilot)
    await pilot.press("f6")
    await settled(pilot)
    assert isinstance(pilot.app.screen, AuditScreen)


SCREENS: dict[str, Callable[[Pilot[object]], Any]] = {
    "access-policy": policy,
    "access-who-can": who_can,
    "access-audit": key_audit,
    "access-event-json": event_json,
    "audit-log": app_audit,
}


@pytest.mark.slow
@snapshot_matrix(SCREENS)
def test_access_snapshot(
    snap_compare: Callable[..., bool],
    tmp_path: Path,
    screen: str,
    size: tuple[int, int],
    theme: str,
) -> None:
    assert_snapshot(snap_compare, SCREENS[screen], size, theme, tmp_path)
