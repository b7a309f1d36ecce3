"""The KMS authorization decision, as the KMS Developer Guide documents it.

1. An explicit ``Deny`` in the key policy or in one of the caller's identity policies wins.
2. The key policy decides. A statement that names the caller (its user or role ARN, or
   ``*``) allows on its own within the key's account. A statement that names the caller's
   *account* (``111122223333`` or ``arn:aws:iam::111122223333:root`` -- the default key
   policy) delegates: the caller's identity policies must allow the call too (the account
   root needs none: it is the account).
3. From another account (cross-account use), the key policy must allow that account or
   principal *and* the caller's identity policy (in its own account) must allow the call.
4. A grant for the caller allows the operations it lists, within its encryption context
   constraints, once it is in effect (after the grant delay, or at once when the request
   presents its grant token). A grant does not need the key policy.
5. Anything else is an implicit deny.

Every decision carries what decided it (statement and policy, or grant) and a plain-words
explanation; a denial also carries AWS's AccessDeniedException message with its reason.

A statement whose condition uses a key the sandbox does not know is undecidable; the
sandbox fails closed: such an Allow does not allow and such a Deny denies, and the
explanation names the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kmsworkbench.sandbox.access import conditions as C
from kmsworkbench.sandbox.access.policy import (
    Policy,
    Statement,
    statement_action,
    statement_principal,
    statement_resource,
)
from kmsworkbench.sandbox.access.principals import Caller

# The reasons AWS appends to "User: ... is not authorized to perform: ... on resource: ...".
EXPLICIT_DENY_RESOURCE = "explicit-deny-resource"
EXPLICIT_DENY_IDENTITY = "explicit-deny-identity"
NO_RESOURCE_ALLOW = "no-resource-allow"
NO_IDENTITY_ALLOW = "no-identity-allow"
ALLOWED = "allowed"


@dataclass(frozen=True, slots=True)
class GrantInfo:
    grant_id: str
    grantee: str | None
    retiring: str | None
    operations: tuple[str, ...]
    constraints: Mapping[str, Mapping[str, str]] | None
    created: float
    token: str
    name: str | None = None

    def __repr__(self) -> str:  # no token in reprs
        return f"GrantInfo({self.grant_id[:12]}...)"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    action: str  # "Decrypt", "ReEncryptFrom", "CreateKey" ... (without "kms:")
    caller: Caller
    resource: str  # the key ARN, or "*" for actions on no key
    key_account: str | None = None
    key_policy: Policy | None = None
    grants: tuple[GrantInfo, ...] = ()
    context: Mapping[str, C.Value] = field(default_factory=dict)
    encryption_context: Mapping[str, str] | None = None
    grant_tokens: tuple[str, ...] = ()
    now: float = 0.0
    grant_delay: float = 0.0
    retiring_grant: GrantInfo | None = None  # RetireGrant: the grant being retired


@dataclass(frozen=True, slots=True)
class DecidedBy:
    kind: str  # "key-policy" / "identity-policy" / "grant" / "root" / "retiring-principal"
    policy: str | None = None
    index: int | None = None
    sid: str | None = None
    grant_id: str | None = None

    def describe(self) -> str:
        if self.kind in ("key-policy", "identity-policy"):
            where = (
                "the key policy"
                if self.kind == "key-policy"
                else f'identity policy "{self.policy}"'
            )
            sid = f' ("{self.sid}")' if self.sid else ""
            return f"{where}, statement {(self.index or 0) + 1}{sid}"
        if self.kind == "grant":
            return f"grant {self.grant_id}"
        if self.kind == "retiring-principal":
            return f"grant {self.grant_id} (its retiring principal)"
        return "the account root (identity permissions of the account itself)"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    action: str
    principal: str  # the caller's session ARN, as AWS's messages show it
    resource: str
    by: tuple[DecidedBy, ...]
    explanation: str
    notes: tuple[str, ...] = ()

    @property
    def reason_suffix(self) -> str:
        """The reason AWS appends to its AccessDeniedException text ("" when allowed)."""
        return {
            NO_RESOURCE_ALLOW: f" because no resource-based policy allows the kms:{self.action} action",
            NO_IDENTITY_ALLOW: f" because no identity-based policy allows the kms:{self.action} action",
            EXPLICIT_DENY_RESOURCE: " with an explicit deny in a resource-based policy",
            EXPLICIT_DENY_IDENTITY: " with an explicit deny in an identity-based policy",
        }.get(self.reason, "")

    @property
    def message(self) -> str:
        """AWS's AccessDeniedException text for this denial."""
        return (
            f"User: {self.principal} is not authorized to perform: kms:{self.action} "
            f"on resource: {self.resource}{self.reason_suffix}"
        )


