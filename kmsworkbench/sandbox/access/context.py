"""The request context: the condition keys a KMS request carries (KMS Developer Guide,
"AWS KMS condition keys"; IAM User Guide, "AWS global condition context keys").

Only the keys AWS puts in the context of that operation are present, so ``Null`` and
``...IfExists`` behave as they do against AWS: ``kms:EncryptionContext:<key>`` and
``kms:EncryptionContextKeys`` only where the request has an encryption context,
``kms:RequestAlias`` only where the KeyId was an alias, ``kms:DataKeyPairSpec`` only for the
data key pair operations, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kmsworkbench.sandbox.access.conditions import Value
from kmsworkbench.sandbox.access.principals import Caller

# Operations whose request carries kms:EncryptionAlgorithm; symmetric operations that take
# no algorithm member carry SYMMETRIC_DEFAULT (Developer Guide, kms:EncryptionAlgorithm).
_ENCRYPTION_ALGORITHM_OPS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)
_SIGNING_OPS = frozenset({"Sign", "Verify"})
_MAC_OPS = frozenset({"GenerateMac", "VerifyMac"})
_PAIR_OPS = frozenset({"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"})
_GRANT_OPS = frozenset({"CreateGrant", "ListGrants", "RevokeGrant", "RetireGrant"})


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """What the context needs to know of the key a request acts on."""

    key_spec: str
    key_usage: str
    origin: str
    multi_region: bool = False
    aliases: tuple[str, ...] = ()


_ISO_LAST: tuple[int, str] = (-1, "")


def iso(ts: float) -> str:
    """``ts`` to the second, as ISO 8601 UTC; the text is made once per second (each call
    formatted it anew, with ``strftime``, twice per served call)."""
    global _ISO_LAST
    second = math.floor(ts)
    known, text = _ISO_LAST
    if second != known:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _ISO_LAST = (second, text)  # one assignment: safe across threads
    return text


def _ec_for(action: str, params: Mapping[str, Any]) -> Mapping[str, str] | None:
    if action == "ReEncryptFrom":
        return params.get("SourceEncryptionContext")
    if action == "ReEncryptTo":
        return params.get("DestinationEncryptionContext")
    return params.get("EncryptionContext")


def encryption_context_of(action: str, params: Mapping[str, Any]) -> dict[str, str] | None:
    ec = _ec_for(action, params)
    return dict(ec) if ec else None


def build_context(
    action: str,
    params: Mapping[str, Any],
    caller: Caller,
    key: KeyFacts | None,
    *,
    now: float,
    source_ip: str | None = None,
    request_alias: str | None = None,
    secure_transport: bool | None = None,
) -> dict[str, Value]:
    """The condition keys of one request for ``action`` (the authorization action: e.g.
    "ReEncryptFrom" for the source key of a ReEncrypt)."""
    ctx: dict[str, Value] = {
        "aws:PrincipalArn": caller.arn,
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": caller.principal_type,
        "aws:userid": caller.principal_id
        if caller.kind != "role"
        else f"{caller.principal_id}:kmsworkbench",
        "aws:CurrentTime": iso(now),
        "aws:EpochTime": str(int(now)),
        "kms:CallerAccount": caller.account_id,
    }
    if caller.kind == "user" and caller.name:
        ctx["aws:username"] = caller.name
    if source_ip:
        ctx["aws:SourceIp"] = source_ip
    # AWS KMS answers HTTPS only, so every request that reaches it is secure; the sandbox
    # stands in for that endpoint (in-process, or served), unless a server says otherwise.
    ctx["aws:SecureTransport"] = True if secure_transport is None else secure_transport
    if key is not None:
        ctx["kms:KeySpec"] = key.key_spec
        ctx["kms:KeyUsage"] = key.key_usage
        ctx["kms:KeyOrigin"] = key.origin
        ctx["kms:MultiRegion"] = key.multi_region
        ctx["kms:ResourceAliases"] = list(key.aliases)
    elif action == "CreateKey":
        # CreateKey's context describes the key being made, from the request.
        ctx["kms:KeySpec"] = (
            params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        )
        ctx["kms:KeyUsage"] = params.get("KeyUsage") or "ENCRYPT_DECRYPT"
        ctx["kms:KeyOrigin"] = params.get("Origin") or "AWS_KMS"
        ctx["kms:MultiRegion"] = bool(params.get("MultiRegion", False))
        if "BypassPolicyLockoutSafetyCheck" in params:
            ctx["kms:BypassPolicyLockoutSafetyCheck"] = bool(
                params["BypassPolicyLockoutSafetyCheck"]
            )
    if action == "PutKeyPolicy" and "BypassPolicyLockoutSafetyCheck" in params:
        ctx["kms:BypassPolicyLockoutSafetyCheck"] = bool(params["BypassPolicyLockoutSafetyCheck"])
    if request_alias:
        ctx["kms:RequestAlias"] = request_alias
    ec = encryption_context_of(action, params)
    if ec:
        ctx["kms:EncryptionContextKeys"] = sorted(ec)
        for k, v in ec.items():
            ctx[f"kms:EncryptionContext:{k}"] = v
    if action in _ENCRYPTION_ALGORITHM_OPS:
        algorithm = None
        if action == "ReEncryptFrom":
            algorithm = params.get("SourceEncryptionAlgorithm")
        elif action == "ReEncryptTo":
            algorithm = params.get("DestinationEncryptionAlgorithm")
        elif action in ("Encrypt", "Decrypt"):
            algorithm = params.get("EncryptionAlgorithm")
        ctx["kms:EncryptionAlgorithm"] = algorithm or "SYMMETRIC_DEFAULT"
    if action in _SIGNING_OPS and params.get("SigningAlgorithm"):
        ctx["kms:SigningAlgorithm"] = params["SigningAlgorithm"]
    if action in _MAC_OPS and params.get("MacAlgorithm"):
        ctx["kms:MacAlgorithm"] = params["MacAlgorithm"]
    if action == "DeriveSharedSecret" and params.get("KeyAgreementAlgorithm"):
        ctx["kms:KeyAgreementAlgorithm"] = params["KeyAgreementAlgorithm"]
    if action in _PAIR_OPS and params.get("KeyPairSpec"):
        ctx["kms:DataKeyPairSpec"] = params["KeyPairSpec"]
    if action in _GRANT_OPS:
        ctx["kms:GrantIsForAWSResource"] = False  # no AWS service calls the sandbox
    if action == "CreateGrant":
        ops: Sequence[str] = params.get("Operations") or []
        ctx["kms:GrantOperations"] = list(ops)
        constraints = params.get("Constraints") or {}
        kinds = [
            k for k in ("EncryptionContextEquals", "EncryptionContextSubset") if k in constraints
        ]
        if kinds:
            ctx["kms:GrantConstraintType"] = kinds[0]
        if params.get("GranteePrincipal"):
            ctx["kms:GranteePrincipal"] = params["GranteePrincipal"]
        if params.get("RetiringPrincipal"):
            ctx["kms:RetiringPrincipal"] = params["RetiringPrincipal"]
    if action in ("ListGrants", "ListRetirableGrants") and params.get("GranteePrincipal"):
        ctx["kms:GranteePrincipal"] = params["GranteePrincipal"]
    if action == "EnableKeyRotation" and params.get("RotationPeriodInDays") is not None:
        ctx["kms:RotationPeriodInDays"] = int(params["RotationPeriodInDays"])
    return ctx
