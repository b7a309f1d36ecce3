"""Managing who exists in a sandbox folder: accounts, IAM users and roles, their identity
policies, and the access settings (grant delay, trail retention). The headless
``sandbox principals`` / ``accounts`` / ``trail`` commands and the TUI call these.

A principal is named ``NAME`` (unique in the folder) or ``ACCOUNT/NAME``; an account by its
id; ``root`` is the folder account's root.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kmsworkbench.sandbox import iam_store
from kmsworkbench.sandbox.access import PolicyError, parse
from kmsworkbench.sandbox.access.principals import check_name

if TYPE_CHECKING:
    from kmsworkbench.sandbox import Sandbox


class DirectoryError(ValueError):
    """A request about principals or accounts that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class PrincipalView:
    account_id: str
    name: str
    kind: str
    arn: str
    access_key_id: str
    policies: tuple[str, ...]


def _arn(sb: Sandbox, account_id: str, kind: str, name: str) -> str:
    return f"arn:{sb.partition}:iam::{account_id}:{kind}/{name}"


def _accounts(sb: Sandbox) -> set[str]:
    return {sb.account_id} | {a.account_id for a in iam_store.list_accounts(sb.store)}


def _locate(sb: Sandbox, ref: str) -> iam_store.PrincipalRow:
    account, _, name = ref.rpartition("/")
    if account:
        row = iam_store.get_principal(sb.store, account, name)
        if row is None:
            raise DirectoryError(f"account {account} has no principal named {name!r}")
        return row
    rows = iam_store.find_principal(sb.store, name)
    if not rows:
        raise DirectoryError(
            f"no principal named {name!r}: `kmsworkbench sandbox principals list` shows them"
        )
    if len(rows) > 1:
        accounts = ", ".join(r.account_id for r in rows)
        raise DirectoryError(f"{name!r} exists in accounts {accounts}: write ACCOUNT/{name}")
    return rows[0]


def credentials_of(sb: Sandbox, ref: str) -> tuple[str, str]:
    """(access key id, secret) of ``ref``: "root", an account id, NAME or ACCOUNT/NAME."""
    with sb.store.transaction():
        if ref in ("root", sb.account_id):
            return sb.access_key_id, sb.secret_access_key
        for account in iam_store.list_accounts(sb.store):
            if ref == account.account_id:
                return account.access_key_id, account.secret
        row = _locate(sb, ref)
        return row.access_key_id, row.secret


def add_principal(
    sb: Sandbox, name: str, role: bool = False, account: str | None = None
) -> PrincipalView:
    try:
        check_name(name)
    except ValueError as exc:
        raise DirectoryError(str(exc)) from exc
    account = account or sb.account_id
    kind = "role" if role else "user"
    with sb.store.transaction(write=True):
        if account not in _accounts(sb):
            raise DirectoryError(f"no account {account} in this folder: `sandbox accounts list`")
        try:
            row = iam_store.add_principal(sb.store, account, name, kind, sb.clock.now())
        except ValueError as exc:
            raise DirectoryError(str(exc)) from exc
    return PrincipalView(account, name, kind, _arn(sb, account, kind, name), row.access_key_id, ())


def list_principals(sb: Sandbox) -> list[PrincipalView]:
    with sb.store.transaction():
        out = []
        for row in iam_store.list_principals(sb.store):
            names = tuple(
                n for n, _ in iam_store.identity_policies(sb.store, row.account_id, row.name)
            )
            out.append(
                PrincipalView(
                    row.account_id,
                    row.name,
                    row.kind,
                    _arn(sb, row.account_id, row.kind, row.name),
                    row.access_key_id,
                    names,
                )
            )
        return out


def remove_principal(sb: Sandbox, ref: str) -> PrincipalView:
    with sb.store.transaction(write=True):
        row = _locate(sb, ref)
        iam_store.remove_principal(sb.store, row.account_id, row.name)
    return PrincipalView(
        row.account_id,
        row.name,
        row.kind,
        _arn(sb, row.account_id, row.kind, row.name),
        row.access_key_id,
        (),
    )


def attach_policy(sb: Sandbox, ref: str, document: str, name: str | None = None) -> str:
    """Attach (or replace) an identity policy; returns its name. The document is checked
    with the same rules as a key policy, less Principal."""
    try:
        parsed = parse(document, "identity", name or "policy")
    except PolicyError as exc:
        raise DirectoryError(f"the identity policy is not valid: {exc}") from exc
    pname = name or str(parsed.document.get("Id") or "") or f"policy-{secrets.token_hex(3)}"
    with sb.store.transaction(write=True):
        row = _locate(sb, ref)
        iam_store.put_identity_policy(
            sb.store, row.account_id, row.name, pname, json.dumps(parsed.document, indent=2)
        )
    return pname


def detach_policy(sb: Sandbox, ref: str, name: str) -> None:
    with sb.store.transaction(write=True):
        row = _locate(sb, ref)
        if not iam_store.delete_identity_policy(sb.store, row.account_id, row.name, name):
            names = [n for n, _ in iam_store.identity_policies(sb.store, row.account_id, row.name)]
            raise DirectoryError(
                f"{row.name} has no policy {name!r}"
                + (f" (it has: {', '.join(names)})" if names else " (it has none)")
            )


def policies_of(sb: Sandbox, ref: str) -> list[tuple[str, str]]:
    with sb.store.transaction():
        row = _locate(sb, ref)
        return iam_store.identity_policies(sb.store, row.account_id, row.name)


def add_account(sb: Sandbox, account_id: str | None = None) -> iam_store.AccountRow:
    if account_id is None:
        account_id = str(secrets.randbelow(9 * 10**11) + 10**11)
    if not (account_id.isdigit() and len(account_id) == 12):
        raise DirectoryError(f"{account_id!r} is not an AWS account id (12 digits)")
    with sb.store.transaction(write=True):
        if account_id in _accounts(sb):
            raise DirectoryError(f"account {account_id} is already in this folder")
        return iam_store.add_account(sb.store, account_id, sb.clock.now())


def list_accounts(sb: Sandbox) -> list[tuple[str, str]]:
    """(account id, role): the folder's own account first."""
    with sb.store.transaction():
        others = iam_store.list_accounts(sb.store)
    return [(sb.account_id, "folder account (holds the keys)")] + [
        (a.account_id, "another account") for a in others
    ]


def set_setting(sb: Sandbox, name: str, value: float) -> None:
    if name not in ("grant_delay_seconds", "trail_retention_days", "trail_max_events"):
        raise DirectoryError(f"unknown access setting {name!r}")
    if value < 0:
        raise DirectoryError(f"{name} must not be negative")
    with sb.store.transaction(write=True):
        sb.store.set_meta(name, repr(float(value)))


def settings(sb: Sandbox) -> dict[str, float]:
    with sb.store.transaction():
        return {
            "grant_delay_seconds": iam_store.grant_delay(sb.store),
            "trail_retention_days": iam_store.retention_days(sb.store),
            "trail_max_events": float(iam_store.max_events(sb.store)),
        }


def trail_events(
    sb: Sandbox, query: iam_store.TrailQuery | None = None, limit: int = 50
) -> list[tuple[int, float, dict[str, object]]]:
    """The newest ``limit`` trail events matching ``query``: (sequence, epoch, record)."""
    with sb.store.transaction():
        return iam_store.query_events(sb.store, query or iam_store.TrailQuery(), limit)