@dataclass(frozen=True, slots=True)
class _Hit:
    statement: Statement
    policy: Policy
    how: str  # "direct" / "account"
    unknown_key: str | None

    @property
    def by(self) -> DecidedBy:
        return DecidedBy(
            "key-policy" if self.policy.kind == "key" else "identity-policy",
            self.policy.name,
            self.statement.index,
            self.statement.sid,
        )


def _applicable(
    policy: Policy, req: AccessRequest, notes: list[str]
) -> tuple[list[_Hit], list[_Hit]]:
    """(allow hits, deny hits) of ``policy`` for ``req``."""
    allows: list[_Hit] = []
    denies: list[_Hit] = []
    action = f"kms:{req.action}"
    c = req.caller
    for st in policy.statements:
        if not statement_action(st, action) or not statement_resource(st, req.resource):
            continue
        how = statement_principal(st, c.arn, c.account_id, c.session_arn).how
        if how == "none":
            continue
        result = C.evaluate(st.condition, req.context)
        hit = _Hit(st, policy, how, result.unknown_key)
        where = hit.by.describe()
        if result.unknown_key is not None:
            notes.append(
                f"{where} uses the condition key {result.unknown_key}, which the sandbox "
                "does not know; it fails closed (an Allow does not allow, a Deny denies)."
            )
            if st.effect == "Deny":
                denies.append(hit)
            continue
        if not result.holds:
            if st.effect == "Allow":
                notes.append(
                    f"{where} would allow, but its condition {result.failed} does not hold."
                )
            continue
        (allows if st.effect == "Allow" else denies).append(hit)
    return allows, denies


def _constraints_hold(grant: GrantInfo, ec: Mapping[str, str] | None) -> bool:
    cons = grant.constraints or {}
    ctx = dict(ec or {})
    equals = cons.get("EncryptionContextEquals")
    if equals is not None and ctx != dict(equals):
        return False
    subset = cons.get("EncryptionContextSubset")
    return not (subset is not None and any(ctx.get(k) != v for k, v in subset.items()))


def _grant_names(grant: GrantInfo, c: Caller) -> str:
    """ "direct" when the grant's grantee is the caller, "account" when it is the caller's
    account root (principals of the account then need an identity policy), else "none"."""
    if grant.grantee in (c.arn, c.session_arn):
        return "direct"
    if grant.grantee == f"arn:{c.partition}:iam::{c.account_id}:root":
        return "account"
    return "none"


def _grants(req: AccessRequest, notes: list[str], identity_allows: bool) -> DecidedBy | None:
    for g in req.grants:
        if req.action not in g.operations:
            continue
        how = _grant_names(g, req.caller)
        if how == "none" or (how == "account" and not identity_allows):
            continue
        if not _constraints_hold(g, req.encryption_context):
            notes.append(
                f"grant {g.grant_id} covers kms:{req.action}, but the request's encryption "
                "context does not meet its constraints."
            )
            continue
        age = req.now - g.created
        if age < req.grant_delay and g.token not in req.grant_tokens:
            notes.append(
                f"grant {g.grant_id} covers kms:{req.action} but is not in effect yet "
                f"({age:.1f} s old; grants take effect after {req.grant_delay:g} s, or at once "
                "when the request presents the grant token)."
            )
            continue
        return DecidedBy("grant", grant_id=g.grant_id)
    return None


def _deny(
    req: AccessRequest, reason: str, by: tuple[DecidedBy, ...], text: str, notes: list[str]
) -> Decision:
    return Decision(
        False, reason, req.action, req.caller.session_arn, req.resource, by, text, tuple(notes)
    )


