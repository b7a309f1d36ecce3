"""The one-line header: the app's name, the screen's title and, always, which KMS it talks
to. When the line is too narrow for all of it, the app's name gives way first if that lets
the title stand whole; then the longest parts are shortened (a folder path from the middle,
a title at a word's end, a long name in it from the middle), never the Region or the
account; the tooltip and F2 (the backend screen) show everything."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

APP_WIDTH = 14  # #header-app in app.tcss
PADDING = 2  # the padding of the title and of the backend label, each
SEPARATOR = " · "
MIN_TITLE = 16
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")


def middle_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, shortened from the middle ("…")."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def title_cut(text: str, width: int) -> str:
    """A title in at most ``width`` characters: whole words and "…" ("Choose a…"), never
    half a word; a title holding a long name (a pair's, a key's) is cut in the middle of
    that name instead, so both of its ends stay readable."""
    if len(text) <= width:
        return text
    words = text.split(" ")
    if max(len(word) for word in words) > max(12, width // 2):
        return middle_cut(text, width)
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word])) + 1 > width:
            break
        kept.append(word)
    return " ".join(kept) + "…" if kept else middle_cut(text, width)


def fit_header(title: str, backend: str, room: int) -> tuple[str, str]:
    """(title, backend label) that fit ``room`` characters together, both labels padded.
    A long title gives way first (to MIN_TITLE), then the backend's longest part (a folder,
    an endpoint); the profile, the Region and the account are kept whole."""
    budget = room - 2 * PADDING
    if len(title) + len(backend) <= budget:
        return title, backend
    title = title_cut(title, max(MIN_TITLE, budget - len(backend)))
    if len(title) + len(backend) <= budget:
        return title, backend
    parts = backend.split(SEPARATOR)
    cuttable = [i for i, part in enumerate(parts) if not _kept(part) and len(part) > 8]
    if cuttable:
        longest = max(cuttable, key=lambda i: len(parts[i]))
        room_for_part = budget - len(title) - (len(backend) - len(parts[longest]))
        if room_for_part < 8 and len(parts) > 2:
            del parts[longest]  # too little room to be of use: the tooltip and F2 show it
        else:
            parts[longest] = middle_cut(parts[longest], max(3, room_for_part))
        backend = SEPARATOR.join(parts)
    if len(title) + len(backend) > budget:  # narrow: the title down to a few letters
        title = title_cut(title, max(8, budget - len(backend)))
    if len(title) + len(backend) > budget:  # very narrow: the backend as far as it goes
        backend = middle_cut(backend, max(1, budget - len(title)))
    return title, backend


def _kept(part: str) -> bool:
    """The Region, the account and the profile are never shortened."""
    return part.startswith(("account ", "profile ")) or _REGION.fullmatch(part) is not None


class BackendHeader(Horizontal):
    """Shows the backend label (sandbox and its folder; or profile, region, account,
    endpoint). F2 switches the backend."""

    def __init__(self, screen_title: str) -> None:
        super().__init__()
        self.screen_title = screen_title

    def compose(self) -> ComposeResult:
        yield Label("kmsworkbench", id="header-app")
        yield Label(self.screen_title, id="header-title", markup=False)
        yield Label("", id="header-backend", markup=False)

    def on_mount(self) -> None:
        self.refresh_label()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_label()

    def refresh_label(self) -> None:
        app = cast("WorkbenchApp", self.app)
        full = app.backend_label
        width = self.size.width or app.size.width
        title, backend = fit_header(self.screen_title, full, width - APP_WIDTH)
        whole = fit_header(self.screen_title, full, width)
        # The title says where the user is and the label which KMS: the app's name is the
        # first to give way, when that lets the title, or all of it, stand whole.
        everything = (self.screen_title, full)
        drop_name = (title, backend) != everything and (
            whole == everything or (title != self.screen_title and whole[0] == self.screen_title)
        )
        self.query_one("#header-app", Label).display = not drop_name
        if drop_name:
            title, backend = whole
        title_label = self.query_one("#header-title", Label)
        title_label.update(title)
        title_label.tooltip = self.screen_title if title != self.screen_title else None
        label = self.query_one("#header-backend", Label)
        label.update(backend)
        label.set_class(app.backend.kind == "aws", "-aws")
        label.tooltip = f"{full}\nF2 switches the backend"
