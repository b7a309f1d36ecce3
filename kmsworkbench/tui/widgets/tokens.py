"""Long tokens (fingerprints, ARNs, key material ids) on narrow screens: broken only after a
separator (":" "/" "-"), so each line can be read back and the pieces join to the value; a
token with no separator where one is needed is broken at the width, as a last resort."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

SEPARATORS = ":/-,"


def token_lines(token: str, width: int) -> list[str]:
    """``token`` in lines of at most ``width``, each ending right after a separator."""
    if width <= 0 or len(token) <= width:
        return [token]
    lines: list[str] = []
    rest = token
    while len(rest) > width:
        cut = max((rest.rfind(sep, 0, width) for sep in SEPARATORS), default=-1)
        cut = cut + 1 if cut > 0 else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


def labelled_rows(rows: list[tuple[str, str]], width: int) -> Text:
    """``label: value`` rows; a value too long for the line goes below its label, broken
    at separators."""
    text = Text()
    for label, value in rows:
        if len(label) + 2 + len(value) <= width or " " in value:
            text.append(f"{label}: ", style="bold")
            text.append(f"{value}\n")
            continue
        text.append(f"{label}:\n", style="bold")
        for line in token_lines(value, width):
            text.append(f"{line}\n")
    text.rstrip()
    return text


class TokenRows(Static):
    """``label: value`` rows laid out for the widget's own width, again on every resize."""

    def __init__(
        self, rows: list[tuple[str, str]], *, tail: str = "", id: str | None = None
    ) -> None:
        super().__init__(id=id, markup=False)
        self.rows = rows
        self.tail = tail

    def on_mount(self) -> None:
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width or self.app.size.width - 8
        text = labelled_rows(self.rows, width)
        if self.tail:
            text.append("\n" + self.tail)
        self.update(text)
