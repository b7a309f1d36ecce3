"""ML-KEM: encapsulate with the public key (no KMS call), decapsulate with the private key.

The shared secret is never shown, only its fingerprint. The encapsulate form keeps the secret
it made in a :class:`SecretBox` so the decapsulate form can say whether the two agree; the
screen wipes it when it leaves."""

from __future__ import annotations

import hmac

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.keyholder import PrivateKeyHolder, SecretBox
from kmsworkbench.tui.widgets.workbench.common import (
    OperationForm,
    b64,
    parse_b64,
    secret_fingerprint,
    shown_b64,
)


class EncapsulateForm(OperationForm):
    SECTION_ID = "wb-encap-section"

    class Encapsulated(Message):
        """A fresh ciphertext (base64); its secret is in the form's ``secret`` box."""

        def __init__(self, ciphertext: str) -> None:
            super().__init__()
            self.ciphertext = ciphertext

    def __init__(self, record: PairRecord, holder: PrivateKeyHolder) -> None:
        super().__init__(record, holder)
        self.secret = SecretBox("shared secret")

    def compose(self) -> ComposeResult:
        yield Label("Encapsulate (public key, no KMS call)", classes="section-title")
        yield Static(
            "Makes a fresh shared secret and the ciphertext that carries it. The secret is "
            "never shown, only a fingerprint (SHA-256, first 16 bytes).",
            classes="hint",
            markup=False,
        )
        with Horizontal(classes="button-row"):
            yield Button("Encapsulate", id="wb-encap-button")
        yield Static("", id="wb-encap-result", classes="output -empty", markup=False)

    def encapsulate(self) -> None:
        from kmsworkbench import keypairs

        try:
            ciphertext, secret = keypairs.encapsulate(self.record.public_key)
        except ValueError as exc:
            self.set_output("#wb-encap-result", f"Not encapsulated: {exc}", ok=False)
            return
        self.secret.put(secret)
        fingerprint = secret_fingerprint(secret)
        del secret
        value = b64(ciphertext)
        self.set_output(
            "#wb-encap-result",
            f"Shared secret: 32 bytes (not shown), fingerprint {fingerprint}\n"
            f"Ciphertext ({len(ciphertext)} bytes, base64; also put in the field below):\n"
            f"{shown_b64(value)}",
        )
        self.made("ML-KEM ciphertext", value)
        self.post_message(self.Encapsulated(value))

    @on(Button.Pressed, "#wb-encap-button")
    def _encap_pressed(self) -> None:
        self.encapsulate()

    def on_unmount(self) -> None:
        self.secret.wipe()


class DecapsulateForm(OperationForm):
    SECTION_ID = "wb-decap-section"

    matches: bool | None = None  # the last decapsulation vs the encapsulated secret

    def __init__(
        self, record: PairRecord, holder: PrivateKeyHolder, encapsulated: SecretBox
    ) -> None:
        super().__init__(record, holder)
        self.encapsulated = encapsulated

    def compose(self) -> ComposeResult:
        yield Label("Decapsulate (private key)", classes="section-title")
        yield self.needs_key_note()
        with Horizontal(classes="input-row"):
            yield Input(
                placeholder="ML-KEM ciphertext, base64",
                id="wb-decap-ciphertext",
                classes="needs-key-input",
            )
            yield Button("Decapsulate", id="wb-decap-button", classes="needs-key-button")
        yield Static("", id="wb-decap-result", classes="output -empty", markup=False)

    def take(self, ciphertext: str) -> None:
        self.query_one("#wb-decap-ciphertext", Input).value = ciphertext

    def decapsulate(self) -> None:
        from kmsworkbench import keypairs

        if not self.require_key():
            return
        try:
            ciphertext = parse_b64(
                self.query_one("#wb-decap-ciphertext", Input).value, "ciphertext"
            )
            secret = keypairs.decapsulate(self.holder.der(), ciphertext)
        except ValueError as exc:
            self.set_output("#wb-decap-result", f"✗ Not decapsulated: {exc}", ok=False)
            return
        text = f"Shared secret: 32 bytes (not shown), fingerprint {secret_fingerprint(secret)}"
        ok: bool | None = None
        if self.encapsulated.held:
            ok = hmac.compare_digest(secret, self.encapsulated.value())
            text += (
                "\n✓ The same shared secret as the encapsulation above."
                if ok
                else "\n✗ Not the secret of the encapsulation above (another ciphertext, or "
                "a changed one: ML-KEM then yields an unrelated secret)."
            )
        del secret
        self.matches = ok
        self.set_output("#wb-decap-result", text, ok=ok)

    @on(Button.Pressed, "#wb-decap-button")
    @on(Input.Submitted, "#wb-decap-ciphertext")
    def _decap_pressed(self) -> None:
        self.decapsulate()
