"""Long tokens (fingerprints, ARNs, key material ids) on narrow screens: broken only after a
separator (":" "/" "-"), so each line can be read back and the pieces join to the value; a
token with no separator where one is needed is broken at the width, as a last resort. A value
of several words ("sandbox · /a/long/folder · us-east-1") is wrapped at its spaces, and only
a word longer than the line is broken, the same way."""

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


def value_lines(value: str, width: int) -> list[str]:
    """``value`` in lines of at most ``width``: wrapped at its spaces, a word longer than the
    line broken after separators (``token_lines``)."""
    if width <= 0 or len(value) <= width:
        return [value]
    lines: list[str] = []
    current = ""
    for word in value.split(" "):
        if len(word) > width:
            if current:
                lines.append(current)
            *whole, current = token_lines(word, width)
            lines.extend(whole)
        elif not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def labelled_rows(rows: list[tuple[str, str]], width: int) -> Text:
    """``label: value`` rows; a value too long for the line goes below its label, wrapped at
    spaces and broken at separators. A row with an empty label is its value alone."""
    text = Text()
    for label, value in rows:
        if not label:
            for line in value_lines(value, width):
                text.append(f"{line}\n")
            continue
        if len(label) + 2 + len(value) <= width:
            text.append(f"{label}: ", style="bold")
            text.append(f"{value}\n")
            continue
        text.append(f"{label}:\n", style="bold")
        for line in value_lines(value, width):
            text.append(f"{line}\n")
    text.rstrip()
    return text


class TokenRows(Static):
    """``label: value`` rows laid out for the widget's own width, again on every resize,
    with an optional ``head`` above them (a title, a warning) and a ``tail`` below."""

    def __init__(
        self,
        rows: list[tuple[str, str]],
        *,
        tail: str = "",
        head: Text | str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.rows = rows
        self.tail = tail
        self.head = head

    def show(self, rows: list[tuple[str, str]], *, head: Text | str = "", tail: str = "") -> None:
        """New content, laid out now (and again on each resize)."""
        self.rows, self.head, self.tail = rows, head, tail
        if self.is_mounted:
            self._lay_out()

    def on_mount(self) -> None:
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width or self.app.size.width - 8
        text = Text()
        if self.head:
            text.append(self.head)
            if self.rows:
                text.append("\n")
        text.append(labelled_rows(self.rows, width))
        if self.tail:
            text.append("\n" + self.tail)
        self.update(text)
