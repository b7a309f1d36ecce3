"""Saved encryption contexts: a list of named contexts (kept in the settings) to fill the
context editor from, save the editor's context under a name, delete one, or take the context
of the last generated pair.

The modal returns the context to put in the editor, or None when closed without choosing.
Saving and deleting are stored at once (through the app's settings persistence), so they
last even when the modal is closed without choosing."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kmsworkbench import config
from kmsworkbench.service import format_context_for_cli
from kmsworkbench.tui.screens.base import WorkbenchModal


def preset_label(name: str, context: dict[str, str]) -> Text:
    text = Text()
    text.append(name, style="bold")
    text.append("  ")
    text.append(format_context_for_cli(context) if context else "(empty)", style="dim")
    return text


class PresetList(OptionList):
    """The saved contexts; Delete removes the highlighted one (only while the list has focus,
    so Delete in the name field still deletes a character)."""

    HELP_SCOPE = "saved contexts list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete", "screen.delete_preset", "Delete", id="ctx-presets-delete"),
    ]


class ContextPresetsModal(WorkbenchModal[dict[str, str]]):
    """F9 in the encryption context editor."""

    HELP = (
        "Named encryption contexts, kept in the settings. Enter on a name (or Use) fills the "
        "form with it; Delete on a name removes it. Type a name and press Enter (or Ctrl+S) "
        "to save the form's context under it; an existing name is replaced. Ctrl+L takes the "
        "context of the last generated pair. Contexts are not secret, but they are logged in "
        "CloudTrail: keep secrets out of them."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="ctx-presets-close"),
        Binding("ctrl+s", "save", "Save form's", id="ctx-presets-save"),
        Binding("ctrl+l", "use_last", "Last pair's", id="ctx-presets-last"),
    ]

    def __init__(
        self,
        current: dict[str, str],
        *,
        current_problem: str | None = None,
        last_pair: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.current = dict(current)
        self.current_problem = current_problem
        self.last_pair = last_pair

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="ctx-presets-dialog"):
            yield Label("Saved encryption contexts", classes="dialog-title")
            yield PresetList(id="ctx-presets-list")
            yield Static("", id="ctx-presets-empty", markup=False)
            yield Label("Save the form's context as")
            with Horizontal(classes="input-row"):
                yield Input(placeholder="name, e.g. payments-dev", id="ctx-presets-name")
                yield Button("Save", id="ctx-presets-save-button")
            yield Static("", id="ctx-presets-error", classes="field-error", markup=False)
            if self.last_pair is not None:
                name, context = self.last_pair
                yield Static(
                    Text.assemble(
                        ("Last generated pair: ", "bold"),
                        f"{name}  ",
                        (format_context_for_cli(context) if context else "(no context)", "dim"),
                    ),
                    id="ctx-presets-last-pair",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Delete", id="ctx-presets-delete-button")
                yield Button(
                    "Last pair's",
                    id="ctx-presets-last-button",
                    disabled=self.last_pair is None,
                )
                yield Button("Close", id="ctx-presets-close-button")
                yield Button("Use", id="ctx-presets-use-button", variant="primary")

    def on_mount(self) -> None:
        self.refresh_list()
        names = self.workbench.settings.context_names()
        if names:
            self.query_one(PresetList).focus()
        else:
            self.query_one("#ctx-presets-name", Input).focus()

    # -- the list ------------------------------------------------------------------------

    @property
    def presets(self) -> dict[str, dict[str, str]]:
        return self.workbench.settings.contexts

    def refresh_list(self, highlight: str | None = None) -> None:
        settings = self.workbench.settings
        names = settings.context_names()
        option_list = self.query_one(PresetList)
        previous = self.highlighted_name()
        option_list.clear_options()
        option_list.add_options(
            [Option(preset_label(n, settings.contexts[n]), id=n) for n in names]
        )
        option_list.display = bool(names)
        empty = self.query_one("#ctx-presets-empty", Static)
        empty.display = not names
        empty.update("No saved contexts yet: type a name below to save the form's context.")
        target = highlight if highlight in names else previous
        if target in names:
            option_list.highlighted = names.index(target)
        elif names:
            option_list.highlighted = 0

    def highlighted_name(self) -> str | None:
        option_list = self.query_one(PresetList)
        index = option_list.highlighted
        if index is None or index >= option_list.option_count:
            return None
        return option_list.get_option_at_index(index).id

    def _show_problem(self, message: str | None) -> None:
        error = self.query_one("#ctx-presets-error", Static)
        error.update(message or "")
        error.set_class(bool(message), "-visible")

    # -- actions -------------------------------------------------------------------------

    def action_save(self) -> None:
        name_input = self.query_one("#ctx-presets-name", Input)
        name = name_input.value
        problem = config.context_name_problem(name)
        if problem is None and self.current_problem:
            problem = f"The form's context has a problem: {self.current_problem}"
        if problem is None and not self.current:
            problem = "The form's context is empty: add a pair first."
        self._show_problem(problem)
        if problem:
            name_input.focus()
            return
        app = self.workbench
        replaced = name in app.settings.contexts
        app.update_settings(app.settings.with_context(name, self.current))
        name_input.value = ""
        self.refresh_list(highlight=name)
        self.query_one(PresetList).focus()
        self.notify(
            f"{'Replaced' if replaced else 'Saved'} the context {name!r}.",
            title="Encryption context",
        )

    def action_delete_preset(self) -> None:
        name = self.highlighted_name()
        if name is None:
            self.notify("No saved context is highlighted.", title="Encryption context")
            return
        app = self.workbench
        app.update_settings(app.settings.without_context(name))
        self.refresh_list()
        self.notify(f"Deleted the context {name!r}.", title="Encryption context")

    def action_use(self) -> None:
        name = self.highlighted_name()
        if name is None:
            self.notify("No saved context is highlighted.", title="Encryption context")
            return
        self.dismiss(dict(self.presets[name]))

    def action_use_last(self) -> None:
        if self.last_pair is None:
            self.notify("No pair has been generated yet.", title="Encryption context")
            return
        self.dismiss(dict(self.last_pair[1]))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#ctx-presets-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_use()

    @on(Input.Submitted, "#ctx-presets-name")
    @on(Button.Pressed, "#ctx-presets-save-button")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Input.Changed, "#ctx-presets-name")
    def _name_changed(self) -> None:
        self._show_problem(None)

    @on(Button.Pressed, "#ctx-presets-delete-button")
    def _delete_pressed(self) -> None:
        self.action_delete_preset()

    @on(Button.Pressed, "#ctx-presets-last-button")
    def _last_pressed(self) -> None:
        self.action_use_last()

    @on(Button.Pressed, "#ctx-presets-use-button")
    def _use_pressed(self) -> None:
        self.action_use()

    @on(Button.Pressed, "#ctx-presets-close-button")
    def _close_pressed(self) -> None:
        self.dismiss(None)
