"""The app's own actions (its bindings and palette commands): the screens it opens over any
other (help, backend, activity, audit, library, lessons), copying the aws-cli command, themes.

The screens' modules are imported when their action runs, not before: the path to the first
frame and the key list carries none of them (``check_action``, which the footer asks on every
refresh, looks at the modules already loaded instead of importing them)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp


def on_screen(screen: object, module: str, name: str) -> bool:
    """Whether ``screen`` is an instance of ``kmsworkbench.tui.screens.<module>.<name>``,
    without importing that module: if nothing has imported it yet, no such screen exists.
    (Importing the library screen here pulled the key pair code and cryptography's
    serialisation onto the path to the key list.)"""
    loaded = sys.modules.get(f"kmsworkbench.tui.screens.{module}")
    cls = getattr(loaded, name, None) if loaded is not None else None
    return cls is not None and isinstance(screen, cls)


class AppActions:
    """Mixed into WorkbenchApp, before textual's App (``check_action`` overrides App's)."""

    def check_action(
        self: WorkbenchApp, action: str, parameters: tuple[object, ...]
    ) -> bool | None:
        """Library and Activity are not offered on their own screens."""
        if not self.screen_stack:
            return True
        if action == "library":
            return not on_screen(self.screen, "library", "LibraryScreen")
        if action == "activity":
            return not on_screen(self.screen, "activity", "ActivityScreen")
        return True

    def copy_with_notice(self: WorkbenchApp, text: str, what: str) -> None:
        self.copy_to_clipboard(text)
        self.notify(f"{what} copied to the clipboard", title="Copied")

    def action_help(self: WorkbenchApp) -> None:
        from kmsworkbench.tui.screens.modals import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_switch_backend(self: WorkbenchApp, focus: str = "") -> None:
        from kmsworkbench.service import Backend
        from kmsworkbench.tui.screens.backend import BackendScreen

        if isinstance(self.screen, BackendScreen):
            return

        def chosen(backend: Backend | None) -> None:
            if backend is not None:
                self.switch_backend(backend)

        self.push_screen(
            BackendScreen(self.backend, focus=focus, sandbox_dir=self.last_sandbox_dir), chosen
        )

    def action_activity(self: WorkbenchApp) -> None:
        from kmsworkbench.tui.screens.activity import ActivityScreen

        if not isinstance(self.screen, ActivityScreen):
            self.push_screen(ActivityScreen())

    def action_audit(self: WorkbenchApp) -> None:
        """This app's calls as the sandbox's trail recorded them."""
        from kmsworkbench.tui.screens.access import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_library(self: WorkbenchApp) -> None:
        """Show the library of pairs: back to it when it is open under this screen,
        otherwise opened on top (with the pair of the current screen highlighted)."""
        from kmsworkbench.tui.screens.library import LibraryScreen

        if isinstance(self.screen, LibraryScreen):
            return
        if any(isinstance(s, LibraryScreen) for s in self.screen_stack):
            while not isinstance(self.screen, LibraryScreen):
                self.pop_screen()
            return
        record = getattr(self.screen, "record", None)
        self.push_screen(LibraryScreen(select=getattr(record, "name", None)))

    def action_lessons(self: WorkbenchApp) -> None:
        from kmsworkbench.tui.screens.lessons import LessonsScreen

        if not isinstance(self.screen, LessonsScreen):
            self.push_screen(LessonsScreen())

    def action_copy_aws_cli(self: WorkbenchApp) -> None:
        """Copy the aws-cli command of what the current screen shows (the generate preview,
        the highlighted activity entry) or of the last KMS call."""
        provider = getattr(self.screen, "aws_cli_for_copy", None)
        command = provider() if callable(provider) else None
        if command is None:
            with self._activity_lock:
                command = self.activity[-1].aws_cli if self.activity else None
        if not command:
            self.notify("No KMS call has been made yet.", title="Nothing to copy")
            return
        self.copy_with_notice(command, "aws-cli command")

    def action_set_theme(self: WorkbenchApp, name: str) -> None:
        self.theme = name
