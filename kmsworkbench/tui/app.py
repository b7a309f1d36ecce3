"""The Textual app: the shell (header with the backend, footer, help, command palette, error
modal, themes) and the entry point ``run(args)`` that ``cli.py`` calls with no command.

Rules kept here (DESIGN.md, "The TUI"): every KMS call runs in a thread worker and reports
back by message; a failed worker goes to :meth:`WorkbenchApp.show_error`, the one error
surface; boto3 is never imported on the way to the first frame (the session builds its
client lazily, inside the first worker).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from kmsworkbench import config, paths
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.tui.commands import WorkbenchCommands
from kmsworkbench.tui.errors import describe_error
from kmsworkbench.tui.relogin import (
    AwsFinder,
    LoginOffer,
    LoginRunner,
    find_aws,
    login_command,
    login_offer,
    run_login,
)
from kmsworkbench.tui.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from kmsworkbench.lessons import Catalogue, Lesson, LessonRun
    from kmsworkbench.pairs import PairLibrary
    from kmsworkbench.service.journal import JournalEntry

SessionFactory = Callable[[Backend], KmsSession]

_STARTED = time.perf_counter()


def default_session_factory(backend: Backend) -> KmsSession:
    return KmsSession(backend)


class JournalAppended(Message):
    """A KMS call finished (posted from the worker thread that made it)."""

    def __init__(self, entry: JournalEntry) -> None:
        super().__init__()
        self.entry = entry


class AccountKnown(Message):
    def __init__(self, generation: int, account: str | None, region: str | None) -> None:
        super().__init__()
        self.generation = generation
        self.account = account
        self.region = region


class BackendChanged(Message):
    """The app switched to another backend; screens that show KMS data reload."""


class WorkbenchApp(TypeAheadApp):
    """kmsworkbench: choose a KMS key, generate a data key pair, keep it."""

    TITLE = "kmsworkbench"
    CSS_PATH: ClassVar[list[str | Path]] = [  # type: ignore[misc]
        "styles/app.tcss",
        "styles/keys.tcss",
        "styles/generate.tcss",
        "styles/modals.tcss",
        "styles/library.tcss",
        "styles/workbench.tcss",
        "styles/lessons.tcss",
        "styles/access.tcss",
    ]
    COMMANDS: ClassVar = App.COMMANDS | {WorkbenchCommands}
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help", tooltip="Show the keys of this screen"),
        Binding("question_mark", "help", "Help", show=False, id="help-question"),
        # F2, F4 and Ctrl+Q are left out of the footer here (the key screen shows F2 and
        # Ctrl+Q); the F1 help and the palette list them on every screen.
        Binding(
            "f2", "switch_backend", "Backend", id="backend", tooltip="Switch backend", show=False
        ),
        Binding(
            "f4", "activity", "Activity", id="activity", tooltip="KMS calls made so far", show=False
        ),
        Binding("f3", "lessons", "Lessons", id="lessons", tooltip="Guided lessons", show=False),
        Binding("f7", "library", "Library", id="library", tooltip="The saved pairs"),
        Binding(
            "f6", "audit", "Audit", id="audit", tooltip="The trail of this app's calls", show=False
        ),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        settings: config.Settings | None = None,
        session_factory: SessionFactory | None = None,
        library_dir: Path | None = None,
        persist_settings: bool = True,
        login_runner: LoginRunner | None = None,
        aws_finder: AwsFinder | None = None,
        lessons_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.lessons_dir = lessons_dir
        # How "Log in again" runs `aws sso login` and finds the AWS CLI (tests inject both).
        self.login_runner: LoginRunner = login_runner or run_login
        self.aws_finder: AwsFinder = aws_finder or find_aws
        self.settings = settings if settings is not None else config.load()
        self.persist_settings = persist_settings
        self.session_factory: SessionFactory = session_factory or default_session_factory
        self._library_dir_override = library_dir
        self.backend = backend
        # The sandbox folder used last, offered by the switcher when coming back from AWS.
        self.last_sandbox_dir: Path | None = (
            backend.resolved_data_dir if backend.kind == "sandbox" else None
        )
        self.session: KmsSession = self._new_session(backend)
        self.account: str | None = None
        self.effective_region: str | None = backend.region
        self.generation = 0  # bumps on every backend switch; stale results are ignored
        self.activity: list[JournalEntry] = []
        self._activity_lock = threading.Lock()
        self.first_frame_seconds: float | None = None

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        return iter(())

    def on_mount(self) -> None:
        from kmsworkbench.tui.screens.keys import KeyChooserScreen

        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(KeyChooserScreen())
        self._lookup_account(self.generation)

    def on_ready(self) -> None:
        self.first_frame_seconds = time.perf_counter() - _STARTED
        self.log.info(f"kmsworkbench ready in {self.first_frame_seconds * 1000:.0f} ms")

    # -- backend and session -------------------------------------------------------------

    def _new_session(self, backend: Backend) -> KmsSession:
        session = self.session_factory(backend)
        journal = getattr(session, "journal", None)
        if journal is not None:
            journal.subscribe(self._journal_callback)
        return session

    def _journal_callback(self, entry: JournalEntry) -> None:
        # Called from worker threads: post_message is thread-safe.
        self.post_message(JournalAppended(entry))

    @on(JournalAppended)
    def _on_journal_appended(self, message: JournalAppended) -> None:
        with self._activity_lock:
            self.activity.append(message.entry)
        from kmsworkbench.tui.screens.activity import ActivityScreen

        top = self.screen_stack[-1] if self.screen_stack else None
        if isinstance(top, ActivityScreen):
            top.add_entry(message.entry)

    @property
    def backend_label(self) -> str:
        label = _shorten_home(self.backend.label(self.effective_region))
        if self.account:
            label += f" · account {self.account}"
        return label

    @property
    def region(self) -> str | None:
        """The region the client uses, once known (the backend's region before that)."""
        return self.effective_region or self.backend.region

    @property
    def library_dir(self) -> Path:
        if self._library_dir_override is not None:
            return self._library_dir_override
        if self.backend.kind == "sandbox":
            return self.backend.resolved_data_dir
        return paths.data_dir()

    def library(self) -> PairLibrary:
        from kmsworkbench.pairs import PairLibrary

        return PairLibrary(self.library_dir)

    def _replace_session(self, backend: Backend) -> None:
        old = self.session
        self.generation += 1
        self.backend = backend
        if backend.kind == "sandbox":
            self.last_sandbox_dir = backend.resolved_data_dir
        self.account = None
        self.effective_region = backend.region
        self.session = self._new_session(backend)
        old_journal = getattr(old, "journal", None)
        if old_journal is not None:
            old_journal.unsubscribe(self._journal_callback)
        self._close_session(old)

    def renew_session(self) -> None:
        """A new session for the same backend (fresh credentials after a login), then the
        keys listed again. The screens stay where they are."""
        from kmsworkbench.tui.screens.keys import KeyChooserScreen

        self._replace_session(self.backend)
        self.refresh_backend_label()
        for screen in self.screen_stack:
            if isinstance(screen, KeyChooserScreen):
                screen.load_keys()
        self._lookup_account(self.generation)

    def switch_backend(self, backend: Backend) -> None:
        """Rebuild the session for ``backend``, remember it, and reload the keys."""
        self._replace_session(backend)
        self.update_settings(
            self.settings.with_backend(
                kind=backend.kind,
                profile=backend.profile,
                region=backend.region,
                endpoint_url=backend.endpoint_url,
                data_dir=str(backend.data_dir)
                if backend.kind == "sandbox" and backend.data_dir
                else None,
            )
        )
        self.refresh_backend_label()
        from kmsworkbench.tui.screens.keys import KeyChooserScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, KeyChooserScreen):
            self.pop_screen()
        for screen in self.screen_stack:
            screen.post_message(BackendChanged())
        self._lookup_account(self.generation)
        self.notify(self.backend.label(), title="Backend switched")

    @work(thread=True, exit_on_error=False, group="session-close")
    def _close_session(self, session: KmsSession) -> None:
        session.close()

    @work(thread=True, exit_on_error=False, group="account")
    def _lookup_account(self, generation: int) -> None:
        """Who we are and in which region, for the header. A failure here is not shown as
        an error: the key listing that runs beside it reports the same problem."""
        session = self.session
        account: str | None = None
        region: str | None = None
        try:
            account = session.caller_account()
            region = session.client.meta.region_name
        except Exception as exc:
            self.log.warning(f"account lookup failed: {exc}")
        self.post_message(AccountKnown(generation, account, region))

    @on(AccountKnown)
    def _on_account_known(self, message: AccountKnown) -> None:
        if message.generation != self.generation:
            return
        self.account = message.account
        if message.region:
            self.effective_region = message.region
        self.refresh_backend_label()

    def refresh_backend_label(self) -> None:
        from kmsworkbench.tui.widgets.header import BackendHeader

        for screen in self.screen_stack:
            for header in screen.query(BackendHeader):
                header.refresh_label()

    # -- settings and themes -------------------------------------------------------------

    def update_settings(self, settings: config.Settings) -> None:
        self.settings = settings
        if not self.persist_settings:
            return
        problem = config.try_save(settings)
        if problem:
            self.notify(problem, title="Settings", severity="warning")

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self.settings.theme:
            self.update_settings(dataclasses.replace(self.settings, theme=theme.name))

    # -- errors --------------------------------------------------------------------------

    def show_error(self, error: BaseException, *, title: str | None = None) -> None:
        """The one error surface: a modal with the KMS code, message, request id, the
        explanation and the remedy, copyable. The app goes on."""
        from kmsworkbench.tui.screens.modals import ErrorModal

        details = describe_error(error)
        if title:
            details = details.with_title(title)
        offer = login_offer(error, self.backend, self.aws_finder)

        def closed(choice: str | None) -> None:
            if offer is None:
                return
            if choice == "login":
                self.log_in_again(offer)
            elif choice == "retry":
                self.renew_session()
                self.notify("New session; listing the keys again.", title="Retry")

        self.push_screen(ErrorModal(details, login=offer), closed)

    # -- logging in again ----------------------------------------------------------------

    def _run_in_terminal(self, command: list[str]) -> int | None:
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

    def log_in_again(self, offer: LoginOffer) -> None:
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

    def report_worker_state(self, event: Worker.StateChanged) -> None:
        """Screens forward their workers' state changes here (Worker.StateChanged does not
        bubble)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_state(event)

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Library and Activity are not offered on their own screens."""
        from kmsworkbench.tui.screens.activity import ActivityScreen
        from kmsworkbench.tui.screens.library import LibraryScreen

        if not self.screen_stack:
            return True
        if action == "library" and isinstance(self.screen, LibraryScreen):
            return False
        if action == "activity" and isinstance(self.screen, ActivityScreen):
            return False
        return True

    def copy_with_notice(self, text: str, what: str) -> None:
        self.copy_to_clipboard(text)
        self.notify(f"{what} copied to the clipboard", title="Copied")

    def action_help(self) -> None:
        from kmsworkbench.tui.screens.modals import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_switch_backend(self, focus: str = "") -> None:
        from kmsworkbench.tui.screens.backend import BackendScreen

        if isinstance(self.screen, BackendScreen):
            return

        def chosen(backend: Backend | None) -> None:
            if backend is not None:
                self.switch_backend(backend)

        self.push_screen(
            BackendScreen(self.backend, focus=focus, sandbox_dir=self.last_sandbox_dir), chosen
        )

    def action_activity(self) -> None:
        from kmsworkbench.tui.screens.activity import ActivityScreen

        if not isinstance(self.screen, ActivityScreen):
            self.push_screen(ActivityScreen())

    def action_audit(self) -> None:
        """This app's calls as the sandbox's trail recorded them."""
        from kmsworkbench.tui.screens.access import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_library(self) -> None:
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

    def action_lessons(self) -> None:
        from kmsworkbench.tui.screens.lessons import LessonsScreen

        if not isinstance(self.screen, LessonsScreen):
            self.push_screen(LessonsScreen())

    # -- lessons: each runs on its own sandbox under the data folder ----------------------

    def lesson_catalogue(self) -> Catalogue:
        from kmsworkbench.lessons import load_catalogue

        return load_catalogue(self.lessons_dir)

    def _lessons_root(self) -> Path:
        return paths.data_dir() / "lessons"

    def lessons_export_dir(self) -> Path:
        return paths.data_dir() / "exports"

    def lesson_progress(self) -> dict[str, set[int]]:
        from kmsworkbench.lessons.progress import load_progress

        try:
            return load_progress(paths.data_dir())
        except ValueError as exc:
            self.notify(
                f"{exc}; starting from no progress", title="Lesson progress", severity="warning"
            )
            return {}

    def save_lesson_progress(self, lesson_id: str, done: set[int]) -> None:
        from kmsworkbench.lessons.progress import save_progress

        progress = self.lesson_progress()
        progress[lesson_id] = set(done)
        try:
            save_progress(paths.data_dir(), progress)
        except OSError as exc:
            self.notify(f"Progress not saved: {exc.strerror or exc}", severity="warning")

    def new_lesson_run(self, lesson: Lesson) -> LessonRun:
        from kmsworkbench.lessons import LessonRun
        from kmsworkbench.service import Journal

        folder = self._lessons_root() / lesson.id
        backend = Backend(kind="sandbox", data_dir=folder)
        return LessonRun(lesson, KmsSession(backend, Journal()), folder)

    def action_copy_aws_cli(self) -> None:
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

    def action_set_theme(self, name: str) -> None:
        self.theme = name

    async def action_quit(self) -> None:
        self._close_session(self.session)
        self.exit(0)


