"""What a widget shows while it waits for KMS (``widget.loading = True``): one line, a
spinner that turns eight times a second.

Textual's LoadingIndicator repaints the whole area it covers sixteen times a second, blending
a colour for every cell. Over an empty key table that was a full repaint of most of the
screen per frame, on the UI thread, while the worker whose answer it waited for needed the
same interpreter lock to parse that answer: behind 50 ms of latency the first ListKeys page
took ten times as long to come through. This one changes one line of text."""

from __future__ import annotations

from textual import events
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
INTERVAL = 1 / 8  # seconds per frame


class BusyNote(Static):
    """A spinner and a word, centred over the widget that is loading."""

    def __init__(self, text: str = "Waiting for KMS…") -> None:
        super().__init__(f"{FRAMES[0]} {text}", markup=False)
        self._text = text
        self._frame = 0

    def on_mount(self) -> None:
        self.set_interval(INTERVAL, self._turn)

    def on_input(self, event: events.InputEvent) -> None:
        # The widget underneath is not ready: keys and clicks stop here, as they do at
        # Textual's own indicator.
        event.stop()
        event.prevent_default()

    def _turn(self) -> None:
        self._frame = (self._frame + 1) % len(FRAMES)
        self.update(f"{FRAMES[self._frame]} {self._text}")
