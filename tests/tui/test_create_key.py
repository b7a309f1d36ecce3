"""Creating a key with an alias that is taken (issue 9, item 1): before, CreateKey succeeded,
CreateAlias failed, and nothing said that a key without a name now existed (on AWS, a billed
orphan); the list was not refreshed either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import ConfirmModal, CreateKeyModal

from .conftest import record_notices, settle

AppFactory = Callable[..., WorkbenchApp]
DEMO = "alias/workbench-demo"


def key_count(sandbox_dir: Any) -> int:
    return len(make_client(sandbox_dir).list_keys()["Keys"])


async def create_by_keys(app: WorkbenchApp, pilot: Any, alias: str, description: str) -> None:
    await pilot.press("ctrl+n")
    await pilot.pause()
    assert isinstance(app.screen, CreateKeyModal)
    await pilot.press(*alias, "tab", *description, "enter")
    await settle(app, pilot)


async def test_taken_alias_is_refused_before_any_key_is_created(
    make_app: AppFactory, sandbox_dir: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        before = key_count(sandbox_dir)
        messages = record_notices(app)
        await create_by_keys(app, pilot, DEMO, "second demo")
        assert key_count(sandbox_dir) == before
        assert any(f"{DEMO} already names key" in m and "No key was created" in m for m in messages)
        # The dialog is back with what was typed, to change the alias.
        modal = app.screen
        assert isinstance(modal, CreateKeyModal)
        assert modal.query_one("#create-alias").value == DEMO  # type: ignore[attr-defined]
        await pilot.press("ctrl+u", *"alias/second-demo", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        created = screen.index.find("alias/second-demo")
        assert created is not None and created.description == "second demo"
        assert key_count(sandbox_dir) == before + 1


async def test_alias_taken_meanwhile_says_the_key_exists_and_offers_deletion(
    make_app: AppFactory, sandbox_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else takes the alias between the check and CreateAlias (done here with a
    real CreateAlias right after CreateKey)."""
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        session = app.session
        real_create_key = session.create_key
        other = make_client(sandbox_dir)

        def create_key_then_race(**kwargs: Any) -> Any:
            info = real_create_key(**kwargs)
            other_key = other.create_key()["KeyMetadata"]["KeyId"]
            other.create_alias(AliasName="alias/raced", TargetKeyId=other_key)
            return info

        monkeypatch.setattr(session, "create_key", create_key_then_race)
        before = len(app.screen.index)  # type: ignore[attr-defined]
        await create_by_keys(app, pilot, "alias/raced", "")
        modal = app.screen
        assert isinstance(modal, ConfirmModal), modal
        body = str(modal.query_one("#confirm-body").render())
        assert "AlreadyExistsException" in body and "without an alias" in body
        # The list shows the new key already, without waiting for F5.
        keys = app.screen_stack[-2]
        assert isinstance(keys, KeyChooserScreen)
        assert len(keys.index) == before + 1
        orphan = keys.index.get(modal.body.split("The key ")[1].split()[0])
        assert orphan is not None and orphan.aliases == []
        # Deleting is destructive: Cancel has the focus, Tab reaches the button.
        assert modal.focused is modal.query_one("#confirm-no")
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert keys.index.get(orphan.key_id).key_state == "PendingDeletion"  # type: ignore[union-attr]
