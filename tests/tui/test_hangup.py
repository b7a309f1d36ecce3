"""tui/hangup.py: the terminal's hangup, seen with one poll."""

from __future__ import annotations

import io
import os
import sys

import pytest

from kmsworkbench.tui import hangup

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")


def test_a_terminal_is_there_until_its_other_end_closes() -> None:
    main, follower = os.openpty()
    try:
        assert not hangup.hung_up(follower)
        os.close(main)
        main = -1
        assert hangup.hung_up(follower)
    finally:
        if main >= 0:
            os.close(main)
        os.close(follower)


def test_a_closed_descriptor_counts_as_hung_up() -> None:
    main, follower = os.openpty()
    os.close(main)
    os.close(follower)
    assert hangup.hung_up(follower)


def test_the_terminal_is_standard_input_only_when_that_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main, follower = os.openpty()
    read_end, write_end = os.pipe()
    try:
        with open(follower, closefd=False) as tty, open(read_end, closefd=False) as pipe:
            monkeypatch.setattr(sys, "__stdin__", tty)
            assert hangup.terminal_fd() == follower
            monkeypatch.setattr(sys, "__stdin__", pipe)
            assert hangup.terminal_fd() is None
            monkeypatch.setattr(sys, "__stdin__", io.StringIO())  # no descriptor at all
            assert hangup.terminal_fd() is None
            monkeypatch.setattr(sys, "__stdin__", None)
            assert hangup.terminal_fd() is None
    finally:
        for fd in (main, follower, read_end, write_end):
            os.close(fd)
