"""Policy documents: parsing, validation and statement matching (action, principal, resource).

A policy is the JSON grammar of the IAM User Guide ("IAM JSON policy elements"): ``Version``,
optional ``Id``, and ``Statement`` (one object or a list) whose entries have ``Sid``,
``Effect``, exactly one of ``Action``/``NotAction``, for key policies exactly one of
``Principal``/``NotPrincipal``, ``Resource``/``NotResource`` and ``Condition``.

Actions are matched case-insensitively with ``*`` and ``?`` wildcards (``kms:*``,
``kms:Generate*``); resources with the same wildcards against the key ARN (``*`` is any);
principals as KMS key policies write them: ``"*"``, ``{"AWS": "*"}``, an account id, an
account root ARN, an IAM user or role ARN, or a list of those; ``Service`` principals never
match a sandbox caller (no AWS service calls the sandbox).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from kmsworkbench.sandbox.access import conditions as C

VERSIONS = ("2012-10-17", "2008-10-17")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_IAM_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(root|user/.+|role/.+)$")
_STS_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role/([^/]+)/(.+)$")
MAX_KEY_POLICY_BYTES = 32_768  # KMS quota: key policy document size


class PolicyError(ValueError):
    """A policy document that is not valid: the message says what and where."""


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: str  # "Allow" / "Deny"
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    principals: tuple[str, ...] | None  # normalised: "*", account ids, ARNs, "service:..."
    not_principals: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    condition: dict[str, Any] | None

    @property
    def label(self) -> str:
        return f"statement {self.index + 1}" + (f' ("{self.sid}")' if self.sid else "")


@dataclass(frozen=True, slots=True)
class Policy:
    name: str  # "key policy", or the identity policy's name
    kind: str  # "key" / "identity"
    statements: tuple[Statement, ...]
    document: dict[str, Any]


def _strings(raw: object, element: str, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(f"{where}: {element} must not be empty")
    for item in items:
        if not isinstance(item, str) or not item:
            raise PolicyError(f"{where}: every {element} entry must be a non-empty string")
    return tuple(items)  # type: ignore[arg-type]


def _principals(raw: object, where: str) -> tuple[str, ...]:
    if raw == "*":
        return ("*",)
    if not isinstance(raw, dict) or not raw:
        raise PolicyError(f'{where}: Principal must be "*" or an object such as {{"AWS": ...}}')
    out: list[str] = []
    for kind, value in raw.items():
        names = _strings(value, f"Principal {kind}", where)
        if kind == "AWS":
            for name in names:
                if name == "*":
                    out.append("*")
                elif _ACCOUNT_RE.match(name):
                    out.append(name)
                elif _IAM_ARN_RE.match(name) or _STS_ARN_RE.match(name):
                    out.append(name)
                else:
                    raise PolicyError(
                        f"{where}: {name!r} is not a valid AWS principal (an account id, "
                        "arn:aws:iam::ACCOUNT:root, or an IAM user or role ARN)"
                    )
        elif kind in ("Service", "Federated", "CanonicalUser"):
            out.extend(f"{kind.lower()}:{name}" for name in names)
        else:
            raise PolicyError(f"{where}: unknown principal type {kind!r}")
    return tuple(out)


def _action(name: str, where: str) -> str:
    if name != "*" and ":" not in name:
        raise PolicyError(f"{where}: action {name!r} must look like kms:Decrypt or kms:*")
    return name


def parse(document: str | dict[str, Any], kind: str, name: str) -> Policy:
    """Parse and validate a policy (``kind`` "key" needs a Principal in every statement).
    A policy text parsed before comes from a cache (every call evaluates the key's policy);
    the Policy is immutable, and nobody may change its ``document``."""
    if isinstance(document, str):
        return _parse_text(document, kind, name)
    return _parse(document, kind, name)


@functools.lru_cache(maxsize=512)
def _parse_text(document: str, kind: str, name: str) -> Policy:
    return _parse(document, kind, name)


def _parse(document: str | dict[str, Any], kind: str, name: str) -> Policy:
    if isinstance(document, str):
        if len(document.encode("utf-8")) > MAX_KEY_POLICY_BYTES:
            raise PolicyError(f"the policy is larger than {MAX_KEY_POLICY_BYTES} bytes")
        try:
            doc = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"the policy is not valid JSON: {exc}") from exc
    else:
        doc = document
    if not isinstance(doc, dict):
        raise PolicyError("the policy must be a JSON object")
    unknown = set(doc) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyError(f"unknown policy element(s): {', '.join(sorted(unknown))}")
    if "Version" in doc and doc["Version"] not in VERSIONS:
        raise PolicyError(f"Version must be 2012-10-17, not {doc['Version']!r}")
    raw = doc.get("Statement")
    if raw is None:
        raise PolicyError("the policy has no Statement")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError("Statement must not be empty")
    statements = []
    for i, item in enumerate(items):
        where = f"statement {i + 1}"
        if not isinstance(item, dict):
            raise PolicyError(f"{where} must be an object")
        allowed = {
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Principal",
            "NotPrincipal",
            "Resource",
            "NotResource",
            "Condition",
        }
        extra = set(item) - allowed
        if extra:
            raise PolicyError(f"{where}: unknown element(s) {', '.join(sorted(extra))}")
        sid = item.get("Sid")
        if sid is not None and not isinstance(sid, str):
            raise PolicyError(f"{where}: Sid must be a string")
        if sid:
            where = f'{where} ("{sid}")'
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f'{where}: Effect must be "Allow" or "Deny"')
        if ("Action" in item) == ("NotAction" in item):
            raise PolicyError(f"{where}: give exactly one of Action and NotAction")
        if ("Resource" in item) and ("NotResource" in item):
            raise PolicyError(f"{where}: give at most one of Resource and NotResource")
        if kind == "key":
            if ("Principal" in item) == ("NotPrincipal" in item):
                raise PolicyError(f"{where}: a key policy statement needs a Principal")
        elif "Principal" in item or "NotPrincipal" in item:
            raise PolicyError(f"{where}: an identity policy statement has no Principal")
        if kind == "identity" and "Resource" not in item and "NotResource" not in item:
            raise PolicyError(f"{where}: an identity policy statement needs a Resource")
        try:
            C.validate(item.get("Condition"))
        except C.BadCondition as exc:
            raise PolicyError(f"{where}: {exc}") from exc
        statements.append(
            Statement(
                index=i,
                sid=sid or None,
                effect=effect,
                actions=tuple(_action(a, where) for a in _strings(item["Action"], "Action", where))
                if "Action" in item
                else None,
                not_actions=tuple(
                    _action(a, where) for a in _strings(item["NotAction"], "NotAction", where)
                )
                if "NotAction" in item
                else None,
                principals=_principals(item["Principal"], where) if "Principal" in item else None,
                not_principals=_principals(item["NotPrincipal"], where)
                if "NotPrincipal" in item
                else None,
                resources=_strings(item["Resource"], "Resource", where)
                if "Resource" in item
                else None,
                not_resources=_strings(item["NotResource"], "NotResource", where)
                if "NotResource" in item
                else None,
                condition=item.get("Condition"),
            )
        )
    return Policy(name, kind, tuple(statements), doc)


# --- matching -------------------------------------------------------------------------------


def action_matches(patterns: tuple[str, ...], action: str) -> bool:
    """``action`` is "kms:Decrypt"; patterns match case-insensitively with wildcards."""
    return any(p == "*" or C.glob_match(p, action, ignore_case=True) for p in patterns)


def statement_action(st: Statement, action: str) -> bool:
    if st.actions is not None:
        return action_matches(st.actions, action)
    assert st.not_actions is not None
    return not action_matches(st.not_actions, action)


def resource_matches(patterns: tuple[str, ...], resource: str) -> bool:
    return any(p == "*" or C.glob_match(p, resource) for p in patterns)


def statement_resource(st: Statement, resource: str) -> bool:
    if st.resources is not None:
        return resource_matches(st.resources, resource)
    if st.not_resources is not None:
        return not resource_matches(st.not_resources, resource)
    return True  # a key policy statement without Resource: this key


@dataclass(frozen=True, slots=True)
class PrincipalMatch:
    """How a statement's Principal names the caller: ``direct`` (the caller's own ARN, or
    ``*``) or ``account`` (the caller's account: the account root decides, which delegates
    to the caller's identity policies)."""

    how: str  # "direct" / "account" / "none"


def principal_match(
    names: tuple[str, ...], caller_arn: str, caller_account: str, session_arn: str
) -> PrincipalMatch:
    root = f":iam::{caller_account}:root"
    best = "none"
    for name in names:
        if name == "*" or name in (caller_arn, session_arn):
            return PrincipalMatch("direct")
        if name == caller_account or (name.endswith(root) and name.startswith("arn:")):
            best = "account"
    if best == "account" and caller_arn.endswith(root):
        return PrincipalMatch("direct")  # the root user itself
    return PrincipalMatch(best)


def statement_principal(
    st: Statement, caller_arn: str, caller_account: str, session_arn: str
) -> PrincipalMatch:
    if st.principals is not None:
        return principal_match(st.principals, caller_arn, caller_account, session_arn)
    if st.not_principals is not None:
        # NotPrincipal spares only the principals it lists exactly: listing an account
        # spares that account's root, not its users and roles (IAM User Guide, NotPrincipal:
        # list the user *and* its account to spare the user).
        m = principal_match(st.not_principals, caller_arn, caller_account, session_arn)
        return PrincipalMatch("none" if m.how == "direct" else "direct")
    return PrincipalMatch("direct")  # identity policies: the caller


# --- the default key policy -----------------------------------------------------------------


def default_key_policy(partition: str, account_id: str) -> dict[str, Any]:
    """The default key policy KMS gives a key created without one (Developer Guide,
    "Default key policy"): the account root may do everything, which enables IAM policies."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def default_key_policy_text(partition: str, account_id: str) -> str:
    return json.dumps(default_key_policy(partition, account_id), indent=2)
