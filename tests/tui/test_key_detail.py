"""The key chooser's detail pane: rotation status and history, key material, origin and the
key policy; R rotates the key material now (in the sandbox at once, on AWS after a
question). Keys are pressed through Pilot on the real app and an in-process sandbox."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.widgets.key_table import KeyTable

from .conftest import settle
from .fakes import DEMO_BACKEND, FixedSession

DEMO = "alias/workbench-demo"
AppFactory = Callable[..., WorkbenchApp]


def extra(app: WorkbenchApp) -> str:
    return str(app.screen.query_one("#key-extra", Static).render())


async def highlight(app: WorkbenchApp, pilot: object, reference: str) -> KeyChooserScreen:
    screen = app.screen
    assert isinstance(screen, KeyChooserScreen)
    info = screen.index.find(reference)
    assert info is not None
    table = screen.query_one(KeyTable)
    table.focus()
    table.move_to(info.key_id)
    await settle(app, pilot)  # type: ignore[arg-type]
    return screen


async def test_detail_pane_shows_rotation_and_policy_and_r_rotates(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await highlight(app, pilot, DEMO)
        info = screen.index.find(DEMO)
        assert info is not None and info.metadata is not None
        first = info.metadata["CurrentKeyMaterialId"]
        text = extra(app)
        assert "Origin: AWS_KMS (made by KMS)" in text
        assert f"Current key material: {first}" in text
        assert "Automatic: off" in text and "first material" in text
        assert '"Sid": "Enable IAM User Permissions"' in text
        assert "R rotates the key material now" in text
        await pilot.press("R")
        await settle(app, pilot)
        rotated = screen.index.find(DEMO)
        assert rotated is not None and rotated.metadata is not None
        second = rotated.metadata["CurrentKeyMaterialId"]
        assert second != first
        text = extra(app)
        assert "ON_DEMAND" in text and f"Current key material: {second}" in text
        assert "Older material still decrypts" in text


async def test_keys_that_do_not_rotate_say_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        hmac = next(k for k in screen.index.all() if (k.key_spec or "").startswith("HMAC"))
        await highlight(app, pilot, hmac.key_id)
        assert "this key does not rotate" in extra(app)
        await pilot.press("R")
        await settle(app, pilot)
        assert any("does not rotate" in str(n.message) for n in app._notifications)


async def test_rotate_on_aws_asks_first(tmp_path: object) -> None:
    from dataclasses import replace

    from kmsworkbench import config

    rotated: list[str] = []

    class AwsSession(FixedSession):
        def call(self, operation: str, **params: object) -> dict[str, object]:
            if operation == "RotateKeyOnDemand":
                rotated.append(str(params["KeyId"]))
                return {"KeyId": params["KeyId"]}
            return super().call(operation, **params)  # type: ignore[arg-type]

    app = WorkbenchApp(
        replace(DEMO_BACKEND, kind="aws", data_dir=None),
        settings=config.Settings(),
        session_factory=AwsSession,
        persist_settings=False,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await highlight(app, pilot, DEMO)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await settle(app, pilot)
        assert rotated == [] and app.screen is screen
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("tab", "enter")  # Cancel has the focus; Rotate is next
        await settle(app, pilot)
        info = screen.index.find(DEMO)
        assert info is not None and rotated == [info.key_id]


async def test_library_says_when_the_pairs_key_has_rotated(make_app: AppFactory) -> None:
    from kmsworkbench.tui.screens.generate import GenerateScreen
    from kmsworkbench.tui.screens.library import LibraryScreen
    from kmsworkbench.tui.screens.result import ResultScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await highlight(app, pilot, DEMO)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, GenerateScreen)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        made_under = app.screen.record.key_material_id
        assert made_under
        await pilot.press("f7")
        await settle(app, pilot)
        assert isinstance(app.screen, LibraryScreen)
        detail = str(app.screen.query_one("#lib-detail", Static).render())
        # Laid out for the pane: a long value goes below its label, its lines join to it.
        assert f"KeyMaterialId:{made_under}" in "".join(detail.splitlines())
        assert "rotated since" not in detail
        while app.screen is not screen:
            await pilot.press("escape")
            await settle(app, pilot)
        await highlight(app, pilot, DEMO)
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        detail = str(app.screen.query_one("#lib-detail", Static).render())
        words = " ".join(detail.split())
        assert "KMS key rotated since: yes" in words and "still decrypts" in words
