"""Type-ahead: every key is handled by the screen and widget it was typed for, in order.

Textual forwards each key to the widget focused when the app takes the key from the terminal,
but a binding runs only once the key has bubbled back up to the app, a few messages later.
Keys that arrive together (a fast typist, tmux, a paste typed through) were therefore all
forwarded before the first one's binding ran: after "/" the letters went to the key table
instead of the filter the binding focuses (lost, or run as the table's j/k/e/x bindings),
and after Ctrl+N or a Tab they went to the field that had the focus a moment before. That was
issue 9's "lost keystrokes".

So the app forwards one key at a time: the next waits until the previous has been handled (a
probe message sent behind it has bubbled back to the app) and until the top screen is ready
(it has resumed: composed, mounted, focus set). A key never waits longer than HOLD_LIMIT, so a
lost probe costs a moment, never a key. Priority keys (Ctrl+Q) are never held.
"""

from __future__ import annotations

from collections import deque
from functools import partial

from textual import events
from textual.app import App
from textual.message import Message
from textual.screen import Screen

HOLD_LIMIT = 0.25  # seconds a key waits for the previous one's probe
READY_LIMIT = 3.0  # seconds keys wait for a screen that never says it is ready


class KeyProbe(Message):
    """Sent to a key's target right behind the key; back at the app, the key is handled."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


class KeysReady(Message):
    """The top screen can take keys now."""


def mark_ready(screen: Screen[object]) -> None:
    """The package's screens call this when they resume (screens/base.py)."""
    screen.keys_ready = True  # type: ignore[attr-defined]
    screen.app.post_message(KeysReady())


def screen_ready(screen: Screen[object]) -> bool:
    """The package's screens say when they are ready; Textual's own (the command palette) are
    taken as ready; the empty default screen before the first real one is not."""
    if screen.id == "_default":
        return False
    return bool(getattr(screen, "keys_ready", True))


class TypeAheadApp(App[int]):
    """An App that hands keys on one at a time, each to the screen it was typed for."""

    def __init__(self) -> None:
        super().__init__()
        self._held: deque[events.Key] = deque()
        self._in_flight: int | None = None
        self._serial = 0

    @property
    def keys_pending(self) -> bool:
        """Keys typed that have not been handed on (or handled) yet."""
        return bool(self._held) or self._in_flight is not None

    def _is_priority(self, key: str) -> bool:
        return any(b.priority for b in self._bindings.key_to_bindings.get(key, []))

    def _top_ready(self) -> bool:
        return bool(self.screen_stack) and screen_ready(self.screen)

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and not self._is_priority(event.key)
        ):
            if self._in_flight is not None or self._held or not self._top_ready():
                self._held.append(event)
                return
            await self._forward(event)
            return
        await super().on_event(event)

    async def _forward(self, event: events.Key) -> None:
        target = self.focused or self.screen
        await super().on_event(event)
        self._serial += 1
        serial = self._serial
        self._in_flight = serial
        target.post_message(KeyProbe(serial))
        self.set_timer(HOLD_LIMIT, partial(self._give_up_waiting, serial))

    async def _release(self, *, force: bool = False) -> None:
        while self._held and self._in_flight is None and (force or self._top_ready()):
            await self._forward(self._held.popleft())

    async def on_key_probe(self, message: KeyProbe) -> None:
        message.stop()
        if message.serial == self._in_flight:
            self._in_flight = None
            await self._release()

    async def on_keys_ready(self) -> None:
        await self._release()

    async def _give_up_waiting(self, serial: int) -> None:
        """HOLD_LIMIT after a key: if its probe has not come back (its widget went away), the
        next key goes on. Keys held for a screen that is not ready wait for it (KeysReady),
        for READY_LIMIT at most."""
        if self._in_flight == serial:
            self._in_flight = None
        await self._release()
        if self._held and self._in_flight is None:
            self.set_timer(READY_LIMIT, self._release_anyway)

    async def _release_anyway(self) -> None:
        await self._release(force=True)
