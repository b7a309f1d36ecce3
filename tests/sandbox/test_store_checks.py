"""Opening a store checks it first: a zero-length, truncated, foreign or damaged store is
never replaced or written to, and the error names the file, the problem and the way back
(issue 11, defect 4: a zero-length store used to be silently replaced by a new sandbox)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kmsworkbench.sandbox import Sandbox
from kmsworkbench.sandbox.store import DB_NAME, Store, StoreDamagedError

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "stores" / "v1" / DB_NAME
PAGE = 4096


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated_header(path: Path) -> None:
    path.write_bytes(FIXTURE.read_bytes()[:40])


def _foreign(path: Path) -> None:
    path.write_bytes(b'{"not": "a database"}\n' * 300)


def _other_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()


def _no_tables(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 1")  # writes a header, no tables
    conn.close()


def _damaged_pages(path: Path) -> None:
    data = bytearray(FIXTURE.read_bytes())
    for page in range(2, len(data) // PAGE):
        data[page * PAGE : page * PAGE + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


def _cut_in_half(path: Path) -> None:
    data = FIXTURE.read_bytes()
    path.write_bytes(data[: len(data) // 2])


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "zero-length": (_empty, "is empty (0 bytes)"),
    "truncated header": (_truncated_header, "is truncated (40 bytes)"),
    "foreign file": (_foreign, "is not an SQLite database"),
    "someone else's database": (_other_sqlite, "not a kmsworkbench store"),
    "database with no tables": (_no_tables, "no tables"),
    "damaged pages": (_damaged_pages, "is damaged"),
    "cut in half": (_cut_in_half, "is damaged"),
}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_store_is_refused_and_left_as_it_was(tmp_path: Path, case: str) -> None:
    make, problem = CASES[case]
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    make(data / DB_NAME)
    before = _digest(data)
    for _ in range(2):  # and again: the first refusal changed nothing
        with pytest.raises(StoreDamagedError) as info:
            Sandbox.open(data)
        message = str(info.value)
        assert str(data / DB_NAME) in message
        assert problem in message
        assert "Nothing was changed" in message and "sandbox restore" in message
    assert _digest(data) == before


def test_a_new_folder_gets_a_whole_store_and_no_temporary_files(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b" / "data"
    Store(data).close()
    assert sorted(p.name for p in data.iterdir()) == [DB_NAME]
    again = Store(data)  # opens the same store: no new one
    with again.transaction():
        assert again.get_meta("schema_version") is not None
    again.close()


def test_a_crashed_creation_leaves_a_temp_that_the_next_open_removes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    leftover = data / f".{DB_NAME}.k3j4.tmp"
    leftover.write_bytes(b"half a store")
    Store(data).close()
    assert not leftover.exists()
    assert sorted(p.name for p in data.iterdir()) == [DB_NAME]


def test_a_good_store_copied_in_opens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copy2(FIXTURE, data / DB_NAME)
    Store(data).close()


class _FailingConnection:
    """Stands in for a connection whose file went bad while the store was open."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.calls = 0
        self.in_transaction = False

    def execute(self, *args: object) -> object:
        self.calls += 1
        raise sqlite3.DatabaseError("database disk image is malformed")

    def close(self) -> None:
        self.real.close()


def test_damage_found_while_running_is_reported_and_nothing_more_is_tried(
    tmp_path: Path,
) -> None:
    from botocore.exceptions import ClientError

    from kmsworkbench.sandbox.inprocess import make_client

    kms = make_client(tmp_path / "data")
    store = kms._kmsworkbench_sandbox.store
    failing = _FailingConnection(store._conn)
    store._conn = failing  # type: ignore[assignment]
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            kms.list_keys()
        error = info.value.response["Error"]
        assert error["Code"] == "KMSInternalException"
        assert "cannot use its store" in error["Message"]
        assert str(tmp_path / "data" / DB_NAME) in error["Message"]
        assert "is damaged" in error["Message"]
    assert failing.calls == 1  # found once; every later transaction is refused up front
    kms._kmsworkbench_sandbox.close()
