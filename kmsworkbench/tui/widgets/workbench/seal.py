"""Seal a message for the pair (ML-KEM + AES-256-GCM, public key, no KMS call), and open a
sealed blob with the private key. Sealing also puts the blob into the open field."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.tui.widgets.workbench.common import (
    DEFAULT_MESSAGE,
    OperationForm,
    b64,
    message_text,
    parse_b64,
    shown_b64,
)


class SealForm(OperationForm):
    SECTION_ID = "wb-seal-section"

    class Sealed(Message):
        def __init__(self, blob: str) -> None:
            super().__init__()
            self.blob = blob

    def compose(self) -> ComposeResult:
        yield Label("Seal a message (ML-KEM + AES-256-GCM, public key)", classes="section-title")
        with Horizontal(classes="input-row"):
            yield Input(DEFAULT_MESSAGE, placeholder="message", id="wb-seal-message")
            yield Button("Seal", id="wb-seal-button")
        yield Static("", id="wb-seal-result", classes="output -empty", markup=False)

    def seal(self) -> None:
        from kmsworkbench import keypairs

        message = self.query_one("#wb-seal-message", Input).value.encode("utf-8")
        try:
            blob = keypairs.kem_seal(self.record.public_key, message)
        except ValueError as exc:
            self.set_output("#wb-seal-result", f"Not sealed: {exc}", ok=False)
            return
        value = b64(blob)
        self.set_output(
            "#wb-seal-result",
            f"Sealed blob ({len(blob)} bytes: KEM ciphertext, nonce, AES-GCM; base64; also "
            f"put in the field below):\n{shown_b64(value)}",
        )
        self.made("Sealed blob", value)
        self.post_message(self.Sealed(value))

    @on(Button.Pressed, "#wb-seal-button")
    @on(Input.Submitted, "#wb-seal-message")
    def _seal_pressed(self) -> None:
        self.seal()


class OpenForm(OperationForm):
    SECTION_ID = "wb-open-section"

    def compose(self) -> ComposeResult:
        yield Label("Open a sealed message (private key)", classes="section-title")
        yield self.needs_key_note()
        with Horizontal(classes="input-row"):
            yield Input(placeholder="sealed blob, base64", id="wb-open-blob")
            yield Button("Open", id="wb-open-button", classes="needs-key-button")
        yield Static("", id="wb-open-result", classes="output -empty", markup=False)

    def take(self, blob: str) -> None:
        self.query_one("#wb-open-blob", Input).value = blob

    def open_blob(self) -> None:
        from kmsworkbench import keypairs

        if not self.require_key():
            return
        try:
            blob = parse_b64(self.query_one("#wb-open-blob", Input).value, "sealed blob")
            message = keypairs.kem_open(self.holder.der(), blob)
        except keypairs.DecryptionError as exc:
            self.set_output("#wb-open-result", f"✗ Does not open: {exc}", ok=False)
            return
        except ValueError as exc:
            self.set_output("#wb-open-result", str(exc), ok=False)
            return
        self.set_output("#wb-open-result", f"✓ Opened: {message_text(message)}", ok=True)

    @on(Button.Pressed, "#wb-open-button")
    @on(Input.Submitted, "#wb-open-blob")
    def _open_pressed(self) -> None:
        self.open_blob()
