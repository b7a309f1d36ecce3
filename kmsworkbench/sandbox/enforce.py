"""Access control and the audit trail, plugged into the sandbox core.

- :func:`identify` finds the caller from the request's access key: the folder account's own
  credentials are its root, another account's credentials its root, a principal's keys that
  IAM user or role (``UnrecognizedClientException`` for a key the folder does not know).
- :func:`authorize_key` is registered in ``core.keys.AUTHORIZERS``: every key an operation
  resolves is authorized there for the operation's action (key policy, identity policies,
  grants) and noted as the event's resource.
- :func:`before` authorizes the operations that act on no key (CreateKey, ListKeys ...)
  against identity policies alone, and checks a CreateKey policy (validity, lockout).
- :func:`after` stores what CreateKey's policy was, and :func:`trail_event` makes the call's
  CloudTrail event, allowed or refused (``recorder`` writes it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox import iam_store, trail
from kmsworkbench.sandbox.access import (
    AccessRequest,
    Caller,
    Decision,
    GrantInfo,
    KeyFacts,
    Policy,
    PolicyError,
    authorize,
    build_context,
    parse,
)
from kmsworkbench.sandbox.store import KeyRecord, Store

__all__ = ["CallContext", "Caller", "authorize_key", "identify", "secret_for", "trail_event"]

# Operations on no key: only identity policies decide (Resource "*").
NO_KEY_ACTIONS = frozenset(
    {
        "CreateKey",
        "ListKeys",
        "ListAliases",
        "GenerateRandom",
        "ListRetirableGrants",
        "CreateCustomKeyStore",
        "DescribeCustomKeyStores",
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "DeleteCustomKeyStore",
        "UpdateCustomKeyStore",
    }
)
# What another account may do in the sandbox: use the folder account's keys by ARN. It has
# no keys of its own (the sandbox keeps every key in the folder's account).
FOREIGN_EMPTY_LISTS = {
    "ListKeys": {"Keys": [], "Truncated": False},
    "ListAliases": {"Aliases": [], "Truncated": False},
}


UnrecognizedClient = E.UnrecognizedClientException


def denied(d: Decision) -> E.KmsError:
    return E.err(
        "access_denied",
        principal=d.principal,
        action=d.action,
        resource=d.resource,
        reason=d.reason_suffix,
    )


@dataclass
class CallContext:
    """Who is calling, from where, and what the call touched (filled as it runs)."""

    access_key_id: str | None = None
    source_ip: str = "127.0.0.1"
    user_agent: str = ""
    secure: bool | None = None
    caller: Caller | None = None
    params: dict[str, Any] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (key ARN, account)
    # The trail event's id, chosen before the call runs (GetKeyLastUsage names it).
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    decisions: list[Decision] = field(default_factory=list)
    # Key last-usage rows of a successful cryptographic call (written with its event).
    usage: list[tuple[str, str, str, float, str | None, str | None]] = field(default_factory=list)
    # Where the call's record goes instead of being written and waited for (``serve``,
    # which hands it to ``Recorder.submit`` and answers once it is committed).
    record_sink: list[Any] | None = None


# --- who is calling -------------------------------------------------------------------------


def _policies(store: Store, account_id: str, name: str) -> tuple[Policy, ...]:
    out = []
    for pname, doc in iam_store.identity_policies(store, account_id, name):
        try:
            out.append(parse(doc, "identity", pname))
        except PolicyError:
            continue  # validated when attached; a damaged one allows nothing
    return tuple(out)


def identify(store: Store, home_account: str, partition: str, access_key_id: str | None) -> Caller:
    """The caller whose access key is ``access_key_id`` (inside a transaction)."""
    home_key = store.get_meta("access_key_id")
    if access_key_id is None or access_key_id == home_key:
        return Caller(home_account, partition, "root", None, home_key or "", home_account)
    account = iam_store.account_by_key(store, access_key_id)
    if account is not None:
        return Caller(
            account.account_id, partition, "root", None, access_key_id, account.account_id
        )
    row = iam_store.principal_by_key(store, access_key_id)
    if row is None:
        raise E.err("unrecognized_client")
    return Caller(
        row.account_id,
        partition,
        row.kind,
        row.name,
        access_key_id,
        row.principal_id,
        _policies(store, row.account_id, row.name),
    )


def secret_for(store: Store, access_key_id: str) -> str | None:
    """The secret access key of any credential of the folder (for SigV4 checks)."""
    if access_key_id == store.get_meta("access_key_id"):
        return store.get_meta("secret_access_key")
    account = iam_store.account_by_key(store, access_key_id)
    if account is not None:
        return account.secret
    row = iam_store.principal_by_key(store, access_key_id)
    return row.secret if row else None


# --- key policies ---------------------------------------------------------------------------


def key_policy(r: Any, key: KeyRecord) -> Policy:
    """The key's key policy, parsed for evaluation. The document comes from
    ``core.policy.key_policy_text``, the one place that knows a key's policy (stored, the
    default key policy, or an AWS managed key's)."""
    from kmsworkbench.sandbox.core.policy import key_policy_text

    text = key_policy_text(r, key)
    assert text is not None
    return parse(text, "key", "key policy")


