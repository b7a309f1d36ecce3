"""The library survives damaged files and bad bundles (issue 11, defects 5 and 8): a damaged
file never stops the others from listing, it is reported with the reason, an import checks
everything before it writes, and temporary files a killed writer left are cleaned."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsworkbench import keypairs
from kmsworkbench.pairs import BUNDLE_FORMAT, BundleError, PairLibrary, PairRecord
from tests.commands.conftest import Result

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PUBLIC = keypairs.generate("ECC_NIST_P256").public_der


def _record(name: str) -> PairRecord:
    return PairRecord(
        name=name,
        key_arn=ARN,
        key_pair_spec="ECC_NIST_P256",
        encryption_context={"app": "wb"},
        public_key=PUBLIC,
        private_key_ciphertext=b"\x01\x02ciphertext",
        backend="sandbox",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
    )


def _good_json(name: str) -> dict[str, Any]:
    return _record(name).to_json()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DAMAGE: dict[str, tuple[Callable[[str], bytes], str]] = {
    "far past created_at": (
        lambda n: json.dumps({**_good_json(n), "created_at": "0001-01-01T00:00:00+14:00"}).encode(),
        "created_at",
    ),
    "garbage bytes": (lambda n: b"\xff\xfe\x00garbage\x81", "not UTF-8"),
    "truncated": (lambda n: json.dumps(_good_json(n)).encode()[:50], "not complete JSON"),
    "deeply nested": (lambda n: _nested(100_000).encode(), "nested deeper"),
    "empty": (lambda n: b"", "empty"),
    "not an object": (lambda n: b"[1, 2, 3]", "JSON object"),
    "bad public key": (
        lambda n: json.dumps({**_good_json(n), "public_key": "AAAA"}).encode(),
        "public_key is not a readable public key",
    ),
    "public key of another spec": (
        lambda n: json.dumps({**_good_json(n), "key_pair_spec": "RSA_2048"}).encode(),
        "is a ECC_NIST_P256 key",
    ),
    "huge": (lambda n: b" " * (300 * 1024) + b"{}", "larger than any record"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_file_never_stops_the_others(
    case: str, cli: Callable[..., Result], isolated_home: Path
) -> None:
    library = PairLibrary(isolated_home)
    library.add(_record("good-one"))
    library.add(_record("good-two"))
    make, reason = DAMAGE[case]
    (library.folder / "bad.json").write_bytes(make("bad"))
    assert [r.name for r in library.list()] == ["good-two", "good-one"]
    assert [(d.name, reason in d.reason) for d in library.damaged] == [("bad.json", True)]

    listed = cli("pairs", "list")
    assert listed.rc == 0, listed.err
    out = listed.json()
    assert {p["Name"] for p in out["Pairs"]} == {"good-one", "good-two"}
    assert [reason in d["Reason"] for d in out["Damaged"]] == [True]
    assert "pairs check" in listed.err
    exported = cli("pairs", "export")
    assert exported.rc == 0, exported.err
    assert len(exported.json()["pairs"]) == 2
    checked = cli("pairs", "check")
    assert checked.rc == 255
    assert checked.json()["Sound"] == 2 and len(checked.json()["Damaged"]) == 1
    shown = cli("pairs", "show", "bad")
    assert shown.rc == 252 and "damaged" in shown.err and "Traceback" not in shown.err
    assert (library.folder / "bad.json").read_bytes() == make("bad")  # never changed


def test_a_bundle_with_a_bad_public_key_imports_nothing(
    cli: Callable[..., Result], isolated_home: Path, tmp_path: Path
) -> None:
    good = _good_json("fine")
    bad = {**_good_json("broken"), "public_key": "AAAAAAAA"}
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps({"format": BUNDLE_FORMAT, "version": 1, "pairs": [good, bad]}))
    r = cli("pairs", "import", str(bundle))
    assert r.rc == 252 and "pair #2" in r.err and "public_key" in r.err
    assert PairLibrary(isolated_home).list() == []
    nested = tmp_path / "n.json"
    nested.write_text(_nested(100_000))
    r = cli("pairs", "import", str(nested))
    assert r.rc == 252 and "Traceback" not in r.err


def test_leftover_temporary_files_are_cleaned_on_the_next_open(tmp_path: Path) -> None:
    library = PairLibrary(tmp_path)
    library.add(_record("kept"))
    for i in range(3):
        (library.folder / f".kept.json.x{i}yz.tmp").write_text("half a record")
    reopened = PairLibrary(tmp_path)
    assert len(reopened.removed_temps) == 3
    assert sorted(os.listdir(library.folder)) == ["kept.json"]
    assert [r.name for r in reopened.list()] == ["kept"]


# --- fuzzing: every reader answers bad input with its own error, never a traceback -------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        key: _json | st.text(max_size=40)
        for key in (
            "name", "key_arn", "key_pair_spec", "encryption_context", "public_key",
            "private_key_ciphertext", "backend", "key_material_id", "created_at",
        )
    },
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json | _fields)
def test_fuzz_record_reader(data: Any) -> None:
    try:
        PairRecord.from_json(data)
    except BundleError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400) | _fields.map(lambda d: json.dumps(d).encode()))
def test_fuzz_library_files(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    library = PairLibrary(tmp_path_factory.mktemp("fuzz"))
    library.add(_record("sound"))
    (library.folder / "fuzzed.json").write_bytes(content)
    names = [r.name for r in library.list()]
    assert "sound" in names
    assert len(names) + len(library.damaged) == 2


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {"format": st.just(BUNDLE_FORMAT), "version": st.just(1)},
        optional={"pairs": st.lists(_json | _fields, max_size=3)},
    )
    | _json
)
def test_fuzz_bundle_reader(tmp_path_factory: pytest.TempPathFactory, bundle: Any) -> None:
    library = PairLibrary(tmp_path_factory.mktemp("bundle"))
    try:
        library.import_bundle(bundle)
    except BundleError:
        assert library.list() == []  # nothing written
