"""Logging in again from the error modal: ``aws sso login --profile NAME`` with the terminal
handed over, then a new session and the keys listed again (what counts as "log in again" and
how the command is found: tui/relogin.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsworkbench.tui.relogin import LoginOffer, login_command

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


class LoginAgain:
    """Mixed into WorkbenchApp."""

    def _run_in_terminal(self: WorkbenchApp, command: list[str]) -> int | None:
        """Run ``command`` with the terminal handed over (the app suspended). None when the
        terminal cannot be handed over (e.g. the app runs in a browser). Headless (tests)
        there is no terminal to hand over, so the runner is called directly."""
        from textual.app import SuspendNotSupported

        try:
            with self.suspend():
                return self.login_runner(command)
        except SuspendNotSupported:
            if self.is_headless:
                return self.login_runner(command)
            return None

    def log_in_again(self: WorkbenchApp, offer: LoginOffer) -> None:
        """``aws sso login --profile NAME`` in the terminal, then a new session and the keys
        listed again."""
        if offer.aws_executable is None:
            self.notify(
                f"Run {offer.command} in another terminal, then retry.",
                title="AWS CLI not found",
                severity="warning",
            )
            return
        command = login_command(offer.profile, offer.aws_executable)
        status = self._run_in_terminal(command)
        if status is None:
            self.notify(
                f"This terminal cannot be handed over: run {offer.command} in another "
                "terminal, then retry.",
                title="Log in",
                severity="warning",
                timeout=15,
            )
            return
        if status != 0:
            self.notify(
                f"{offer.command} exited with status {status}; the session is unchanged.",
                title="Log in failed",
                severity="error",
                timeout=15,
            )
            return
        self.renew_session()
        self.notify(
            f"Logged in with profile {offer.profile}; listing the keys again.", title="Log in"
        )
