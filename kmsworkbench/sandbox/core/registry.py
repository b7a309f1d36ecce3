"""Operations register themselves by name: ``@operation("Decrypt")`` on a function
``(r: Request, params) -> response``. A new API area is a new module in
``kmsworkbench.sandbox.operations`` (imported by that package's ``__init__``); nothing
central changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsworkbench.sandbox.core.context import Request

Params = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[Request, Params], Response]

OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the sandbox's answer to the KMS operation ``name``."""

    def register(fn: Handler) -> Handler:
        if name in OPERATIONS and OPERATIONS[name] is not fn:
            raise RuntimeError(f"two handlers for the KMS operation {name}")
        OPERATIONS[name] = fn
        return fn

    return register


def operations() -> dict[str, Handler]:
    """Every registered operation (importing the operation modules first)."""
    import kmsworkbench.sandbox.operations  # noqa: F401  (registers on import)

    return OPERATIONS
