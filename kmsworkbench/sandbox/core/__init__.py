"""The shared core every sandbox operation builds on.

- ``context``: :class:`Request` (operation, Region, partition, account, clock time, store), ARNs.
- ``registry``: ``@operation("Name")`` registers an operation; :func:`operations` lists them.
- ``tx``: :func:`tx` transactions, with the clock-driven work (deletions) done first.
- ``keys``: :func:`resolve_key`, the one way to the key an operation acts on, and
  :func:`authorize`, where access control and the audit trail hook in.
- ``checks``: key state, key usage, grant tokens, DryRun.
- ``rotation``: new key material, and the automatic rotations the clock makes due.
- ``usage``: key last usage, and the hook the audit trail sets for its event ids.
- ``clock``: :class:`SandboxClock`, real time plus the folder's stored offset.
- ``material``, ``metadata``, ``paging``, ``specs``: key material, KeyMetadata, list markers,
  the key-spec tables.
"""

from kmsworkbench.sandbox.core import (
    rotation,  # noqa: F401  (registers due rotations)
    usage,
)
from kmsworkbench.sandbox.core.checks import (
    algorithms,
    check_algorithm,
    check_grant_tokens,
    check_state,
    check_symmetric,
    check_usable,
    dry_run,
    manageable_key,
    no_recipient,
    usable_key,
)
from kmsworkbench.sandbox.core.context import CHINA_REGIONS, DAY, REGION_RE, Request, partition_of
from kmsworkbench.sandbox.core.keys import authorize, insert_key, resolve_key
from kmsworkbench.sandbox.core.material import NewKey, keypairs, make_material, new_material_id
from kmsworkbench.sandbox.core.metadata import key_metadata
from kmsworkbench.sandbox.core.paging import page
from kmsworkbench.sandbox.core.registry import Params, Response, operation, operations
from kmsworkbench.sandbox.core.tx import NeedsWrite, tx

__all__ = [
    "CHINA_REGIONS",
    "DAY",
    "REGION_RE",
    "NeedsWrite",
    "NewKey",
    "Params",
    "Request",
    "Response",
    "algorithms",
    "check_algorithm",
    "authorize",
    "check_grant_tokens",
    "check_state",
    "check_symmetric",
    "check_usable",
    "dry_run",
    "insert_key",
    "key_metadata",
    "keypairs",
    "make_material",
    "manageable_key",
    "new_material_id",
    "no_recipient",
    "usable_key",
    "operation",
    "operations",
    "page",
    "partition_of",
    "resolve_key",
    "tx",
    "usage",
]
