"""The encryption context editor: rows of key and value to add, edit and remove, and a line
to paste or type the AWS CLI's shorthand (``k=v,k2=v2``) or JSON. Problems are shown at the
bad row (or under the pasted text, with a caret at the bad part)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.service.context import (
    CONTEXT_RULE,
    CONTEXT_WARNING,
    ContextParseError,
    parse_encryption_context,
)
from kmsworkbench.tui.focus import focus_now


@dataclass(frozen=True)
class RowProblem:
    row: int  # 0-based index among the rows
    message: str


def validate_rows(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[RowProblem]]:
    """The context the rows spell, and what is wrong with them. Blank rows are ignored; a
    value without a key and a key given twice are errors. Values may be empty."""
    context: dict[str, str] = {}
    first_row: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, (key, value) in enumerate(pairs):
        if not key and not value:
            continue
        if not key:
            problems.append(RowProblem(index, "This value has no key; every pair needs a key."))
            continue
        if key != key.strip():
            problems.append(
                RowProblem(index, f"The key {key!r} has spaces around it; KMS would keep them.")
            )
            continue
        if key in first_row:
            problems.append(
                RowProblem(
                    index,
                    f"The key {key!r} is already in row {first_row[key] + 1}; keys are unique "
                    "(and case-sensitive).",
                )
            )
            continue
        first_row[key] = index
        context[key] = value
    return context, problems


class ContextRow(Vertical):
    """One key/value pair, with its remove button and its error line."""

    def __init__(self, key: str = "", value: str = "") -> None:
        super().__init__(classes="ctx-row")
        self._key = key
        self._value = value

    def compose(self) -> ComposeResult:
        with Horizontal(classes="ctx-fields"):
            yield Input(self._key, placeholder="key", classes="ctx-key")
            yield Input(self._value, placeholder="value", classes="ctx-value")
            yield Button("✕", classes="ctx-remove", tooltip="Remove this pair")
        yield Static("", classes="ctx-error field-error", markup=False)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.query_one(".ctx-key", Input).value, self.query_one(".ctx-value", Input).value)

    def show_problem(self, message: str | None) -> None:
        error = self.query_one(".ctx-error", Static)
        error.update(message or "")
        error.set_class(bool(message), "-visible")
        self.set_class(bool(message), "-invalid")


class ContextEditor(Vertical):
    """Edit an encryption context; posts :class:`ContextEditor.Changed` on every change."""

    HELP_SCOPE = "encryption context"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f6", "add_row", "Add pair", id="ctx-add"),
        Binding(
            "f9",
            "presets",
            "Contexts",
            id="ctx-presets",
            tooltip="Use, save or delete a named encryption context",
        ),
    ]

    class Changed(Message):
        def __init__(self, editor: ContextEditor) -> None:
            super().__init__()
            self.editor = editor

        @property
        def control(self) -> ContextEditor:
            return self.editor

    def __init__(self, initial: dict[str, str] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = dict(initial or {})
        self.problems: list[RowProblem] = []
        self.paste_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(CONTEXT_WARNING, classes="ctx-warning", markup=False)
        yield Static(CONTEXT_RULE, classes="ctx-rule", markup=False)
        with Vertical(id="ctx-rows"):
            for key, value in self._initial.items():
                yield ContextRow(key, value)
            if not self._initial:
                yield ContextRow()
        with Horizontal(classes="ctx-actions"):
            yield Button("+ Add pair", id="ctx-add-button")
            yield Button("Saved…", id="ctx-presets-button", tooltip="Saved contexts (F9)")
        # A line of its own, so the placeholder is read whole at 80 columns too.
        yield Input(placeholder="or paste k=v,k2=v2 or JSON here, then Enter", id="ctx-paste")
        yield Static("", id="ctx-paste-error", classes="field-error", markup=False)
        yield Label("", id="ctx-summary")

    def on_mount(self) -> None:
        self.validate()

    # -- reading -------------------------------------------------------------------------

    @property
    def rows(self) -> list[ContextRow]:
        return list(self.query(ContextRow))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [row.pair for row in self.rows]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def context(self) -> dict[str, str]:
        """The context as the rows spell it (valid rows only; check :attr:`valid`)."""
        return validate_rows(self.pairs)[0]

    # -- changing ------------------------------------------------------------------------

    def validate(self) -> bool:
        context, problems = validate_rows(self.pairs)
        self.problems = problems
        by_row = {p.row: p.message for p in problems}
        for index, row in enumerate(self.rows):
            row.show_problem(by_row.get(index))
        summary = self.query_one("#ctx-summary", Label)
        if problems:
            summary.update(f"{len(problems)} problem(s) in the pairs above")
        elif context:
            text = f"{len(context)} pair(s)"
            empty = [k for k, v in context.items() if not v]
            if empty:
                text += (
                    f" · {', '.join(empty)} = empty value: sent as is (the KMS API model sets "
                    "no minimum length and the sandbox accepts it; AWS documents no rule), "
                    "and Decrypt must give the same empty value"
                )
            summary.update(text)
        else:
            summary.update("No encryption context (optional)")
        summary.set_class(bool(problems), "-invalid")
        return not problems

    async def add_row(self, key: str = "", value: str = "", focus: bool = True) -> ContextRow:
        row = ContextRow(key, value)
        await self.query_one("#ctx-rows", Vertical).mount(row)
        if focus:
            focus_now(row.query_one(".ctx-key", Input))
        self._changed()
        return row

    async def set_context(self, context: dict[str, str]) -> None:
        rows = self.query_one("#ctx-rows", Vertical)
        await rows.remove_children()
        await rows.mount_all([ContextRow(k, v) for k, v in context.items()] or [ContextRow()])
        self._changed()

    def _changed(self) -> None:
        self.validate()
        self.post_message(self.Changed(self))

    async def action_add_row(self) -> None:
        await self.add_row()

    @on(Button.Pressed, "#ctx-add-button")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_row()

    # -- saved contexts --------------------------------------------------------------------

    def last_pair_context(self) -> tuple[str, dict[str, str]] | None:
        """The name and context of the newest pair in the library, if any."""
        library = getattr(self.app, "library", None)
        if not callable(library):
            return None
        try:
            records = library().list()
        except (OSError, ValueError):
            return None
        if not records:
            return None
        return records[0].name, dict(records[0].encryption_context)

    def action_presets(self) -> None:
        from kmsworkbench.tui.screens.contexts import ContextPresetsModal

        context, problems = validate_rows(self.pairs)

        async def chosen(result: dict[str, str] | None) -> None:
            if result is None:
                return
            await self.set_context(result)
            self.rows[0].query_one(".ctx-key", Input).focus()
            self.notify(
                f"{len(result)} pair(s) put in the form." if result else "Context cleared.",
                title="Encryption context",
            )

        self.app.push_screen(
            ContextPresetsModal(
                context,
                current_problem=problems[0].message if problems else None,
                last_pair=self.last_pair_context(),
            ),
            chosen,
        )

    @on(Button.Pressed, "#ctx-presets-button")
    def _presets_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_presets()

    @on(Button.Pressed, ".ctx-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = next((a for a in event.button.ancestors if isinstance(a, ContextRow)), None)
        if row is None:
            return
        if len(self.rows) == 1:
            row.query_one(".ctx-key", Input).value = ""
            row.query_one(".ctx-value", Input).value = ""
        else:
            await row.remove()
        self._changed()

    @on(Input.Changed, ".ctx-key, .ctx-value")
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    @on(Input.Submitted, ".ctx-key, .ctx-value")
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    @on(Input.Changed, "#ctx-paste")
    def _paste_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not event.value:
            self._show_paste_problem(None)

    @on(Input.Submitted, "#ctx-paste")
    async def _paste_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.load_text(event.value)

    async def load_text(self, text: str) -> bool:
        """Parse shorthand or JSON and merge it into the rows: new keys are added, a key
        already there takes the pasted value, and a notice says which. False, with the
        problem shown under the paste line, when it does not parse."""
        try:
            pasted = parse_encryption_context(text)
        except ContextParseError as exc:
            self._show_paste_problem(f"{exc}\n{exc.pointer()}")
            return False
        self._show_paste_problem(None)
        self.query_one("#ctx-paste", Input).value = ""
        current, problems = validate_rows(self.pairs)
        merged = dict(current)
        added = [k for k in pasted if k not in current]
        replaced = [k for k in pasted if k in current and current[k] != pasted[k]]
        merged.update(pasted)
        await self.set_context(merged)
        parts = []
        if added:
            parts.append(f"added {', '.join(added)}")
        if replaced:
            parts.append(f"replaced the value of {', '.join(replaced)}")
        if problems:
            parts.append(f"dropped {len(problems)} row(s) that had problems")
        kept = len(current) - len(replaced) - sum(1 for k in pasted if current.get(k) == pasted[k])
        if kept:
            parts.append(f"kept {kept} pair(s)")
        self.notify("; ".join(parts).capitalize() or "Nothing new pasted.", title="Context")
        return True

    def _show_paste_problem(self, message: str | None) -> None:
        self.paste_problem = message
        error = self.query_one("#ctx-paste-error", Static)
        error.update(message or "")
        error.set_class(bool(message), "-visible")
