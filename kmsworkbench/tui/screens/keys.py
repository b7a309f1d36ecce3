"""Choose a key: the table of keys (ListKeys + ListAliases + DescribeKey), filter as you
type, the detail pane, a key typed by hand, and (in the sandbox) creating keys and changing
their state.

The screen is built in layers, one concern per module: keys_list.py loads, filters and
shows the keys; keys_admin.py changes them; this module adds the bindings, what Enter does
(choose a key for a new pair) and a key named by hand. The table itself is
widgets/key_table.py."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label

from kmsworkbench.service import KeyInfo
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.screens.base import focus_now
from kmsworkbench.tui.screens.keys_admin import KeyAdminScreen
from kmsworkbench.tui.screens.keys_messages import TypedKeyDescribed
from kmsworkbench.tui.screens.keys_text import alias_owner, metadata_text, other_account
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.key_detail import KeyDetailPane
from kmsworkbench.tui.widgets.key_table import KeyTable

__all__ = ["KeyChooserScreen", "alias_owner", "metadata_text", "other_account"]


class KeyChooserScreen(KeyAdminScreen):
    HELP = (
        "Choose the symmetric KMS key that will wrap (encrypt) the private key of a new data "
        "key pair. Keys that cannot do it (asymmetric, HMAC, disabled, pending deletion, in a "
        "custom key store, AWS managed) are dimmed, with the reason. Type to filter by alias, "
        "key ID or description; Enter on a key opens the generate screen. Ctrl+O names a key "
        "directly (for keys of other accounts)."
    )
    AUTO_FOCUS = "#key-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh_keys", "Refresh", id="keys-refresh"),
        Binding("ctrl+f", "focus_filter", "Filter", id="keys-filter", show=False),
        Binding("ctrl+o", "key_by_reference", "Key by ID/ARN", id="keys-by-ref", show=False),
        Binding("ctrl+n", "create_key", "New key", id="keys-create", show=False),
        # The first screen shows how to switch backend and how to leave.
        Binding("f2", "app.switch_backend", "Backend", id="keys-backend", tooltip="Switch backend"),
        Binding("ctrl+q", "app.quit", "Quit", id="keys-quit", priority=True),
        Binding("ctrl+t", "toggle_ineligible", "Hide ineligible", id="keys-toggle", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield BackendHeader("Choose a key")
        with Horizontal(id="key-toolbar"):
            yield Input(placeholder="Filter: alias, key ID or description", id="key-filter")
            yield Label("", id="key-count")
        with Horizontal(id="key-main"):
            yield KeyTable(id="key-table")
            yield KeyDetailPane(id="key-detail-scroll")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.load_keys()

    @on(KeyTable.Selected, "#key-table")
    def _row_selected(self, message: KeyTable.Selected) -> None:
        self.choose(message.info)

    # -- choosing ------------------------------------------------------------------------

    def choose(self, info: KeyInfo) -> None:
        if info.eligible is False:
            self.notify(
                f"{info.display_name} cannot wrap a data key pair: {info.ineligible_reason}.",
                title="Not a wrapping key",
                severity="warning",
            )
            return
        reference = info.aliases[0] if info.aliases else info.key_id
        self.open_generate(reference, info)

    def open_generate(self, reference: str, info: KeyInfo | None) -> None:
        from kmsworkbench.tui.screens.generate import GenerateScreen

        self.app.push_screen(GenerateScreen(reference, info))

    def action_key_by_reference(self) -> None:
        """Ctrl+O: a key named by hand. A key of this account is described first (from the
        list, or with DescribeKey), so the generate form shows the same eligibility note as
        the table; a key of another account cannot be checked before the call."""
        from kmsworkbench.tui.screens.modals import KeyReferenceModal

        def chosen(reference: str | None) -> None:
            if not reference:
                return
            info = self.index.find(reference)
            if info is not None:
                self.open_generate(reference, info)
            elif other_account(reference, self.workbench.account):
                self.open_generate(reference, None)
            else:
                self._describe_typed_worker(reference)

        self.app.push_screen(KeyReferenceModal(), chosen)

    @work(thread=True, exit_on_error=False, group="key-typed", description="DescribeKey")
    def _describe_typed_worker(self, reference: str) -> None:
        info = self.workbench.session.describe_key(reference)
        self.post_message(TypedKeyDescribed(reference, info))

    @on(TypedKeyDescribed)
    def _typed_key_described(self, message: TypedKeyDescribed) -> None:
        self.open_generate(message.reference, message.info)

    def action_focus_filter(self) -> None:
        # At once (see focus_now): the keys typed right after "/" would otherwise reach the
        # table, where a letter can be a binding (j, k, e, x ...).
        focus_now(self.query_one("#key-filter", Input))

    def action_refresh_keys(self) -> None:
        self._key_details.clear()
        self.load_keys()

    def action_toggle_ineligible(self) -> None:
        import dataclasses

        app = self.workbench
        app.update_settings(
            dataclasses.replace(app.settings, hide_ineligible=not app.settings.hide_ineligible)
        )
        self._refilter()
        self.notify(
            "Ineligible keys hidden" if self.hide_ineligible else "Ineligible keys shown",
            title="Key list",
        )

    def action_copy_key_id(self) -> None:
        info = self._highlighted()
        if info is not None:
            self.workbench.copy_with_notice(info.key_id, f"Key ID {info.key_id}")

    def action_key_access(self) -> None:
        """The highlighted key's policy, who can do what with it, and its audit log."""
        from kmsworkbench.tui.screens.access import KeyAccessScreen

        info = self._highlighted()
        if info is not None:
            self.app.push_screen(KeyAccessScreen(info.arn, info.display_name))

    def action_copy_key_arn(self) -> None:
        info = self._highlighted()
        if info is not None:
            self.workbench.copy_with_notice(info.arn, "Key ARN")

    @on(BackendChanged)
    def _backend_changed(self) -> None:
        self.load_keys()
