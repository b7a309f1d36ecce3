"""Where kmsworkbench keeps its files, and how it writes them.

One place decides every location:

- ``--data-dir`` (passed in by the caller) wins,
- then ``KMSWORKBENCH_HOME`` (everything lives below it: data and config),
- then the platformdirs user data / config folders.

Every folder we create is 0700 (missing parents too, whatever the umask) and every file 0600.
Files are written atomically (temporary file in the same folder, fsync, rename), so a crash
never leaves half a file; the temporary files a crash leaves behind are removed the next time
their folder is opened (:func:`remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

APP_NAME = "kmsworkbench"
HOME_ENV = "KMSWORKBENCH_HOME"

DIR_MODE = 0o700
FILE_MODE = 0o600
TEMP_SUFFIX = ".tmp"


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


def cache_dir() -> Path:
    """Files kept only to start faster (a copy of botocore's parsed data); removable at any
    time. Not created here."""
    home = _home_override()
    if home is not None:
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_path(APP_NAME))


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and every missing parent as 0700 folders, whatever the umask (mkdir's
    mode is masked by it, and ``parents=True`` ignores the mode); tighten ``path`` itself if
    it already exists. Parents that already exist are left as they are."""
    p = Path(path)
    missing: list[Path] = []
    for folder in (p, *p.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=DIR_MODE)
        with contextlib.suppress(PermissionError):
            folder.chmod(DIR_MODE)
    if not p.is_dir():
        p.mkdir(mode=DIR_MODE, exist_ok=True)  # raises the clear error (a file is in the way)
    with contextlib.suppress(PermissionError):
        if (p.stat().st_mode & 0o777) != DIR_MODE:
            p.chmod(DIR_MODE)
    return p


def private_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new 0600 temporary file ``.NAME.XXXX.tmp`` in ``folder``, locked (flock) for as
    long as the returned descriptor is open, so :func:`remove_stale_temps` leaves it alone."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return fd, Path(tmp_name)


def remove_stale_temps(folder: str | os.PathLike[str], name: str = "*") -> list[Path]:
    """Delete the temporary files (``.NAME.XXXX.tmp``) that crashed writers left in
    ``folder``; a temporary file a live writer holds (locked) is kept. Returns those deleted."""
    removed: list[Path] = []
    try:
        candidates = sorted(Path(folder).glob(f".{name}.*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for candidate in candidates:
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue  # renamed into place or removed meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live writer holds it
        try:
            if os.path.samestat(os.fstat(fd), os.lstat(candidate)):
                os.unlink(candidate)
                removed.append(candidate)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


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
    for attempt in (1, 2):
        fd, tmp = private_temp(target.parent, target.name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
                # Renamed while still open, so the lock holds until the name is gone.
                try:
                    os.replace(tmp, target)
                except FileNotFoundError:
                    # A cleaner took the file in the instant before it was locked: once more.
                    if attempt == 2:
                        raise
                    continue
            break
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    fsync_folder(target.parent)  # so the rename itself survives a crash
    return target


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """fsync a folder, so the names just made or renamed in it survive a crash."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def touch_private(path: str | os.PathLike[str]) -> Path:
    """Create an empty 0600 file if it does not exist (for SQLite, before it opens it)."""
    target = Path(path)
    ensure_private_dir(target.parent)
    fd = os.open(target, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    with contextlib.suppress(PermissionError):
        target.chmod(FILE_MODE)
    return target
