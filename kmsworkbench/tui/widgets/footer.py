"""The footer of every screen: Textual's Footer, compact (less space between keys) when the
terminal is narrower than :data:`COMPACT_BELOW` columns, so a screen's main keys fit in 80.

Which keys it shows is decided by the bindings (``show=True`` for the keys that matter on a
screen, ``show=False`` for the rest; every key is still in the F1 help and the palette).

Textual's Footer rebuilds itself (removes and mounts every key, restyling each) whenever the
screen's bindings are refreshed: on every focus change, screen resume and ``refresh_bindings``,
most of which change nothing it shows. Here a rebuild happens only when what it would show
differs from what it shows (at start-up that saves three of four rebuilds, each a layout)."""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

COMPACT_BELOW = 110  # the app's "-wide" breakpoint


class WorkbenchFooter(Footer):
    _composed: Hashable | None = None  # what the keys now mounted were built from

    def on_mount(self) -> None:
        self.compact = self.app.size.width < COMPACT_BELOW

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW

    def _shown(self) -> Hashable:
        """Everything Footer.compose reads to build its keys (``compact`` is bound to the
        keys, not built in)."""
        if not self._bindings_ready:
            return None
        app = self.app
        keys = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.group,
                enabled,
                tooltip,
            )
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, _tooltip = found
                palette = (binding.key, binding.description, binding.tooltip, enabled)
        return keys, palette

    def compose(self) -> ComposeResult:
        self._composed = self._shown()
        yield from super().compose()

    async def recompose(self) -> None:
        if self.is_attached and self._composed is not None and self._shown() == self._composed:
            return  # the same keys: nothing to rebuild
        await super().recompose()
