"""Key last usage (GetKeyLastUsage): the last successful cryptographic operation on a key,
when, its request id and its CloudTrail event id.

:func:`resolve_key` notes each key a request uses; when a cryptographic operation succeeds,
the engine takes :func:`rows` once and the recorder writes them with the call's trail event. The CloudTrail event id comes from
:data:`cloudtrail_event_id`, the one hook the audit trail sets (until it does, there is no
event id and GetKeyLastUsage leaves CloudTrailEventId out)."""

from __future__ import annotations

from collections.abc import Callable

from kmsworkbench.sandbox.core.context import Request

# "Successful cryptographic operations" (GetKeyLastUsage docs): the operations that use a
# key's material.
CRYPTOGRAPHIC_OPERATIONS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "Sign",
        "Verify",
        "GenerateMac",
        "VerifyMac",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
)
TRACKING_META = "usage_tracking_start"


def _no_event_id(r: Request) -> str | None:
    return None


# THE hook for the audit trail: the CloudTrail event id of request ``r`` (None: no trail).
cloudtrail_event_id: Callable[[Request], str | None] = _no_event_id


def set_event_id_source(source: Callable[[Request], str | None]) -> None:
    """Let the audit trail say which event id a request's trail entry has."""
    global cloudtrail_event_id
    cloudtrail_event_id = source


def rows(r: Request) -> list[tuple[str, str, str, float, str | None, str | None]]:
    """After a successful operation: if it was cryptographic, it is the last usage of every
    key it used. The rows are written with the call's trail event (``recorder``)."""
    if r.operation not in CRYPTOGRAPHIC_OPERATIONS or not r.used:
        return []
    event_id = cloudtrail_event_id(r)
    return [
        (region, key_id, r.operation, r.now, r.request_id, event_id)
        for region, key_id in dict.fromkeys(r.used)
    ]