def _allow(req: AccessRequest, by: tuple[DecidedBy, ...], text: str, notes: list[str]) -> Decision:
    return Decision(
        True, ALLOWED, req.action, req.caller.session_arn, req.resource, by, text, tuple(notes)
    )


def authorize(req: AccessRequest) -> Decision:
    """Decide ``req``; never raises for a valid request (policies were validated on input)."""
    notes: list[str] = []
    c = req.caller
    action = f"kms:{req.action}"
    key_allows, key_denies = (
        _applicable(req.key_policy, req, notes) if req.key_policy is not None else ([], [])
    )
    id_allows: list[_Hit] = []
    id_denies: list[_Hit] = []
    for p in c.policies:
        a, d = _applicable(p, req, notes)
        id_allows += a
        id_denies += d
    if key_denies:
        h = key_denies[0]
        return _deny(
            req,
            EXPLICIT_DENY_RESOURCE,
            (h.by,),
            f"Denied: {h.by.describe()} explicitly denies {action} to {c.display}; "
            "an explicit Deny always wins.",
            notes,
        )
    if id_denies:
        h = id_denies[0]
        return _deny(
            req,
            EXPLICIT_DENY_IDENTITY,
            (h.by,),
            f"Denied: {h.by.describe()} of {c.display} explicitly denies {action}; "
            "an explicit Deny always wins.",
            notes,
        )
    # The caller's own account: the root needs no identity policy.
    identity_allows = c.is_root or bool(id_allows)
    id_by: tuple[DecidedBy, ...] = (
        (DecidedBy("root"),) if c.is_root else (id_allows[0].by,) if id_allows else ()
    )

    if req.key_policy is None:  # an action on no key (CreateKey, ListKeys ...): IAM alone
        if identity_allows:
            return _allow(
                req,
                id_by,
                f"Allowed: {action} acts on no key, and {id_by[0].describe()} allows it.",
                notes,
            )
        return _deny(
            req,
            NO_IDENTITY_ALLOW,
            (),
            f"Denied: {action} acts on no key, so only identity policies decide, and none of "
            f"{c.display}'s allows it.",
            notes,
        )

    same_account = c.account_id == req.key_account
    direct = [h for h in key_allows if h.how == "direct"]
    account = [h for h in key_allows if h.how == "account"]
    if same_account and direct:
        h = direct[0]
        return _allow(
            req,
            (h.by,),
            f"Allowed: {h.by.describe()} allows {action} to {c.display} directly.",
            notes,
        )
    key_hit = (direct or account or [None])[0]
    if key_hit is not None and identity_allows:
        why = (
            "it allows another account, so that account's identity policy must allow too"
            if not same_account
            else "it allows the account, which lets the account's IAM policies decide"
        )
        return _allow(
            req,
            (key_hit.by, *id_by),
            f"Allowed: {key_hit.by.describe()} covers {action} ({why}), and "
            f"{id_by[0].describe()} allows it.",
            notes,
        )
    grant = _grants(req, notes, identity_allows)
    if grant is not None:
        return _allow(
            req, (grant,), f"Allowed: {grant.describe()} gives {c.display} {action}.", notes
        )
    if req.action == "RetireGrant" and req.retiring_grant is not None:
        g = req.retiring_grant
        if g.retiring in (c.arn, c.session_arn) or (
            g.grantee in (c.arn, c.session_arn) and "RetireGrant" in g.operations
        ):
            by = DecidedBy("retiring-principal", grant_id=g.grant_id)
            return _allow(req, (by,), f"Allowed: {c.display} may retire grant {g.grant_id}.", notes)
    if key_hit is not None:
        return _deny(
            req,
            NO_IDENTITY_ALLOW,
            (key_hit.by,),
            f"Denied: {key_hit.by.describe()} lets IAM policies decide {action}, but no "
            f"identity policy of {c.display} allows it (and no grant does).",
            notes,
        )
    return _deny(
        req,
        NO_RESOURCE_ALLOW,
        (),
        f"Denied: no statement of the key policy allows {action} to {c.display} or its "
        "account, and no grant does.",
        notes,
    )
