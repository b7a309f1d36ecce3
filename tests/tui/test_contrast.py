"""Contrast: every text the app draws reads in the built-in themes at WCAG AA (4.5:1 for
text, 3:1 for the box of a checkbox, a non-text control). The screens are reached by keys
(keys, generate, result, workbench with its private key, library, export dialog, help), then
each widget's drawn colours (its theme colours after the .tcss rules and alpha blending, as
Textual paints them) are measured in each theme. A failure names the widget, its rule's
selector and both colours."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.color import Color
from textual.widget import Widget
from textual.widgets import Checkbox, Input

from kmsworkbench.tui.app import WorkbenchApp

from .conftest import settle
from .test_flow import open_generate_for_demo

AppFactory = Callable[..., WorkbenchApp]
THEMES = ("textual-dark", "textual-light")
TEXT_AA = 4.5
CONTROL_AA = 3.0
pytestmark = pytest.mark.slow


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: Color, b: Color) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def texts(widget: Widget) -> bool:
    """Widgets that draw text of their own (leaves, and controls whose text is theirs)."""
    if not widget.display or not widget.visible or widget.disabled:
        return False
    if widget.region.area == 0:
        return False
    return not widget.children or isinstance(widget, Input | Checkbox)


def name(widget: Widget) -> str:
    parts = [type(widget).__name__]
    if widget.id:
        parts.append(f"#{widget.id}")
    parts += [f".{c}" for c in sorted(widget.classes) if not c.startswith("-textual")]
    return "".join(parts)


def problems(app: WorkbenchApp) -> Iterator[str]:
    for widget in app.screen.walk_children(Widget, with_self=False):
        if not texts(widget):
            continue
        style = widget.visual_style
        fg, bg = style.foreground, style.background
        if fg is None or bg is None:
            continue
        fg = bg + fg  # blend an alpha foreground over what it is drawn on
        ratio = contrast(fg, bg)
        if ratio < TEXT_AA:
            yield f"{name(widget)}: {fg.hex} on {bg.hex} is {ratio:.2f}:1 (< {TEXT_AA})"
        if isinstance(widget, Input) and not widget.value and widget.placeholder:
            placeholder = widget.get_component_rich_style("input--placeholder")
            if placeholder.color is not None:
                pfg = bg + Color.from_rich_color(placeholder.color)
                ratio = contrast(pfg, bg)
                if ratio < TEXT_AA:
                    yield f"{name(widget)} placeholder: {pfg.hex} on {bg.hex} is {ratio:.2f}:1"
        if isinstance(widget, Checkbox):
            box = widget.get_component_rich_style("toggle--button")
            if box.bgcolor is not None:
                box_bg = Color.from_rich_color(box.bgcolor)
                ratio = contrast(box_bg, bg)
                if ratio < CONTROL_AA:
                    yield (
                        f"{name(widget)} box: {box_bg.hex} on {bg.hex} is {ratio:.2f}:1 "
                        f"(< {CONTROL_AA} for a control)"
                    )


async def check(app: WorkbenchApp, pilot: object, where: str, found: list[str]) -> None:
    for theme in THEMES:
        app.theme = theme
        await pilot.pause()  # type: ignore[attr-defined]
        found += [f"{theme} · {where} · {p}" for p in problems(app)]


async def test_every_text_reads_in_both_themes(make_app: AppFactory, sandbox_dir: Path) -> None:
    found: list[str] = []
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await check(app, pilot, "keys", found)
        await open_generate_for_demo(app, pilot)
        await check(app, pilot, "generate", found)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        await check(app, pilot, "result", found)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await check(app, pilot, "export dialog", found)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        await check(app, pilot, "workbench", found)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await check(app, pilot, "decrypt confirmation", found)
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        await check(app, pilot, "workbench, key held", found)
        await pilot.press("f7")
        await pilot.pause()
        await check(app, pilot, "library", found)
        await pilot.press("f1")
        await pilot.pause()
        await check(app, pilot, "help", found)
    assert not found, "\n".join(found)
