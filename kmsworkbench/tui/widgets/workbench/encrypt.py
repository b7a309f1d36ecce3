"""Encrypt a test message with the public key (no KMS call), and decrypt a ciphertext with
the private key (held after KMS Decrypt): RSAES-OAEP SHA-1/SHA-256 for RSA pairs, SM2PKE for
SM2. "Decrypt this ciphertext" hands the ciphertext just made to the decrypt form."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from kmsworkbench.keypairs import KeyPairSpec
from kmsworkbench.tui.widgets.workbench.common import (
    DEFAULT_MESSAGE,
    OperationForm,
    b64,
    message_text,
    parse_b64,
    select_value,
    shown_b64,
)


def encryption_algorithms(spec: KeyPairSpec) -> tuple[str, ...]:
    """The spec's encryption algorithms, RSAES_OAEP_SHA_256 first when offered."""
    algs = tuple(spec.encryption_algorithms)
    preferred = "RSAES_OAEP_SHA_256"
    if preferred in algs:
        algs = (preferred, *(a for a in algs if a != preferred))
    return algs


class EncryptForm(OperationForm):
    SECTION_ID = "wb-encrypt-section"

    class DecryptRequested(Message):
        """Decrypt the ciphertext just made (base64) with its algorithm."""

        def __init__(self, ciphertext: str, algorithm: str) -> None:
            super().__init__()
            self.ciphertext = ciphertext
            self.algorithm = algorithm

    ciphertext: tuple[str, str] | None = None  # (base64, algorithm) made here

    def compose(self) -> ComposeResult:
        assert self.spec is not None
        yield Label("Encrypt a test message (public key, no KMS call)", classes="section-title")
        with Horizontal(classes="input-row"):
            yield Input(DEFAULT_MESSAGE, placeholder="plaintext", id="wb-encrypt-message")
            yield self.algorithm_select(encryption_algorithms(self.spec), "wb-encrypt-alg")
            yield Button("Encrypt", id="wb-encrypt-button")
        yield Static("", id="wb-encrypt-result", classes="output -empty", markup=False)
        yield Button("Decrypt this ciphertext", id="wb-encrypt-decrypt", classes="-hidden")

    def encrypt(self) -> None:
        from kmsworkbench import keypairs

        message = self.query_one("#wb-encrypt-message", Input).value.encode("utf-8")
        algorithm = select_value(self.query_one("#wb-encrypt-alg", Select))
        if algorithm is None:
            return
        try:
            ciphertext = keypairs.encrypt(self.record.public_key, algorithm, message)
        except ValueError as exc:
            self.set_output("#wb-encrypt-result", f"Not encrypted: {exc}", ok=False)
            self.show_button("#wb-encrypt-decrypt", False)
            return
        value = b64(ciphertext)
        self.ciphertext = (value, algorithm)
        self.set_output(
            "#wb-encrypt-result",
            f"Ciphertext ({algorithm}, {len(ciphertext)} bytes, base64):\n{shown_b64(value)}",
        )
        self.show_button("#wb-encrypt-decrypt", True)
        self.made("Ciphertext", value)

    @on(Button.Pressed, "#wb-encrypt-button")
    @on(Input.Submitted, "#wb-encrypt-message")
    def _encrypt_pressed(self) -> None:
        self.encrypt()

    @on(Button.Pressed, "#wb-encrypt-decrypt")
    def _decrypt_pressed(self) -> None:
        if self.ciphertext:
            self.post_message(self.DecryptRequested(*self.ciphertext))


class DecryptForm(OperationForm):
    SECTION_ID = "wb-decrypt-section"

    def compose(self) -> ComposeResult:
        assert self.spec is not None
        yield Label("Decrypt a ciphertext (private key)", classes="section-title")
        yield self.needs_key_note()
        with Horizontal(classes="input-row"):
            yield Input(
                placeholder="ciphertext, base64",
                id="wb-decrypt-ciphertext",
                classes="needs-key-input",
            )
            yield self.algorithm_select(encryption_algorithms(self.spec), "wb-decrypt-alg")
            yield Button("Decrypt", id="wb-decrypt-ct-button", classes="needs-key-button")
        yield Static("", id="wb-decrypt-result", classes="output -empty", markup=False)

    def take(self, ciphertext: str, algorithm: str) -> None:
        """Fill in a ciphertext made by the encrypt form; decrypt it when the key is held."""
        self.query_one("#wb-decrypt-ciphertext", Input).value = ciphertext
        self.query_one("#wb-decrypt-alg", Select).value = algorithm
        self.scroll_visible()
        if self.holder.held:
            self.decrypt()
        else:
            self.require_key()

    def decrypt(self) -> None:
        from kmsworkbench import keypairs

        if not self.require_key():
            return
        algorithm = select_value(self.query_one("#wb-decrypt-alg", Select))
        if algorithm is None:
            return
        try:
            ciphertext = parse_b64(
                self.query_one("#wb-decrypt-ciphertext", Input).value, "ciphertext"
            )
            plaintext = keypairs.decrypt(self.holder.der(), algorithm, ciphertext)
        except keypairs.DecryptionError as exc:
            self.set_output("#wb-decrypt-result", f"✗ Does not decrypt: {exc}", ok=False)
            return
        except ValueError as exc:
            self.set_output("#wb-decrypt-result", str(exc), ok=False)
            return
        self.set_output(
            "#wb-decrypt-result", f"✓ Decrypted ({algorithm}): {message_text(plaintext)}", ok=True
        )

    @on(Button.Pressed, "#wb-decrypt-ct-button")
    @on(Input.Submitted, "#wb-decrypt-ciphertext")
    def _decrypt_pressed(self) -> None:
        self.decrypt()
