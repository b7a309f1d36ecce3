"""The workbench of one pair: the screen that holds the plaintext private key and wires the
operation forms together. What each operation does is in its form, one module each, under
``tui/widgets/workbench/`` (sign, verify, encrypt/decrypt, ML-KEM, seal/open, ECDH).

With the public key alone (no KMS call): verify a signature with each valid algorithm,
encrypt a test message (RSAES-OAEP SHA-1/SHA-256, SM2PKE), for ML-KEM encapsulate a shared
secret and seal a message, and for ECC pairs nothing yet (ECDH needs our private key).

With the private key: "Decrypt private key" sends KMS Decrypt for the pair's
PrivateKeyCiphertextBlob with an encryption context (the stored one, editable, so a changed
context can be shown to fail with InvalidCiphertextException), after a confirmation that
says which key and context are used. The plaintext PKCS#8 is then held in a
:class:`~kmsworkbench.tui.keyholder.PrivateKeyHolder`, checked with ``keys_match`` against the
stored public key, and used to sign, decrypt, decapsulate, open sealed messages and agree on
an ECDH secret. For the ECDH check both ways the peer pair's private key can be decrypted
too; it is held in a second holder with the same lifetime.

The plaintext private keys are never displayed, logged, put in the activity log or in a
screenshot, and never written to a file; there is no export of them here. They are forgotten
with Ctrl+F, when the screen is left (popped, or another full screen opened over it) and
when the backend changes.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState

from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import aws_cli_command
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.pair_home import context_text
from kmsworkbench.tui.screens.decrypt_key import (
    DecryptConfirmModal,
    PrivateKeyDecrypted,
    Whose,
    decrypt_private_key,
)
from kmsworkbench.tui.screens.workbench_actions import PairOperations
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.key_status import PrivateKeyStatus
from kmsworkbench.tui.widgets.tokens import TokenRows
from kmsworkbench.tui.widgets.workbench.agreement import AgreementForm
from kmsworkbench.tui.widgets.workbench.common import OutputMade
from kmsworkbench.tui.widgets.workbench.encrypt import DecryptForm, EncryptForm
from kmsworkbench.tui.widgets.workbench.kem import DecapsulateForm, EncapsulateForm
from kmsworkbench.tui.widgets.workbench.private_key import PrivateKeySection
from kmsworkbench.tui.widgets.workbench.seal import OpenForm, SealForm
from kmsworkbench.tui.widgets.workbench.sign import SignForm
from kmsworkbench.tui.widgets.workbench.verify import VerifyForm


class PairWorkbenchScreen(PairOperations):
    HELP = (
        "Work with one pair. Verify, encrypt, encapsulate and seal need only the public key "
        "(no KMS call). Sign, decrypt, decapsulate, open and ECDH need the private key: Ctrl+O "
        "sends KMS Decrypt for the encrypted private key with the encryption context in the "
        "field (prefilled with the stored one; change it to see KMS refuse). The plaintext "
        "private key is then held in memory only, never shown, logged or written, and is "
        "forgotten with Ctrl+F, when you leave this screen, or when the backend changes. "
        "Sign and verify take a RAW message or, with DIGEST, the digest the algorithm would "
        "compute (hex or base64, of its exact length; for SM2DSA e = SM3(Z_A || M)), as KMS "
        "Sign and Verify do. SM2 pairs take a distinguishing ID for RAW messages (KMS always "
        "uses 1234567812345678). ECC and SM2 pairs agree on an ECDH secret with a peer's "
        "public key (pasted, or another pair of the same curve); the secret is shown by "
        "fingerprint only. "
        "Enter in a field runs its section; Ctrl+P offers the pairs: and crypto: commands."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "decrypt_key", "Decrypt key", id="wb-decrypt-key"),
        Binding("ctrl+f", "forget_key", "Forget key", id="wb-forget-key"),
        Binding("ctrl+y", "copy_result", "Copy result", id="wb-copy-result", show=False),
        Binding("ctrl+t", "asn1", "Inside the keys", id="wb-asn1", show=False),
        Binding("escape", "back", "Back", id="wb-back"),
    ]

    def __init__(self, record: PairRecord) -> None:
        super().__init__(record)
        self.decrypting = False
        self.key_material_id: str | None = None
        self._token = 0

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        record, holder = self.record, self.holder
        yield BackendHeader(f"Pair {record.name}")
        yield PrivateKeyStatus(holder, id="wb-status")
        with VerticalScroll(id="wb-body"):
            with Vertical(classes="section", id="wb-pair-section"):
                yield Label("Pair", classes="section-title")
                yield self._pair_rows()
            yield PrivateKeySection(record, holder)
            if self.can_sign:
                yield SignForm(record, holder)
                yield VerifyForm(record, holder)
            if self.can_encrypt:
                yield EncryptForm(record, holder)
                yield DecryptForm(record, holder)
            if self.can_kem:
                encapsulate = EncapsulateForm(record, holder)
                yield encapsulate
                yield DecapsulateForm(record, holder, encapsulate.secret)
                yield SealForm(record, holder)
                yield OpenForm(record, holder)
            if self.can_agree:
                yield AgreementForm(record, holder, self.peer_holder)
        yield WorkbenchFooter()

    def _pair_rows(self) -> TokenRows:
        from kmsworkbench.keypairs import KeyFormatError, load_public_key

        record = self.record
        try:
            public = load_public_key(record.public_key)
            summary, fingerprint = public.summary, public.fingerprint_hex
        except KeyFormatError as exc:
            summary, fingerprint = f"unreadable public key: {exc}", "(unreadable)"
        rows = [
            ("Spec", f"{record.key_pair_spec} · {summary}"),
            ("SHA-256 fingerprint", fingerprint),
            ("KMS key", record.key_arn),
            ("Stored encryption context", context_text(record.encryption_context)),
            ("Encrypted private key", f"{len(record.private_key_ciphertext)} bytes"),
        ]
        tail = "" if self.spec else "This version does not know the spec; only the key is shown."
        return TokenRows(rows, tail=tail, id="wb-pair")

    def on_mount(self) -> None:
        self._refresh_key_state()
        self.query_one("#wb-decrypt-button", Button).focus()

    @property
    def key_section(self) -> PrivateKeySection:
        return self.query_one(PrivateKeySection)

    # -- state ---------------------------------------------------------------------------

    def _refresh_key_state(self) -> None:
        held = self.holder.held
        self.set_class(held, "-unlocked")
        self.query_one(PrivateKeyStatus).refresh_status(decrypting=self.decrypting)
        for button in self.query(".needs-key-button").results(Button):
            button.disabled = not held
        self.key_section.show_state(
            decrypting=self.decrypting, key_material_id=self.key_material_id
        )
        for agreement in self.query(AgreementForm).results():
            agreement.key_state_changed()

    @on(OutputMade)
    def _output_made(self, message: OutputMade) -> None:
        self.last_output = (message.what, message.value)

    # -- wiring between forms ------------------------------------------------------------

    @on(SignForm.VerifyRequested)
    def _verify_signed(self, message: SignForm.VerifyRequested) -> None:
        self.query_one(VerifyForm).check(
            message.signature,
            message.algorithm,
            message.message,
            message.message_type,
            message.sm2_id,
        )

    @on(EncryptForm.DecryptRequested)
    def _decrypt_encrypted(self, message: EncryptForm.DecryptRequested) -> None:
        self.query_one(DecryptForm).take(message.ciphertext, message.algorithm)

    @on(EncapsulateForm.Encapsulated)
    def _encapsulated(self, message: EncapsulateForm.Encapsulated) -> None:
        self.query_one(DecapsulateForm).take(message.ciphertext)

    @on(SealForm.Sealed)
    def _sealed(self, message: SealForm.Sealed) -> None:
        self.query_one(OpenForm).take(message.blob)

    @on(PrivateKeySection.DecryptRequested)
    def _decrypt_requested(self) -> None:
        self.action_decrypt_key()

    @on(PrivateKeySection.ForgetRequested)
    def _forget_requested(self) -> None:
        self.action_forget_key()

    @on(AgreementForm.PeerDecryptRequested)
    def _peer_decrypt_requested(self, message: AgreementForm.PeerDecryptRequested) -> None:
        self._confirm_decrypt(message.record, dict(message.record.encryption_context), "peer")

    # -- the encryption context for Decrypt ----------------------------------------------

    def decrypt_params(self, context: dict[str, str]) -> dict[str, object]:
        params: dict[str, object] = {
            "CiphertextBlob": self.record.private_key_ciphertext,
            "KeyId": self.record.key_arn,
        }
        if context:
            params["EncryptionContext"] = context
        return params

    def aws_cli_for_copy(self) -> str | None:
        """The Decrypt this screen would send, as an aws-cli command (palette: export: copy
        aws-cli command)."""
        context = self.key_section.context_or_stored()
        app = self.workbench
        return aws_cli_command("Decrypt", self.decrypt_params(context), app.backend, app.region)

    # -- decrypting and forgetting the private keys --------------------------------------

    def action_asn1(self) -> None:
        """The public key's ASN.1 tree and formats, the encrypted private key blob labelled,
        and, once decrypted, the private key's structure with every secret masked."""
        from kmsworkbench.tui.screens.asn1 import Asn1Modal

        private = self.holder.der() if self.holder.held else None
        self.app.push_screen(
            Asn1Modal(
                f"Inside {self.record.name}",
                self.record.public_key,
                private_der=private,
                blob=self.record.private_key_ciphertext,
            )
        )

    def action_decrypt_key(self) -> None:
        if self.decrypting:
            return
        context = self.key_section.check_context()
        if context is None:
            self.key_section.context_field.focus()
            self.notify("Fix the encryption context first.", severity="error")
            return
        self._confirm_decrypt(self.record, context, "own")

    def _confirm_decrypt(self, record: PairRecord, context: dict[str, str], whose: Whose) -> None:
        if self.decrypting:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_decrypt(record, context, whose)

        self.app.push_screen(
            DecryptConfirmModal.for_pair(record, context, whose, self.workbench), answered
        )

    def _start_decrypt(self, record: PairRecord, context: dict[str, str], whose: Whose) -> None:
        if whose == "own":
            self.holder.forget()
            self.key_material_id = None
        else:
            self.peer_holder.forget()
        self._token += 1
        self.decrypting = True
        self._refresh_key_state()
        self._decrypt_worker(self._token, record, context, whose)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="decrypt-key",
        description="Decrypt (pair private key)",
    )
    def _decrypt_worker(
        self, token: int, record: PairRecord, context: dict[str, str], whose: Whose
    ) -> None:
        holder, key_material_id = decrypt_private_key(self.workbench, record, context)
        self.post_message(PrivateKeyDecrypted(token, whose, holder, key_material_id))

    @on(PrivateKeyDecrypted)
    def _decrypted(self, message: PrivateKeyDecrypted) -> None:
        if message.token != self._token or not self.is_attached:
            message.holder.forget()
            return
        self.decrypting = False
        if message.whose == "peer":
            self.peer_holder.take(message.holder)
            self._refresh_key_state()
            self.notify(
                f"The private key of {self.peer_holder.pair_name} is held in memory too.",
                title="Peer private key",
            )
            if self.holder.held:
                self.query_one(AgreementForm).derive()
            return
        self.holder.take(message.holder)
        self.key_material_id = message.key_material_id
        self._refresh_key_state()
        first = next(iter(self.query(".needs-key-input").results(Input)), None)
        if first is not None:
            first.focus()
        if self.holder.matches:
            self.notify("Held in memory only; it matches the public key.", title="Private key")
        else:
            self.notify(
                "It does not match the stored public key.",
                title="Private key",
                severity="warning",
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # (WorkbenchScreen's handler runs too: Textual calls each class's handler.)
        if event.worker.group == "decrypt-key" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.decrypting = False
            self._refresh_key_state()

    def action_forget_key(self) -> None:
        self._token += 1
        self.decrypting = False
        if self.forget():
            self.notify("The private key is no longer in memory.", title="Forgotten")
        else:
            self.notify("No private key is held.", title="Forget")

    def forget(self) -> bool:
        """Drop the private keys (ours and the peer's); True when one was held."""
        was_held = self.holder.forget()
        was_held = self.peer_holder.forget() or was_held
        self.key_material_id = None
        if self.is_attached:
            self._refresh_key_state()
        return was_held

    def on_screen_suspend(self) -> None:
        # A dialog over this screen (confirm, error, help, palette) keeps the key; another
        # full screen means the user left.
        if not isinstance(self.app.screen, ModalScreen):
            self._token += 1
            if self.forget():
                self.notify(
                    f"The private key of {self.record.name} is no longer in memory.",
                    title="Forgotten",
                )

    def on_unmount(self) -> None:
        self._token += 1
        self.peer_holder.forget()
        if self.holder.forget():
            self.app.notify(
                f"The private key of {self.record.name} is no longer in memory.",
                title="Forgotten",
            )

    @on(BackendChanged)
    def _backend_changed(self) -> None:
        self._token += 1
        self.forget()
