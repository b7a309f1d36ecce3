"""EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
ListKeyRotations: rotating a symmetric key's material.

Rotations complete at once in the sandbox, so GetKeyRotationStatus never shows an
OnDemandRotationStartDate (AWS shows one while its background rotation runs)."""

from __future__ import annotations

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    DAY,
    Params,
    Request,
    Response,
    check_state,
    operation,
    page,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.rotation import (
    CONFLICT_WINDOW,
    DEFAULT_PERIOD_DAYS,
    MAX_ON_DEMAND,
    rotate,
)
from kmsworkbench.sandbox.operations import imports
from kmsworkbench.sandbox.store import KeyRecord, MaterialRecord


def rotatable_key(r: Request, ref: str, write: bool, imported: bool = False) -> KeyRecord:
    """A key whose material KMS rotates: symmetric encryption, KMS-made material (with
    ``imported``, also imported material: RotateKeyOnDemand and ListKeyRotations). Asymmetric
    and HMAC keys and custom key stores are refused (model docs)."""
    key = resolve_key(r, ref, write, allow_alias=False)
    arn = r.key_arn(key.key_id)
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise E.err("rotation_key_spec", arn=arn, spec=key.key_spec, operation=r.operation)
    if key.origin != "AWS_KMS" and not (imported and key.origin == "EXTERNAL"):
        raise E.err("rotation_origin", arn=arn, origin=key.origin, operation=r.operation)
    return key


@operation("EnableKeyRotation")
def enable_key_rotation(r: Request, p: Params) -> Response:
    period = p.get("RotationPeriodInDays") or DEFAULT_PERIOD_DAYS  # 90..2560 (validation)

    def work(write: bool) -> Response:
        key = rotatable_key(r, p["KeyId"], write)
        check_state(r, key)
        # Enabling (or changing the period of) rotation schedules the next rotation one
        # period from now (unverified for a period change on an enabled key).
        r.store.set_rotation(r.region, key.key_id, period, r.now + period * DAY)
        return {}

    return tx(r, work, write=True)


@operation("DisableKeyRotation")
def disable_key_rotation(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = rotatable_key(r, p["KeyId"], write)
        check_state(r, key)
        r.store.clear_rotation(r.region, key.key_id)
        return {}

    return tx(r, work, write=True)


@operation("GetKeyRotationStatus")
def get_key_rotation_status(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        arn = r.key_arn(key.key_id)
        if key.key_spec != "SYMMETRIC_DEFAULT":
            raise E.err("rotation_key_spec", arn=arn, spec=key.key_spec, operation=r.operation)
        if key.state == "PendingImport":
            raise E.err("pending_import", arn=arn)
        rotation = r.store.get_rotation(r.region, key.key_id)
        # "While a KMS key is pending deletion, its key rotation status is false" (docs).
        if rotation is None or key.state == "PendingDeletion":
            return {"KeyRotationEnabled": False, "KeyId": arn}
        return {
            "KeyRotationEnabled": True,
            "KeyId": arn,
            "RotationPeriodInDays": rotation[0],
            "NextRotationDate": rotation[1],
        }

    return tx(r, work)


@operation("RotateKeyOnDemand")
def rotate_key_on_demand(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = rotatable_key(r, p["KeyId"], write, imported=True)
        check_state(r, key)
        arn = r.key_arn(key.key_id)
        materials = r.store.materials(r.region, key.key_id)
        if key.origin == "EXTERNAL":
            # "you must have already imported new key material and that key material's
            # state should be PENDING_ROTATION" (model docs).
            if sum(m.rotation_type == "ON_DEMAND" for m in materials) >= MAX_ON_DEMAND:
                raise E.err("on_demand_limit", arn=arn)
            imports.rotate_imported(r, key)
            return {"KeyId": arn}
        if sum(m.rotation_type == "ON_DEMAND" for m in materials) >= MAX_ON_DEMAND:
            raise E.err("on_demand_limit", arn=arn)
        scheduled = r.store.get_rotation(r.region, key.key_id)
        if scheduled is not None and scheduled[1] - r.now <= CONFLICT_WINDOW:
            raise E.err("rotation_conflict", arn=arn)
        rotate(r, r.region, key.key_id, "ON_DEMAND", r.now)
        return {"KeyId": arn}

    return tx(r, work, write=True)


def rotation_entry(r: Request, key: KeyRecord, m: MaterialRecord) -> Response:
    entry: Response = {
        "KeyId": key.key_id,
        "KeyMaterialId": m.material_id,
        "KeyMaterialState": "CURRENT" if m.current else "NON_CURRENT",
    }
    if m.rotation_type is not None:
        entry["RotationDate"] = m.rotated
        entry["RotationType"] = m.rotation_type
    return entry


@operation("ListKeyRotations")
def list_key_rotations(r: Request, p: Params) -> Response:
    include_all = p.get("IncludeKeyMaterial") == "ALL_KEY_MATERIAL"

    def work(write: bool) -> Response:
        key = rotatable_key(r, p["KeyId"], write, imported=True)
        if key.origin == "EXTERNAL":  # with each material's import state (model)
            listed = imports.rotation_entries(r, key, include_all)
            numbered_entries = [(f"{i:06d}", e) for i, e in enumerate(listed)]
            entries, more = page(
                "rotations",
                r,
                p,
                100,
                lambda after, n: [x for x in numbered_entries if x[0] > (after or "")][:n],
                lambda x: x[0],
            )
            return {"Rotations": [e for _, e in entries], **more}
        if key.state == "PendingImport":
            raise E.err("pending_import", arn=r.key_arn(key.key_id))
        materials = [
            m
            for m in r.store.materials(r.region, key.key_id)
            if include_all or m.rotation_type is not None
        ]
        # Markers name a position in the (oldest-first) history.
        numbered = [(f"{i:06d}", m) for i, m in enumerate(materials)]
        rows, extra = page(
            "rotations",
            r,
            p,
            100,  # default 100, 1-1000 (model)
            lambda after, n: [x for x in numbered if x[0] > (after or "")][:n],
            lambda x: x[0],
        )
        return {"Rotations": [rotation_entry(r, key, m) for _, m in rows], **extra}

    return tx(r, work)
