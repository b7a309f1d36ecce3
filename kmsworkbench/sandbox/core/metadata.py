"""KeyMetadata, as DescribeKey, CreateKey and the other key operations return it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsworkbench.sandbox.core.context import Request
from kmsworkbench.sandbox.core.specs import LEGACY_SPECS, USAGE_FIELDS, algorithms_of
from kmsworkbench.sandbox.store import KeyRecord

# Hooks that add members an API area owns (``hook(r, key, metadata)``): the multi-Region
# configuration, the custom key store, the imported material's expiration.
METADATA_HOOKS: list[Callable[[Request, KeyRecord, dict[str, Any]], None]] = []


def key_metadata(r: Request, key: KeyRecord) -> dict[str, Any]:
    arn = r.key_arn(key.key_id)
    md: dict[str, Any] = {
        "AWSAccountId": r.account_id,
        "KeyId": key.key_id,
        "Arn": arn,
        "CreationDate": key.created,
        "Enabled": key.state == "Enabled",
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
    }
    if key.key_spec in LEGACY_SPECS:
        md["CustomerMasterKeySpec"] = key.key_spec
    if key.deletion_date is not None:
        md["DeletionDate"] = key.deletion_date
    algorithms = algorithms_of(key.key_spec, key.key_usage)
    if algorithms:
        md[USAGE_FIELDS[key.key_usage]] = list(algorithms)
    # CurrentKeyMaterialId: "present for symmetric encryption keys" (model docs).
    if key.key_spec == "SYMMETRIC_DEFAULT" and key.material_id and key.state != "PendingImport":
        md["CurrentKeyMaterialId"] = key.material_id
    for hook in METADATA_HOOKS:
        hook(r, key, md)
    return md
