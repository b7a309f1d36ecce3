"""The checks key operations share: grant tokens, key state, key usage, DryRun, Recipient."""

from __future__ import annotations

from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core.context import Request
from kmsworkbench.sandbox.core.keys import resolve_key
from kmsworkbench.sandbox.core.specs import algorithms_of
from kmsworkbench.sandbox.store import KeyRecord


def check_grant_tokens(r: Request, tokens: list[str] | None) -> None:
    """Grant tokens must be ones this sandbox issued (CreateGrant) in this Region and whose
    grant still exists."""
    for token in tokens or []:
        grant = r.store.get_grant_by_token(token)
        if grant is None or grant.region != r.region:
            raise E.err("invalid_grant_token")


def check_state(r: Request, key: KeyRecord) -> None:
    """The key must be Enabled (cryptographic operations, GetPublicKey, CreateGrant)."""
    arn = r.key_arn(key.key_id)
    if key.state == "Disabled":
        raise E.err("disabled", arn=arn)
    if key.state == "PendingDeletion":
        raise E.err("pending_deletion", arn=arn)
    if key.state == "PendingImport":
        raise E.err("pending_import", arn=arn)
    if key.state == "PendingReplicaDeletion":
        raise E.err("pending_replica_deletion", arn=arn)
    if key.state == "Unavailable":
        raise E.err("unavailable", arn=arn)
    if key.state == "Creating":
        raise E.err("creating", arn=arn)


def check_usable(r: Request, key: KeyRecord, usage: str, operation: str | None = None) -> None:
    """Key state and key usage for a cryptographic operation."""
    check_state(r, key)
    if key.key_usage != usage:
        raise E.err(
            "wrong_key_usage",
            arn=r.key_arn(key.key_id),
            usage=key.key_usage,
            operation=operation or r.operation,
        )


def check_symmetric(r: Request, key: KeyRecord) -> None:
    """A symmetric encryption key, as GenerateDataKey* and GenerateDataKeyPair* need."""
    check_usable(r, key, "ENCRYPT_DECRYPT")
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise E.err(
            "wrong_key_spec", arn=r.key_arn(key.key_id), spec=key.key_spec, operation=r.operation
        )


def manageable_key(r: Request, ref: str, write: bool) -> KeyRecord:
    """The key a management operation (state, deletion, aliases, tags) names by key ID or
    ARN: authorized, and not pending deletion."""
    key = resolve_key(r, ref, write, allow_alias=False)
    if key.state == "PendingDeletion":
        raise E.err("pending_deletion", arn=r.key_arn(key.key_id))
    if key.state == "PendingReplicaDeletion":
        raise E.err("pending_replica_deletion", arn=r.key_arn(key.key_id))
    return key


def algorithms(key: KeyRecord) -> list[str]:
    return algorithms_of(key.key_spec, key.key_usage)


def check_algorithm(key: KeyRecord, algorithm: str) -> None:
    """The key's spec supports ``algorithm`` (IncompatibleKeyAlgorithm... otherwise)."""
    if algorithm not in algorithms(key):
        raise E.err("algorithm_incompatible", algorithm=algorithm, spec=key.key_spec)


def usable_key(
    r: Request, p: dict[str, Any], write: bool, usage: str, algorithm: str | None = None
) -> KeyRecord:
    """What every cryptographic operation on the key the request names (``KeyId``) checks
    first, in AWS's order: the grant tokens, the key (resolved and authorized), its state
    and key usage, then the ``algorithm`` it must support (when given)."""
    check_grant_tokens(r, p.get("GrantTokens"))
    key = resolve_key(r, p["KeyId"], write)
    check_usable(r, key, usage)
    if algorithm is not None:
        check_algorithm(key, algorithm)
    return key


def dry_run(params: dict[str, Any]) -> None:
    if params.get("DryRun"):
        raise E.err("dry_run")


def no_recipient(params: dict[str, Any]) -> None:
    if params.get("Recipient"):
        # Nitro Enclaves attestation cannot be verified without AWS's root of trust; the
        # sandbox refuses the member rather than pretending.
        raise E.err("recipient_unsupported")
