"""Pagination: opaque markers naming the list, the Region and the last item returned."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, TypeVar

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core.context import Request

T = TypeVar("T")


def marker_out(kind: str, region: str, last: str) -> str:
    raw = json.dumps([kind, region, last], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def marker_in(kind: str, region: str, marker: str | None) -> str | None:
    if marker is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise E.err("invalid_marker") from exc
    if (
        not isinstance(value, list)
        or len(value) != 3
        or value[0] != kind
        or value[1] != region
        or not isinstance(value[2], str)
    ):
        raise E.err("invalid_marker")
    return value[2]


def page(
    kind: str,
    r: Request,
    params: dict[str, Any],
    default_limit: int,
    fetch: Callable[[str | None, int], list[T]],
    last_of: Callable[[T], str],
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``fetch(after, n)``: the rows and ``Truncated`` / ``NextMarker``."""
    limit = params.get("Limit") or default_limit
    after = marker_in(kind, r.region, params.get("Marker"))
    rows = fetch(after, limit + 1)
    truncated = len(rows) > limit
    rows = rows[:limit]
    extra: dict[str, Any] = {"Truncated": truncated}
    if truncated:
        extra["NextMarker"] = marker_out(kind, r.region, last_of(rows[-1]))
    return rows, extra
