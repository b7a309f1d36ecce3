"""GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial, and the expiry of
imported key material when the sandbox clock passes its ValidTo.

A key made with ``Origin=EXTERNAL`` has no material and is ``PendingImport``. The caller asks
for a wrapping public key and an import token (valid 24 hours), wraps its own key material
(``kmsworkbench.sandbox.wrapping`` has the algorithms) and imports it; the key becomes
``Enabled``. Deleting the material, or reaching its ValidTo, makes the key ``PendingImport``
again until the same material is imported again. Symmetric keys can also take NEW key
material, which waits (``PENDING_ROTATION``) until RotateKeyOnDemand makes it current.

Facts from the model's documentation strings (the API Reference) and the Developer Guide
("Importing key material", "Select a wrapping algorithm"); choices AWS does not document are
marked "unverified" here or in ``errors.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox import store_external as X
from kmsworkbench.sandbox import wrapping
from kmsworkbench.sandbox.core import (
    DAY,
    NeedsWrite,
    Params,
    Request,
    Response,
    keypairs,
    operation,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.metadata import METADATA_HOOKS
from kmsworkbench.sandbox.core.specs import HMAC_SIZES
from kmsworkbench.sandbox.core.tx import DUE_HORIZONS, DUE_WORK
from kmsworkbench.sandbox.operations import multiregion
from kmsworkbench.sandbox.store import KeyRecord

TOKEN_LIFETIME = DAY  # "Each public key and import token set is valid for 24 hours"
MAX_VALID_TO = 365 * DAY  # ValidTo: "The maximum value is 365 days from the request date"
# An expired token is still recognised (ExpiredImportTokenException) for this long after.
TOKEN_MEMORY = 30 * DAY
TOKEN_PREFIX = b"kmswb-import-token-v1\x00"

# HMAC key material lengths (Developer Guide, "Requirements for imported key material").
HMAC_MATERIAL_BYTES = {
    "HMAC_224": (28, 64),
    "HMAC_256": (32, 64),
    "HMAC_384": (48, 128),
    "HMAC_512": (64, 128),
}
SYMMETRIC_MATERIAL_BYTES = 32  # "256-bit (32 bytes) binary data"


def _arn(r: Request, key: KeyRecord) -> str:
    return r.key_arn(key.key_id)


def _external_key(r: Request, p: Params, write: bool) -> KeyRecord:
    key = resolve_key(r, p["KeyId"], write, allow_alias=False)
    if key.origin != "EXTERNAL":
        raise E.err(
            "not_external_origin", arn=_arn(r, key), origin=key.origin, operation=r.operation
        )
    if key.state == "PendingDeletion":
        raise E.err("pending_deletion", arn=_arn(r, key))
    if key.state == "PendingReplicaDeletion":
        raise E.err("pending_replica_deletion", arn=_arn(r, key))
    return key


def _check_wrapping_choice(r: Request, algorithm: str, spec: str) -> None:
    if algorithm == "RSAES_PKCS1_V1_5":
        raise E.err("pkcs1_wrapping_retired")
    if spec == "SM2" and not r.in_china:
        raise E.err("sm2_not_in_region", parameter="WrappingKeySpec")
    if algorithm == "SM2PKE" and not r.in_china:
        raise E.err("wrapping_not_in_region", parameter="WrappingAlgorithm", value=algorithm)
    if algorithm in wrapping.RSA_AES_ALGORITHMS and r.in_china:
        # "The RSA_AES_KEY_WRAP_SHA_256 and RSA_AES_KEY_WRAP_SHA_1 wrapping algorithms are
        # not supported in China Regions" (Developer Guide).
        raise E.err("wrapping_not_in_region", parameter="WrappingAlgorithm", value=algorithm)
    if not wrapping.compatible(algorithm, spec):
        raise E.err("wrapping_mismatch", algorithm=algorithm, spec=spec)


@operation("GetParametersForImport")
def get_parameters_for_import(r: Request, p: Params) -> Response:
    algorithm, spec = p["WrappingAlgorithm"], p["WrappingKeySpec"]
    _check_wrapping_choice(r, algorithm, spec)
    tx(r, lambda write: _external_key(r, p, write))  # errors before the slow key generation
    private_der, public_der = wrapping.new_wrapping_key(spec)
    token = TOKEN_PREFIX + os.urandom(96)
    valid_to = r.now + TOKEN_LIFETIME

    def work(write: bool) -> Response:
        key = _external_key(r, p, write)
        X.put_import_token(
            r.store,
            hashlib.sha256(token).hexdigest(),
            X.ImportToken(r.region, key.key_id, algorithm, spec, private_der, valid_to),
        )
        return {
            "KeyId": _arn(r, key),
            "ImportToken": token,
            "PublicKey": public_der,
            "ParametersValidTo": valid_to,
        }

    return tx(r, work, write=True)


def material_id_of(key_id: str, material: bytes) -> str:
    """ "KMS assigns a unique identifier to the key material based on the KMS key ID and the
    imported key material" (model docs): the same material imported into the same key (or a
    replica, which has the same key id) always gets the same id, and the id shows nothing
    about the material. The derivation itself is the sandbox's own."""
    return hmac.new(
        material, b"kmsworkbench key material id\x00" + key_id.encode(), "sha256"
    ).hexdigest()


