"""The sandbox store's schema, as an ordered list of migration steps.

A store records the schema it is at as ``meta.schema_version``. Opening a store applies every
step above that version, in order, inside ONE ``BEGIN IMMEDIATE`` transaction (SQLite DDL is
transactional), so a store is always at one whole version: a crash or an error midway leaves
it at the version it had. A store whose version is above :data:`SCHEMA_VERSION` was written by
newer code and is refused, untouched.

To change the schema, append a step; never edit a step that has shipped::

    Migration(2, "key policies", sql=\"\"\"
        CREATE TABLE key_policies (...);
        ALTER TABLE keys ADD COLUMN ...;
    \"\"\"),

or ``apply=callable`` taking the connection, for data changes SQL alone cannot express. The
fixture test (``tests/sandbox/test_migrations.py``) opens a store made by the code of every
earlier version and checks that every key, alias and blob on it still works; a new step is
covered by it without a new test. Steps must not commit (no ``executescript``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from kmsworkbench.sandbox import schema_v2


@dataclass(frozen=True, slots=True)
class Migration:
    version: int  # the schema version this step brings the store to
    summary: str
    sql: str = ""
    apply: Callable[[sqlite3.Connection], None] | None = None

    def run(self, conn: sqlite3.Connection) -> None:
        for statement in split_sql(self.sql):
            conn.execute(statement)
        if self.apply is not None:
            self.apply(conn)


def split_sql(script: str) -> list[str]:
    """The statements of ``script``, split where SQLite says a statement is complete (so a
    ``;`` inside a string or a trigger body does not split)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {current.strip()[:80]!r}")
    return statements


_V1 = """
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE keys (
    region        TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    created       REAL NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    key_usage     TEXT NOT NULL,
    key_spec      TEXT NOT NULL,
    origin        TEXT NOT NULL,
    key_manager   TEXT NOT NULL,
    state         TEXT NOT NULL,
    deletion_date REAL,
    multi_region  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region, key_id)
) WITHOUT ROWID;
CREATE INDEX keys_deletion ON keys (deletion_date)
    WHERE deletion_date IS NOT NULL;
CREATE TABLE key_material (
    region      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    material_id TEXT NOT NULL,
    secret      BLOB,
    public_der  BLOB,
    PRIMARY KEY (region, key_id, material_id)
) WITHOUT ROWID;
CREATE TABLE aliases (
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_id     TEXT,
    created    REAL,
    updated    REAL,
    PRIMARY KEY (region, name)
) WITHOUT ROWID;
CREATE INDEX aliases_key ON aliases (region, key_id);
CREATE TABLE tags (
    region  TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (region, key_id, tag_key)
) WITHOUT ROWID;
CREATE TABLE grants (
    grant_id    TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    token       TEXT NOT NULL UNIQUE,
    name        TEXT,
    grantee     TEXT,
    retiring    TEXT,
    operations  TEXT NOT NULL,
    constraints TEXT,
    created     REAL NOT NULL
);
CREATE INDEX grants_key ON grants (region, key_id, grant_id);
"""

# Access control and the trail (kmsworkbench.sandbox.iam_store): other accounts of the
# folder, IAM users and roles with their access keys, their identity policies, and the
# CloudTrail-shaped events (key policies are step 2's key_policies).
_V3_ACCESS = """
CREATE TABLE accounts (
    account_id    TEXT PRIMARY KEY,
    access_key_id TEXT NOT NULL UNIQUE,
    secret        TEXT NOT NULL,
    created       REAL NOT NULL
);
CREATE TABLE principals (
    account_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    principal_id  TEXT NOT NULL,
    access_key_id TEXT NOT NULL UNIQUE,
    secret        TEXT NOT NULL,
    created       REAL NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE TABLE identity_policies (
    account_id TEXT NOT NULL,
    principal  TEXT NOT NULL,
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    PRIMARY KEY (account_id, principal, name)
);
CREATE TABLE trail (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    time         REAL NOT NULL,
    event_id     TEXT NOT NULL UNIQUE,
    event_name   TEXT NOT NULL,
    region       TEXT NOT NULL,
    key_arn      TEXT,
    principal    TEXT NOT NULL,
    access_key   TEXT NOT NULL,
    error_code   TEXT,
    read_only    INTEGER NOT NULL,
    record       TEXT NOT NULL
);
CREATE INDEX trail_time ON trail (time);
CREATE INDEX trail_key ON trail (key_arn, seq);
"""