def validate_key_policy(text: str) -> Policy:
    """Parse a key policy (MalformedPolicyDocumentException if it is not valid)."""
    try:
        return parse(text, "key", "key policy")
    except PolicyError as exc:
        raise E.err("policy_malformed", detail=str(exc)) from exc


def allows_policy_update(r: Any, text: str) -> bool | None:
    """AWS's policy lockout safety check with the full evaluation: may the request's caller
    still PutKeyPolicy under the policy ``text`` (its identity policies included)? None when
    the request has no caller (``core.policy`` then checks for the account root)."""
    caller: Caller | None = getattr(getattr(r, "call", None), "caller", None)
    if caller is None:
        return None
    policy = validate_key_policy(text)
    call = r.call
    ctx = build_context(
        "PutKeyPolicy",
        {},
        caller,
        None,
        now=r.now,
        source_ip=call.source_ip,
        secure_transport=call.secure,
    )
    used = getattr(r, "used", None) or []  # PutKeyPolicy: the key it resolved
    arn = r.key_arn(used[-1][1] if used else "*")
    return authorize(
        AccessRequest("PutKeyPolicy", caller, arn, r.account_id, policy, context=ctx)
    ).allowed


# --- authorization --------------------------------------------------------------------------


def _grants(store: Store, key: KeyRecord) -> tuple[GrantInfo, ...]:
    rows = store.list_grants(key.region, key.key_id, None, 10_000)
    return tuple(
        GrantInfo(
            g.grant_id,
            g.grantee,
            g.retiring,
            tuple(g.operations),
            g.constraints,  # type: ignore[arg-type]
            g.created,
            g.token,
            g.name,
        )
        for g in rows
    )


def _aliases(store: Store, key: KeyRecord) -> tuple[str, ...]:
    rows = store.list_aliases(key.region, key.key_id, None, 1000)
    return tuple(a.name for a in rows)


def decide_key(
    r: Any,
    *,
    caller: Caller,
    key: KeyRecord,
    action: str,
    params: dict[str, Any],
    key_arn: str,
    key_account: str,
    partition: str,
    now: float,
    source_ip: str | None = None,
    request_alias: str | None = None,
    secure: bool | None = None,
) -> Decision:
    """The decision for ``caller`` doing ``action`` on ``key`` (inside a transaction of
    the Request ``r``'s store)."""
    store: Store = r.store
    facts = KeyFacts(
        key.key_spec, key.key_usage, key.origin, key.multi_region, _aliases(store, key)
    )
    ctx = build_context(
        action,
        params,
        caller,
        facts,
        now=now,
        source_ip=source_ip,
        request_alias=request_alias,
        secure_transport=secure,
    )
    ec = params.get("EncryptionContext")
    if action == "ReEncryptFrom":
        ec = params.get("SourceEncryptionContext")
    elif action == "ReEncryptTo":
        ec = params.get("DestinationEncryptionContext")
    grants = _grants(store, key)
    retiring = None
    if action == "RetireGrant" and params.get("GrantId"):
        retiring = next((g for g in grants if g.grant_id == params["GrantId"]), None)
    return authorize(
        AccessRequest(
            action=action,
            caller=caller,
            resource=key_arn,
            key_account=key_account,
            key_policy=key_policy(r, key),
            grants=grants,
            context=ctx,
            encryption_context=ec,
            grant_tokens=tuple(params.get("GrantTokens") or ()),
            now=now,
            grant_delay=iam_store.grant_delay(store),
            retiring_grant=retiring,
        )
    )