def _check_material(key: KeyRecord, material: bytes) -> bytes | None:
    """Raise IncorrectKeyMaterialException unless ``material`` fits the key; returns the public
    key (SPKI DER) for asymmetric material."""
    spec = key.key_spec
    if spec == "SYMMETRIC_DEFAULT":
        if len(material) != SYMMETRIC_MATERIAL_BYTES:
            raise E.err("material_wrong_size", spec=spec, expected="256 bits (32 bytes)",
                        size=len(material))  # fmt: skip
        return None
    if spec in HMAC_SIZES:
        low, high = HMAC_MATERIAL_BYTES[spec]
        if not low <= len(material) <= high:
            raise E.err("material_wrong_size", spec=spec, expected=f"{low} to {high} bytes",
                        size=len(material))  # fmt: skip
        return None
    kp = keypairs()
    try:
        if material[:1] != b"\x30":  # binary DER only, not PEM or base64 text
            raise ValueError("not DER")
        info = kp.load_private_key(material)
    except ValueError as exc:
        raise E.err("material_not_pkcs8", spec=spec) from exc
    if info.spec != spec:
        raise E.err("material_wrong_spec", found=info.spec, spec=spec)
    return bytes(info.public_der)


def _expiration(r: Request, p: Params) -> tuple[str, float | None]:
    model = p.get("ExpirationModel") or "KEY_MATERIAL_EXPIRES"  # the documented default
    valid_to = p.get("ValidTo")
    if model == "KEY_MATERIAL_DOES_NOT_EXPIRE":
        if valid_to is not None:
            raise E.err("valid_to_not_allowed")
        return model, None
    if valid_to is None:
        raise E.err("valid_to_required")
    valid_to = float(valid_to)
    if valid_to <= r.now or valid_to > r.now + MAX_VALID_TO:
        raise E.err("valid_to_range")
    return model, valid_to


def _token(r: Request, key: KeyRecord, raw: bytes) -> X.ImportToken:
    token = X.get_import_token(r.store, hashlib.sha256(raw).hexdigest())
    if token is None or token.region != r.region or token.key_id != key.key_id:
        raise E.err("invalid_import_token")
    if token.valid_to <= r.now:
        raise E.err("expired_import_token")
    return token


def _symmetric_only(p: Params, key: KeyRecord) -> None:
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return
    for member in ("ImportType", "KeyMaterialDescription", "KeyMaterialId"):
        if p.get(member) is not None:
            # "This parameter is optional and only usable with symmetric encryption keys"
            raise E.err("import_member_symmetric_only", member=member)


@operation("ImportKeyMaterial")
def import_key_material(r: Request, p: Params) -> Response:
    expiration_model, valid_to = _expiration(r, p)

    def work(write: bool) -> Response:
        key = _external_key(r, p, write)
        _symmetric_only(p, key)
        token = _token(r, key, p["ImportToken"])
        try:
            material = wrapping.unwrap(
                token.algorithm, token.private_der, p["EncryptedKeyMaterial"]
            )
        except wrapping.UnwrapError as exc:
            raise E.err("invalid_ciphertext") from exc
        public_der = _check_material(key, material)
        material_id = material_id_of(key.key_id, material)
        existing = X.imported_materials(r.store, r.region, key.key_id)
        known = {m.material_id: m for m in existing}
        import_type = p.get("ImportType") or (
            "EXISTING_KEY_MATERIAL" if existing else "NEW_KEY_MATERIAL"
        )
        asked_id = p.get("KeyMaterialId")
        if import_type == "NEW_KEY_MATERIAL":
            if asked_id is not None:
                raise E.err("material_id_with_new")
            if material_id in known:
                raise E.err("material_not_new")
            if existing and key.key_spec != "SYMMETRIC_DEFAULT":
                raise E.err("material_fixed")
        else:
            if material_id not in known:
                raise E.err("material_not_previous")
            if asked_id is not None and asked_id != material_id:
                raise E.err("material_id_mismatch", material_id=asked_id)
        previous = known.get(material_id)
        primary_state = multiregion.replica_material_state(r, key, material_id)
        if previous is None and existing:
            if multiregion.is_replica(r, key):
                # "You cannot directly import new key material into the replica Region keys"
                raise E.err("new_material_into_replica", arn=_arn(r, key))
            if any(m.rotation_state == "PENDING_ROTATION" for m in existing):
                raise E.err("material_pending_rotation")  # one at a time (unverified)
        if previous is not None:
            rotation_state = previous.rotation_state
        elif primary_state is not None:
            rotation_state = primary_state  # a replica takes the primary's material as it is
        else:
            rotation_state = "PENDING_ROTATION" if existing else "CURRENT"
        description = p.get("KeyMaterialDescription")
        if description is None and previous is not None:
            description = previous.description  # "KMS retains the value you specified"
        pending = rotation_state == "PENDING_ROTATION"
        X.put_imported_material(
            r.store,
            X.ImportedMaterial(
                r.region,
                key.key_id,
                material_id,
                expiration_model,
                valid_to,
                description,
                True,
                rotation_state,
                material if pending else None,
                previous.created if previous else r.now,
            ),
        )
        if not pending:
            X.put_material(r.store, r.region, key.key_id, material_id, material, public_der,
                           created=r.now)  # fmt: skip
        _settle_state(r, key)
        return {"KeyId": _arn(r, key), "KeyMaterialId": material_id}

    return tx(r, work, write=True)


