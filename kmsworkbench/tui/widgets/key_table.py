"""The key table: every key the filter matched, reachable by scrolling, however many.

A DataTable builds every row up front (about half a millisecond each), which at 10,000 keys
is seconds per keystroke; the view used to hold the best 300 matches. This table is a
ScrollView that renders only the lines on screen (the Line API: :meth:`render_line`), from
the list of matches it is given, so a new filter costs the filter itself and one screen of
lines. The header stays on the first line; the name column stays on the left while the
others scroll sideways (Left/Right move one column). Ineligible keys are dimmed, with a
short reason (the detail pane has the full one). The bare-letter keys (``y``, ``/``, ...)
are safe here: a table never takes typed text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kmsworkbench.service import KeyInfo
from kmsworkbench.tui.widgets.key_index import KeyIndex
from kmsworkbench.tui.widgets.key_table_cells import (
    COLUMN_KEYS,
    COLUMNS,
    GAP,
    cell,
    fit_columns,
    header_cells,
    row_cells,
    short_reason,
)

__all__ = ["COLUMNS", "KeyIndex", "KeyTable", "short_reason"]

_CACHE_LIMIT = 400  # rendered lines kept (a few screens' worth)


class KeyTable(ScrollView, can_focus=True):
    """The keys. Enter chooses the highlighted key for a new pair."""

    HELP_SCOPE = "key table"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-table--header",
        "key-table--cursor",
        "key-table--even-row",
        "key-table--fixed",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Choose", id="key-choose", tooltip="Generate a pair"),
        Binding("y", "screen.copy_key_id", "Copy ID", id="key-copy-id", show=False),
        Binding("Y", "screen.copy_key_arn", "Copy ARN", id="key-copy-arn", show=False),
        Binding("slash", "screen.focus_filter", "Filter", id="key-filter"),
        Binding(
            "i", "screen.toggle_ineligible", "Hide/show ineligible", id="key-toggle", show=False
        ),
        Binding("e", "screen.toggle_enabled", "Enable/disable", id="key-enable", show=False),
        Binding("p", "screen.key_access", "Access", id="key-access", show=False),
        Binding("x", "screen.schedule_deletion", "Schedule deletion", id="key-delete", show=False),
        Binding("u", "screen.cancel_deletion", "Cancel deletion", id="key-undelete", show=False),
        Binding("R", "screen.rotate_now", "Rotate now", id="key-rotate", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First key", show=False),
        Binding("end,ctrl+end", "last", "Last key", show=False),
        Binding("left", "column_left", "Column left", show=False),
        Binding("right", "column_right", "Column right", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on another key (None: no rows)."""

        def __init__(self, table: KeyTable, info: KeyInfo | None) -> None:
            super().__init__()
            self.table = table
            self.info = info

        @property
        def control(self) -> KeyTable:
            return self.table

    class Selected(Message):
        """Enter (or a click on the highlighted row) on a key."""

        def __init__(self, table: KeyTable, info: KeyInfo) -> None:
            super().__init__()
            self.table = table
            self.info = info

        @property
        def control(self) -> KeyTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: list[KeyInfo] = []
        self.cursor_row = 0
        self._rows: dict[str, int] | None = None  # key id -> row, built when first asked
        self._widths = fit_columns(80)
        # Rendered rows by (key id, cursor, even, focused), each with the KeyInfo it shows;
        # kept across filters (the rows a new filter shows are often the ones shown before).
        self._lines: dict[tuple[str, bool, bool, bool], tuple[KeyInfo, tuple[Strip, Strip]]] = {}
        self._header: tuple[Strip, Strip] | None = None

    # -- the rows ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.shown)

    @property
    def highlighted(self) -> KeyInfo | None:
        if 0 <= self.cursor_row < len(self.shown):
            return self.shown[self.cursor_row]
        return None

    def show(self, keys: list[KeyInfo], keep_key: str | None = None) -> None:
        """Show ``keys`` (in this order), keeping the cursor on ``keep_key`` when it is
        still among them (else on the first row). Nothing is rendered off screen."""
        self.shown = keys
        self._rows = None
        row = self.row_of(keep_key) if keep_key is not None else None
        self.cursor_row = row if row is not None else 0
        self._update_virtual_size()
        if row is None:
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self._scroll_to_cursor()
        self.refresh()

    def row_of(self, key_id: str | None) -> int | None:
        if key_id is None:
            return None
        if self._rows is None:
            self._rows = {info.key_id: i for i, info in enumerate(self.shown)}
        return self._rows.get(key_id)

    def move_to(self, key_id: str) -> bool:
        row = self.row_of(key_id)
        if row is None:
            return False
        self.move_cursor(row=row)
        return True

    def move_cursor(self, *, row: int) -> None:
        before = self.highlighted
        self.cursor_row = max(0, min(row, len(self.shown) - 1))
        self._scroll_to_cursor()
        self.refresh()
        if self.highlighted is not before:
            self.post_message(self.Highlighted(self, self.highlighted))

    def update_key(self, info: KeyInfo) -> None:
        """A key was described again: its row shows the new cells (if it is shown)."""
        row = self.row_of(info.key_id)
        if row is None:
            return
        self.shown[row] = info
        for key in [k for k in self._lines if k[0] == info.key_id]:
            del self._lines[key]
        top = int(self.scroll_y)
        if top <= row < top + self._page_rows():
            self.refresh()

    def get_cell(self, key_id: str, column: str) -> Text:
        """The whole text of one cell (not shortened to the column's width)."""
        row = self.row_of(key_id)
        if row is None or column not in COLUMN_KEYS:
            raise KeyError((key_id, column))
        return cell(self.shown[row], column)

    # -- geometry ------------------------------------------------------------------------

    def _page_rows(self) -> int:
        """Rows of keys on screen (the header takes a line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _update_virtual_size(self) -> None:
        width = sum(self._widths) + GAP * len(self._widths)
        self.virtual_size = Size(width, len(self.shown) + 1)

    def on_resize(self, event: events.Resize) -> None:
        widths = fit_columns(self.scrollable_content_region.width or event.size.width)
        if widths != self._widths:
            self._widths = widths
            self._forget_lines()
            self._update_virtual_size()
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        top, page = int(self.scroll_y), self._page_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=False, immediate=True)

    def _column_starts(self) -> list[int]:
        """Where each scrolling column starts, in the scrolling part's cells."""
        starts, x = [], 0
        for width in self._widths[1:]:
            starts.append(x)
            x += width + GAP
        return starts

    # -- keys ----------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._page_rows())

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._page_rows())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.shown) - 1)

    def action_column_right(self) -> None:
        x = int(self.scroll_x)
        later = [s for s in self._column_starts() if s > x]
        if later:
            self.scroll_to(x=min(later[0], self.max_scroll_x), animate=False)

    def action_column_left(self) -> None:
        x = int(self.scroll_x)
        earlier = [s for s in self._column_starts() if s < x]
        self.scroll_to(x=earlier[-1] if earlier else 0, animate=False)

    def action_select_cursor(self) -> None:
        info = self.highlighted
        if info is not None:
            self.post_message(self.Selected(self, info))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row >= len(self.shown):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)

    # -- rendering -----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_lines()  # a theme change or focus change restyles every line

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self._forget_lines()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self._forget_lines()

    def _forget_lines(self) -> None:
        self._lines.clear()
        self._header = None

    def _parts(
        self, cells: list[tuple[str, str]], style: Style, fixed: Style
    ) -> tuple[Strip, Strip]:
        """The fixed (name) part and the scrolling part of one line, uncropped: one segment
        per run of cells of one style (as rich would render them, without building a Text
        per cell), each cell padded to its width and followed by the gap."""
        strips: list[Strip] = []
        gap = " " * GAP
        for part, widths, part_style in (
            (cells[:1], self._widths[:1], fixed),
            (cells[1:], self._widths[1:], style),
        ):
            runs: list[tuple[str, str]] = []
            for text, cell_style in part:
                for piece, piece_style in ((text, cell_style), (gap, "")):
                    if runs and runs[-1][1] == piece_style:
                        runs[-1] = (runs[-1][0] + piece, piece_style)
                    else:
                        runs.append((piece, piece_style))
            segments = [
                Segment(text, part_style + _style(run_style) if run_style else part_style)
                for text, run_style in runs
            ]
            strips.append(Strip(segments, sum(widths) + GAP * len(widths)))
        return strips[0], strips[1]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        fixed_width = self._widths[0] + GAP
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("key-table--header")
            if self._header is None:
                self._header = self._parts(header_cells(self._widths), style, style)
            fixed, rest = self._header
        else:
            row = int(self.scroll_y) + y - 1
            if row >= len(self.shown):
                return Strip.blank(width, base)
            info = self.shown[row]
            cursor = row == self.cursor_row
            even = row % 2 == 1
            key = (info.key_id, cursor, even, self.has_focus)
            style = base
            if cursor:
                style = base + self.get_component_rich_style("key-table--cursor")
            elif even:
                style = base + self.get_component_rich_style("key-table--even-row")
            cached = self._lines.get(key)
            if cached is not None and cached[0] is info:
                fixed, rest = cached[1]
            else:
                fixed_style = (
                    style if cursor else style + self.get_component_rich_style("key-table--fixed")
                )
                if len(self._lines) > _CACHE_LIMIT:
                    self._lines.clear()
                fixed, rest = self._parts(row_cells(info, self._widths), style, fixed_style)
                self._lines[key] = (info, (fixed, rest))
        x = int(self.scroll_x)
        visible = max(0, width - fixed_width)
        line = Strip.join([fixed.crop(0, min(fixed_width, width)), rest.crop(x, x + visible)])
        return line.extend_cell_length(width, style)


@lru_cache(maxsize=64)
def _style(definition: str) -> Style:
    return Style.parse(definition)
