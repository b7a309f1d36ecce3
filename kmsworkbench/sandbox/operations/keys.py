"""CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, UpdateKeyDescription,
ScheduleKeyDeletion, CancelKeyDeletion: KMS keys and their lifecycle."""

from __future__ import annotations

import uuid

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    DAY,
    NewKey,
    Params,
    Request,
    Response,
    insert_key,
    key_metadata,
    make_material,
    manageable_key,
    operation,
    page,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.policy import POLICY_NAME, checked_policy
from kmsworkbench.sandbox.core.rotation import resume_after_enable
from kmsworkbench.sandbox.core.specs import KEY_SPECS, NOT_IN_CHINA_KEY_SPECS
from kmsworkbench.sandbox.operations import customkeystores, multiregion
from kmsworkbench.sandbox.operations.tags import tag_pairs


@operation("CreateKey")
def create_key(r: Request, p: Params) -> Response:
    if p.get("KeySpec") and p.get("CustomerMasterKeySpec"):
        raise E.err("key_spec_twice")
    spec = p.get("KeySpec") or p.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if spec == "SM2" and not r.in_china:
        raise E.err("sm2_not_in_region", parameter="KeySpec")
    if spec in NOT_IN_CHINA_KEY_SPECS and r.in_china:
        raise E.err("key_spec_not_in_china", parameter="KeySpec", spec=spec)
    usage = p.get("KeyUsage")
    if usage is None:
        if spec != "SYMMETRIC_DEFAULT":
            raise E.err("key_usage_required")
        usage = "ENCRYPT_DECRYPT"
    if usage not in KEY_SPECS[spec]:
        raise E.err("key_usage_incompatible", usage=usage, spec=spec)
    origin = p.get("Origin") or "AWS_KMS"
    customkeystores.check_new_key(r, p, origin, spec, usage)
    tags = tag_pairs(p.get("Tags") or [])
    policy = p.get("Policy")
    if policy is not None:
        checked_policy(r, policy, bool(p.get("BypassPolicyLockoutSafetyCheck")))
    multi_region = bool(p.get("MultiRegion"))
    key_id = ("mrk-" + uuid.uuid4().hex) if multi_region else str(uuid.uuid4())
    if origin == "EXTERNAL":
        material = NewKey(spec, None, None, None)
        state = "PendingImport"
    else:
        material = make_material(spec)  # outside the transaction: RSA takes a while
        state = "Enabled"

    def work(write: bool) -> Response:
        record = insert_key(
            r,
            key_id,
            material,
            usage=usage,
            description=p.get("Description") or "",
            origin=origin,
            state=state,
            multi_region=multi_region,
        )
        customkeystores.attach_new_key(r, p, key_id, origin)
        if tags:
            r.store.put_tags(r.region, key_id, tags)
        if policy is not None:
            r.store.put_policy(r.region, key_id, POLICY_NAME, policy)
        return {"KeyMetadata": key_metadata(r, record)}

    return tx(r, work, write=True)


@operation("DescribeKey")
def describe_key(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        # InvalidGrantTokenException is not among DescribeKey's errors: AWS does not judge
        # grant tokens here, and neither do we.
        key = resolve_key(r, p["KeyId"], write)
        return {"KeyMetadata": key_metadata(r, key)}

    return tx(r, work)


@operation("ListKeys")
def list_keys(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        ids, extra = page(
            "keys",
            r,
            p,
            100,  # default 100, 1-1000 (model)
            lambda after, n: r.store.list_key_ids(r.region, after, n),
            lambda key_id: key_id,
        )
        return {"Keys": [{"KeyId": k, "KeyArn": r.key_arn(k)} for k in ids], **extra}

    return tx(r, work)


def _set_state(r: Request, p: Params, state: str) -> Response:
    """EnableKey / DisableKey: refused for keys pending deletion or import; setting the
    state a key already has is a no-op."""

    def work(write: bool) -> None:
        key = manageable_key(r, p["KeyId"], write)
        if key.state == "PendingImport":
            raise E.err("pending_import", arn=r.key_arn(key.key_id))
        if key.state != state:
            r.store.update_key(r.region, key.key_id, state=state)
            if state == "Enabled":
                resume_after_enable(r, r.region, key.key_id)

    tx(r, work, write=True)
    return {}


@operation("EnableKey")
def enable_key(r: Request, p: Params) -> Response:
    return _set_state(r, p, "Enabled")


@operation("DisableKey")
def disable_key(r: Request, p: Params) -> Response:
    return _set_state(r, p, "Disabled")


@operation("ScheduleKeyDeletion")
def schedule_key_deletion(r: Request, p: Params) -> Response:
    days = p.get("PendingWindowInDays") or 30  # default 30; 7-30 enforced in validation

    def work(write: bool) -> Response:
        key = manageable_key(r, p["KeyId"], write)
        replicated = multiregion.schedule_primary_deletion(r, key, days)
        if replicated is not None:
            return replicated
        deletion = r.now + days * DAY
        r.store.update_key(r.region, key.key_id, state="PendingDeletion", deletion_date=deletion)
        return {
            "KeyId": r.key_arn(key.key_id),
            "DeletionDate": deletion,
            "KeyState": "PendingDeletion",
            "PendingWindowInDays": days,
        }

    return tx(r, work, write=True)


@operation("UpdateKeyDescription")
def update_key_description(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = manageable_key(r, p["KeyId"], write)
        r.store.update_key(r.region, key.key_id, description=p["Description"])
        return {}

    return tx(r, work, write=True)


@operation("CancelKeyDeletion")
def cancel_key_deletion(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        arn = r.key_arn(key.key_id)
        if key.state not in ("PendingDeletion", "PendingReplicaDeletion"):
            raise E.err("not_pending_deletion", arn=arn)
        # A key whose deletion is cancelled comes back Disabled (AWS: "the key state is
        # Disabled"; EnableKey to use it again).
        r.store.update_key(r.region, key.key_id, state="Disabled", deletion_date=None)
        return {"KeyId": arn}

    return tx(r, work, write=True)
