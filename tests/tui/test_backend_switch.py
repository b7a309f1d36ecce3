"""The backend switch as a person does it: F2, then keys only. A profile from an AWS config
file in the test's folder (SSO, no token: the re-login offer), a Region, an endpoint URL (a
served sandbox), and back to the sandbox. The first version of this screen crashed on F2
(its ``region`` property shadowed Textual's Widget.region); no test had pressed F2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet, Select

from kmsworkbench import config
from kmsworkbench.sandbox.server import start_background
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.backend import BackendScreen
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import ErrorModal

from .conftest import record_notices, settle

AWS_CONFIG = """\
[default]
region = us-east-1

[profile dev]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev
region = eu-west-1
"""


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aws-config"
    path.write_text(AWS_CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # an empty SSO token cache
    return path


class Sessions:
    """Real sessions; an AWS one is real too (and fails: no SSO token) until the login ran,
    after which AWS is answered by an in-process sandbox so the reload is a real call."""

    def __init__(self, sandbox_dir: Path) -> None:
        self.logged_in = False
        self.sandbox_dir = sandbox_dir
        self.built: list[Backend] = []

    def __call__(self, backend: Backend) -> KmsSession:
        self.built.append(backend)
        if backend.kind == "aws" and self.logged_in:
            return KmsSession(Backend(kind="sandbox", data_dir=self.sandbox_dir))
        return KmsSession(backend)

    def login(self, command: Sequence[str]) -> int:
        self.logged_in = True
        return 0


def make(sandbox_dir: Path, sessions: Sessions) -> WorkbenchApp:
    return WorkbenchApp(
        Backend(kind="sandbox", data_dir=sandbox_dir),
        settings=config.Settings(),
        session_factory=sessions,
        persist_settings=False,
        login_runner=sessions.login,
        aws_finder=lambda: "/usr/local/bin/aws",
    )


def backend_screen(app: WorkbenchApp) -> BackendScreen:
    screen = app.screen
    assert isinstance(screen, BackendScreen), screen
    return screen


async def open_switcher(app: WorkbenchApp, pilot: object) -> BackendScreen:
    await pilot.press("f2")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]
    screen = backend_screen(app)
    assert screen.focused is screen.query_one("#backend-kind", RadioSet)
    return screen


async def choose_kind(app: WorkbenchApp, pilot: object, index: int) -> None:
    """In the kind list: Home, Down index times, Enter (as a person picks a radio button)."""
    keys = ["home"] + ["down"] * index + ["enter"]
    await pilot.press(*keys)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def pick_in_select(app: WorkbenchApp, pilot: object, select: Select[str], value: str) -> None:
    """Focus reaches the Select by Tab; Enter opens it, typing jumps to the option, Enter."""
    screen = app.screen
    for _ in range(12):
        if screen.focused is select:
            break
        await pilot.press("tab")  # type: ignore[attr-defined]
    assert screen.focused is select, f"Tab never reached {select.id}"
    await pilot.press("enter", *value, "enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert select.value == value, f"{select.id} is {select.value!r}, not {value!r}"


async def press_switch(app: WorkbenchApp, pilot: object) -> None:
    screen = app.screen
    for _ in range(12):
        if getattr(screen.focused, "id", None) == "backend-ok":
            break
        await pilot.press("tab")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)  # type: ignore[arg-type]


@pytest.mark.usefixtures("aws_config")
async def test_f2_profile_then_relogin_then_region_then_sandbox(sandbox_dir: Path) -> None:
    sessions = Sessions(sandbox_dir)
    app = make(sandbox_dir, sessions)
    async with app.run_test(size=(100, 36), notifications=True) as pilot:
        await settle(app, pilot)
        await open_switcher(app, pilot)
        await choose_kind(app, pilot, 2)  # AWS (profile)
        screen = backend_screen(app)
        profile = screen.query_one("#backend-profile", Select)
        await pick_in_select(app, pilot, profile, "dev")
        await press_switch(app, pilot)
        assert app.backend.kind == "aws" and app.backend.profile == "dev"
        # No SSO token: the error modal offers to log in; "l" runs aws sso login and lists
        # the keys again on a new session.
        modal = app.screen
        assert isinstance(modal, ErrorModal), modal
        assert modal.login is not None and modal.login.profile == "dev"
        await pilot.press("l")
        await settle(app, pilot)
        assert sessions.logged_in
        keys = app.screen
        assert isinstance(keys, KeyChooserScreen)
        assert keys.index.find("alias/workbench-demo") is not None
        assert "dev" in app.backend_label

        # A Region: back to the sandbox, in eu-west-2.
        screen = await open_switcher(app, pilot)
        await choose_kind(app, pilot, 0)
        await pick_in_select(app, pilot, screen.query_one("#backend-region", Select), "eu-west-2")
        await press_switch(app, pilot)
        assert app.backend.kind == "sandbox" and app.backend.region == "eu-west-2"
        assert "eu-west-2" in app.backend_label
        assert isinstance(app.screen, KeyChooserScreen)


async def test_f2_endpoint_url_then_back_to_the_sandbox(
    tmp_path: Path, sandbox_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = Sessions(sandbox_dir)
    app = make(sandbox_dir, sessions)
    with start_background(tmp_path / "served") as handle:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", handle.sandbox.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", handle.sandbox.secret_access_key)
        async with app.run_test(size=(100, 36), notifications=True) as pilot:
            await settle(app, pilot)
            await open_switcher(app, pilot)
            await choose_kind(app, pilot, 1)  # Endpoint URL
            screen = backend_screen(app)
            url = screen.query_one("#backend-url", Input)
            await pilot.press("tab")
            assert screen.focused is url
            await pilot.press("ctrl+u", *"ftp://nowhere", "enter")
            await pilot.pause()
            # A wrong URL is explained in the form, which stays open.
            assert backend_screen(app) is screen
            assert "http://" in str(screen.query_one("#backend-error").render())
            await pilot.press("ctrl+u", *handle.endpoint_url, "enter")
            await settle(app, pilot)
            assert app.backend.kind == "endpoint"
            assert app.backend.endpoint_url == handle.endpoint_url
            keys = app.screen
            assert isinstance(keys, KeyChooserScreen)
            assert keys.index.find("alias/workbench-demo") is not None

            # Back to the sandbox folder the app started with.
            await open_switcher(app, pilot)
            await choose_kind(app, pilot, 0)
            await press_switch(app, pilot)
            assert app.backend.kind == "sandbox"
            assert app.backend.resolved_data_dir == sandbox_dir
            assert isinstance(app.screen, KeyChooserScreen)


async def test_escape_cancels_and_says_so(sandbox_dir: Path) -> None:
    sessions = Sessions(sandbox_dir)
    app = make(sandbox_dir, sessions)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        notices = record_notices(app)
        await open_switcher(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, KeyChooserScreen)
        assert app.backend.kind == "sandbox" and len(sessions.built) == 1
        assert any("Still on" in n for n in notices)
