"""What the key chooser's detail pane shows beyond DescribeKey: rotation status and
history, and the key policy. Fetched off the UI thread; each part may fail on its own
(an asymmetric key has no rotation; a caller may not read the policy), and says why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.session import KmsSession


@dataclass(frozen=True, slots=True)
class Rotation:
    material_id: str
    state: str  # CURRENT / NON_CURRENT / PENDING_ROTATION ...
    rotation_type: str | None  # AUTOMATIC / ON_DEMAND; None for the first material
    date: datetime | None


@dataclass(slots=True)
class KeyDetails:
    key_id: str
    rotation_enabled: bool | None = None
    rotation_period_days: int | None = None
    next_rotation: datetime | None = None
    rotations: list[Rotation] = field(default_factory=list)
    rotation_note: str = ""  # why there is no rotation information
    policy: str | None = None  # pretty-printed JSON
    policy_note: str = ""

    @property
    def rotated(self) -> bool:
        """Has the key's material rotated at least once?"""
        return any(r.rotation_type is not None for r in self.rotations)


def _note(exc: KmsError) -> str:
    if exc.code == "UnsupportedOperationException":
        return "this key does not rotate (only symmetric keys with KMS-made material do)"
    return f"{exc.code}: {exc.message}" if exc.message else exc.code


def fetch_key_details(session: KmsSession, key_id: str) -> KeyDetails:
    """Rotation status, every key material, and the key policy of ``key_id``."""
    details = KeyDetails(key_id)
    try:
        status = session.call("GetKeyRotationStatus", KeyId=key_id)
        details.rotation_enabled = bool(status.get("KeyRotationEnabled"))
        details.rotation_period_days = status.get("RotationPeriodInDays")
        details.next_rotation = status.get("NextRotationDate")
        rotations: list[dict[str, Any]] = []
        params: dict[str, Any] = {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
        while True:
            page = session.call("ListKeyRotations", **params)
            rotations.extend(page.get("Rotations", []))
            if not page.get("Truncated") or not page.get("NextMarker"):
                break
            params["Marker"] = page["NextMarker"]
        details.rotations = [
            Rotation(
                material_id=str(r.get("KeyMaterialId", "")),
                state=str(r.get("KeyMaterialState", "")),
                rotation_type=r.get("RotationType"),
                date=r.get("RotationDate"),
            )
            for r in rotations
        ]
    except KmsError as exc:
        details.rotation_note = _note(exc)
    try:
        text = session.call("GetKeyPolicy", KeyId=key_id, PolicyName="default")["Policy"]
        try:
            details.policy = json.dumps(json.loads(text), indent=2)
        except ValueError:
            details.policy = str(text)
    except KmsError as exc:
        details.policy_note = _note(exc)
    return details


def rotate_now(session: KmsSession, key_id: str) -> None:
    """RotateKeyOnDemand: new current key material; everything made before still decrypts."""
    session.call("RotateKeyOnDemand", KeyId=key_id)
