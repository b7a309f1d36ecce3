"""SVG snapshots of each screen at 80x24 and 120x40, in textual-dark and textual-light
(the shared set-up: snapshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import KmsError
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.result import ResultScreen
from kmsworkbench.tui.widgets.context_editor import ContextEditor
from kmsworkbench.tui.widgets.key_table import KeyTable

from .fakes import DEMO_BACKEND, FIXED_TIME, demo_keys, demo_public_key
from .snapshots import RunBefore, assert_snapshot, settled, snapshot_matrix


async def keys(pilot: Pilot[object]) -> None:
    await settled(pilot)


async def generate(pilot: Pilot[object]) -> None:
    await settled(pilot)
    table = pilot.app.screen.query_one(KeyTable)
    table.focus()
    table.move_to(demo_keys()[0].key_id)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.screen.query_one(ContextEditor).set_context({"app": "wb", "env": "dev"})
    await pilot.pause()


async def context_presets(pilot: Pilot[object]) -> None:
    await generate(pilot)
    app = pilot.app
    assert isinstance(app, WorkbenchApp)
    app.settings = app.settings.with_context("dev-wb", {"app": "wb", "env": "dev"}).with_context(
        "payments-prod", {"team": "payments", "stage": "prod", "purpose": "signing"}
    )
    await pilot.press("f9")
    await pilot.pause()


async def result(pilot: Pilot[object]) -> None:
    await settled(pilot)
    info = demo_keys()[0]
    record = PairRecord(
        name="workbench-demo-ecc-nist-p256",
        key_arn=info.arn,
        key_pair_spec="ECC_NIST_P256",
        encryption_context={"app": "wb", "env": "dev"},
        public_key=demo_public_key(),
        private_key_ciphertext=bytes(range(256)) * 5 + bytes(range(100)),
        backend=DEMO_BACKEND.label("us-east-1"),
        key_material_id="ab" * 32,
        created_at=FIXED_TIME,
    )
    await pilot.app.push_screen(ResultScreen(record))
    await pilot.pause()


async def error(pilot: Pilot[object]) -> None:
    await settled(pilot)
    app = pilot.app
    assert isinstance(app, WorkbenchApp)
    app.show_error(
        KmsError(
            "DisabledException",
            "arn:aws:kms:us-east-1:111122223333:key/00000004-1111-4222-8333-000000000004 is disabled.",
            "GenerateDataKeyPairWithoutPlaintext",
            request_id="00000000-0000-4000-8000-000000000002",
            http_status=400,
            explanation="The KMS key is disabled, so KMS refuses every cryptographic operation with it.",
            remedy="Enable the key (EnableKey) or choose another key.",
        )
    )
    await pilot.pause()


async def error_login(pilot: Pilot[object]) -> None:
    await settled(pilot)
    from kmsworkbench.tui.errors import describe_error
    from kmsworkbench.tui.relogin import LoginOffer
    from kmsworkbench.tui.screens.modals import ErrorModal

    error = KmsError(
        "UnauthorizedSSOTokenError",
        "The SSO session associated with this profile has expired or is otherwise invalid.",
        "ListKeys",
        explanation="Your AWS credentials have expired (or the SSO session is no longer valid).",
        remedy="Log in again: aws sso login --profile dev, then retry.",
    )
    await pilot.app.push_screen(
        ErrorModal(describe_error(error), login=LoginOffer("dev", "/usr/local/bin/aws"))
    )
    await pilot.pause()


async def help_screen(pilot: Pilot[object]) -> None:
    await settled(pilot)
    await pilot.press("f1")
    await pilot.pause()


async def activity(pilot: Pilot[object]) -> None:
    await settled(pilot)
    await pilot.press("f4")
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "keys": keys,
    "generate": generate,
    "context-presets": context_presets,
    "result": result,
    "error": error,
    "error-login": error_login,
    "help": help_screen,
    "activity": activity,
}


@snapshot_matrix(SCREENS)
def test_screen_snapshot(
    snap_compare: Callable[..., bool],
    tmp_path: Path,
    screen: str,
    size: tuple[int, int],
    theme: str,
) -> None:
    assert_snapshot(snap_compare, SCREENS[screen], size, theme, tmp_path)
