"""What a lesson is, once read: steps with a "do it" action and "break it" variants.

A lesson file is Markdown (see ``parse.py`` for the format). Nothing here runs anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class LessonError(ValueError):
    """A lesson file that cannot be used, with the line the problem is on."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Action:
    """One call of a registered action (``actions/``), with its parameters as written."""

    name: str
    params: dict[str, Any]
    line: int


@dataclass(frozen=True)
class Variant:
    """A "break it" variant: the step's action with some parameters changed, and what the
    learner should take from the failure."""

    name: str
    title: str
    action: Action
    expect_error: str | None
    explain: str


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    action: Action | None
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    order: int
    summary: str
    intro: str
    steps: tuple[Step, ...]
    source: str = ""
    requires: tuple[str, ...] = field(default_factory=tuple)
