"""The process's botocore loader and its cache file: the same data as botocore's own loader,
read back by the next process, a damaged cache ignored, and a user's model wins."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import botocore.loaders
import pytest

from kmsworkbench import botodata


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "botocore-data.marshal"


def _loader(cache: Path, **kwargs: object) -> botodata.CachingLoader:
    disk = botodata._DiskCache(cache, botocore.loaders.Loader.BUILTIN_DATA_PATH)
    return botodata.CachingLoader(disk, **kwargs)


def test_answers_as_botocore_does_and_the_next_process_reads_the_cache(cache: Path) -> None:
    plain = botocore.loaders.Loader()
    first = _loader(cache)
    model = first.load_service_model("kms", "service-2")
    assert model == plain.load_service_model("kms", "service-2")
    assert first.load_data("endpoints") == plain.load_data("endpoints")
    assert first.list_available_services("service-2") == plain.list_available_services("service-2")
    assert not cache.exists()  # written once, at exit
    first._disk.write()  # type: ignore[union-attr]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700

    second = _loader(cache)
    assert "kms/2014-11-01/service-2" in second._disk.data  # type: ignore[union-attr]
    assert second.load_service_model("kms", "service-2") == model
    assert not second._disk.dirty  # type: ignore[union-attr]  # nothing read from botocore


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\x00" * 64])
def test_a_damaged_cache_is_ignored_and_written_again(cache: Path, content: bytes) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_bytes(content)
    loader = _loader(cache)
    assert loader.load_service_model("kms", "service-2")["metadata"]["serviceId"] == "KMS"
    loader._disk.write()  # type: ignore[union-attr]
    assert _loader(cache)._disk.data  # type: ignore[union-attr]


def test_a_cache_of_another_botocore_is_not_used(cache: Path) -> None:
    loader = _loader(cache)
    loader.load_service_model("kms", "service-2")
    loader._disk.write()  # type: ignore[union-attr]
    disk = botodata._DiskCache(cache, "/elsewhere/botocore/data")
    assert disk.data == {}


def test_a_model_in_another_search_path_wins_over_the_cache(cache: Path, tmp_path: Path) -> None:
    warm = _loader(cache)
    warm.load_service_model("kms", "service-2")
    warm._disk.write()  # type: ignore[union-attr]

    custom = tmp_path / "models"
    folder = custom / "kms" / "2014-11-01"
    folder.mkdir(parents=True)
    model = botocore.loaders.Loader().load_service_model("kms", "service-2")
    model["metadata"] = dict(model["metadata"], serviceFullName="Custom KMS")
    (folder / "service-2.json").write_text(json.dumps(model))
    loader = _loader(cache, extra_search_paths=[os.fspath(custom)])
    loaded = loader.load_service_model("kms", "service-2")
    assert loaded["metadata"]["serviceFullName"] == "Custom KMS"
    assert "kms" in loader.list_available_services("service-2")
