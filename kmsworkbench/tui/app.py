"""The Textual app: the shell (header with the backend, footer, help, command palette, error
modal, themes), the session for the backend and switching it. Beside it: the app's own
actions (tui/actions.py), its part in listing keys (tui/app_listing.py), logging in again
(tui/login_again.py), what lessons ask of the app (tui/lessons_host.py) and the entry point ``run(args)`` that ``cli.py`` calls with no command
(tui/launch.py; importable from here too).

Rules kept here (DESIGN.md, "The TUI"): every KMS call runs in a thread worker and reports
back by message; a failed worker goes to :meth:`WorkbenchApp.show_error`, the one error
surface; boto3 is never imported on the way to the first frame (the session builds its
client lazily, inside the first worker).
"""

from __future__ import annotations

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
from kmsworkbench.tui import hangup
from kmsworkbench.tui.actions import AppActions
from kmsworkbench.tui.app_listing import KeyListingHost
from kmsworkbench.tui.commands import WorkbenchCommands
from kmsworkbench.tui.errors import describe_error
from kmsworkbench.tui.lessons_host import LessonsHost
from kmsworkbench.tui.login_again import LoginAgain
from kmsworkbench.tui.relogin import AwsFinder, LoginRunner, find_aws, login_offer, run_login
from kmsworkbench.tui.typeahead import TypeAheadApp

if TYPE_CHECKING:
    from kmsworkbench.pairs import PairLibrary
    from kmsworkbench.service.journal import JournalEntry
    from kmsworkbench.service.key_loading import KeyListing
    from kmsworkbench.tui.screens.keys import KeyChooserScreen

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


class WorkbenchApp(KeyListingHost, AppActions, LoginAgain, LessonsHost, TypeAheadApp):
    """kmsworkbench: choose a KMS key, generate a data key pair, keep it."""

    TITLE = "kmsworkbench"
    # What the first screen, the key list, needs; the other screens bring the rest
    # (screens/base.py's OTHER_SCREENS_CSS), parsed when the first of them is pushed.
    CSS_PATH: ClassVar[list[str | Path]] = [  # type: ignore[misc]
        "styles/app.tcss",
        "styles/keys.tcss",
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
        key_listing: KeyListing | None = None,
    ) -> None:
        """``key_listing``: the key list already being fetched, with the session it uses
        (tui/launch.py starts it before Textual is imported); the key screen takes it over."""
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
        # The first session is subscribed to once the app runs (on_load), with the calls it
        # made before: a key listing begun before the app existed has made some already.
        self._key_listing = key_listing
        self._listing_lock = threading.Lock()
        self.session = (
            key_listing.session if key_listing is not None else self.session_factory(backend)
        )
        self.account: str | None = None
        self.effective_region: str | None = backend.region
        self.generation = 0  # bumps on every backend switch; stale results are ignored
        self.activity: list[JournalEntry] = []
        self._activity_lock = threading.Lock()
        self.first_frame_seconds: float | None = None

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        return iter(())

    def on_load(self) -> None:
        journal = getattr(self.session, "journal", None)
        if journal is not None:
            journal.subscribe(self._journal_callback, replay=True)

    def get_default_screen(self) -> KeyChooserScreen:
        """The key list is the app's first screen, at the bottom of the stack (an empty
        screen under it was composed, laid out and drawn for nothing: about 30 ms of the
        start)."""
        from kmsworkbench.tui.screens.keys import KeyChooserScreen

        return KeyChooserScreen()

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._lookup_account(self.generation)
        terminal = None if self.is_headless else hangup.terminal_fd()
        if terminal is not None:
            self.set_interval(1.0, lambda: self._end_if_hung_up(terminal), name="hangup")

    def _end_if_hung_up(self, fd: int) -> None:
        """The terminal is gone (tui/hangup.py): end, as a SIGHUP would have ended the app."""
        if hangup.hung_up(fd):
            self.exit(return_code=129)  # 128 + SIGHUP, what a shell reports for it

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
        # Not imported for this (it brings DataTable, about 15 ms of the start): until the
        # module is loaded, no activity screen can be open.
        activity = sys.modules.get("kmsworkbench.tui.screens.activity")
        top = self.screen_stack[-1] if self.screen_stack else None
        if activity is not None and isinstance(top, activity.ActivityScreen):
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
        self._drop_key_listing()
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

        while len(self.screen_stack) > 1 and not isinstance(self.screen, KeyChooserScreen):
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
            # Known without a client when the start-up listing ran in a child process:
            # building one here would import botocore beside Textual's first frame.
            known = getattr(session, "known_region", None)  # (a test's session may lack it)
            region = (known() if known is not None else None) or session.client.meta.region_name
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

    def report_worker_state(self, event: Worker.StateChanged) -> None:
        """Screens forward their workers' state changes here (Worker.StateChanged does not
        bubble)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_state(event)

    # -- actions (the rest: tui/actions.py) -------------------------------------------------

    async def action_quit(self) -> None:
        self._drop_key_listing()
        self._close_session(self.session)
        self.exit(0)


def _shorten_home(text: str) -> str:
    """Paths under the home folder as ~/..., as a shell shows them."""
    home = str(Path.home())
    if home and home != "/":
        text = text.replace(home + "/", "~/")
    return text


# The entry point lives in tui/launch.py; these names stay importable from here.
from kmsworkbench.tui.launch import backend_from_settings, run  # noqa: E402

__all__ = [
    "AccountKnown",
    "BackendChanged",
    "JournalAppended",
    "WorkbenchApp",
    "backend_from_settings",
    "run",
]
