"""The key chooser's actions that change keys (sandbox or endpoint only, except rotation):
create a key (the alias checked first), enable or disable, schedule or cancel deletion,
rotate now. Each runs its calls in a thread worker and posts KeyChanged with the key's fresh
description, which puts it back in the list."""

from __future__ import annotations

from textual import on, work

from kmsworkbench.service import KeyInfo, KmsError
from kmsworkbench.service.key_details import rotate_now
from kmsworkbench.tui.screens.keys_list import KeyListScreen
from kmsworkbench.tui.screens.keys_messages import AliasFailed, AliasTaken, KeyChanged
from kmsworkbench.tui.screens.keys_text import alias_owner
from kmsworkbench.tui.widgets.key_table import KeyTable


class KeyAdminScreen(KeyListScreen):
    """The key list plus the actions that create keys and change their state."""

    def _highlighted(self) -> KeyInfo | None:
        info = self.query_one(KeyTable).highlighted
        if info is None:
            self.notify("No key is highlighted.", severity="warning")
        return info

    def _state_changes_allowed(self) -> bool:
        if self.workbench.backend.kind == "aws":
            self.notify(
                "The workbench changes key state only in the sandbox or on an endpoint; on "
                "AWS use the console or the AWS CLI.",
                title="Not on AWS",
                severity="warning",
            )
            return False
        return True

    def action_create_key(self, alias: str = "", description: str = "") -> None:
        from kmsworkbench.tui.screens.modals import CreateKeyModal

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                alias, description = result
                self._create_worker(alias or None, description)

        on_aws = self.workbench.backend.kind == "aws"
        self.app.push_screen(CreateKeyModal(on_aws, alias=alias, description=description), chosen)

    @work(thread=True, exit_on_error=False, group="key-admin", description="CreateKey")
    def _create_worker(self, alias: str | None, description: str) -> None:
        """The alias is checked before CreateKey (DescribeKey on it), so that a taken alias
        never leaves a key without a name; if CreateAlias still fails (someone took the alias
        in between), the key exists without an alias and the user is told so."""
        session = self.workbench.session
        if alias:
            owner = alias_owner(session, alias)
            if owner is not None:
                self.post_message(AliasTaken(alias, owner, description))
                return
        info = session.create_key(description=description)
        alias_error: KmsError | None = None
        if alias:
            try:
                session.create_alias(alias, info.key_id)
            except KmsError as error:
                alias_error = error
        info = session.describe_key(info.key_id)
        if alias and alias_error is None and alias not in info.aliases:
            info.aliases = [alias]
        if alias_error is not None:
            self.post_message(KeyChanged(info, f"Created {info.key_id}, without an alias"))
            self.post_message(AliasFailed(info, alias or "", alias_error))
            return
        self.post_message(KeyChanged(info, f"Created {alias or info.key_id}"))

    @on(AliasTaken)
    def _alias_taken(self, message: AliasTaken) -> None:
        self.notify(
            f"{message.alias} already names key {message.owner}. No key was created; choose "
            "another alias.",
            title="Alias taken",
            severity="error",
            timeout=10,
        )
        self.action_create_key(message.alias, message.description)

    @on(AliasFailed)
    def _alias_failed(self, message: AliasFailed) -> None:
        from kmsworkbench.tui.screens.modals import ConfirmModal

        info, error = message.info, message.error
        billed = (
            " On AWS a key is billed monthly until it is deleted."
            if self.workbench.backend.kind == "aws"
            else ""
        )
        body = (
            f"CreateKey succeeded, but CreateAlias {message.alias} failed: {error.code}: "
            f"{error.message}\n\nThe key {info.key_id} exists now without an alias.{billed}\n\n"
            "Schedule its deletion (7 days, can be cancelled until then)? Or keep it and give "
            "it an alias later."
        )

        def answered(delete: bool | None) -> None:
            if delete:
                self._delete_worker(info.key_id, 7)

        self.app.push_screen(
            ConfirmModal(
                "Key created without an alias", body, "Schedule deletion", destructive=True
            ),
            answered,
        )

    def action_toggle_enabled(self) -> None:
        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return
        state = info.key_state
        if state in ("PendingDeletion", "PendingReplicaDeletion"):
            self.notify(
                "A key pending deletion cannot be enabled; cancel the deletion first (u).",
                severity="warning",
            )
            return
        self._enable_worker(info.key_id, enable=state == "Disabled")

    @work(thread=True, exit_on_error=False, group="key-admin", description="Enable/DisableKey")
    def _enable_worker(self, key_id: str, enable: bool) -> None:
        session = self.workbench.session
        if enable:
            session.enable_key(key_id)
        else:
            session.disable_key(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"{'Enabled' if enable else 'Disabled'} {key_id}"))

    def action_schedule_deletion(self) -> None:
        from kmsworkbench.tui.screens.modals import ScheduleDeletionModal

        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return

        def chosen(days: int | None) -> None:
            if days is not None:
                self._delete_worker(info.key_id, days)

        on_aws = self.workbench.backend.kind == "aws"
        self.app.push_screen(ScheduleDeletionModal(info.display_name, on_aws), chosen)

    @work(thread=True, exit_on_error=False, group="key-admin", description="ScheduleKeyDeletion")
    def _delete_worker(self, key_id: str, days: int) -> None:
        session = self.workbench.session
        when = session.schedule_key_deletion(key_id, pending_window_days=days)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"{key_id} will be deleted on {when:%Y-%m-%d}"))

    def action_cancel_deletion(self) -> None:
        info = self._highlighted()
        if info is None or not self._state_changes_allowed():
            return
        self._undelete_worker(info.key_id)

    @work(thread=True, exit_on_error=False, group="key-admin", description="CancelKeyDeletion")
    def _undelete_worker(self, key_id: str) -> None:
        session = self.workbench.session
        session.cancel_key_deletion(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"Deletion of {key_id} cancelled; the key is disabled"))

    def action_rotate_now(self) -> None:
        """RotateKeyOnDemand on the highlighted key; on AWS only after a question."""
        from kmsworkbench.tui.screens.modals import ConfirmModal

        info = self._highlighted()
        if info is None:
            return
        details = self._key_details.get(info.key_id)
        if details is not None and details.rotation_note:
            self.notify(f"{info.display_name}: {details.rotation_note}.", severity="warning")
            return
        if self.workbench.backend.kind != "aws":
            self._rotate_worker(info.key_id)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._rotate_worker(info.key_id)

        self.app.push_screen(
            ConfirmModal(
                "Rotate key material on AWS?",
                f"RotateKeyOnDemand gives {info.display_name} new key material now. Older "
                "material keeps decrypting; a key allows at most 25 on-demand rotations.",
                "Rotate",
                # Real AWS, and a key allows 25: Cancel has the focus.
                destructive=True,
            ),
            confirmed,
        )

    @work(thread=True, exit_on_error=False, group="key-admin", description="RotateKeyOnDemand")
    def _rotate_worker(self, key_id: str) -> None:
        session = self.workbench.session
        rotate_now(session, key_id)
        session.invalidate(key_id)
        info = session.describe_key(key_id)
        self.post_message(KeyChanged(info, f"Rotated the key material of {key_id}"))

    @on(KeyChanged)
    def _key_changed(self, message: KeyChanged) -> None:
        info = message.info
        self._key_details.pop(info.key_id, None)
        if info.key_id in self.index:
            self.index.update(info)
        else:
            self.index.add([info])
        self._refilter()
        self.query_one(KeyTable).move_to(info.key_id)
        self._update_detail(self.query_one(KeyTable).highlighted)
        self.notify(message.notice, title="Key updated")
