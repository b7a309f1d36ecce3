"""The private key section: the encryption context KMS Decrypt will be sent with (the stored
one, editable, so a changed context can be shown to fail), the Decrypt / Forget buttons, and
what the holder holds (never the key: whether it matches the public key, its KeyMaterialId).

The section asks; the screen confirms, runs the KMS call in a worker and keeps the key."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.service import ContextParseError, parse_encryption_context
from kmsworkbench.tui.pair_home import context_text, on_current_backend, other_backend_note
from kmsworkbench.tui.widgets.workbench.common import OperationForm


class PrivateKeySection(OperationForm):
    SECTION_ID = "wb-key-section"

    class DecryptRequested(Message):
        """Decrypt (Enter in the context field or the button)."""

    class ForgetRequested(Message):
        """Forget the key (the button)."""

    def compose(self) -> ComposeResult:
        record = self.record
        yield Label("Private key (KMS Decrypt)", classes="section-title")
        if not on_current_backend(record, self.workbench):
            yield Static(
                "⚠ " + other_backend_note(record, self.workbench),
                id="wb-backend-note",
                classes="warning",
                markup=False,
            )
        yield Label("Encryption context for Decrypt (k=v,k2=v2 or JSON; empty for none)")
        yield Input(
            context_text(record.encryption_context) if record.encryption_context else "",
            placeholder="no encryption context",
            id="wb-context",
        )
        yield Static("", id="wb-context-note", markup=False)
        with Horizontal(classes="button-row"):
            yield Button("Decrypt private key", id="wb-decrypt-button", variant="warning")
            yield Button("Forget", id="wb-forget-button", disabled=True)
        yield Static("", id="wb-key-result", classes="output -empty", markup=False)

    def on_mount(self) -> None:
        self.check_context()

    @property
    def context_field(self) -> Input:
        return self.query_one("#wb-context", Input)

    def check_context(self) -> dict[str, str] | None:
        """The context in the field, or None (with the problem shown) when it does not
        parse. Says when it differs from the stored one."""
        try:
            context = parse_encryption_context(self.context_field.value)
        except ContextParseError as exc:
            self.set_output("#wb-context-note", f"{exc}\n{exc.pointer()}", ok=False)
            return None
        stored = self.record.encryption_context
        if context == stored:
            self.set_output("#wb-context-note", "The context stored with the pair.", ok=None)
        else:
            self.set_output(
                "#wb-context-note",
                f"Differs from the stored context ({context_text(stored)}): KMS will refuse "
                "the Decrypt (InvalidCiphertextException).",
                ok=False,
            )
        return context

    def context_or_stored(self) -> dict[str, str]:
        """The context in the field, or the stored one when the field does not parse."""
        try:
            return parse_encryption_context(self.context_field.value)
        except ContextParseError:
            return dict(self.record.encryption_context)

    def show_state(self, *, decrypting: bool, key_material_id: str | None) -> None:
        held = self.holder.held
        self.query_one("#wb-forget-button", Button).disabled = not held
        decrypt = self.query_one("#wb-decrypt-button", Button)
        decrypt.disabled = decrypting
        decrypt.label = "Decrypting…" if decrypting else "Decrypt private key"
        if not held:
            self.set_output("#wb-key-result", "")
            return
        lines = ["The plaintext private key is in memory (never shown)."]
        if self.holder.matches is True:
            lines.append(
                "keys_match: ✓ it belongs to the stored public key (same SubjectPublicKeyInfo)."
            )
        elif self.holder.matches is False:
            lines.append(
                "keys_match: ✗ it does NOT belong to the stored public key; this record's "
                "public key and encrypted private key are not one pair."
            )
        if key_material_id:
            lines.append(f"KeyMaterialId of the KMS key: {key_material_id}")
        self.set_output("#wb-key-result", "\n".join(lines), ok=self.holder.matches)

    @on(Input.Changed, "#wb-context")
    def _context_changed(self) -> None:
        self.check_context()

    @on(Input.Submitted, "#wb-context")
    @on(Button.Pressed, "#wb-decrypt-button")
    def _decrypt_pressed(self) -> None:
        self.post_message(self.DecryptRequested())

    @on(Button.Pressed, "#wb-forget-button")
    def _forget_pressed(self) -> None:
        self.post_message(self.ForgetRequested())
