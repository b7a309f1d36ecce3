"""Verify a signature with the public key alone: no KMS call, nothing decrypted.

One algorithm gives VALID or INVALID; "every algorithm" tries each one the spec offers (a
DIGEST of the wrong length for an algorithm is skipped, with the reason)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Select, Static

from kmsworkbench.tui.widgets.workbench.common import (
    DEFAULT_MESSAGE,
    EVERY_ALGORITHM,
    parse_b64,
    select_value,
)
from kmsworkbench.tui.widgets.workbench.message_options import MessageForm


class VerifyForm(MessageForm):
    SECTION_ID = "wb-verify-section"
    SECTION = "verify"

    def compose(self) -> ComposeResult:
        assert self.spec is not None
        yield Label("Verify a signature (public key, no KMS call)", classes="section-title")
        with Horizontal(classes="input-row"):
            yield Input(DEFAULT_MESSAGE, placeholder="message (RAW)", id="wb-verify-message")
            yield self.algorithm_select(self.spec.signing_algorithms, "wb-verify-alg", every=True)
        yield from self.compose_message_options()
        with Horizontal(classes="input-row"):
            yield Input(placeholder="signature, base64", id="wb-verify-signature")
            yield Button("Verify", id="wb-verify-button")
        yield Static("", id="wb-verify-result", classes="output -empty", markup=False)

    def check(
        self,
        signature: str,
        algorithm: str | None,
        message: str,
        message_type: str,
        sm2_id: str | None,
    ) -> None:
        """Fill the form with a signature made elsewhere (the sign form) and verify it."""
        self.fill_message(message, message_type, sm2_id)
        self.query_one("#wb-verify-signature", Input).value = signature
        if algorithm is not None:
            self.query_one("#wb-verify-alg", Select).value = algorithm
        self.verify()
        self.scroll_visible()

    def verify(self) -> None:
        from kmsworkbench import keypairs

        assert self.spec is not None
        chosen = select_value(self.query_one("#wb-verify-alg", Select))
        try:
            signature = parse_b64(self.query_one("#wb-verify-signature", Input).value, "signature")
        except ValueError as exc:
            self.set_output("#wb-verify-result", str(exc), ok=False)
            return
        algorithms = (
            self.spec.signing_algorithms if chosen in (None, EVERY_ALGORITHM) else (chosen,)
        )
        results: list[tuple[str, bool]] = []
        skipped: list[tuple[str, str]] = []
        for algorithm in algorithms:
            try:
                message, message_type, extra = self.message(algorithm)
                valid = keypairs.verify(
                    self.record.public_key, algorithm, message, signature, message_type, **extra
                )
            except ValueError as exc:
                if len(algorithms) == 1:
                    self.set_output("#wb-verify-result", f"Not verified: {exc}", ok=False)
                    return
                skipped.append((algorithm, str(exc)))
                continue
            results.append((algorithm, valid))
        if not results:
            lines = "\n".join(f"– {a}: {reason}" for a, reason in skipped)
            self.set_output("#wb-verify-result", f"Not verified:\n{lines}", ok=False)
            return
        valid_with = [a for a, ok in results if ok]
        self.set_output("#wb-verify-result", verdict(results, skipped), ok=bool(valid_with))

    @on(Button.Pressed, "#wb-verify-button")
    @on(Input.Submitted, "#wb-verify-message, #wb-verify-signature, #wb-verify-sm2-id")
    def _verify_pressed(self) -> None:
        self.verify()


def verdict(results: list[tuple[str, bool]], skipped: list[tuple[str, str]]) -> Text:
    """What the verify output says for one algorithm or for every one."""
    text = Text()
    if len(results) == 1 and not skipped:
        algorithm, ok = results[0]
        if ok:
            text.append(f"✓ VALID ({algorithm})", style="bold")
            text.append(": the signature matches this message and the public key.")
        else:
            text.append(f"✗ INVALID ({algorithm})", style="bold")
            text.append(
                ": the signature does not match this message and public key (another "
                "message, key or algorithm, or a changed signature)."
            )
        return text
    for algorithm, ok in results:
        text.append(f"{'✓ valid  ' if ok else '✗ invalid'} {algorithm}\n")
    for algorithm, reason in skipped:
        text.append(f"– skipped  {algorithm}: {reason}\n")
    valid = [a for a, ok in results if ok]
    text.append(
        f"Valid with {', '.join(valid)}." if valid else "Valid with no algorithm.",
        style="bold",
    )
    return text
