"""Plain-words explanations of policy statements (the TUI's policy view, `sandbox policy`)."""

from __future__ import annotations

import re

from kmsworkbench.sandbox.access.conditions import is_known_key, parse_operator
from kmsworkbench.sandbox.access.policy import Policy, Statement

_ROOT_RE = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")

_OPERATOR_WORDS = {
    "StringEquals": "is",
    "StringNotEquals": "is not",
    "StringEqualsIgnoreCase": "is (ignoring case)",
    "StringNotEqualsIgnoreCase": "is not (ignoring case)",
    "StringLike": "matches",
    "StringNotLike": "does not match",
    "NumericEquals": "=",
    "NumericNotEquals": "≠",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "≤",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": "≥",
    "DateEquals": "is the time",
    "DateNotEquals": "is not the time",
    "DateLessThan": "is before",
    "DateLessThanEquals": "is at or before",
    "DateGreaterThan": "is after",
    "DateGreaterThanEquals": "is at or after",
    "Bool": "is",
    "IpAddress": "is in",
    "NotIpAddress": "is not in",
    "ArnEquals": "is",
    "ArnLike": "matches",
    "ArnNotEquals": "is not",
    "ArnNotLike": "does not match",
}


def _principal_words(name: str, key_account: str | None) -> str:
    if name == "*":
        return "anyone (any AWS account)"
    m = _ROOT_RE.match(name)
    account = m.group(1) if m else name if name.isdigit() else None
    if account is not None:
        own = " (this key's account)" if account == key_account else ""
        return f"account {account}{own}, through its IAM policies"
    if ":user/" in name:
        return f"IAM user {name.split(':user/', 1)[1]} ({name})"
    if ":role/" in name:
        return f"IAM role {name.split(':role/', 1)[1]} ({name})"
    if ":assumed-role/" in name:
        return f"the role session {name}"
    kind, _, value = name.partition(":")
    return f"the {kind} principal {value} (never a sandbox caller)"


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _actions(st: Statement) -> str:
    if st.actions is not None:
        acts = list(st.actions)
        if "*" in acts or any(a.lower() == "kms:*" for a in acts):
            return "every KMS action"
        return _list(acts)
    assert st.not_actions is not None
    return f"every action except {_list(list(st.not_actions))}"


def _conditions(st: Statement) -> list[str]:
    out = []
    for op_name, clauses in (st.condition or {}).items():
        op = parse_operator(op_name)
        for key, raw in clauses.items():
            values = raw if isinstance(raw, list) else [raw]
            shown = " or ".join(str(v) for v in values)
            unknown = (
                "" if is_known_key(key) else " (a key the sandbox does not know: fails closed)"
            )
            if op.base == "Null":
                absent = str(values[0]).lower() == "true"
                out.append(f"the request {'has no' if absent else 'has a'} {key}{unknown}")
                continue
            words = _OPERATOR_WORDS[op.base]
            prefix = ""
            if op.set_op == "ForAllValues":
                prefix = "every value of "
            elif op.set_op == "ForAnyValue":
                prefix = "at least one value of "
            tail = (
                ", or the request has none" if op.if_exists or op.set_op == "ForAllValues" else ""
            )
            out.append(f"{prefix}{key} {words} {shown}{tail}{unknown}")
    return out


def statement(st: Statement, key_account: str | None = None) -> str:
    """One statement in plain words."""
    verb = "allows" if st.effect == "Allow" else "denies"
    if st.principals is not None:
        who = _list([_principal_words(p, key_account) for p in st.principals])
    elif st.not_principals is not None:
        who = "everyone except " + _list(
            [_principal_words(p, key_account) for p in st.not_principals]
        )
    else:
        who = "this principal"
    label = st.label[:1].upper() + st.label[1:]
    text = f"{label} {verb} {_actions(st)} to {who}"
    if st.resources is not None and st.resources != ("*",):
        text += f" on {_list(list(st.resources))}"
    elif st.not_resources is not None:
        text += f" on everything except {_list(list(st.not_resources))}"
    conds = _conditions(st)
    if conds:
        text += ", only when " + "; and ".join(conds)
    text += "."
    delegates = (
        st.effect == "Allow"
        and st.principals is not None
        and any(
            p == key_account or (_ROOT_RE.match(p) and _ROOT_RE.match(p).group(1) == key_account)  # type: ignore[union-attr]
            for p in st.principals
        )
    )
    if delegates and _actions(st) == "every KMS action":
        text += (
            " This is the default key policy statement: it gives the account root full access "
            "and so lets IAM policies in the account control access to the key."
        )
    return text


def policy(p: Policy, key_account: str | None = None) -> list[str]:
    return [statement(st, key_account) for st in p.statements]