def _settle_state(r: Request, key: KeyRecord) -> None:
    """PendingImport until every key material of the key is imported ("For symmetric
    encryption keys, you will need to import all of the key materials associated with the KMS
    key to change its state to Enabled"); then Enabled. Other states are left alone."""
    materials = X.imported_materials(r.store, r.region, key.key_id)
    complete = bool(materials) and all(m.imported for m in materials)
    stored = r.store.get_key(r.region, key.key_id)
    assert stored is not None
    if complete and stored.state == "PendingImport":
        r.store.update_key(r.region, key.key_id, state="Enabled")
    elif not complete and stored.state in ("Enabled", "Disabled"):
        r.store.update_key(r.region, key.key_id, state="PendingImport")


def _forget_material(r: Request, m: X.ImportedMaterial) -> None:
    """Delete the secret of one imported material (DeleteImportedKeyMaterial, expiry). Its
    id stays, so the same material can be imported again and old ciphertexts then decrypt."""
    if m.rotation_state == "PENDING_ROTATION":
        r.store.conn.execute(
            "DELETE FROM imported_material WHERE region = ? AND key_id = ? AND material_id = ?",
            (m.region, m.key_id, m.material_id),
        )
        return
    X.put_imported_material(
        r.store,
        X.ImportedMaterial(
            m.region, m.key_id, m.material_id, m.expiration_model, None, m.description,
            False, m.rotation_state, None, m.created,
        ),
    )  # fmt: skip
    X.put_material(r.store, m.region, m.key_id, m.material_id, None, None, created=m.created)


