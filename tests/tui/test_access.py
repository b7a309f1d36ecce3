"""The key access screen (p on a key): the policy explained and edited, who can do what,
the key's audit log with each record's JSON; and the audit log of the app's calls (F6).
Keys are pressed through Pilot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Select, Static, TextArea

from kmsworkbench.sandbox import Sandbox, directory
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.access import (
    AuditScreen,
    EventJsonModal,
    KeyAccessScreen,
    PolicyEditModal,
)
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.widgets.key_table import KeyTable
from tests.tui.conftest import settle

AppFactory = Callable[..., WorkbenchApp]
DEMO = "alias/workbench-demo"


def text_of(app: WorkbenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_access(app: WorkbenchApp, pilot: Any) -> KeyAccessScreen:
    await settle(app, pilot)
    keys = app.screen
    assert isinstance(keys, KeyChooserScreen)
    demo = keys.index.find(DEMO)
    assert demo is not None
    table = keys.query_one(KeyTable)
    table.focus()
    table.move_to(demo.key_id)
    await pilot.pause()
    await pilot.press("p")
    await settle(app, pilot)
    assert isinstance(app.screen, KeyAccessScreen)
    return app.screen


async def test_policy_explained_and_edited(make_app: AppFactory, sandbox_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_access(app, pilot)
        assert "default key policy" in text_of(app, "#policy-source")
        statements = [str(s.render()) for s in screen.query(".statement").results(Static)]
        assert len(statements) == 1 and "lets IAM policies in the account" in statements[0]
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, PolicyEditModal)
        editor = app.screen.query_one(TextArea)
        editor.text = '{"Statement": [{"Effect": "Allow", "Action": "kms:*"}]}'
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PolicyEditModal)  # refused: no Principal
        assert "needs a Principal" in text_of(app, "#policy-edit-error")
        policy = json.loads(screen.policy_text)
        policy["Statement"].append(
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:ScheduleKeyDeletion",
                "Resource": "*",
            }
        )
        editor.text = json.dumps(policy, indent=2)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        statements = [str(s.render()) for s in screen.query(".statement").results(Static)]
        assert len(statements) == 2 and "denies kms:ScheduleKeyDeletion to anyone" in statements[1]
        assert "own key policy" in text_of(app, "#policy-source")


async def test_who_can_and_audit(make_app: AppFactory, sandbox_dir: Path) -> None:
    with Sandbox.open(sandbox_dir) as sb:
        directory.add_principal(sb, "alice")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_access(app, pilot)
        await pilot.press("right")  # the "Who can" tab
        await pilot.pause()
        select = screen.query_one("#who-principal", Select)
        alice = next(value for label, value in select._options if "alice" in str(label))
        select.value = alice
        await pilot.pause()  # the Select's Changed message is handled first
        await pilot.click("#who-decide")
        await settle(app, pilot)
        result = text_of(app, "#who-result")
        assert result.startswith("Denied") and "no identity-based policy allows" in result
        assert "Enable IAM User Permissions" in result
        select.value = "root"
        await pilot.pause()
        for _ in range(5):  # a click can land while the result above it is re-laid out
            await pilot.click("#who-decide")
            await settle(app, pilot)
            if "user/alice" not in text_of(app, "#who-result"):
                break
        assert text_of(app, "#who-result").startswith("Allowed")

        await pilot.press("right")  # the "Audit" tab
        await pilot.pause()
        table = screen.query_one("#audit-table", DataTable)
        assert table.row_count == len(screen.records) >= 1
        # The detail pane's GetKeyPolicy and the key's DescribeKey run side by side at start
        # (the pane's calls no longer wait for the describes): either may be the newest.
        names = [r["eventName"] for r in screen.records]
        assert "GetKeyPolicy" in names and "DescribeKey" in names
        times = [r["eventTime"] for r in screen.records]
        assert times == sorted(times, reverse=True)  # newest first
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EventJsonModal)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_who_can_form_is_typed_by_keys(make_app: AppFactory, sandbox_dir: Path) -> None:
    """Tab from the tabs reaches the principal (it stopped on the form's scroll container
    before, where nothing showed the focus), and the whole form is filled and decided by keys."""
    with Sandbox.open(sandbox_dir) as sb:
        directory.add_principal(sb, "alice")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_access(app, pilot)
        await pilot.press("right", "tab")
        await pilot.pause()
        select = screen.query_one("#who-principal", Select)
        assert select.has_focus, app.focused
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert str(select.value).endswith("/alice")
        await pilot.press("tab", "tab", *"app=wb", "tab", "enter")
        await settle(app, pilot)
        result = text_of(app, "#who-result")
        assert result.startswith("Denied: ") and "user/alice" in result
        assert "Denied: the key policy" not in result  # said once, on the first line
        # The decision is below the form at 80x24: it is scrolled into view.
        await pilot.pause()
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "Denied: arn:aws:iam::" in shown and "KMS would answer" in shown, shown


async def test_audit_log_of_the_app_highlights_the_context(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.session.generate_pair(DEMO, "ECC_NIST_P256", {"app": "wb"})
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen)
        names = [r["eventName"] for r in app.screen.records]
        assert names[0] == "GenerateDataKeyPairWithoutPlaintext" and "ListKeys" in names
        app.screen.query_one("#audit-all-table", DataTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EventJsonModal)
        assert "app=wb" in text_of(app, "#event-context")
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KeyChooserScreen)


async def test_backend_screen_acts_as_a_principal(make_app: AppFactory, sandbox_dir: Path) -> None:
    with Sandbox.open(sandbox_dir) as sb:
        directory.add_principal(sb, "alice")
        allow_all = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
        }
        directory.attach_policy(sb, "alice", json.dumps(allow_all), "all")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        app.screen.query_one("#backend-as").focus()
        await pilot.press(*"alice")
        await pilot.click("#backend-ok")
        await settle(app, pilot)
        assert app.backend.acting_as == "alice"
        assert "as alice" in app.backend_label
        caller = app.session.call("ListAliases", Limit=1)
        assert caller["Aliases"]
        with Sandbox.open(sandbox_dir) as sb:
            last = directory.trail_events(sb, limit=1)[0][2]
        assert last["userIdentity"]["userName"] == "alice"
