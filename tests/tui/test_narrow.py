"""Narrow and wide terminals: long tokens break only after a separator (each line reads back,
the lines join to the value), and the header keeps the Region and the account while a long
title or folder is shortened from the middle, at 80 and 120 columns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Label

from kmsworkbench import keypairs
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.widgets.header import fit_header
from kmsworkbench.tui.widgets.tokens import token_lines

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