def _shorten_home(text: str) -> str:
    """Paths under the home folder as ~/..., as a shell shows them."""
    home = str(Path.home())
    if home and home != "/":
        text = text.replace(home + "/", "~/")
    return text


def _backend_option_given(args: argparse.Namespace) -> bool:
    import os

    names = ("data_dir", "endpoint_url", "aws", "profile", "region")
    return any(getattr(args, n, None) for n in names) or bool(
        os.environ.get("AWS_ENDPOINT_URL_KMS")
    )


def backend_from_settings(args: argparse.Namespace, settings: config.Settings) -> Backend:
    """``Backend.from_args(args)``; when no backend option was given, the remembered one."""
    if _backend_option_given(args):
        return Backend.from_args(args)
    saved = settings.backend
    remembered = argparse.Namespace(**vars(args))
    if saved.kind == "aws":
        remembered.aws = True
        remembered.profile = saved.profile
        remembered.region = saved.region
    elif saved.kind == "endpoint" and saved.endpoint_url:
        remembered.endpoint_url = saved.endpoint_url
        remembered.profile = saved.profile
        remembered.region = saved.region
    else:
        remembered.data_dir = saved.data_dir
        remembered.region = saved.region
    return Backend.from_args(remembered)


def run(args: argparse.Namespace) -> int:
    """Start the TUI (``kmsworkbench`` with no command). Returns the exit code."""
    settings = config.load()
    backend = backend_from_settings(args, settings)
    problem = backend.store_problem()
    if problem is not None:  # never start on a damaged sandbox store
        sys.stderr.write(f"kmsworkbench: {problem}\n")
        return 1
    lessons = getattr(args, "lessons", None)
    app = WorkbenchApp(
        backend=backend, settings=settings, lessons_dir=Path(lessons) if lessons else None
    )
    result = app.run()
    return int(result or 0)
