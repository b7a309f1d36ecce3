"""Reading and checking lesson files.

A lesson file is Markdown::

    ---
    id: envelope            # letters, digits and dashes
    title: Envelope encryption with a data key
    order: 1
    summary: One line for the list of lessons.
    ---
    Text before the first step introduces the lesson.

    ## Step: Make a KMS key
    Plain Markdown, shown beside the step.

    ```do
    action: create-key
    alias: alias/lesson-envelope
    ```

    ```break wrong-context
    title: Decrypt with another encryption context
    action: decrypt
    expect: InvalidCiphertextException
    explain: The context is authenticated data ...
    blob: $data_key_blob
    context: {purpose: other}
    ```

Each step has at most one ``do`` block and any number of ``break NAME`` blocks. Blocks are
YAML mappings: ``action`` names an action (``actions.ACTIONS``); the other keys are its
parameters, where ``$name`` refers to a value an earlier step saved (``save: name``). A
``break`` block starts from the step's ``do`` parameters and changes the ones it names; its
``action`` defaults to the ``do`` action (another action takes only the block's parameters).
Any action takes ``as: NAME`` to make its KMS calls as a principal of the lesson sandbox. ``expect`` names the error code the variant must
meet (or ``ok`` when the variant shows something that works).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .model import Action, Lesson, LessonError, Step, Variant

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_STEP = re.compile(r"^##\s+Step:\s*(.+?)\s*$")
_FENCE_OPEN = re.compile(r"^```\s*(do|break)(?:\s+([A-Za-z0-9][A-Za-z0-9_-]*))?\s*$")
_META_KEYS = {"id", "title", "order", "summary", "requires"}
MAX_FILE_BYTES = 256 * 1024


def _yaml_block(source: str, line: int, text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + (mark.line if mark is not None else 0)
        raise LessonError(
            source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(data, dict):
        raise LessonError(source, line, "a block must be a mapping of 'key: value' lines")
    return {str(k): v for k, v in data.items()}


def _front_matter(source: str, lines: list[str]) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "---":
        raise LessonError(source, 1, "a lesson starts with '---', its id, title and order")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = _yaml_block(source, 2, "\n".join(lines[1:i]))
            return meta, i + 1
    raise LessonError(source, 1, "the front matter has no closing '---'")


def _check_meta(source: str, meta: dict[str, Any]) -> None:
    unknown = sorted(set(meta) - _META_KEYS)
    if unknown:
        raise LessonError(source, 2, f"unknown front-matter key(s): {', '.join(unknown)}")
    for key in ("id", "title", "order"):
        if key not in meta:
            raise LessonError(source, 2, f"the front matter needs '{key}'")
    if not isinstance(meta["id"], str) or not _ID.match(meta["id"]):
        raise LessonError(source, 2, "id: lower-case letters, digits and dashes, at most 64")
    if not isinstance(meta["order"], int) or isinstance(meta["order"], bool):
        raise LessonError(source, 2, "order: a whole number (where the lesson sits in the list)")
    if not isinstance(meta["title"], str) or not meta["title"].strip():
        raise LessonError(source, 2, "title: some text")


def _action(source: str, line: int, block: dict[str, Any], default: str | None) -> Action:
    from .actions import ACTIONS

    name = block.pop("action", default)
    if not isinstance(name, str) or not name:
        raise LessonError(source, line, "the block needs 'action: NAME'")
    spec = ACTIONS.get(name)
    if spec is None:
        known = ", ".join(sorted(ACTIONS))
        raise LessonError(source, line, f"unknown action '{name}' (known: {known})")
    problem = spec.check_params(block)
    if problem:
        raise LessonError(source, line, f"{name}: {problem}")
    return Action(name=name, params=block, line=line)


class _StepBuilder:
    def __init__(self, source: str, title: str, line: int) -> None:
        self.source = source
        self.title = title
        self.line = line
        self.text: list[str] = []
        self.do: Action | None = None
        self.variants: list[Variant] = []

    def add_block(self, kind: str, name: str | None, line: int, body: str) -> None:
        block = _yaml_block(self.source, line + 1, body)
        if kind == "do":
            if self.do is not None:
                raise LessonError(self.source, line, "a step has at most one 'do' block")
            if name:
                raise LessonError(self.source, line, "a 'do' block has no name")
            self.do = _action(self.source, line, block, None)
            return
        if not name:
            raise LessonError(self.source, line, "a 'break' block needs a name: ```break NAME")
        if self.do is None:
            raise LessonError(self.source, line, "a 'break' block comes after the step's 'do'")
        if any(v.name == name for v in self.variants):
            raise LessonError(self.source, line, f"two 'break {name}' blocks in one step")
        title = block.pop("title", None)
        explain = block.pop("explain", None)
        expect = block.pop("expect", None)
        for key, value in (("title", title), ("explain", explain), ("expect", expect)):
            if not isinstance(value, str) or not value.strip():
                raise LessonError(self.source, line, f"break {name}: needs '{key}: ...'")
        action_name = block.pop("action", self.do.name)
        # The same action starts from the step's own parameters; another action takes only
        # the ones the block gives.
        params = dict(self.do.params) if action_name == self.do.name else {}
        params.update(block)
        params["action"] = action_name
        action = _action(self.source, line, params, None)
        self.variants.append(
            Variant(
                name=name,
                title=str(title),
                action=action,
                expect_error=None if expect == "ok" else str(expect),
                explain=str(explain).strip(),
            )
        )

    def build(self) -> Step:
        return Step(
            title=self.title,
            text="\n".join(self.text).strip(),
            action=self.do,
            variants=tuple(self.variants),
        )


def parse_lesson(text: str, source: str = "<lesson>") -> Lesson:
    """Read one lesson; raise LessonError (with a line number) for anything wrong."""
    lines = text.splitlines()
    meta, pos = _front_matter(source, lines)
    _check_meta(source, meta)
    intro: list[str] = []
    steps: list[Step] = []
    current: _StepBuilder | None = None
    while pos < len(lines):
        line = lines[pos]
        step_match = _STEP.match(line)
        fence = _FENCE_OPEN.match(line.strip())
        if step_match:
            if current is not None:
                steps.append(current.build())
            current = _StepBuilder(source, step_match.group(1), pos + 1)
        elif fence:
            if current is None:
                raise LessonError(source, pos + 1, "an action block must be inside a step")
            start = pos
            pos += 1
            body: list[str] = []
            while pos < len(lines) and lines[pos].strip() != "```":
                body.append(lines[pos])
                pos += 1
            if pos >= len(lines):
                raise LessonError(source, start + 1, "this block has no closing ```")
            current.add_block(fence.group(1), fence.group(2), start + 1, "\n".join(body))
        elif current is None:
            intro.append(line)
        else:
            current.text.append(line)
        pos += 1
    if current is not None:
        steps.append(current.build())
    if not steps:
        raise LessonError(source, len(lines) or 1, "a lesson needs at least one '## Step: ...'")
    _check_references(source, steps)
    requires = meta.get("requires") or []
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise LessonError(source, 2, "requires: a list of operation names")
    return Lesson(
        id=meta["id"],
        title=meta["title"].strip(),
        order=meta["order"],
        summary=str(meta.get("summary") or "").strip(),
        intro="\n".join(intro).strip(),
        steps=tuple(steps),
        source=source,
        requires=tuple(requires),
    )


def _refs(value: Any) -> list[str]:
    if isinstance(value, str) and value.startswith("$"):
        return [value[1:].partition(".")[0]]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def _check_references(source: str, steps: list[Step]) -> None:
    """Every ``$name`` must have been saved by an earlier step's ``do`` (or, inside a break
    block, by the same step's ``do``)."""
    from .actions import ACTIONS

    saved: set[str] = set()
    for step in steps:
        if step.action is None:
            continue
        for ref in _refs(step.action.params):
            if ref not in saved:
                raise LessonError(
                    source, step.action.line, f"${ref} is not saved by an earlier step"
                )
        saved |= ACTIONS[step.action.name].saves(step.action.params)
        for variant in step.variants:
            for ref in _refs(variant.action.params):
                if ref not in saved:
                    raise LessonError(source, variant.action.line, f"${ref} is not saved yet")


def read_lesson(path: Path) -> Lesson:
    source = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LessonError(source, 1, f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise LessonError(source, 1, f"the file is {size} bytes; a lesson is at most 256 KiB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonError(source, 1, "the file is not UTF-8 text") from None
    except OSError as exc:
        raise LessonError(source, 1, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_lesson(text, source)
