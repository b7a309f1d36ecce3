"""CreateAlias, UpdateAlias, DeleteAlias, ListAliases."""

from __future__ import annotations

from typing import Any

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    manageable_key,
    operation,
    page,
    resolve_key,
    tx,
)
from kmsworkbench.sandbox.core.specs import RESERVED_ALIAS_PREFIX
from kmsworkbench.sandbox.store import AliasRecord


def check_alias_name(name: str, operation_name: str) -> None:
    if not name.startswith("alias/"):
        raise E.err("alias_prefix_missing")
    if name.startswith(RESERVED_ALIAS_PREFIX) or name == "alias/aws":
        raise E.err("alias_reserved", name=name, operation=operation_name)
    if name == "alias/":
        raise E.err("alias_empty")


@operation("CreateAlias")
def create_alias(r: Request, p: Params) -> Response:
    name = p["AliasName"]
    check_alias_name(name, "CreateAlias")

    def work(write: bool) -> Response:
        key = manageable_key(r, p["TargetKeyId"], write)
        if r.store.get_alias(r.region, name) is not None:
            raise E.err("alias_exists", alias_arn=r.alias_arn(name))
        r.store.put_alias(r.region, name, key.key_id, r.now)
        return {}

    return tx(r, work, write=True)


@operation("UpdateAlias")
def update_alias(r: Request, p: Params) -> Response:
    name = p["AliasName"]
    check_alias_name(name, "UpdateAlias")

    def work(write: bool) -> Response:
        alias = r.store.get_alias(r.region, name)
        if alias is None:
            raise E.err("alias_not_found", alias_arn=r.alias_arn(name))
        key = manageable_key(r, p["TargetKeyId"], write)
        current = r.store.get_key(r.region, alias.key_id) if alias.key_id else None
        if current is not None and (
            current.key_usage != key.key_usage
            or (current.key_spec == "SYMMETRIC_DEFAULT") != (key.key_spec == "SYMMETRIC_DEFAULT")
        ):
            # "The current and new KMS key must be the same type ... and they must have the
            # same key usage" (UpdateAlias docs).
            raise E.err("alias_type_mismatch", arn=r.key_arn(key.key_id), name=name)
        r.store.retarget_alias(r.region, name, key.key_id, r.now)
        return {}

    return tx(r, work, write=True)


@operation("DeleteAlias")
def delete_alias(r: Request, p: Params) -> Response:
    name = p["AliasName"]
    check_alias_name(name, "DeleteAlias")

    def work(write: bool) -> Response:
        if r.store.get_alias(r.region, name) is None:
            raise E.err("alias_not_found", alias_arn=r.alias_arn(name))
        r.store.delete_alias(r.region, name)
        return {}

    return tx(r, work, write=True)


def alias_entry(r: Request, alias: AliasRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {"AliasName": alias.name, "AliasArn": r.alias_arn(alias.name)}
    if alias.key_id is not None:
        entry["TargetKeyId"] = alias.key_id
    if alias.created is not None:
        entry["CreationDate"] = alias.created
    if alias.updated is not None:
        entry["LastUpdatedDate"] = alias.updated
    return entry


@operation("ListAliases")
def list_aliases(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key_id = None
        if p.get("KeyId"):
            # "key ID or key ARN only, not an alias" (model docs).
            key_id = resolve_key(r, p["KeyId"], write, allow_alias=False).key_id
        rows, extra = page(
            "aliases",
            r,
            p,
            50,  # default 50, 1-100 (API Reference)
            lambda after, n: r.store.list_aliases(r.region, key_id, after, n),
            lambda alias: alias.name,
        )
        return {"Aliases": [alias_entry(r, a) for a in rows], **extra}

    return tx(r, work)
