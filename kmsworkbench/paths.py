"""Where kmsworkbench keeps its files, and how it writes them.

One place decides every location:

- ``--data-dir`` (passed in by the caller) wins,
- then ``KMSWORKBENCH_HOME`` (everything lives below it: data and config),
- then the platformdirs user data / config folders.

Every folder we create is 0700 and every file 0600. Files are written atomically
(temporary file in the same folder, fsync, rename), so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

APP_NAME = "kmsworkbench"
HOME_ENV = "KMSWORKBENCH_HOME"

DIR_MODE = 0o700
FILE_MODE = 0o600


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: sandbox store, library of pairs. Not created here."""
    if override:
        return Path(override).expanduser()
    home = _home_override()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_path(APP_NAME))


def config_dir() -> Path:
    """The settings folder (non-secret settings only). Not created here."""
    home = _home_override()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_path(APP_NAME))


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) as 0700 folders; tighten it if it already exists."""
    p = Path(path)
    p.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        if (p.stat().st_mode & 0o777) != DIR_MODE:
            p.chmod(DIR_MODE)
    return p


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600, in a 0700 parent folder."""
    target = Path(path)
    ensure_private_dir(target.parent)
    return replace_file(target, data)


def replace_file(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600 (temporary file in the same
    folder, fsync, rename, fsync of the folder). The folder must exist; its mode is left as
    it is (for folders the user names, such as an output folder)."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    # fsync the folder so the rename itself survives a crash.
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def touch_private(path: str | os.PathLike[str]) -> Path:
    """Create an empty 0600 file if it does not exist (for SQLite, before it opens it)."""
    target = Path(path)
    ensure_private_dir(target.parent)
    fd = os.open(target, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    with contextlib.suppress(PermissionError):
        target.chmod(FILE_MODE)
    return target
