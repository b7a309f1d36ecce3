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

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

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
from kmsworkbench.tui.widgets.key_table_lines import Frame, line_parts, shown_line

__all__ = ["COLUMNS", "KeyIndex", "KeyTable", "short_reason"]

_CACHE_LIMIT = 400  # rendered lines kept (a few screens' worth)
_Line = tuple[KeyInfo, tuple[Strip, Strip], tuple[int, int], Strip]


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
        # Rendered rows by (key id, cursor, even, focused): the KeyInfo shown, its two
        # parts, and the line last shown from them with its (scroll x, width). Kept across
        # filters: the rows a new filter shows are often the ones shown before.
        self._lines: dict[tuple[str, bool, bool, bool], _Line] = {}
        self._header: tuple[Strip, Strip] | None = None
        self._frame: Frame | None = None

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
        row = self._find_row(keep_key) if keep_key is not None else None
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

    def _find_row(self, key_id: str) -> int | None:
        """The row of one key, by a scan that stops there (the kept key is mostly near the
        top); a 10,000-entry dict per keystroke cost more than the filter."""
        return next((i for i, info in enumerate(self.shown) if info.key_id == key_id), None)

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
        size = Size(width, len(self.shown) + 1)
        if size == self.virtual_size:
            return
        if not self.container_size:
            self.virtual_size = size  # not laid out yet
            return
        # A new number of rows leaves the table's region as it is: setting virtual_size
        # would lay out the whole screen on every keystroke. The scrollbars take the new
        # size here (as Textual does after a layout); a scrollbar that appears or goes
        # away still asks for a layout itself (show_*_scrollbar are layout reactives).
        self.set_reactive(Widget.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

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

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of one frame shares, worked out once per frame rather than per
        # line (rich_style alone walks the ancestors' backgrounds).
        self._frame = self._frame_styles()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_styles(self) -> Frame:
        base = self.rich_style
        component = self.get_component_rich_style
        return Frame(
            width=self.scrollable_content_region.width,
            top=int(self.scroll_y),
            x=int(self.scroll_x),
            focus=self.has_focus,
            base=base,
            header=base + component("key-table--header"),
            cursor=base + component("key-table--cursor"),
            even=base + component("key-table--even-row"),
            fixed=component("key-table--fixed"),
        )

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._frame_styles()
        width, x = frame.width, frame.x
        if y == 0:
            style = frame.header
            if self._header is None:
                self._header = line_parts(header_cells(self._widths), self._widths, style, style)
            return shown_line(self._header, self._widths, x, width, style)
        row = frame.top + y - 1
        if row >= len(self.shown):
            return Strip.blank(width, frame.base)
        info = self.shown[row]
        cursor = row == self.cursor_row
        even = row % 2 == 1
        style = frame.cursor if cursor else frame.even if even else frame.base
        key = (info.key_id, cursor, even, frame.focus)
        cached = self._lines.get(key)
        if cached is not None and cached[0] is info:
            if cached[2] == (x, width):
                return cached[3]
            parts = cached[1]
        else:
            if len(self._lines) > _CACHE_LIMIT:
                self._lines.clear()
            fixed_style = style if cursor else style + frame.fixed
            parts = line_parts(row_cells(info, self._widths), self._widths, style, fixed_style)
        line = shown_line(parts, self._widths, x, width, style)
        self._lines[key] = (info, parts, (x, width), line)
        return line
