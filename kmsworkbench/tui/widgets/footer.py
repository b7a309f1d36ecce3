"""The footer of every screen: Textual's Footer, compact (less space between keys) when the
terminal is narrower than :data:`COMPACT_BELOW` columns, so a screen's main keys fit in 80.

Which keys it shows is decided by the bindings (``show=True`` for the keys that matter on a
screen, ``show=False`` for the rest; every key is still in the F1 help and the palette)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

COMPACT_BELOW = 110  # the app's "-wide" breakpoint


class WorkbenchFooter(Footer):
    def on_mount(self) -> None:
        self.compact = self.app.size.width < COMPACT_BELOW

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
