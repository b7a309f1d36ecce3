"""The sandbox's access administration for the TUI: principals, a key's policy explained,
"who can do what" decisions and the trail. Only for the sandbox backend (AWS has no such
view); every function opens the folder's sandbox, answers and closes it, so call them off
the UI thread. No Textual here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class StatementView:
    label: str  # "Statement 1 (Sid)"
    effect: str
    words: str


class AccessUnavailable(RuntimeError):
    """The backend is not the sandbox: these views need the sandbox's own records."""


def parse_context(text: str | None) -> dict[str, str] | None:
    """An encryption context from ``k=v,k2=v2`` or JSON; None when empty."""
    if not text:
        return None
    stripped = text.strip()
    if stripped.startswith("{"):
        value = json.loads(stripped)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError("the encryption context JSON must map strings to strings")
        return value
    out: dict[str, str] = {}
    for part in stripped.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise ValueError(f"not k=v: {part!r} (write k=v,k2=v2 or JSON)")
        out[key.strip()] = value.strip()
    return out


def _open(data_dir: Path) -> Any:
    from kmsworkbench.sandbox import Sandbox

    return Sandbox.open(data_dir)


def explain_policy(text: str, key_account: str | None) -> list[StatementView]:
    """Each statement of a key policy in plain words (raises ValueError if invalid)."""
    from kmsworkbench.sandbox.access import explain, parse

    policy = parse(text, "key", "key policy")
    return [
        StatementView(st.label[:1].upper() + st.label[1:], st.effect, words)
        for st, words in zip(policy.statements, explain.policy(policy, key_account), strict=True)
    ]


def is_default_policy(text: str, key_arn: str) -> bool:
    """Is ``text`` the default key policy of the key ``key_arn``'s account?"""
    from kmsworkbench.sandbox.access import default_key_policy

    parts = key_arn.split(":")
    try:
        return bool(json.loads(text) == default_key_policy(parts[1], parts[4]))
    except (ValueError, IndexError):
        return False


def check_policy(text: str) -> str | None:
    """What is wrong with a key policy document, or None when it is valid."""
    from kmsworkbench.sandbox.access import PolicyError, parse

    try:
        parse(text, "key", "key policy")
    except PolicyError as exc:
        return str(exc)
    return None


def principals(data_dir: Path) -> list[tuple[str, str]]:
    """(label, reference) of everyone who can act in the folder, the account root first."""
    from kmsworkbench.sandbox import directory

    with _open(data_dir) as sb:
        out = [(f"root (account {sb.account_id})", "root")]
        for account, role in directory.list_accounts(sb)[1:]:
            out.append((f"root of account {account} ({role})", account))
        for p in directory.list_principals(sb):
            out.append((f"{p.kind} {p.name} ({p.account_id})", f"{p.account_id}/{p.name}"))
    return out


def decide(
    data_dir: Path,
    key_ref: str,
    principal: str,
    action: str,
    encryption_context: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Would ``principal`` be allowed ``action`` on the key? (sandbox.whocan.decide)."""
    from kmsworkbench.sandbox import whocan

    params: dict[str, Any] = {}
    if encryption_context:
        params["EncryptionContext"] = encryption_context
    with _open(data_dir) as sb:
        return whocan.decide(sb, key_ref, principal, action.removeprefix("kms:"), params)


def events(
    data_dir: Path,
    *,
    key_arn: str | None = None,
    request_ids: Iterable[str] | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Trail records, newest first: of one key, or of the given requests (this app's)."""
    from kmsworkbench.sandbox import directory, iam_store

    wanted = set(request_ids) if request_ids is not None else None
    with _open(data_dir) as sb:
        rows = directory.trail_events(sb, iam_store.TrailQuery(key_arn=key_arn), limit)
    records = [e for _, _, e in rows]
    if wanted is not None:
        records = [e for e in records if e.get("requestID") in wanted]
    return records