def authorize_key(r: Any, key: KeyRecord, action: str, ref: str | None = None) -> None:
    """The core's authorization hook (``core.keys.AUTHORIZERS``)."""
    call: CallContext | None = getattr(r, "call", None)
    if call is None or call.caller is None:
        return  # an internal call (seeding): nobody to authorize
    key_arn = r.key_arn(key.key_id)
    if (key_arn, r.account_id) not in call.keys:
        call.keys.append((key_arn, r.account_id))
    alias = None
    if ref and (ref.startswith("alias/") or ":alias/" in ref):
        alias = ref.split(":", 5)[-1] if ref.startswith("arn:") else ref
    d = decide_key(
        r,
        caller=call.caller,
        key=key,
        action=action,
        params=call.params,
        key_arn=key_arn,
        key_account=r.account_id,
        partition=r.partition,
        now=r.now,
        source_ip=call.source_ip,
        request_alias=alias,
        secure=call.secure,
    )
    call.decisions.append(d)
    if not d.allowed:
        raise denied(d)


def before(r: Any, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Checks before an operation runs; a response to give instead, or None to go on."""
    call: CallContext | None = getattr(r, "call", None)
    if call is None or call.caller is None:
        return None
    caller = call.caller
    if caller.account_id != r.account_id:
        if operation in FOREIGN_EMPTY_LISTS and not params.get("KeyId"):
            return dict(FOREIGN_EMPTY_LISTS[operation])
        if operation == "CreateKey":
            raise E.err("foreign_create_key", home=r.account_id, account=caller.account_id)
    if operation in NO_KEY_ACTIONS:
        ctx = build_context(
            operation,
            params,
            caller,
            None,
            now=r.now,
            source_ip=call.source_ip,
            secure_transport=call.secure,
        )
        d = authorize(AccessRequest(operation, caller, "*", context=ctx, now=r.now))
        call.decisions.append(d)
        if not d.allowed:
            raise denied(d)
    return None


def after(r: Any, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
    """Work after an operation succeeded: CreateKey's new key is the event's resource."""
    call: CallContext | None = getattr(r, "call", None)
    if operation == "CreateKey":
        arn = (response.get("KeyMetadata") or {}).get("Arn")
        if call is not None and arn:
            call.keys.append((arn, r.account_id))


def trail_event(
    *,
    call: CallContext,
    operation: str,
    params: dict[str, Any],
    region: str,
    now: float,
    request_id: str,
    response: dict[str, Any] | None,
    error: E.KmsError | None,
) -> dict[str, Any] | None:
    """The call's CloudTrail event (None when there is no caller); ``recorder`` writes it."""
    if call.caller is None:
        return None
    key_arn, key_account = call.keys[0] if call.keys else (None, None)
    return trail.build_event(
        trail.CallRecord(
            operation=operation,
            params=params,
            caller=call.caller,
            region=region,
            time=now,
            request_id=request_id,
            response=response,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            key_arn=key_arn,
            key_account=key_account,
            source_ip=call.source_ip,
            user_agent=call.user_agent,
            event_id=call.event_id,
        )
    )


def _event_id(r: Any) -> str | None:
    return getattr(getattr(r, "call", None), "event_id", None)


def _register() -> None:
    from kmsworkbench.sandbox.core import usage
    from kmsworkbench.sandbox.core.keys import AUTHORIZERS

    if authorize_key not in AUTHORIZERS:
        AUTHORIZERS.append(authorize_key)
    usage.set_event_id_source(_event_id)  # GetKeyLastUsage names the trail's event
    from kmsworkbench.sandbox.core.policy import LOCKOUT_CHECKS

    if allows_policy_update not in LOCKOUT_CHECKS:
        LOCKOUT_CHECKS.append(allows_policy_update)


_register()
