"""CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant."""

from __future__ import annotations

import base64
import os
import re
import secrets
from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    check_grant_tokens,
    check_state,
    dry_run,
    operation,
    page,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.specs import GRANT_OPERATIONS_ANY_KEY, GRANT_OPERATIONS_BY_USAGE
from kmsworkbench.sandbox.store import GrantRecord, KeyRecord

_GRANT_ID_RE = re.compile(r"^[0-9a-f]{64}$")


def grant_entry(r: Request, g: GrantRecord) -> dict[str, Any]:
    """A GrantListEntry."""
    entry: dict[str, Any] = {
        "KeyId": r.key_arn(g.key_id),
        "GrantId": g.grant_id,
        "CreationDate": g.created,
        "IssuingAccount": r.root_arn,
        "Operations": list(g.operations),
    }
    if g.name:
        entry["Name"] = g.name
    if g.grantee:
        entry["GranteePrincipal"] = g.grantee
    if g.retiring:
        entry["RetiringPrincipal"] = g.retiring
    if g.constraints:
        entry["Constraints"] = g.constraints
    return entry


@operation("CreateGrant")
def create_grant(r: Request, p: Params) -> Response:
    grantee = p.get("GranteePrincipal")
    service_grantee = p.get("GranteeServicePrincipal")
    if (grantee is None) == (service_grantee is None):
        raise E.err("grantee_one_of")
    operations = list(dict.fromkeys(p["Operations"]))
    if not operations:
        raise E.err("grant_operations_empty")

    def work(write: bool) -> Response:
        check_grant_tokens(r, p.get("GrantTokens"))
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        check_state(r, key)
        allowed = GRANT_OPERATIONS_BY_USAGE.get(key.key_usage, set()) | GRANT_OPERATIONS_ANY_KEY
        invalid = [op for op in operations if op not in allowed]
        if invalid:
            # AWS refuses grant operations the key cannot perform (CreateGrant docs).
            raise E.err(
                "grant_operations_invalid", operations=", ".join(invalid), usage=key.key_usage
            )
        dry_run(p)
        name = p.get("Name")
        if name:
            existing = r.store.find_grant_by_name(r.region, key.key_id, name)
            if (
                existing is not None
                and existing.operations == operations
                and (existing.grantee == (grantee or service_grantee))
            ):
                # Same name and same parameters: AWS returns the existing grant's id
                # (CreateGrant is idempotent on Name) with a fresh token.
                return {"GrantToken": existing.token, "GrantId": existing.grant_id}
        grant = GrantRecord(
            grant_id=secrets.token_hex(32),
            region=r.region,
            key_id=key.key_id,
            token=new_grant_token(),
            name=name,
            grantee=grantee or service_grantee,
            retiring=p.get("RetiringPrincipal") or p.get("RetiringServicePrincipal"),
            operations=operations,
            constraints=p.get("Constraints") or None,
            created=r.now,
        )
        r.store.insert_grant(grant)
        return {"GrantToken": grant.token, "GrantId": grant.grant_id}

    return tx(r, work, write=True)


def new_grant_token() -> str:
    """A fresh grant token: URL-safe base64 of 96 bytes, the first a version byte, as AWS's
    tokens begin (``AQ...``). The fixed first byte means a token never begins with ``-``,
    which the AWS CLI, argparse and most shell tools would read as an option (a random
    first byte did one time in 64, and a lesson's exported script failed on it)."""
    return base64.urlsafe_b64encode(b"\x01" + os.urandom(95)).decode("ascii").rstrip("=")


@operation("ListGrants")
def list_grants(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        grant_id = p.get("GrantId")
        grantee = p.get("GranteePrincipal")

        def fetch(after: str | None, n: int) -> list[GrantRecord]:
            rows = r.store.list_grants(r.region, key.key_id, after, 10_000)
            rows = [
                g
                for g in rows
                if (grant_id is None or g.grant_id == grant_id)
                and (grantee is None or g.grantee == grantee)
            ]
            return rows[:n]

        rows, extra = page("grants", r, p, 50, fetch, lambda g: g.grant_id)
        return {"Grants": [grant_entry(r, g) for g in rows], **extra}

    return tx(r, work)


@operation("ListRetirableGrants")
def list_retirable_grants(r: Request, p: Params) -> Response:
    retiring = p.get("RetiringPrincipal")
    service = p.get("RetiringServicePrincipal")
    if (retiring is None) == (service is None):
        raise E.err("retiring_one_of")

    def work(write: bool) -> Response:
        rows, extra = page(
            "retirable",
            r,
            p,
            50,  # default 50, 1-100 (model docs; the shape allows 1000)
            lambda after, n: r.store.list_retirable_grants(r.region, retiring or service, after, n),
            lambda g: g.grant_id,
        )
        return {"Grants": [grant_entry(r, g) for g in rows], **extra}

    return tx(r, work)


def grant_of_key(r: Request, key: KeyRecord, grant_id: str) -> GrantRecord:
    if not _GRANT_ID_RE.match(grant_id):
        raise E.err("invalid_grant_id", grant_id=grant_id)
    grant = r.store.get_grant(grant_id)
    if grant is None or grant.region != r.region or grant.key_id != key.key_id:
        # A well-formed id that names no grant of this key.
        raise E.err("grant_not_found", grant_id=grant_id)
    return grant


@operation("RetireGrant")
def retire_grant(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        token, grant_id, key_ref = p.get("GrantToken"), p.get("GrantId"), p.get("KeyId")
        if token is not None:
            grant = r.store.get_grant_by_token(token)
            if grant is None or grant.region != r.region:
                raise E.err("invalid_grant_token")
        elif grant_id is not None and key_ref is not None:
            key = resolve_key(r, key_ref, write, allow_alias=False)
            grant = grant_of_key(r, key, grant_id)
        else:
            raise E.err("retire_grant_needs")
        dry_run(p)
        r.store.delete_grant(grant.grant_id)
        return {}

    return tx(r, work, write=True)


@operation("RevokeGrant")
def revoke_grant(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        grant = grant_of_key(r, key, p["GrantId"])
        dry_run(p)
        r.store.delete_grant(grant.grant_id)
        return {}

    return tx(r, work, write=True)
