"""One botocore data loader for the process, whose parsed model files are kept in a cache file.

Every botocore client starts by reading JSON: the KMS service model and endpoint rule set, the
1 MB ``endpoints.json``, ``partitions.json``, the retry and default-configuration files, and
(to check that "kms" is a service at all) a listing of about 450 folders of botocore's data.
Parsing and listing took 60 to 150 ms of each one-shot command (``kmsworkbench generate``)
and of the TUI's start, more than the KMS call itself. So:

- one :class:`CachingLoader` per process (:func:`loader`), shared by the in-process sandbox's
  clients, its request validation and the clients for endpoints and AWS, so nothing is
  parsed twice in a process;
- what it read from botocore's own data folder is written, once, at exit, to
  ``botocore-data-<version>.marshal`` in the cache folder (:func:`kmsworkbench.paths.cache_dir`,
  0700), and read back by the next process (``marshal`` loads a megabyte of plain dicts
  several times faster than ``json``).

Only botocore's built-in data is cached, keyed by the botocore version and its folder: a model
under ``~/.aws/models`` (or another search path) is read as botocore reads it, every time, and
wins over the cache as it wins over the built-in file. A cache file that cannot be read, or is
not what this code writes, is ignored and written again (it holds nothing but a copy of
botocore's files). marshal is not meant for data from others: the file lives in the user's own
0700 folder, as the sandbox store does.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import marshal
import os
import threading
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import Loader, instance_cache

from kmsworkbench import paths

FORMAT = 1


def _plain(value: Any) -> Any:
    """botocore's OrderedDicts as plain dicts (ordered too), which marshal can write."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def cache_file() -> Path:
    version = botocore.__version__
    return paths.cache_dir() / f"botocore-data-{version}.marshal"


class _DiskCache:
    """What the loader read from botocore's built-in folder: ``data`` (name -> parsed file)
    and ``services`` (type name -> the services that have it)."""

    def __init__(self, path: Path, builtin: str) -> None:
        self.path = path
        self.key = (FORMAT, botocore.__version__, builtin)
        self.data: dict[str, Any] = {}
        self.services: dict[str, list[str]] = {}
        self.dirty = False
        self.lock = threading.Lock()
        self._read()

    def _read(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return
        try:
            stored = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):
            return
        if (
            isinstance(stored, dict)
            and stored.get("key") == list(self.key)
            and isinstance(stored.get("data"), dict)
            and isinstance(stored.get("services"), dict)
        ):
            self.data = stored["data"]
            self.services = stored["services"]

    def remember_data(self, name: str, value: Any) -> None:
        with self.lock:
            self.data[name] = _plain(value)
            self.dirty = True

    def remember_services(self, type_name: str, names: list[str]) -> None:
        with self.lock:
            self.services[type_name] = list(names)
            self.dirty = True

    def write(self) -> None:
        """Write the cache if this process read anything new; failures are ignored (the
        next process reads botocore's files again)."""
        with self.lock:
            if not self.dirty:
                return
            stored = {"key": list(self.key), "data": self.data, "services": self.services}
            self.dirty = False
        with contextlib.suppress(OSError, ValueError):
            paths.ensure_private_dir(self.path.parent)
            paths.remove_stale_temps(self.path.parent, self.path.name)
            fd, tmp = paths.private_temp(self.path.parent, self.path.name)
            try:
                with os.fdopen(fd, "wb") as handle:
                    marshal.dump(stored, handle)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


class CachingLoader(Loader):  # type: ignore[misc]
    """botocore's Loader, answering from :class:`_DiskCache` what it would read from its own
    data folder (and remembering what it did read there)."""

    def __init__(self, disk: _DiskCache | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._disk = disk

    def _other_paths(self) -> list[str]:
        return [p for p in self.search_paths if not self.is_builtin_path(p) and os.path.isdir(p)]

    def _services_in(self, folder: str, type_name: str) -> set[str]:
        """botocore's own scan (``Loader.list_available_services``) of one search path."""
        found: set[str] = set()
        for service in os.listdir(folder):
            service_dir = os.path.join(folder, service)
            if not os.path.isdir(service_dir):
                continue
            for version in os.listdir(service_dir):
                if self.file_loader.exists(os.path.join(service_dir, version, type_name)):
                    found.add(service)
                    break
        return found

    @instance_cache
    def list_available_services(self, type_name: str) -> list[str]:
        disk = self._disk
        if disk is None:
            return list(super().list_available_services(type_name))
        builtin = disk.services.get(type_name)
        if builtin is None:
            builtin = sorted(self._services_in(Loader.BUILTIN_DATA_PATH, type_name))
            disk.remember_services(type_name, builtin)
        found = set(builtin)
        for folder in self._other_paths():
            found |= self._services_in(folder, type_name)
        return sorted(found)

    @instance_cache
    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        disk = self._disk
        if disk is not None and name in disk.data:
            shadowed = any(
                self.file_loader.exists(os.path.join(p, name)) for p in self._other_paths()
            )
            if not shadowed:
                return disk.data[name], os.path.join(Loader.BUILTIN_DATA_PATH, name)
        data, path = super().load_data_with_path(name)
        if disk is not None and self.is_builtin_path(path):
            disk.remember_data(name, data)
        return data, path


@functools.cache
def loader() -> CachingLoader:
    """The process's loader (botocore's default search paths: ``~/.aws/models`` and its own
    data; ``AWS_DATA_PATH`` is not read, so a client for the sandbox never sees a user's
    custom models path -- see :func:`wants_own_loader` for the clients that honour it)."""
    disk: _DiskCache | None
    try:
        disk = _DiskCache(cache_file(), Loader.BUILTIN_DATA_PATH)
    except OSError:
        disk = None
    if disk is not None:
        atexit.register(disk.write)
    return CachingLoader(disk)


def wants_own_loader(session: Any) -> bool:
    """Whether a botocore session for AWS or an endpoint has a data path of its own
    (``AWS_DATA_PATH`` or ``data_path`` in the profile): then it keeps botocore's loader,
    which reads it."""
    return bool(session.get_config_variable("data_path"))
