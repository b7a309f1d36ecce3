"""What every lesson action is: its parameters, what it saves, how it runs, and the shell
commands that do the same against a served sandbox (for ``lessons export``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsworkbench.lessons.runner import StepContext
    from kmsworkbench.lessons.shell import Shell

Params = dict[str, Any]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    summary: str
    run: Callable[[StepContext, Params], None]
    shell: Callable[[Shell, Params], None]
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    default_save: str | None = None
    outputs: tuple[str, ...] = field(default_factory=tuple)

    def check_params(self, params: Params) -> str | None:
        names = set(params)
        missing = sorted(self.required - names)
        if missing:
            return f"missing parameter(s): {', '.join(missing)}"
        # Every action takes "as": run its KMS calls as that sandbox principal.
        allowed = (
            self.required | self.optional | {"as"} | ({"save"} if self.default_save else set())
        )
        unknown = sorted(names - allowed)
        if unknown:
            return (
                f"unknown parameter(s): {', '.join(unknown)} (takes: {', '.join(sorted(allowed))})"
            )
        save = params.get("save")
        if save is not None and (not isinstance(save, str) or not save.isidentifier()):
            return "save: a name of letters, digits and underscores"
        return None

    def saves(self, params: Params) -> set[str]:
        if not self.default_save:
            return set()
        return {str(params.get("save") or self.default_save)}


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    summary: str,
    *,
    shell: Callable[[Shell, Params], None],
    required: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    save: str | None = None,
    outputs: tuple[str, ...] = (),
) -> Callable[[Callable[[StepContext, Params], None]], Callable[[StepContext, Params], None]]:
    """Register a lesson action under ``name``."""

    def register(
        fn: Callable[[StepContext, Params], None],
    ) -> Callable[[StepContext, Params], None]:
        if name in ACTIONS:
            raise RuntimeError(f"lesson action {name} registered twice")
        ACTIONS[name] = ActionSpec(
            name=name,
            summary=summary,
            run=fn,
            shell=shell,
            required=frozenset(required),
            optional=frozenset(optional),
            default_save=save,
            outputs=outputs,
        )
        return fn

    return register
