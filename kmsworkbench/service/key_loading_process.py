"""The start-up key listing in a process of its own, so that it runs on another core.

The TUI's entry point begins listing the keys before it imports Textual (tui/launch.py). On a
thread, botocore's import, the client and the answers' parsing took turns with Textual's
import and first frame under one interpreter lock, while the machine's second core idled. Here
a child process (service/key_listing_child.py: a fork, or ``python -m
kmsworkbench.service.key_listing_child``) runs :func:`~kmsworkbench.service.key_loading.load_keys`
and streams what it learns back over its stdout, one JSON object a line
(service/key_listing_wire.py); :class:`ProcessKeyListing` in the app's process turns the lines
back into what a thread's :class:`~kmsworkbench.service.key_loading.KeyListing` would have
given, so the key screen takes it over the same way.

- The child is a fork on Linux while this process runs one thread (it has the interpreter,
  the standard library and kmsworkbench.service already), else a fresh interpreter
  (service/child_process.py). Either way it opens the sandbox store itself (a shared lock, as
  any other process of the sandbox takes); this process has no connection open then.
- The environment (credentials, AWS_* settings) is the parent's; the backend is the first
  line of the child's stdin. The child ends when its stdin closes: the parent quit or
  cancelled, or, with ``hand_over``, the listing is done and the session has built a client
  of its own (then the child's memory, a second interpreter with botocore, is given back;
  the calls it was making finish first).
- Every call the child makes comes back as a journal entry, in the order it made them, and is
  recorded in the parent session's journal (the activity log), with the session's caches
  (descriptions, aliases, account) filled as a listing of its own would have.
- Failures come back as data: a KmsError's fields, raised again in the parent, so the key
  screen shows throttling, missing credentials or an expired token exactly as before.
- No secret crosses the pipe: the child makes only ListKeys, ListAliases, DescribeKey and
  the read-only calls of :data:`REMOTE_OPERATIONS`, whose answers carry none (it refuses any
  other), and journal entries are redacted (service/journal.py) before they are sent.
- Describe answers are handed on only once the key screen follows and its first rows are
  drawn (the ``hold`` of :meth:`KeyListing.follow`). Until then up to :data:`READ_AHEAD` of
  them are kept here while the rest of what the child says (the aliases, later pages, the
  answers to the session's calls) is handed on at once; past that the pipe fills and the
  child waits, as the thread's describes did.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from kmsworkbench.service.child_process import start_child
from kmsworkbench.service.journal import JournalEntry
from kmsworkbench.service.key_listing_child import child_main
from kmsworkbench.service.key_listing_wire import (
    REMOTE_OPERATIONS,
    dumps,
    kms_error,
    loads,
    start_line,
)
from kmsworkbench.service.key_loading import KeyListing
from kmsworkbench.service.models import KeyInfo
from kmsworkbench.service.session import KmsSession
from kmsworkbench.service.session_listing import account_of

# How long after the listing is done the app's session builds a client of its own and lets
# the child go: not at once, so the import of botocore here does not take turns with the
# drawing of the last descriptions.
HAND_OVER_AFTER = 1.0

# How many descriptions are kept, read but not handed on, until the first rows are drawn.
# Reading on past the first lets the aliases (ListAliases answers a moment after ListKeys,
# while the child already describes) and the detail pane's answers arrive before the rows
# are drawn, not after: one sort and one draw, not two. Past this many the reader waits, so
# 10,000 descriptions are not parsed while Textual starts.
READ_AHEAD = 64


class StoreProblem(Exception):
    """The sandbox store is damaged: the TUI does not start (the message says what to do)."""


# ----------------------------------------------------------------------------- the parent


class ChildGone(Exception):
    """The key listing process is not there (any more) to make a call: make it here."""


class ProcessKeyListing(KeyListing):
    """A :class:`KeyListing` whose :func:`load_keys` runs in a child process; ``follow``,
    ``cancel`` and ``session`` as there. :meth:`start` raises OSError if the child cannot
    be started (the caller then lists on a thread).

    Once started, it is also the session's ``remote``: until the session builds a client of
    its own, its read-only calls (:data:`REMOTE_OPERATIONS`) are made by the child, so the
    first screen never waits for botocore's import in this process. With ``hand_over`` (in
    seconds), that long after the listing is done the session builds its client (off this
    reader's thread) and the child ends once the calls it is making are answered."""

    def __init__(
        self, session: KmsSession, *, check_store: bool = False, hand_over: float | None = None
    ) -> None:
        super().__init__(session)
        self._check_store = check_store
        self._hand_over = hand_over
        self._store_said = threading.Event()
        self._store_verdict: tuple[str | None] | None = None  # (problem,) once the child said
        self._process: Any = None  # subprocess.Popen or child_process.ForkedChild
        self._keys: dict[str, KeyInfo] = {}
        # Until the first rows are drawn: the descriptions read, and what must come after
        # them (the end of the listing, its error), in order, to be handed on then.
        self._kept: list[Callable[[], None]] = []
        self._kept_descriptions = 0
        self._kept_lock = threading.Lock()
        # Set once the rows are drawn (under _kept_lock): everything is handed on as it comes.
        self._released = threading.Event()
        self._thread = threading.Thread(target=self._read, name="kms-key-listing", daemon=True)
        self._send_lock = threading.Lock()
        self._replies: dict[int, Future[dict[str, Any]]] = {}
        self._answered = threading.Condition(self._send_lock)  # a reply came in
        self._next_id = 0
        self._gone = False

    def start(self) -> ProcessKeyListing:
        self.session._first_page = threading.Event()
        self._process = start_child("kmsworkbench.service.key_listing_child", child_main)
        self._send(start_line(self.session.backend, self._check_store))
        self.session._remote = self
        self._thread.start()
        return self

    def _send(self, line: str) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise ChildGone
        with self._send_lock:
            if self._gone:
                raise ChildGone
            try:
                process.stdin.write(line + "\n")
                process.stdin.flush()
            except (OSError, ValueError) as exc:
                raise ChildGone from exc

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """``operation`` made by the child (journaled there, recorded here); raises
        KmsError as the session's ``call`` does, ChildGone if the child cannot make it."""
        if operation not in REMOTE_OPERATIONS:
            raise ChildGone
        reply: Future[dict[str, Any]] = Future()
        with self._send_lock:
            self._next_id += 1
            number = self._next_id
            self._replies[number] = reply
        self._send(dumps({"id": number, "op": operation, "params": params}))
        return reply.result()

    def store_problem(self) -> str | None:
        """The child's verdict on the sandbox store (started with ``check_store``): None when
        it is sound, else the message. Waits for it (the child checks first, while Textual is
        imported here); checks here if the child ended without saying."""
        if not self._check_store:
            return None
        self._store_said.wait()
        if self._store_verdict is not None:
            return self._store_verdict[0]
        return self.session.backend.store_problem()

    def close(self) -> None:
        """End the child (the session closes, or the app quits)."""
        self.cancel()

    # -- handing the session's calls over to a client of its own

    def _start_hand_over(self) -> None:
        if self._hand_over is None or self._cancelled:
            return
        timer = threading.Timer(self._hand_over, self._hand_over_now)
        timer.name, timer.daemon = "kms-client-hand-over", True
        timer.start()

    def _hand_over_now(self) -> None:
        """Build the session's client; once it is there no new call comes to the child, so
        wait for the answers to those it is making, then close its stdin: its cue to end."""
        if self._cancelled or not self.session.prepare_client(while_remote=self):
            return  # the child goes on answering (or is gone already)
        process = self._process
        with self._answered:
            self._answered.wait_for(lambda: not self._replies, timeout=30)
            self._gone = True
            if process is not None and process.stdin is not None:
                try:
                    process.stdin.close()
                except OSError:
                    pass

    def cancel(self) -> None:
        super().cancel()
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    # -- reading the child

    def _read(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        done = False
        try:
            for line in process.stdout:
                message = loads(line)
                if message["k"] == "done":
                    done = True
                    self._in_order(self._listing_finished)
                elif message["k"] == "reply":
                    self._reply(message)
                elif message["k"] == "journal" or not (done or self._cancelled):
                    self._apply(message)  # the remote calls' entries come after "done"
        except (ValueError, KeyError, TypeError) as exc:
            if not done:
                self._error = RuntimeError(
                    f"the key listing process sent something unreadable: {exc}"
                )
        finally:
            self._stop(process, done)

    def _reply(self, message: dict[str, Any]) -> None:
        with self._send_lock:
            reply = self._replies.pop(int(message["id"]), None)
            self._answered.notify_all()
        if reply is None:
            return
        if "error" in message:
            reply.set_exception(kms_error(message["error"]))
        elif "failure" in message:
            reply.set_exception(RuntimeError(message["failure"]))
        else:
            reply.set_result(message["response"])

    def _stop(self, process: Any, done: bool) -> None:
        with self._send_lock:
            self._gone = True
            replies, self._replies = list(self._replies.values()), {}
            if self.session._remote is self:
                self.session._remote = None
            if process.stdin is not None:
                try:
                    process.stdin.close()  # the child's cue to end, if it has not
                except OSError:
                    pass
        for reply in replies:
            reply.set_exception(ChildGone())
        self._store_said.set()  # whatever it said, it will say nothing more
        status = process.wait()
        if not done and self._error is None and not self._cancelled:
            self._error = RuntimeError(
                f"the key listing process ended before it finished (exit status {status}); "
                "press F5 to list the keys again"
            )
        if not done:
            self._finish(done)

    def _finish(self, done: bool) -> None:
        first_page = self.session._first_page
        if first_page is not None:
            first_page.set()
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def _info(self, data: dict[str, Any]) -> KeyInfo:
        info = self._keys.get(data["key_id"])
        if info is None:
            info = self._keys[data["key_id"]] = KeyInfo(**data)
        return info

    def _apply(self, message: dict[str, Any]) -> None:
        kind = message["k"]
        session = self.session
        if kind == "journal":
            if message.get("sandbox"):
                session._sandbox_server = True
            session.journal.record(JournalEntry(**message["e"]))
        elif kind == "batch":
            batch = [self._info(data) for data in message["keys"]]
            if session._known_region is None:
                session._known_region = message.get("region")
            if session._listed_account is None and batch:
                session._listed_account = account_of(batch[0].arn)
            if session._first_page is not None:
                session._first_page.set()
            self._put("batch", batch)
        elif kind == "aliases":
            changed = []
            for key_id, names in message["keys"]:
                info = self._keys.get(key_id)
                if info is not None:
                    info.aliases = list(names)
                    changed.append(info)
            self._put("aliases", changed)
        elif kind == "described":
            self._in_order(lambda: self._hand_on_description(message), description=True)
        elif kind == "alias_map":
            with session._cache_lock:
                session._aliases = {k: list(v) for k, v in message["map"].items()}
        elif kind == "listed":
            self._in_order(lambda: self._put("listed"))
        elif kind == "store":
            self._store_verdict = (message["problem"],)
            self._store_said.set()
        elif kind == "error":
            self._in_order(lambda: self._failed(kms_error(message["error"])))
        elif kind == "failure":
            failure = RuntimeError(f"listing the keys failed: {message['text']}")
            self._in_order(lambda: self._failed(failure))

    def _failed(self, error: BaseException) -> None:
        self._error = error

    def _listing_finished(self) -> None:
        self._finish(True)
        self._start_hand_over()

    def _hand_on_description(self, message: dict[str, Any]) -> None:
        session = self.session
        data = message["key"]
        info = self._info(data)
        info.metadata, info.error = data["metadata"], data["error"]
        if data["aliases"]:
            info.aliases = list(data["aliases"])
        if info.metadata is not None:
            with session._cache_lock:
                session._described[info.key_id] = info
                session._described[info.arn] = info
        self._put("described", info)

    def _in_order(self, action: Callable[[], None], *, description: bool = False) -> None:
        """``action`` now, or, while descriptions wait for the first rows to be drawn, after
        them. A description waits for the key screen to follow and draw its first rows (as
        the thread's describes wait before they start): the first one kept starts a thread
        that waits for that, then hands on what was kept. Replies, journal entries, aliases
        and later pages are not held behind them. With :data:`READ_AHEAD` descriptions kept,
        this thread stops reading until then, so the pipe fills and the child's describes
        wait too: early answers neither take this process's CPU nor flood the screen with
        messages before the first rows are drawn."""
        with self._kept_lock:
            if self._released.is_set() or not (description or self._kept):
                full = None
            else:
                self._kept.append(action)
                if description:
                    self._kept_descriptions += 1
                    if self._kept_descriptions == 1:
                        threading.Thread(
                            target=self._release_when_shown, name="kms-rows-shown", daemon=True
                        ).start()
                full = self._kept_descriptions >= READ_AHEAD
        if full is None:
            action()
        elif full:
            self._released.wait()

    def _release_when_shown(self) -> None:
        try:
            self._wait_for_follower()
        finally:
            with self._kept_lock:
                kept, self._kept = self._kept, []
                try:
                    for action in kept:
                        action()
                finally:
                    self._released.set()


def start_key_listing(
    session: KmsSession, *, check_store: bool = False, hand_over: float | None = None
) -> KeyListing:
    """The start-up listing for ``session``: in a child process where one can run, else on
    a thread (``--debug``, whose botocore log goes to this process's stderr, stays here).
    ``hand_over``: see :class:`ProcessKeyListing` (the TUI's is :data:`HAND_OVER_AFTER`).

    With ``check_store``, a damaged sandbox store is found before anything opens it: by the
    child, first (``store_problem()`` on the result waits for its verdict), or here before the
    thread starts (raising StoreProblem)."""
    if not session.backend.debug and session.backend.kind in ("sandbox", "endpoint"):
        try:
            return ProcessKeyListing(session, check_store=check_store, hand_over=hand_over).start()
        except OSError:
            pass
    if check_store:
        problem = session.backend.store_problem()
        if problem is not None:
            raise StoreProblem(problem)
    return KeyListing(session).start()
