"""Narrow and wide terminals: long tokens break only after a separator (each line reads back,
the lines join to the value), and the header keeps the Region and the account while a long
title or folder is shortened from the middle, at 80 and 120 columns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Label

from kmsworkbench import keypairs
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.widgets.header import fit_header, title_cut
from kmsworkbench.tui.widgets.tokens import token_lines

from .conftest import settle
from .test_library import make_pair, open_workbench, text_of

AppFactory = Callable[..., WorkbenchApp]
ARN = "arn:aws:kms:us-east-1:111122223333:key/00000001-1111-4222-8333-000000000001"


@pytest.mark.parametrize("width", [20, 47, 60, 74])
def test_tokens_break_after_separators(width: int) -> None:
    fingerprint = ":".join(["AB"] * 32)
    for token in (ARN, fingerprint):
        lines = token_lines(token, width)
        assert "".join(lines) == token
        assert all(len(line) <= width for line in lines)
        assert all(line[-1] in ":/-," for line in lines[:-1])


def test_header_keeps_region_and_account() -> None:
    backend = "sandbox · ~/.local/share/kmsworkbench · us-east-1 · account 111122223333"
    for room in (66, 106):
        title, shown = fit_header("Pair a-very-long-pair-name-that-goes-on-and-on", backend, room)
        assert len(title) + len(shown) + 4 <= room
        assert shown.endswith("us-east-1 · account 111122223333")
        assert "…" in title
    aws = "aws · profile prod · eu-west-1 · account 111122223333"
    assert fit_header("Generate a data key pair", aws, 66)[1] == aws


def test_title_cut_keeps_whole_words_or_both_ends_of_a_name() -> None:
    assert title_cut("Choose a key", 12) == "Choose a key"
    assert title_cut("Choose a key", 10) == "Choose a…"
    assert title_cut("Generate a data key pair", 16) == "Generate a data…"
    # one long name: cut in its middle, so its start and its end both show
    cut = title_cut("Pair a-very-long-pair-name-2026", 16)
    assert cut.startswith("Pair a-") and cut.endswith("-2026") and len(cut) == 16


@pytest.mark.parametrize(("width", "name_shown"), [(80, False), (120, True)])
async def test_header_gives_the_app_name_up_for_a_whole_title(
    make_app: AppFactory,
    sandbox_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
    name_shown: bool,
) -> None:
    # A short folder under the home folder (as ~/kmswb is for a new user): nothing but the
    # title can give way at 80 columns, and it would be cut to "Choos… key".
    monkeypatch.setenv("HOME", str(sandbox_dir.parent))
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(app, pilot)  # the Region and the account are in the header
        header_app = app.screen.query_one("#header-app", Label)
        assert header_app.display is name_shown
        assert str(app.screen.query_one("#header-title", Label).render()) == "Choose a key"
        backend = str(app.screen.query_one("#header-backend", Label).render())
        assert backend == app.backend_label  # the folder too, whole
        assert "~/sandbox" in backend and "us-east-1 · account " in backend


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_workbench_at_80_and_120_columns(
    make_app: AppFactory, sandbox_dir: Path, size: tuple[int, int]
) -> None:
    name = "a-pair-with-a-rather-long-name-for-the-title-2026"
    record = make_pair(sandbox_dir, "ECC_NIST_P256", name)
    fingerprint = keypairs.load_public_key(record.public_key).fingerprint_hex
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_workbench(app, pilot, name)
        await pilot.pause()
        shown = text_of(app, "#wb-pair")
        lines = shown.splitlines()
        # Every line of the pair section fits, and the tokens are whole once joined.
        width = screen.query_one("#wb-pair").content_size.width
        assert all(len(line) <= width for line in lines)
        joined = "".join(line.strip() for line in lines)
        assert fingerprint in joined and record.key_arn in joined
        for line in lines:  # no line ends inside a byte of the fingerprint
            if "SHA-256" not in line and line[:2] in {fingerprint[:2]}:
                assert line.endswith(":") or line == lines[-1] or fingerprint.endswith(line)
        header = str(screen.query_one("#header-backend", Label).render())
        assert "account" in header and "us-east-1" in header
        title = str(screen.query_one("#header-title", Label).render())
        assert title.startswith("Pair a-") and title.endswith("-2026")


def shown_lines(widget: Widget) -> list[str]:
    """The lines the widget draws (after Textual's own wrapping), without the padding."""
    strips = widget.render_lines(Region(0, 0, *widget.size))
    return [strip.text.strip() for strip in strips]


def on_screen(app: WorkbenchApp, widget: Widget) -> list[str]:
    """The lines of the terminal where the widget is, as drawn (clipped by its container)."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    rows = strips[region.y : region.y + region.height]
    return [strip.crop(region.x, region.x + region.width).text for strip in rows]


def assert_reads_back(lines: list[str], token: str, width: int) -> None:
    """Every line fits; the token's lines join to it, each but its last ending just after a
    separator (never mid-word, mid-byte or mid-uuid)."""
    assert all(len(line) <= width for line in lines), (width, lines)
    for start in range(len(lines)):
        joined, end = "", start
        while end < len(lines) and token.startswith(joined + lines[end]):
            joined += lines[end]
            end += 1
        if joined == token:
            pieces = lines[start:end]
            assert all(piece[-1] in ":/-," for piece in pieces[:-1]), pieces
            return
    raise AssertionError(f"{token} is not on consecutive lines: {lines}")


@pytest.mark.slow
async def test_decrypt_confirmation_and_library_at_80_columns(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    from kmsworkbench.tui.screens.workbench import DecryptConfirmModal

    record = make_pair(sandbox_dir, "ECC_NIST_P256", "narrow")
    fingerprint = keypairs.load_public_key(record.public_key).fingerprint_hex
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        # The library's detail pane: the fingerprint and the ARN read back.
        detail = app.screen.query_one("#lib-detail")
        lines = shown_lines(detail)
        width = detail.content_size.width
        assert_reads_back(lines, fingerprint, width)
        assert_reads_back(lines, record.key_arn, width)
        screen = await open_workbench(app, pilot, "narrow")
        await pilot.press("ctrl+o")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DecryptConfirmModal), modal
        body = modal.query_one("#confirm-body")
        lines = shown_lines(body)
        assert_reads_back(lines, record.key_arn, body.content_size.width)
        assert "memory only" in " ".join(lines)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_generate_form_reads_whole_at_80_and_120_columns(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    """The key's ARN reads back, and the context editor's paste field shows its whole
    placeholder (it was cut at 80 columns)."""
    from textual.widgets import Input

    from .conftest import settle
    from .test_flow import open_generate_for_demo

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        await pilot.pause()
        key = screen.query_one("#gen-key")
        assert screen.info is not None and screen.info.arn
        assert_reads_back(shown_lines(key), screen.info.arn, key.content_size.width)
        paste = screen.query_one("#ctx-paste", Input)
        paste.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        shown = " ".join(on_screen(app, paste))
        assert paste.placeholder and paste.placeholder in shown, shown


@pytest.mark.slow
async def test_palette_command_shows_its_result_at_80x24(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    """crypto: ECDH from the palette on a pair workbench at 80x24: its answer is brought
    into view (it was far below the fold, so the command seemed to do nothing)."""
    from .test_library import decrypt_key

    make_pair(sandbox_dir, "ECC_NIST_P256", "ecdh-at-80")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(app, pilot, "ecdh-at-80")
        await decrypt_key(app, pilot, screen)
        await pilot.press("ctrl+p", *"crypto: ECDH shared secret")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        result = screen.query_one("#wb-ecdh-result")
        assert "Paste the peer's public key" in str(result.render()), app.screen
        shown = " ".join(on_screen(app, result))
        body = screen.query_one("#wb-body")
        assert "Paste the peer's public key" in shown, (
            result.region,
            body.scroll_y,
            body.max_scroll_y,
            result.virtual_region,
            result.display,
        )


@pytest.mark.slow
async def test_lesson_intro_reflows_at_80_columns(make_app: AppFactory) -> None:
    """F3 at 80x24: a lesson's introduction wraps at the terminal's width; the file's own
    line breaks made lines like 'every call is a' with the rest on the next line."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        summary = app.screen.query_one("#lessons-summary")
        width = summary.content_size.width
        lines = shown_lines(summary)
        paragraphs: list[list[str]] = [[]]
        for line in lines:
            if line:
                paragraphs[-1].append(line)
            else:
                paragraphs.append([])
        ragged = [line for p in paragraphs for line in p[:-1] if len(line) < width - 20]
        assert sum(len(p) for p in paragraphs) > 3 and not ragged, ragged
