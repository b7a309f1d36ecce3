"""IAM policy condition operators, as the IAM User Guide documents them.

A condition block is ``{operator: {key: value-or-values}}``. Every operator in the block, and
every key under an operator, must hold (AND); the values listed for one key are alternatives
(OR) -- for the negated operators (``StringNotEquals``, ``ArnNotLike`` ...) the request value
must match none of them.

Missing keys (IAM User Guide, "Condition operators" and "Single-valued vs. multivalued
condition keys"):

- a positive operator on a key the request does not have is false;
- a negated operator on a missing key is true;
- ``...IfExists`` on a missing key is true;
- ``Null: true`` holds when the key is missing, ``Null: false`` when it is present;
- ``ForAllValues:`` holds for a missing key or an empty set, ``ForAnyValue:`` does not.

A key the sandbox does not know (not in :data:`KNOWN_KEYS` and no ``kms:EncryptionContext:``
prefix) raises :class:`UnknownConditionKey`: the caller treats the statement as undecidable
and fails closed, and says so.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The request-context keys the sandbox can fill. kms:ViaService and kms:GrantIsForAWSResource
# are known but never true here: no integrated AWS service calls the sandbox, so a statement
# meant for one never applies (the AWS managed key policies rely on kms:ViaService).
KNOWN_KEYS = frozenset(
    k.lower()
    for k in (
        "kms:EncryptionContextKeys",
        "kms:DataKeyPairSpec",
        "kms:KeySpec",
        "kms:KeyUsage",
        "kms:KeyOrigin",
        "kms:CallerAccount",
        "kms:EncryptionAlgorithm",
        "kms:SigningAlgorithm",
        "kms:MacAlgorithm",
        "kms:KeyAgreementAlgorithm",
        "kms:GrantOperations",
        "kms:GrantConstraintType",
        "kms:GrantIsForAWSResource",
        "kms:GranteePrincipal",
        "kms:RetiringPrincipal",
        "kms:RequestAlias",
        "kms:ResourceAliases",
        "kms:RotationPeriodInDays",
        "kms:BypassPolicyLockoutSafetyCheck",
        "kms:MultiRegion",
        "kms:ViaService",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:username",
        "aws:userid",
        "aws:SourceIp",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:SecureTransport",
    )
)
EC_PREFIX = "kms:encryptioncontext:"

# Multivalued keys (their value is a set of strings); the rest are single-valued.
MULTIVALUED = frozenset({"kms:encryptioncontextkeys", "kms:grantoperations", "kms:resourcealiases"})

Value = str | bool | int | float | list[str] | tuple[str, ...]


class UnknownConditionKey(Exception):
    """A condition names a key the sandbox cannot evaluate."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class BadCondition(ValueError):
    """A condition block that is not valid policy grammar (unknown operator, bad shape)."""


def is_known_key(key: str) -> bool:
    low = key.lower()
    return low in KNOWN_KEYS or (low.startswith(EC_PREFIX) and len(low) > len(EC_PREFIX))


# --- matching primitives ------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` any one; everything else literal."""
    parts = ["^"]
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    parts.append("$")
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return bool(glob_regex(pattern, ignore_case).match(value))


