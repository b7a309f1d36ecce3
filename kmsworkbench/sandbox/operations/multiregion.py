"""Multi-Region keys: ReplicateKey, UpdatePrimaryRegion, the MultiRegionConfiguration in
KeyMetadata, and the deletion of a primary key that still has replicas.

A multi-Region key (``CreateKey MultiRegion=true``, key id ``mrk-`` + 32 hex digits) has the
same key id in every Region it is in; each Region's copy is a row of ``keys`` for that Region,
with its own state, description, aliases, tags and grants, and the same key material (copied
at replication), so a ciphertext made in one Region decrypts in another. One data folder
holds every Region. ``multi_region_keys`` records which Region holds the primary.

Where AWS is eventually consistent (a new replica is ``Creating`` for a few seconds, both keys
are ``Updating`` while the primary Region changes), the sandbox completes at once.
"""

from __future__ import annotations

from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox import store_external as X
from kmsworkbench.sandbox.core import (
    DAY,
    NeedsWrite,
    NewKey,
    Params,
    Request,
    Response,
    insert_key,
    key_metadata,
    operation,
    partition_of,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.metadata import METADATA_HOOKS
from kmsworkbench.sandbox.core.policy import POLICY_NAME, checked_policy, default_policy_text
from kmsworkbench.sandbox.core.tx import DUE_WORK
from kmsworkbench.sandbox.operations.tags import tag_pairs
from kmsworkbench.sandbox.store import KeyRecord


def _arn_in(r: Request, region: str, key_id: str) -> str:
    return f"arn:{r.partition}:kms:{region}:{r.account_id}:key/{key_id}"


def primary_of(r: Request, key: KeyRecord) -> str:
    """The primary Region of a multi-Region key (its own Region until it is replicated)."""
    return X.primary_region(r.store, key.key_id) or key.region


def is_replica(r: Request, key: KeyRecord) -> bool:
    return key.multi_region and primary_of(r, key) != key.region


def replica_material_state(r: Request, key: KeyRecord, material_id: str) -> str | None:
    """For a replica importing key material: the state that material has in the primary key
    (a replica takes only its primary's material); None for keys that are not replicas."""
    if not is_replica(r, key):
        return None
    primary = primary_of(r, key)
    for m in X.imported_materials(r.store, primary, key.key_id):
        if m.material_id == material_id:
            return m.rotation_state
    raise E.err("material_not_primary", primary_arn=_arn_in(r, primary, key.key_id))


def replica_regions(r: Request, key: KeyRecord) -> list[str]:
    primary = primary_of(r, key)
    return [region for region in X.regions_of_key(r.store, key.key_id) if region != primary]


def _configuration(r: Request, key: KeyRecord, md: dict[str, Any]) -> None:
    if not key.multi_region:
        return
    primary = primary_of(r, key)
    md["MultiRegionConfiguration"] = {
        "MultiRegionKeyType": "PRIMARY" if primary == key.region else "REPLICA",
        "PrimaryKey": {"Arn": _arn_in(r, primary, key.key_id), "Region": primary},
        "ReplicaKeys": [
            {"Arn": _arn_in(r, region, key.key_id), "Region": region}
            for region in replica_regions(r, key)
        ],
    }


def _primary_key(r: Request, p: Params, write: bool) -> KeyRecord:
    key = resolve_key(r, p["KeyId"], write, allow_alias=False)
    arn = r.key_arn(key.key_id)
    if not key.multi_region:
        raise E.err("not_multi_region", arn=arn)
    if is_replica(r, key):
        raise E.err("not_primary", arn=arn, primary=primary_of(r, key))
    if key.state == "Disabled":
        raise E.err("disabled", arn=arn)
    if key.state == "PendingDeletion":
        raise E.err("pending_deletion", arn=arn)
    if key.state == "PendingReplicaDeletion":
        raise E.err("pending_replica_deletion", arn=arn)
    return key


def _other_region(r: Request, region: str, member: str) -> Request:
    if region == r.region:
        raise E.err("same_region", member=member, region=region)
    if partition_of(region) != r.partition:
        # "in the same Amazon Web Services partition" (model docs).
        raise E.err("other_partition", member=member, region=region, partition=r.partition)
    return Request(r.operation, region, r.partition, r.account_id, r.now, r.store)


@operation("ReplicateKey")
def replicate_key(r: Request, p: Params) -> Response:
    target = _other_region(r, p["ReplicaRegion"], "ReplicaRegion")
    tags = tag_pairs(p.get("Tags") or [])
    policy = p.get("Policy")  # not a shared property: the replica's own, or the default
    if policy is not None:
        checked_policy(target, policy, bool(p.get("BypassPolicyLockoutSafetyCheck")))

    def work(write: bool) -> Response:
        key = _primary_key(r, p, write)
        existing = r.store.get_key(target.region, key.key_id)
        if existing is not None:
            raise E.err("replica_exists", arn=target.key_arn(key.key_id))
        X.set_primary_region(r.store, key.key_id, r.region)
        # "If you replicate a multi-Region primary key with imported key material, the
        # replica key is created with no key material."
        imported = key.origin == "EXTERNAL"
        replica = insert_key(
            target,
            key.key_id,
            NewKey(key.key_spec, None, None, None),
            usage=key.key_usage,
            description=p.get("Description") or "",
            origin=key.origin,
            state="PendingImport" if imported else "Enabled",
            multi_region=True,
        )
        if not imported:
            X.copy_materials(r.store, key.key_id, r.region, target.region)
            replica = r.store.get_key(target.region, key.key_id) or replica
        if tags:
            r.store.put_tags(target.region, key.key_id, tags)
        if policy is not None:
            r.store.put_policy(target.region, key.key_id, POLICY_NAME, policy)
        return {
            "ReplicaKeyMetadata": key_metadata(target, replica),
            "ReplicaPolicy": policy if policy is not None else default_policy_text(target),
            "ReplicaTags": [{"TagKey": k, "TagValue": v} for k, v in tags],
        }

    return tx(r, work, write=True)


@operation("UpdatePrimaryRegion")
def update_primary_region(r: Request, p: Params) -> Response:
    target = _other_region(r, p["PrimaryRegion"], "PrimaryRegion")

    def work(write: bool) -> Response:
        key = _primary_key(r, p, write)
        if r.store.get_key(target.region, key.key_id) is None:
            raise E.err("no_replica_there", arn=r.key_arn(key.key_id), region=target.region)
        X.set_primary_region(r.store, key.key_id, target.region)
        return {}

    return tx(r, work, write=True)


def schedule_primary_deletion(r: Request, key: KeyRecord, days: int) -> Response | None:
    """ScheduleKeyDeletion of a primary key that has replicas: PendingReplicaDeletion until
    the last replica is deleted; then its waiting period begins. None for other keys."""
    if not key.multi_region or is_replica(r, key) or not replica_regions(r, key):
        return None
    r.store.update_key(r.region, key.key_id, state="PendingReplicaDeletion", deletion_date=None)
    X.set_pending_window(r.store, key.key_id, days)
    # "If the KMS key is a multi-Region primary key with replica keys, this field
    # [DeletionDate] does not appear" (model docs).
    return {
        "KeyId": r.key_arn(key.key_id),
        "KeyState": "PendingReplicaDeletion",
        "PendingWindowInDays": days,
    }


def start_primary_deletions(r: Request, write: bool) -> None:
    """Due work: a primary whose last replica is gone starts its own deletion window."""
    due = [
        (region, key_id, window)
        for region, key_id, window in X.primaries_awaiting_replica_deletion(r.store)
        if X.regions_of_key(r.store, key_id) == [region]
    ]
    if due and not write:
        raise NeedsWrite
    for region, key_id, window in due:
        r.store.update_key(
            region, key_id, state="PendingDeletion", deletion_date=r.now + window * DAY
        )


# No DUE_HORIZONS entry: a primary becomes due when its last replica is deleted, which is a
# write (the replica's own deletion falls due by the deletions' horizon).
DUE_WORK.append(start_primary_deletions)
METADATA_HOOKS.append(_configuration)
