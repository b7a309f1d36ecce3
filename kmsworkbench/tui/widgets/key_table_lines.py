"""The key table's lines as segments: each row's two parts (the fixed name column, and the
columns that scroll sideways) built once from its padded cells, then cropped to what is on
screen. Building segments straight from the cells, instead of a rich Text per cell rendered
through the console, is what keeps a frame of the table cheap at every keystroke."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kmsworkbench.tui.widgets.key_table_cells import GAP


@dataclass(frozen=True, slots=True)
class Frame:
    """The geometry and styles every line of one frame shares."""

    width: int
    top: int
    x: int
    focus: bool
    base: Style
    header: Style
    cursor: Style
    even: Style
    fixed: Style


def line_parts(
    cells: list[tuple[str, str]], widths: list[int], style: Style, fixed: Style
) -> tuple[Strip, Strip]:
    """The fixed (name) part and the scrolling part of one line, uncropped: one segment per
    run of cells of one style (as rich would render them), each cell (already padded to its
    width) followed by the gap."""
    strips: list[Strip] = []
    gap = " " * GAP
    for part, part_widths, part_style in (
        (cells[:1], widths[:1], fixed),
        (cells[1:], widths[1:], style),
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
        strips.append(Strip(segments, sum(part_widths) + GAP * len(part_widths)))
    return strips[0], strips[1]


def shown_line(
    parts: tuple[Strip, Strip], widths: list[int], x: int, width: int, style: Style
) -> Strip:
    """One line as shown ``width`` cells wide: the fixed part, then the scrolling part from
    ``x``."""
    fixed, rest = parts
    fixed_width = widths[0] + GAP
    visible = max(0, width - fixed_width)
    line = Strip.join([fixed.crop(0, min(fixed_width, width)), rest.crop(x, x + visible)])
    return line.extend_cell_length(width, style)


@lru_cache(maxsize=64)
def _style(definition: str) -> Style:
    return Style.parse(definition)