def arn_match(pattern: str, value: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-separated parts matched on its own, case
    sensitive, with ``*`` and ``?`` wildcards (the last part may itself contain colons)."""
    p, v = pattern.split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return False
    return all(glob_match(a, b) for a, b in zip(p, v, strict=True))


def _number(text: object) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(str(text))
    except ValueError:
        return None


def parse_date(text: object) -> float | None:
    """ISO 8601 (``2026-01-01``, ``2026-01-01T12:00:00Z``) or epoch seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _as_str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_eq(p: str, v: str) -> bool:
    return p == v


def _string_eq_ic(p: str, v: str) -> bool:
    return p.lower() == v.lower()


def _string_like(p: str, v: str) -> bool:
    return glob_match(p, v)


def _num_cmp(op: str) -> Any:
    def cmp(p: str, v: str) -> bool:
        a, b = _number(v), _number(p)
        if a is None or b is None:
            return False
        return {
            "eq": a == b,
            "lt": a < b,
            "le": a <= b,
            "gt": a > b,
            "ge": a >= b,
        }[op]

    return cmp


def _date_cmp(op: str) -> Any:
    def cmp(p: str, v: str) -> bool:
        a, b = parse_date(v), parse_date(p)
        if a is None or b is None:
            return False
        return {
            "eq": a == b,
            "lt": a < b,
            "le": a <= b,
            "gt": a > b,
            "ge": a >= b,
        }[op]

    return cmp


def _bool_eq(p: str, v: str) -> bool:
    return p.lower() == v.lower()


def _ip_match(p: str, v: str) -> bool:
    try:
        return ipaddress.ip_address(v) in ipaddress.ip_network(p, strict=False)
    except ValueError:
        return False


# base operator name -> (matcher(policy_value, request_value), negated)
_OPERATORS: dict[str, tuple[Any, bool]] = {
    "StringEquals": (_string_eq, False),
    "StringNotEquals": (_string_eq, True),
    "StringEqualsIgnoreCase": (_string_eq_ic, False),
    "StringNotEqualsIgnoreCase": (_string_eq_ic, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "NumericEquals": (_num_cmp("eq"), False),
    "NumericNotEquals": (_num_cmp("eq"), True),
    "NumericLessThan": (_num_cmp("lt"), False),
    "NumericLessThanEquals": (_num_cmp("le"), False),
    "NumericGreaterThan": (_num_cmp("gt"), False),
    "NumericGreaterThanEquals": (_num_cmp("ge"), False),
    "DateEquals": (_date_cmp("eq"), False),
    "DateNotEquals": (_date_cmp("eq"), True),
    "DateLessThan": (_date_cmp("lt"), False),
    "DateLessThanEquals": (_date_cmp("le"), False),
    "DateGreaterThan": (_date_cmp("gt"), False),
    "DateGreaterThanEquals": (_date_cmp("ge"), False),
    "Bool": (_bool_eq, False),
    "IpAddress": (_ip_match, False),
    "NotIpAddress": (_ip_match, True),
    "ArnEquals": (arn_match, False),
    "ArnLike": (arn_match, False),
    "ArnNotEquals": (arn_match, True),
    "ArnNotLike": (arn_match, True),
}
OPERATOR_NAMES = frozenset(_OPERATORS) | {"Null"}


@dataclass(frozen=True, slots=True)
class Operator:
    name: str  # as written
    base: str  # StringEquals ...
    set_op: str | None  # "ForAnyValue" / "ForAllValues" / None
    if_exists: bool


def parse_operator(name: str) -> Operator:
    if not isinstance(name, str):
        raise BadCondition(f"condition operator {name!r} is not a string")
    set_op = None
    rest = name
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if name.startswith(prefix):
            set_op, rest = prefix[:-1], name[len(prefix) :]
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATOR_NAMES or (base == "Null" and (if_exists or set_op)):
        raise BadCondition(f"unknown condition operator {name!r}")
    return Operator(name, base, set_op, if_exists)


def _values(raw: object, where: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, dict | list) or item is None:
            raise BadCondition(f"condition value for {where} must be a string or a list of strings")
        out.append(_as_str(item))
    return out


def lookup(context: Mapping[str, Value], key: str) -> Value | None:
    """The request's value of ``key`` (keys are case-insensitive), or None when absent."""
    low = key.lower()
    for k, v in context.items():
        if k.lower() == low:
            return v
    return None


def _holds(op: Operator, key: str, policy_values: list[str], context: Mapping[str, Value]) -> bool:
    if not is_known_key(key):
        raise UnknownConditionKey(key)
    value = lookup(context, key)
    if op.base == "Null":
        want_absent = [v.lower() == "true" for v in policy_values]
        absent = value is None or (isinstance(value, list | tuple) and len(value) == 0)
        return any(w == absent for w in want_absent)
    match, negated = _OPERATORS[op.base]

    def one(v: str) -> bool:
        hit = any(match(p, v) for p in policy_values)
        return not hit if negated else hit

    if op.set_op is not None:
        items = list(value) if isinstance(value, list | tuple) else [] if value is None else [value]
        strs = [_as_str(x) for x in items]
        if op.set_op == "ForAllValues":
            return all(one(v) for v in strs)  # vacuously true for a missing key / empty set
        return any(one(v) for v in strs)  # ForAnyValue: false for a missing key / empty set
    if value is None or (isinstance(value, list | tuple) and len(value) == 0):
        return True if op.if_exists else negated
    if isinstance(value, list | tuple):
        # A single-valued operator on a multivalued key: true when any value matches (AWS
        # advises a set operator; this is the most permissive safe reading for positives).
        results = [one(_as_str(x)) for x in value]
        return all(results) if negated else any(results)
    return one(_as_str(value))


@dataclass(frozen=True, slots=True)
class ConditionResult:
    holds: bool
    failed: str | None = None  # "<operator> <key>" of the first clause that did not hold
    unknown_key: str | None = None


def evaluate(block: object, context: Mapping[str, Value]) -> ConditionResult:
    """Evaluate a statement's Condition block against the request context."""
    if block is None:
        return ConditionResult(True)
    if not isinstance(block, dict):
        raise BadCondition("Condition must be an object")
    for op_name, clauses in block.items():
        op = parse_operator(op_name)
        if not isinstance(clauses, dict) or not clauses:
            raise BadCondition(f"condition {op_name} must map condition keys to values")
        for key, raw in clauses.items():
            try:
                ok = _holds(op, key, _values(raw, f"{op_name} {key}"), context)
            except UnknownConditionKey as exc:
                return ConditionResult(False, f"{op_name} {key}", unknown_key=exc.key)
            if not ok:
                return ConditionResult(False, f"{op_name} {key}")
    return ConditionResult(True)


def validate(block: object) -> None:
    """Raise :class:`BadCondition` when ``block`` is not valid condition grammar."""
    if block is None:
        return
    if not isinstance(block, dict):
        raise BadCondition("Condition must be an object")
    for op_name, clauses in block.items():
        parse_operator(op_name)
        if not isinstance(clauses, dict) or not clauses:
            raise BadCondition(f"condition {op_name} must map condition keys to values")
        for key, raw in clauses.items():
            if not isinstance(key, str) or not key:
                raise BadCondition(f"condition {op_name} has an empty condition key")
            _values(raw, f"{op_name} {key}")
