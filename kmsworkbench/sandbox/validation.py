"""Server-side request validation, driven by botocore's KMS service model.

botocore checks only required members, types and minimums on the client side
(kms-semantics.md 1.7); AWS checks the rest on the server and answers ``ValidationException``
with the Coral wording recorded from real AWS::

    1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy
    constraint: Member must have value less than or equal to 1024

Member paths are the member names with a lower-case first letter; list elements are
``name.N.member`` (1-based). Values of blobs and sensitive members are left out of the message
("Value at 'plaintext' failed ...", also recorded). Several violations are reported together
("2 validation errors detected: ...; ...").
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kmsworkbench.sandbox.errors import err

# Where the API Reference narrows the shared model shapes, the documented range wins (the
# model's LimitType allows 1-1000 for every List* operation; PendingWindowInDaysType 1-365).
RANGE_OVERRIDES: dict[tuple[str, str], tuple[int, int]] = {
    ("ListAliases", "Limit"): (1, 100),  # "between 1 and 100, inclusive ... defaults to 50"
    ("ListGrants", "Limit"): (1, 100),  # "between 1 and 100 ... defaults to 50"
    ("ListResourceTags", "Limit"): (1, 50),  # "between 1 and 50 ... defaults to 50"
    ("ScheduleKeyDeletion", "PendingWindowInDays"): (7, 30),  # "between 7 and 30"
}


@functools.cache
def botocore_loader() -> Any:  # botocore.loaders.Loader
    """One botocore data loader for the process. It caches what it has read, so the KMS model,
    endpoints and partitions are parsed once: here, and for every in-process sandbox client
    (``inprocess.make_client`` gives its sessions this loader); see kmsworkbench.botodata."""
    from kmsworkbench import botodata

    return botodata.loader()


@functools.cache
def service_model() -> Any:  # botocore.model.ServiceModel, loaded once, lazily
    """The KMS model, from the process's loader: what ``Session.get_service_model`` returns,
    without a second botocore session (its 240 built-in handlers cost about 10 ms, on the
    critical path of the TUI's start-up listing and of every one-shot command)."""
    from botocore.model import ServiceModel

    return ServiceModel(botocore_loader().load_service_model("kms", "service-2"), "kms")


def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    return str(value)


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _check(
    shape: Any, value: object, path: str, errors: list[str], limits: tuple[int, int] | None
) -> None:
    kind = shape.type_name
    meta = shape.metadata
    hidden = kind == "blob" or bool(meta.get("sensitive"))
    shown = "Value at" if hidden else f"Value '{_show(value)}' at"

    def fail(constraint: str) -> None:
        errors.append(f"{shown} '{path}' failed to satisfy constraint: {constraint}")

    if kind == "structure" and isinstance(value, dict):
        _check_structure(shape, value, path + ".", errors, None)
        return
    if kind in ("string", "blob", "list", "map"):
        size = len(value) if isinstance(value, str | bytes | list | dict) else 0
        if "min" in meta and size < meta["min"]:
            fail(f"Member must have length greater than or equal to {meta['min']}")
        elif "max" in meta and size > meta["max"]:
            fail(f"Member must have length less than or equal to {meta['max']}")
    if kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            fail(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        elif "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
            fail(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    elif kind == "integer" and isinstance(value, int):
        low, high = limits if limits else (meta.get("min"), meta.get("max"))
        if low is not None and value < low:
            fail(f"Member must have value greater than or equal to {low}")
        elif high is not None and value > high:
            fail(f"Member must have value less than or equal to {high}")
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", errors, None)


def _check_structure(
    shape: Any, value: dict[str, object], prefix: str, errors: list[str], operation: str | None
) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(
                f"Value null at '{prefix}{_camel(name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            limits = RANGE_OVERRIDES.get((operation, name)) if operation else None
            _check(member, value[name], prefix + _camel(name), errors, limits)


def validate(operation: str, params: dict[str, object]) -> None:
    """Raise ``ValidationException`` listing every constraint ``params`` violates."""
    shape = service_model().operation_model(operation).input_shape
    if shape is None:
        return
    errors: list[str] = []
    _check_structure(shape, params, "", errors, operation)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise err("validation_failed", count=count, noun=noun, details="; ".join(errors))
