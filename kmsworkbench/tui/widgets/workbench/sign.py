"""Sign a test message with the private key (held after KMS Decrypt; no KMS call to sign).

Enter in the message or SM2 ID field, or the Sign button, signs; "Verify this signature"
hands the signature, message and algorithm to the verify form (the screen wires that)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from kmsworkbench.tui.widgets.workbench.common import DEFAULT_MESSAGE, b64, select_value
from kmsworkbench.tui.widgets.workbench.message_options import MessageForm


class SignForm(MessageForm):
    SECTION_ID = "wb-sign-section"
    SECTION = "sign"

    class VerifyRequested(Message):
        """Verify the signature just made: message fields, algorithm and signature."""

        def __init__(
            self,
            signature: str,
            algorithm: str | None,
            message: str,
            message_type: str,
            sm2_id: str | None,
        ) -> None:
            super().__init__()
            self.signature = signature
            self.algorithm = algorithm
            self.message = message
            self.message_type = message_type
            self.sm2_id = sm2_id

    signature: str | None = None  # the last signature made here (base64)

    def compose(self) -> ComposeResult:
        assert self.spec is not None
        yield Label("Sign a test message (private key)", classes="section-title")
        yield self.needs_key_note()
        with Horizontal(classes="input-row"):
            yield Input(
                DEFAULT_MESSAGE,
                placeholder="message (RAW)",
                id="wb-sign-message",
                classes="needs-key-input",
            )
            yield self.algorithm_select(self.spec.signing_algorithms, "wb-sign-alg")
            yield Button("Sign", id="wb-sign-button", classes="needs-key-button")
        yield from self.compose_message_options()
        yield Static("", id="wb-sign-result", classes="output -empty", markup=False)
        yield Button("Verify this signature", id="wb-sign-verify", classes="-hidden")

    def sign(self) -> None:
        from kmsworkbench import keypairs

        if not self.require_key():
            return
        algorithm = select_value(self.query_one("#wb-sign-alg", Select))
        if algorithm is None:
            return
        try:
            message, message_type, extra = self.message(algorithm)
            signature = keypairs.sign(self.holder.der(), algorithm, message, message_type, **extra)
        except ValueError as exc:
            self.set_output("#wb-sign-result", f"Not signed: {exc}", ok=False)
            self.show_button("#wb-sign-verify", False)
            return
        value = b64(signature)
        self.signature = value
        self.set_output(
            "#wb-sign-result",
            f"Signature ({algorithm}, {message_type}, {len(signature)} bytes, base64):\n{value}",
            ok=None,
        )
        self.show_button("#wb-sign-verify", True)
        self.made("Signature", value)

    @on(Button.Pressed, "#wb-sign-button")
    @on(Input.Submitted, "#wb-sign-message, #wb-sign-sm2-id")
    def _sign_pressed(self) -> None:
        self.sign()

    @on(Button.Pressed, "#wb-sign-verify")
    def _verify_pressed(self) -> None:
        if not self.signature:
            return
        text, message_type, sm2_id = self.message_fields()
        algorithm = select_value(self.query_one("#wb-sign-alg", Select))
        self.post_message(
            self.VerifyRequested(self.signature, algorithm, text, message_type, sm2_id)
        )
