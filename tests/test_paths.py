"""paths: every folder we create is 0700, missing parents too, whatever the umask (issue 11,
defect 9: parents used to be 0755, 0777 under umask 000); temporary files are cleaned."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kmsworkbench import paths


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_missing_parents_are_0700_under_umask_000(tmp_path: Path, umask_000: None) -> None:
    target = tmp_path / "one" / "two" / "three"
    paths.ensure_private_dir(target)
    for folder in (tmp_path / "one", tmp_path / "one" / "two", target):
        assert mode(folder) == 0o700, folder
    written = paths.atomic_write(tmp_path / "x" / "y" / "file.json", "{}")
    assert mode(written) == 0o600
    assert mode(tmp_path / "x") == mode(tmp_path / "x" / "y") == 0o700


def test_an_existing_parent_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    paths.ensure_private_dir(shared / "mine")
    assert mode(shared) == 0o755
    assert mode(shared / "mine") == 0o700


def test_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        paths.ensure_private_dir(tmp_path / "file")
    with pytest.raises((FileExistsError, NotADirectoryError)):
        paths.ensure_private_dir(tmp_path / "file" / "below")


def test_stale_temps_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    stale = tmp_path / ".pair.json.abcd.tmp"
    stale.write_text("half")
    fd, live = paths.private_temp(tmp_path, "other.json")
    try:
        removed = paths.remove_stale_temps(tmp_path)
        assert removed == [stale]
        assert live.exists() and not stale.exists()
    finally:
        os.close(fd)
    assert paths.remove_stale_temps(tmp_path) == [live]
    (tmp_path / "keep.json").write_text("{}")
    assert paths.remove_stale_temps(tmp_path) == []
    assert (tmp_path / "keep.json").exists()


def test_a_temp_is_locked_while_written(tmp_path: Path) -> None:
    fd, tmp = paths.private_temp(tmp_path, "a.json")
    try:
        other = os.open(tmp, os.O_RDONLY)
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(other)
        assert mode(tmp) == 0o600
    finally:
        os.close(fd)