# Imported key material, custom key stores, multi-Region keys (store_external.py has the SQL
# that reads and writes them).
_V4_EXTERNAL = """
CREATE TABLE import_tokens (
    token_hash    TEXT PRIMARY KEY,
    region        TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    algorithm     TEXT NOT NULL,
    wrapping_spec TEXT NOT NULL,
    private_der   BLOB NOT NULL,
    valid_to      REAL NOT NULL
);
CREATE INDEX import_tokens_valid ON import_tokens (valid_to);
CREATE TABLE imported_material (
    region           TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    material_id      TEXT NOT NULL,
    expiration_model TEXT NOT NULL,
    valid_to         REAL,
    description      TEXT,
    imported         INTEGER NOT NULL,
    rotation_state   TEXT NOT NULL,
    pending_secret   BLOB,
    created          REAL NOT NULL,
    PRIMARY KEY (region, key_id, material_id)
) WITHOUT ROWID;
CREATE INDEX imported_material_expiry ON imported_material (valid_to)
    WHERE valid_to IS NOT NULL AND imported = 1;
CREATE TABLE custom_key_stores (
    region          TEXT NOT NULL,
    store_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    store_type      TEXT NOT NULL,
    cluster_id      TEXT,
    trust_anchor    TEXT,
    backing_hash    TEXT NOT NULL,
    credential_ok   INTEGER NOT NULL,
    xks_endpoint    TEXT,
    xks_path        TEXT,
    xks_connectivity TEXT,
    xks_vpc_service TEXT,
    xks_vpc_owner   TEXT,
    xks_access_key  TEXT,
    state           TEXT NOT NULL,
    state_since     REAL NOT NULL,
    error_code      TEXT,
    created         REAL NOT NULL,
    PRIMARY KEY (region, store_id)
) WITHOUT ROWID;
CREATE TABLE custom_store_keys (
    region     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    xks_key_id TEXT,
    PRIMARY KEY (region, key_id)
) WITHOUT ROWID;
CREATE INDEX custom_store_keys_store ON custom_store_keys (region, store_id);
CREATE TABLE multi_region_keys (
    key_id         TEXT PRIMARY KEY,
    primary_region TEXT NOT NULL,
    pending_window INTEGER
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "meta, keys, key_material, aliases, tags, grants", sql=_V1),
    Migration(schema_v2.VERSION, schema_v2.SUMMARY, sql=schema_v2.SQL, apply=schema_v2.fill),
    Migration(3, "accounts, principals, identity policies, trail", sql=_V3_ACCESS),
    Migration(
        4,
        "import_tokens, imported_material, custom_key_stores, custom_store_keys, multi_region_keys",
        sql=_V4_EXTERNAL,
    ),
    # Append new steps here: Migration(2, "...", sql="..."), ...
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def check_steps(steps: tuple[Migration, ...] = MIGRATIONS) -> None:
    """The steps are numbered 1, 2, 3, ... with no gap and no repeat."""
    numbers = [m.version for m in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise AssertionError(f"migration steps must be numbered 1..N in order, not {numbers}")


check_steps()


def stored_version(conn: sqlite3.Connection) -> int | None:
    """The store's schema version: 0 for a database with no tables at all (a store being
    made), None when it has tables but no ``meta.schema_version`` (not a sandbox store)."""
    tables = {
        str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    }
    if not tables:
        return 0
    if "meta" not in tables:
        return None
    row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        return int(str(row[0]))
    except ValueError:
        return None


def pending(version: int, steps: tuple[Migration, ...] = MIGRATIONS) -> list[Migration]:
    return [m for m in steps if m.version > version]


def migrate(
    conn: sqlite3.Connection, steps: tuple[Migration, ...] = MIGRATIONS, *, new: bool = False
) -> int:
    """Bring the store on ``conn`` (autocommit mode, no open transaction) up to the last
    step, in one write transaction; return the version it had before. ``new``: ``conn`` is
    a database being made, which may have no tables yet. Raises :class:`SchemaError` for a
    store that is not a sandbox store or is newer than ``steps``."""
    latest = steps[-1].version
    # Check before taking the write lock: a store at the latest version, a newer one and a
    # foreign one are never written to.
    before = _usable_version(stored_version(conn), latest, new)
    if before == latest:
        return before
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Again, under the lock: another process may have migrated it meanwhile.
        before = _usable_version(stored_version(conn), latest, new)
        for step in pending(before, steps):
            step.run(conn)
            conn.execute(
                "INSERT INTO meta (name, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (str(step.version),),
            )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return before


def _usable_version(found: int | None, latest: int, new: bool) -> int:
    if found is None:
        raise SchemaError("it has tables but no schema version: it is not a kmsworkbench store")
    if found == 0 and not new:
        # Only Store makes stores (fully, under a temporary name): an existing store with no
        # tables is an interrupted copy or someone else's file, never an empty sandbox.
        raise SchemaError("it is an SQLite database with no tables: not a kmsworkbench store")
    if found > latest:
        raise SchemaTooNew(found, latest)
    return found


class SchemaError(Exception):
    """The store's schema cannot be used by this code (the message says why)."""


class SchemaTooNew(SchemaError):
    def __init__(self, found: int, latest: int) -> None:
        super().__init__(
            f"it was written by a newer kmsworkbench (store schema {found}; this version "
            f"reads up to {latest}); upgrade kmsworkbench to open it"
        )
        self.found = found
        self.latest = latest
