"""TagResource, UntagResource, ListResourceTags."""

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
from kmsworkbench.sandbox.core.specs import MAX_TAGS


def tag_pairs(tags: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (key, value) pairs of a Tags member, checked as AWS checks them: no key twice,
    no key beginning with aws: (in any case), at most 50."""
    pairs = [(str(t["TagKey"]), str(t.get("TagValue", ""))) for t in tags]
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise E.err("duplicate_tag_keys")
        seen.add(key)
        if key.lower().startswith("aws:"):
            raise E.err("tag_reserved")
    if len(pairs) > MAX_TAGS:
        raise E.err("too_many_tags")
    return pairs


@operation("TagResource")
def tag_resource(r: Request, p: Params) -> Response:
    pairs = tag_pairs(p["Tags"])

    def work(write: bool) -> Response:
        key = manageable_key(r, p["KeyId"], write)
        existing = r.store.tag_keys(r.region, key.key_id)
        if len(existing | {k for k, _ in pairs}) > MAX_TAGS:
            raise E.err("too_many_tags")
        r.store.put_tags(r.region, key.key_id, pairs)
        return {}

    return tx(r, work, write=True)


@operation("UntagResource")
def untag_resource(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = manageable_key(r, p["KeyId"], write)
        r.store.remove_tags(r.region, key.key_id, list(p["TagKeys"]))
        return {}

    return tx(r, work, write=True)


@operation("ListResourceTags")
def list_resource_tags(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        rows, extra = page(
            "tags",
            r,
            p,
            50,  # default 50, 1-50 (API Reference)
            lambda after, n: r.store.list_tags(r.region, key.key_id, after, n),
            lambda pair: pair[0],
        )
        return {"Tags": [{"TagKey": k, "TagValue": v} for k, v in rows], **extra}

    return tx(r, work)
