"""Expired credentials without a restart: on the AWS backend with an SSO profile whose token
is missing, the real service layer fails ListKeys with SSOTokenLoadError; the error modal
offers "Log in again", which runs `aws sso login --profile NAME` (through an injected runner;
App.suspend is not available headless) and then builds a new session and lists the keys.
After the "login" the test's session factory hands out a session on an in-process sandbox,
so the reload is a real KMS call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.widgets import Button, Static

from kmsworkbench import config
from kmsworkbench.service import Backend, KmsError, KmsSession
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.relogin import LOGIN_CODES, login_offer, shell_command
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import ErrorModal

from .conftest import settle

AWS_BACKEND = Backend(kind="aws", profile="dev", region="us-east-1")
AWS_CONFIG = """\
[profile dev]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev
region = us-east-1
"""


@pytest.fixture
def sso_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile `dev` that uses SSO, with no token in the (private) SSO cache."""
    config_file = tmp_path / "aws-config"
    config_file.write_text(AWS_CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


class Sessions:
    """The first session is the real AWS one (it fails: no SSO token); every later one, as
    if the login had worked, is an in-process sandbox."""

    def __init__(self, sandbox_dir: Path) -> None:
        self.sandbox = Backend(kind="sandbox", data_dir=sandbox_dir)
        self.built: list[Backend] = []

    def __call__(self, backend: Backend) -> KmsSession:
        self.built.append(backend)
        return KmsSession(backend if len(self.built) == 1 else self.sandbox)


class Runner:
    def __init__(self, status: int) -> None:
        self.status = status
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        return self.status


def make(sessions: Sessions, runner: Runner, aws: str | None) -> WorkbenchApp:
    return WorkbenchApp(
        AWS_BACKEND,
        settings=config.Settings(),
        session_factory=sessions,
        persist_settings=False,
        login_runner=runner,
        aws_finder=lambda: aws,
    )


def error_modal(app: WorkbenchApp) -> ErrorModal:
    screen = app.screen
    assert isinstance(screen, ErrorModal), screen
    return screen


@pytest.mark.usefixtures("sso_profile")
async def test_log_in_again_runs_aws_sso_login_then_lists_keys(sandbox_dir: Path) -> None:
    sessions, runner = Sessions(sandbox_dir), Runner(0)
    app = make(sessions, runner, "/opt/aws/bin/aws")
    async with app.run_test(size=(100, 36), notifications=True) as pilot:
        await settle(app, pilot)
        modal = error_modal(app)
        assert modal.details.code == "SSOTokenLoadError"
        note = str(modal.query_one("#error-login-note", Static).render())
        assert "aws sso login --profile dev" in note
        assert app.focused is modal.query_one("#error-login-button", Button)
        await pilot.press("l")
        await settle(app, pilot)
        assert runner.commands == [["/opt/aws/bin/aws", "sso", "login", "--profile", "dev"]]
        assert sessions.built == [AWS_BACKEND, AWS_BACKEND]
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        assert screen.index.find("alias/workbench-demo") is not None
        assert app.backend == AWS_BACKEND


@pytest.mark.usefixtures("sso_profile")
async def test_failed_login_keeps_the_session(sandbox_dir: Path) -> None:
    sessions, runner = Sessions(sandbox_dir), Runner(2)
    app = make(sessions, runner, "/opt/aws/bin/aws")
    async with app.run_test(size=(100, 36), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.click("#error-login-button")
        await settle(app, pilot)
        assert len(runner.commands) == 1
        assert sessions.built == [AWS_BACKEND]
        assert isinstance(app.screen, KeyChooserScreen)
        messages = [n.message for n in app._notifications]
        assert any("exited with status 2" in m for m in messages)


@pytest.mark.usefixtures("sso_profile")
async def test_without_aws_cli_the_command_is_shown_and_retry_rebuilds(
    sandbox_dir: Path,
) -> None:
    sessions, runner = Sessions(sandbox_dir), Runner(0)
    app = make(sessions, runner, None)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(app, pilot)
        modal = error_modal(app)
        assert not modal.query("#error-login-button")
        note = str(modal.query_one("#error-login-note", Static).render())
        assert "not on PATH" in note and "aws sso login --profile dev" in note
        await pilot.press("l")  # not offered: nothing happens
        await pilot.pause()
        assert app.screen is modal
        await pilot.press("r")
        await settle(app, pilot)
        assert runner.commands == []
        assert sessions.built == [AWS_BACKEND, AWS_BACKEND]
        screen = app.screen
        assert isinstance(screen, KeyChooserScreen)
        assert screen.index.find("alias/workbench-demo") is not None


def test_login_offered_only_for_credential_errors_on_aws_with_a_profile() -> None:
    expired = KmsError("ExpiredTokenException", "The security token expired", "ListKeys")
    assert login_offer(expired, AWS_BACKEND, lambda: "aws") is not None
    for code in LOGIN_CODES:
        offer = login_offer(KmsError(code, "m", "ListKeys"), AWS_BACKEND, lambda: None)
        assert offer is not None and not offer.can_run
    denied = KmsError("AccessDeniedException", "no", "ListKeys")
    assert login_offer(denied, AWS_BACKEND, lambda: "aws") is None
    no_profile = Backend(kind="aws", region="us-east-1")
    assert login_offer(expired, no_profile, lambda: "aws") is None
    sandbox = Backend(kind="sandbox", data_dir=Path("/nonexistent"))
    assert login_offer(expired, sandbox, lambda: "aws") is None
    assert login_offer(ValueError("x"), AWS_BACKEND, lambda: "aws") is None
    assert shell_command("my profile") == "aws sso login --profile 'my profile'"


async def test_sandbox_errors_offer_no_login(make_app: object) -> None:
    app = make_app()  # type: ignore[operator]
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(app, pilot)
        app.show_error(KmsError("NoCredentialsError", "Unable to locate credentials", "ListKeys"))
        await pilot.pause()
        modal = error_modal(app)
        assert modal.login is None
        assert not modal.query("#error-login-note")
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is modal
