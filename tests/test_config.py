"""Settings: round trip, private atomic writes, and a damaged file loading as defaults."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kmsworkbench import config, paths


def test_defaults_when_no_file(isolated_home: Path) -> None:
    settings = config.load()
    assert settings == config.Settings()
    assert settings.backend.kind == "sandbox"
    assert settings.theme == "textual-dark"


def test_round_trip_is_private(isolated_home: Path) -> None:
    settings = (
        config.Settings(theme="textual-light", last_key="alias/demo", last_spec="ECC_NIST_P256")
        .with_backend(kind="aws", profile="dev", region="eu-west-1")
        .with_context("app", {"app": "wb", "env": "dev"})
    )
    written = config.save(settings)
    assert written == paths.config_dir() / "settings.json"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700
    loaded = config.load()
    assert loaded == settings
    assert loaded.contexts["app"] == {"app": "wb", "env": "dev"}
    assert loaded.without_context("app").contexts == {}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b"null",
        b"",
    ],
)
def test_corrupt_file_loads_as_defaults(isolated_home: Path, content: bytes) -> None:
    target = config.config_path()
    paths.atomic_write(target, content)
    assert config.load() == config.Settings()


def test_unreadable_file_loads_as_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-directory.json"
    folder.mkdir()
    assert config.load(folder) == config.Settings()


def test_wrong_types_fall_back_field_by_field(isolated_home: Path) -> None:
    data = {
        "backend": {"kind": "mainframe", "profile": 7, "region": "eu-west-1"},
        "theme": 3,
        "last_key": "alias/x",
        "last_spec": ["RSA_2048"],
        "hide_ineligible": "yes",
        "contexts": {"good": {"a": "b"}, "bad": {"a": 1}, "worse": "k=v"},
    }
    paths.atomic_write(config.config_path(), json.dumps(data))
    loaded = config.load()
    assert loaded.backend == config.BackendSettings(kind="sandbox", region="eu-west-1")
    assert loaded.theme == "textual-dark"
    assert loaded.last_key == "alias/x"
    assert loaded.last_spec is None
    assert loaded.hide_ineligible is False
    assert loaded.contexts == {"good": {"a": "b"}}


def test_try_save_reports_failure_instead_of_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    message = config.try_save(config.Settings(), blocker / "settings.json")
    assert message is not None and "could not save settings" in message
    assert config.try_save(config.Settings(), tmp_path / "ok" / "settings.json") is None


def test_context_names_sorted_case_insensitively() -> None:
    settings = (
        config.Settings()
        .with_context("beta", {"k": "b"})
        .with_context("Alpha", {"k": "a"})
        .with_context("alpha", {"k": "c"})
    )
    assert settings.context_names() == ["Alpha", "alpha", "beta"]
    assert settings.without_context("beta").context_names() == ["Alpha", "alpha"]
    # Saving under an existing name replaces it, and the original settings are unchanged.
    replaced = settings.with_context("beta", {"k": "new"})
    assert replaced.contexts["beta"] == {"k": "new"}
    assert settings.contexts["beta"] == {"k": "b"}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "Give the context a name."),
        ("   ", "Give the context a name."),
        (" dev", "A name has no spaces at its ends."),
        ("x" * (config.MAX_CONTEXT_NAME + 1), "at most"),
        ("tab\there", "printable"),
    ],
)
def test_context_name_problems(name: str, problem: str) -> None:
    found = config.context_name_problem(name)
    assert found is not None and problem in found


@pytest.mark.parametrize("name", ["dev", "payments prod", "x" * config.MAX_CONTEXT_NAME, "été"])
def test_context_names_accepted(name: str) -> None:
    assert config.context_name_problem(name) is None
