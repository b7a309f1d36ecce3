"""Schema step 2: key rotation and key material history, key policies, last usage.

- ``keys.current_material``: the material new ciphertexts use (a key may now have many).
- ``key_material.created`` / ``rotation_type`` / ``rotated``: each material's history
  (``rotation_type`` AUTOMATIC or ON_DEMAND; NULL for a key's first material).
- ``key_rotation``: one row per key with automatic rotation enabled (period, next date).
- ``key_policies``: a key's stored key policy by name; no row means the default key policy.
- ``key_last_usage``: the last successful cryptographic operation on a key.

A store made before this step keeps every key, alias and material: each key's one material
becomes its current one, created when the key was.
"""

from __future__ import annotations

import sqlite3

VERSION = 2
SUMMARY = "key rotation and material history, key policies, key last usage"

SQL = """
ALTER TABLE keys ADD COLUMN current_material TEXT;
ALTER TABLE key_material ADD COLUMN created REAL;
ALTER TABLE key_material ADD COLUMN rotation_type TEXT;
ALTER TABLE key_material ADD COLUMN rotated REAL;
CREATE TABLE key_rotation (
    region        TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    period_days   INTEGER NOT NULL,
    next_rotation REAL NOT NULL,
    PRIMARY KEY (region, key_id)
) WITHOUT ROWID;
CREATE INDEX key_rotation_due ON key_rotation (next_rotation);
CREATE TABLE key_policies (
    region  TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    name    TEXT NOT NULL,
    policy  TEXT NOT NULL,
    PRIMARY KEY (region, key_id, name)
) WITHOUT ROWID;
CREATE TABLE key_last_usage (
    region     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    operation  TEXT NOT NULL,
    used       REAL NOT NULL,
    request_id TEXT,
    event_id   TEXT,
    PRIMARY KEY (region, key_id)
) WITHOUT ROWID;
"""


def fill(conn: sqlite3.Connection) -> None:
    """Existing keys: their one material is current, and was made with the key."""
    conn.execute(
        "UPDATE keys SET current_material = (SELECT m.material_id FROM key_material m "
        "WHERE m.region = keys.region AND m.key_id = keys.key_id LIMIT 1)"
    )
    conn.execute(
        "UPDATE key_material SET created = (SELECT k.created FROM keys k "
        "WHERE k.region = key_material.region AND k.key_id = key_material.key_id)"
    )
    # AWS managed keys rotate every year (model), counted from their creation.
    conn.execute(
        "INSERT INTO key_rotation (region, key_id, period_days, next_rotation) "
        "SELECT region, key_id, 365, created + 365 * 86400 FROM keys WHERE key_manager = 'AWS'"
    )
    # Usage tracking starts now for the keys that existed (GetKeyLastUsage TrackingStartDate).
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('usage_tracking_start', "
        "CAST(strftime('%s', 'now') AS TEXT)) ON CONFLICT (name) DO NOTHING"
    )