@operation("DeleteImportedKeyMaterial")
def delete_imported_key_material(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        if key.origin != "EXTERNAL":
            raise E.err(
                "not_external_origin", arn=_arn(r, key), origin=key.origin, operation=r.operation
            )
        materials = X.imported_materials(r.store, r.region, key.key_id)
        asked = p.get("KeyMaterialId")
        if asked is None:
            target = next((m for m in materials if m.rotation_state == "CURRENT"), None)
        else:
            target = next((m for m in materials if m.material_id == asked), None)
            if target is None:
                raise E.err("material_id_unknown", material_id=asked, arn=_arn(r, key))
        if target is None or not target.imported:
            raise E.err("pending_import", arn=_arn(r, key))
        _forget_material(r, target)
        if key.state != "PendingDeletion":  # "does not change the KMS key's state" then
            _settle_state(r, key)
        return {"KeyId": _arn(r, key), "KeyMaterialId": target.material_id}

    return tx(r, work, write=True)


def expire_materials(r: Request, write: bool) -> None:
    """Due work: imported material whose ValidTo the sandbox clock has passed is deleted
    ("KMS deletes the key material from the KMS key on the specified date")."""
    due = X.expired_materials(r.store, r.now)
    if due and not write:
        raise NeedsWrite
    for m in due:
        _forget_material(r, m)
        key = r.store.get_key(m.region, m.key_id)
        if key is not None and key.state not in ("PendingDeletion", "PendingReplicaDeletion"):
            materials = X.imported_materials(r.store, m.region, m.key_id)
            if not all(x.imported for x in materials) and key.state in ("Enabled", "Disabled"):
                r.store.update_key(m.region, m.key_id, state="PendingImport")
    if write:
        X.drop_import_tokens_before(r.store, r.now - TOKEN_MEMORY)


def rotate_imported(r: Request, key: KeyRecord) -> str:
    """RotateKeyOnDemand on a symmetric EXTERNAL key: the material imported as
    NEW_KEY_MATERIAL (PENDING_ROTATION) becomes current, in the primary and in every replica
    (each must have it imported first). Returns its KeyMaterialId."""
    pending = _pending(r.store, r.region, key.key_id)
    if pending is None:
        raise E.err("no_pending_material", arn=_arn(r, key))
    regions = [r.region] + (multiregion.replica_regions(r, key) if key.multi_region else [])
    missing = [g for g in regions if _pending(r.store, g, key.key_id, pending.material_id) is None]
    if missing:
        raise E.err("replicas_need_material", arn=_arn(r, key), regions=", ".join(missing))
    for region in regions:
        m = _pending(r.store, region, key.key_id, pending.material_id)
        assert m is not None and m.pending_secret is not None
        for other in X.imported_materials(r.store, region, key.key_id):
            if other.rotation_state == "CURRENT":
                X.put_imported_material(r.store, _with_state(other, "NON_CURRENT"))
        X.put_imported_material(r.store, _with_state(m, "CURRENT"))
        X.put_material(r.store, region, key.key_id, m.material_id, m.pending_secret, None,
                       created=r.now, rotation_type="ON_DEMAND")  # fmt: skip
    return pending.material_id


def _pending(
    store: Any, region: str, key_id: str, material_id: str | None = None
) -> X.ImportedMaterial | None:
    for m in X.imported_materials(store, region, key_id):
        if m.rotation_state == "PENDING_ROTATION" and m.pending_secret is not None:
            if material_id is None or m.material_id == material_id:
                return m
    return None


def rotation_entries(r: Request, key: KeyRecord, include_all: bool) -> list[Response]:
    """ListKeyRotations for an EXTERNAL key: each material with its import facts; the first
    material and any pending one only with ALL_KEY_MATERIAL (model docs)."""
    history = {m.material_id: m for m in r.store.materials(r.region, key.key_id)}
    replicas = multiregion.replica_regions(r, key) if key.multi_region else []
    entries: list[Response] = []
    for m in X.imported_materials(r.store, r.region, key.key_id):
        h = history.get(m.material_id)
        rotated = h is not None and h.rotation_type is not None
        if not include_all and not rotated:
            continue
        state = m.rotation_state
        if state == "PENDING_ROTATION" and any(
            _pending(r.store, g, key.key_id, m.material_id) is None for g in replicas
        ):
            state = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
        entry: Response = {
            "KeyId": key.key_id,
            "KeyMaterialId": m.material_id,
            "ImportState": "IMPORTED" if m.imported else "PENDING_IMPORT",
            "KeyMaterialState": state,
            "ExpirationModel": m.expiration_model,
        }
        if m.description is not None:
            entry["KeyMaterialDescription"] = m.description
        if m.valid_to is not None:
            entry["ValidTo"] = m.valid_to
        if rotated and h is not None:
            entry["RotationDate"] = h.rotated
            entry["RotationType"] = h.rotation_type
        entries.append(entry)

    def order(e: Response) -> tuple[int, float]:
        if "RotationDate" in e:
            return 1, float(e["RotationDate"])
        return (2 if e["KeyMaterialState"].startswith("PENDING") else 0), 0.0

    entries.sort(key=order)
    return entries


def _with_state(m: X.ImportedMaterial, state: str) -> X.ImportedMaterial:
    return X.ImportedMaterial(
        m.region, m.key_id, m.material_id, m.expiration_model, m.valid_to, m.description,
        m.imported, state, None if state != "PENDING_ROTATION" else m.pending_secret, m.created,
    )  # fmt: skip


def _metadata(r: Request, key: KeyRecord, md: dict[str, Any]) -> None:
    """DescribeKey of an EXTERNAL key shows the current material's ExpirationModel and
    ValidTo."""
    if key.origin != "EXTERNAL":
        return
    current = next(
        (
            m
            for m in X.imported_materials(r.store, r.region, key.key_id)
            if m.rotation_state == "CURRENT" and m.imported
        ),
        None,
    )
    if current is None:
        return
    md["ExpirationModel"] = current.expiration_model
    if current.valid_to is not None:
        md["ValidTo"] = current.valid_to


DUE_WORK.append(expire_materials)
DUE_HORIZONS.append(
    "SELECT MIN(valid_to) FROM imported_material WHERE imported = 1 AND valid_to IS NOT NULL"
)
METADATA_HOOKS.append(_metadata)
