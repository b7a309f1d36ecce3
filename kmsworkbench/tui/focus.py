"""Moving the focus without losing the keys typed right after."""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Move the focus at once. ``Widget.focus()`` only queues the move behind the keys already
    waiting, so the keys a fast typist sent right after the key that opened a dialog (or
    after "/" or Tab) reached the widget that had focus before: lost, or typed into the
    wrong field."""
    widget.screen.set_focus(widget)
