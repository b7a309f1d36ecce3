"""Key material rotation: adding a new current material, and the automatic rotations the
sandbox clock makes due (run on the way into every transaction, like due deletions).

Older materials stay: every ciphertext names the material it was sealed under
(blob.py), so everything made before a rotation still decrypts."""

from __future__ import annotations

import os

from kmsworkbench.sandbox.core.context import DAY, Request
from kmsworkbench.sandbox.core.material import new_material_id
from kmsworkbench.sandbox.core.tx import DUE_HORIZONS, DUE_WORK, NeedsWrite

DEFAULT_PERIOD_DAYS = 365  # EnableKeyRotation's default (model)
AWS_MANAGED_PERIOD_DAYS = 365  # "KMS always rotates ... AWS managed keys every year" (model)
MAX_ON_DEMAND = 25  # "a maximum of 25 times per KMS key" (RotateKeyOnDemand docs)
# "an automatic rotation of this key is ... scheduled to begin within the next 20 minutes"
# (ConflictException docs): RotateKeyOnDemand is refused then.
CONFLICT_WINDOW = 20 * 60.0


def rotate(r: Request, region: str, key_id: str, rotation_type: str, at: float) -> str:
    """Give a symmetric key new current material (inside a write transaction); returns its
    KeyMaterialId."""
    material_id = new_material_id()
    secret = os.urandom(32)
    # A multi-Region key's material is shared by its primary and replicas (same key id in
    # every Region it is in): they all rotate together.
    rows = r.store.conn.execute("SELECT region FROM keys WHERE key_id = ?", (key_id,)).fetchall()
    regions = {region} | ({str(row[0]) for row in rows} if key_id.startswith("mrk-") else set())
    for each in sorted(regions):
        r.store.add_material(
            each, key_id, material_id, secret, None, created=at, rotation_type=rotation_type
        )
    return material_id


def rotate_due(r: Request, write: bool) -> None:
    """Every automatic rotation the clock has passed, for Enabled keys, each dated when it
    was due (a clock moved two periods on rotates twice)."""
    due = r.store.due_rotations(r.now)
    if due and not write:
        raise NeedsWrite
    for region, key_id, period_days, next_rotation in due:
        while next_rotation <= r.now:
            rotate(r, region, key_id, "AUTOMATIC", next_rotation)
            next_rotation += period_days * DAY
        r.store.set_rotation(region, key_id, period_days, next_rotation)


def resume_after_enable(r: Request, region: str, key_id: str) -> None:
    """A key enabled again whose rotation fell due while it could not rotate rotates now,
    and then every period from now (GetKeyRotationStatus docs, "Disabled")."""
    rotation = r.store.get_rotation(region, key_id)
    if rotation is not None and rotation[1] <= r.now:
        rotate(r, region, key_id, "AUTOMATIC", r.now)
        r.store.set_rotation(region, key_id, rotation[0], r.now + rotation[0] * DAY)


DUE_WORK.append(rotate_due)
DUE_HORIZONS.append(
    "SELECT MIN(r.next_rotation) FROM key_rotation r "
    "JOIN keys k ON k.region = r.region AND k.key_id = r.key_id WHERE k.state = 'Enabled'"
)
