"""The workbench of one pair.

With the public key alone (no KMS call): verify a signature with each valid algorithm,
encrypt a test message (RSAES-OAEP SHA-1/SHA-256, SM2PKE), and for ML-KEM encapsulate a
shared secret and seal a message.

With the private key: "Decrypt private key" sends KMS Decrypt for the pair's
PrivateKeyCiphertextBlob with an encryption context (the stored one, editable, so a changed
context can be shown to fail with InvalidCiphertextException), after a confirmation that
says which key and context are used. The plaintext PKCS#8 is then held in a
:class:`~kmsworkbench.tui.keyholder.PrivateKeyHolder`, checked with ``keys_match`` against the
stored public key, and used to sign, decrypt, decapsulate and open sealed messages.

The plaintext private key is never displayed, logged, put in the activity log or in a
screenshot, and never written to a file; there is no export of it here. It is forgotten
with Ctrl+F, when the screen is left (popped, or another full screen opened over it) and
when the backend changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from kmsworkbench.keypairs import SM2_DEFAULT_ID, SPECS, KeyPairSpec
from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import (
    ContextParseError,
    KmsError,
    aws_cli_command,
    format_context_for_cli,
    parse_encryption_context,
)
from kmsworkbench.tui.app import BackendChanged
from kmsworkbench.tui.keyholder import PrivateKeyHolder, SecretBox
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.screens.library import (
    backend_labels,
    context_text,
    on_current_backend,
    other_backend_note,
)
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.key_status import PrivateKeyStatus

DEFAULT_MESSAGE = "Hello from kmsworkbench"
EVERY_ALGORITHM = "*"
LONG_B64 = 720  # longer base64 values are shown shortened (the field below holds them whole)


MESSAGE_TYPES = (("RAW message", "RAW"), ("DIGEST", "DIGEST"))
SM2_ID_MAX_BYTES = 8191  # ENTL, the ID's length in bits, is a 16-bit number
_DIGEST_SIZES = (("SHA_256", 32), ("SHA_384", 48), ("SHA_512", 64), ("SHA_1", 20))
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")


def digest_size(algorithm: str) -> int | None:
    """The digest length (bytes) MessageType DIGEST takes with ``algorithm``; None for an
    algorithm that signs the message itself (ED25519_SHA_512)."""
    if algorithm == "ED25519_SHA_512":
        return None
    if algorithm.startswith("SM2DSA"):
        return 32  # e = SM3(Z_A || M)
    for suffix, size in _DIGEST_SIZES:
        if algorithm.endswith(suffix):
            return size
    return None


def parse_digest(text: str, algorithm: str) -> bytes:
    """A digest typed or pasted in hex (optionally 0x...) or base64, of the length the
    algorithm needs. ValueError with a message a person can act on otherwise."""
    size = digest_size(algorithm)
    if size is None:
        raise ValueError(
            f"{algorithm} signs the message itself and takes no digest: choose RAW message."
        )
    wanted = f"a {size}-byte digest ({size * 2} hex digits or {4 * ((size + 2) // 3)} base64 "
    wanted += "characters)"
    compact = "".join(text.split())
    if not compact:
        raise ValueError(f"Give {wanted} for {algorithm}.")
    data: bytes | None = None
    if _HEX.fullmatch(compact):
        digits = compact[2:] if compact.lower().startswith("0x") else compact
        if len(digits) % 2 == 0:
            data = bytes.fromhex(digits)
    if data is None:
        try:
            data = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"The digest is neither hex nor base64; {algorithm} needs {wanted}."
            ) from None
    if len(data) != size:
        raise ValueError(f"{algorithm} needs {wanted}; this is {len(data)} bytes.")
    return data


def parse_sm2_id(text: str) -> bytes:
    """The SM2 distinguishing ID as UTF-8 bytes (KMS itself always uses the default)."""
    data = text.encode("utf-8")
    if not data:
        raise ValueError(
            "Give an SM2 distinguishing ID (the default, which KMS uses, is "
            f"{SM2_DEFAULT_ID.decode('ascii')})."
        )
    if len(data) > SM2_ID_MAX_BYTES:
        raise ValueError(f"An SM2 distinguishing ID is at most {SM2_ID_MAX_BYTES} bytes.")
    return data


class KmsFormatProblem(ValueError):
    """KMS decrypted the blob, but the plaintext is not a private key."""


class DecryptConfirmModal(ConfirmModal):
    """The confirmation before KMS Decrypt of a private key: which key, which context, and
    what happens to the plaintext. The text scrolls, so the buttons stay on small screens."""

    def __init__(self, body: str) -> None:
        super().__init__("Decrypt the private key?", body, "Decrypt")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="decrypt-confirm-scroll"):
                yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="confirm-no")
                yield Button(self.confirm_label, id="confirm-yes", variant="warning")


class PrivateKeyDecrypted(Message):
    """The worker decrypted the private key; ``holder`` carries it (repr hidden)."""

    def __init__(self, token: int, holder: PrivateKeyHolder, key_material_id: str | None) -> None:
        super().__init__()
        self.token = token
        self.holder = holder
        self.key_material_id = key_material_id


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_b64(text: str, what: str) -> bytes:
    """Base64 as typed or pasted (whitespace and line breaks ignored)."""
    compact = "".join(text.split())
    if not compact:
        raise ValueError(f"Give the {what} in base64.")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"The {what} is not valid base64.") from None


def shown_b64(value: str) -> str:
    """Base64 for the screen: whole up to LONG_B64 characters (an RSA-4096 signature), else
    its ends (the whole value is in the field below it, and Ctrl+Y copies it)."""
    if len(value) <= LONG_B64:
        return value
    return f"{value[:160]}…{value[-40:]} ({len(value)} characters; Ctrl+Y copies them)"


def secret_fingerprint(secret: bytes) -> str:
    """The first 16 bytes of SHA-256(secret), as hex pairs: enough to compare two shared
    secrets by eye, nothing about the secret itself."""
    digest = hashlib.sha256(secret).digest()[:16]
    return ":".join(f"{b:02X}" for b in digest)


def encryption_algorithms(spec: KeyPairSpec) -> tuple[str, ...]:
    """The spec's encryption algorithms, RSAES_OAEP_SHA_256 first when offered."""
    algs = tuple(spec.encryption_algorithms)
    preferred = "RSAES_OAEP_SHA_256"
    if preferred in algs:
        algs = (preferred, *(a for a in algs if a != preferred))
    return algs


def message_text(data: bytes) -> str:
    try:
        return repr(data.decode("utf-8"))
    except UnicodeDecodeError:
        return f"{len(data)} bytes, base64 {b64(data)}"


def _select_value(select: Select[str]) -> str | None:
    value = select.value
    return value if isinstance(value, str) else None


class PairWorkbenchScreen(WorkbenchScreen):
    HELP = (
        "Work with one pair. Verify, encrypt, encapsulate and seal need only the public key "
        "(no KMS call). Sign, decrypt, decapsulate and open need the private key: Ctrl+O "
        "sends KMS Decrypt for the encrypted private key with the encryption context in the "
        "field (prefilled with the stored one; change it to see KMS refuse). The plaintext "
        "private key is then held in memory only, never shown, logged or written, and is "
        "forgotten with Ctrl+F, when you leave this screen, or when the backend changes. "
        "Sign and verify take a RAW message or, with DIGEST, the digest the algorithm would "
        "compute (hex or base64, of its exact length; for SM2DSA e = SM3(Z_A || M)), as KMS "
        "Sign and Verify do. SM2 pairs take a distinguishing ID for RAW messages (KMS always "
        "uses 1234567812345678). "
        "Enter in a field runs its section; Ctrl+P offers the pairs: and crypto: commands."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "decrypt_key", "Decrypt key", id="wb-decrypt-key"),
        Binding("ctrl+f", "forget_key", "Forget key", id="wb-forget-key"),
        Binding("ctrl+y", "copy_result", "Copy result", id="wb-copy-result", show=False),
        Binding("escape", "back", "Back", id="wb-back"),
    ]

    def __init__(self, record: PairRecord) -> None:
        super().__init__()
        self.record = record
        self.spec: KeyPairSpec | None = SPECS.get(record.key_pair_spec)
        self.holder = PrivateKeyHolder()
        self.encapsulated = SecretBox("shared secret")
        self.decrypting = False
        self.key_material_id: str | None = None
        self.last_output: tuple[str, str] | None = None  # (what, base64) for Ctrl+Y
        self.signature: str | None = None  # the last signature made here (base64)
        self.ciphertext: tuple[str, str] | None = None  # (base64, algorithm) made here
        self.decapsulated_matches: bool | None = None
        self._token = 0

    # -- composition ---------------------------------------------------------------------

    @property
    def can_sign(self) -> bool:
        return self.spec is not None and self.spec.can_sign

    @property
    def can_encrypt(self) -> bool:
        return self.spec is not None and self.spec.can_encrypt

    @property
    def is_sm2(self) -> bool:
        return self.spec is not None and self.spec.name == "SM2"

    @property
    def can_kem(self) -> bool:
        return self.spec is not None and self.spec.key_encapsulation

    def compose(self) -> ComposeResult:
        record = self.record
        yield BackendHeader(f"Pair {record.name}")
        yield PrivateKeyStatus(self.holder, id="wb-status")
        with VerticalScroll(id="wb-body"):
            with Vertical(classes="section", id="wb-pair-section"):
                yield Label("Pair", classes="section-title")
                yield Static(self._pair_text(), id="wb-pair")
            yield from self._compose_key_section()
            if self.can_sign:
                yield from self._compose_sign()
                yield from self._compose_verify()
            if self.can_encrypt:
                yield from self._compose_encrypt()
                yield from self._compose_decrypt()
            if self.can_kem:
                yield from self._compose_kem()
        yield WorkbenchFooter()

    def _pair_text(self) -> Text:
        from kmsworkbench.keypairs import KeyFormatError, load_public_key

        record = self.record
        text = Text()
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
        for label, value in rows:
            text.append(f"{label}: ", style="bold")
            text.append(f"{value}\n")
        if self.spec is None:
            text.append("This version does not know the spec; only the key is shown.\n")
        text.rstrip()
        return text

    def _compose_key_section(self) -> ComposeResult:
        with Vertical(classes="section", id="wb-key-section"):
            yield Label("Private key (KMS Decrypt)", classes="section-title")
            if not on_current_backend(self.record, self.workbench):
                yield Static(
                    "⚠ " + other_backend_note(self.record, self.workbench),
                    id="wb-backend-note",
                    classes="warning",
                    markup=False,
                )
            yield Label("Encryption context for Decrypt (k=v,k2=v2 or JSON; empty for none)")
            yield Input(
                context_text(self.record.encryption_context)
                if self.record.encryption_context
                else "",
                placeholder="no encryption context",
                id="wb-context",
            )
            yield Static("", id="wb-context-note", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Decrypt private key", id="wb-decrypt-button", variant="warning")
                yield Button("Forget", id="wb-forget-button", disabled=True)
            yield Static("", id="wb-key-result", classes="output -empty", markup=False)

    def _algorithm_select(
        self, algorithms: tuple[str, ...], id: str, every: bool = False
    ) -> Select[str]:
        options = [(a, a) for a in algorithms]
        if every and len(algorithms) > 1:
            options.append(("every algorithm", EVERY_ALGORITHM))
        return Select(options, value=algorithms[0], allow_blank=False, id=id, classes="alg-select")

    def _needs_key_note(self) -> Static:
        return Static(
            "Needs the private key: Ctrl+O decrypts it with KMS.",
            classes="needs-key",
            markup=False,
        )

    def _compose_sign(self) -> ComposeResult:
        assert self.spec is not None
        with Vertical(classes="section", id="wb-sign-section"):
            yield Label("Sign a test message (private key)", classes="section-title")
            yield self._needs_key_note()
            with Horizontal(classes="input-row"):
                yield Input(
                    DEFAULT_MESSAGE,
                    placeholder="message (RAW)",
                    id="wb-sign-message",
                    classes="needs-key-input",
                )
                yield self._algorithm_select(self.spec.signing_algorithms, "wb-sign-alg")
                yield Button("Sign", id="wb-sign-button", classes="needs-key-button")
            yield from self._compose_message_options("sign")
            yield Static("", id="wb-sign-result", classes="output -empty", markup=False)
            yield Button("Verify this signature", id="wb-sign-verify", classes="-hidden")

    def _compose_verify(self) -> ComposeResult:
        assert self.spec is not None
        with Vertical(classes="section", id="wb-verify-section"):
            yield Label("Verify a signature (public key, no KMS call)", classes="section-title")
            with Horizontal(classes="input-row"):
                yield Input(DEFAULT_MESSAGE, placeholder="message (RAW)", id="wb-verify-message")
                yield self._algorithm_select(
                    self.spec.signing_algorithms, "wb-verify-alg", every=True
                )
            yield from self._compose_message_options("verify")
            with Horizontal(classes="input-row"):
                yield Input(placeholder="signature, base64", id="wb-verify-signature")
                yield Button("Verify", id="wb-verify-button")
            yield Static("", id="wb-verify-result", classes="output -empty", markup=False)

    def _compose_message_options(self, section: str) -> ComposeResult:
        """Message type (RAW, or DIGEST: the message field then holds the digest in hex or
        base64) and, for SM2, the distinguishing ID used for RAW messages."""
        with Horizontal(classes="input-row message-options"):
            yield Select(
                MESSAGE_TYPES,
                value="RAW",
                allow_blank=False,
                id=f"wb-{section}-type",
                classes="type-select",
            )
            if self.is_sm2:
                yield Label("SM2 ID", classes="sm2-id-label")
                yield Input(
                    SM2_DEFAULT_ID.decode("ascii"),
                    placeholder="SM2 distinguishing ID",
                    id=f"wb-{section}-sm2-id",
                    classes="sm2-id",
                )

    def _message(self, section: str, algorithm: str) -> tuple[bytes, str, dict[str, bytes]]:
        """(message or digest, message type, extra keywords) for the sign or verify section;
        ValueError with the problem."""
        text = self.query_one(f"#wb-{section}-message", Input).value
        message_type = _select_value(self.query_one(f"#wb-{section}-type", Select)) or "RAW"
        if message_type == "DIGEST":
            return parse_digest(text, algorithm), "DIGEST", {}
        extra: dict[str, bytes] = {}
        if self.is_sm2:
            extra["sm2_id"] = parse_sm2_id(self.query_one(f"#wb-{section}-sm2-id", Input).value)
        return text.encode("utf-8"), "RAW", extra

    @on(Select.Changed, "#wb-sign-type, #wb-verify-type")
    def _message_type_changed(self, event: Select.Changed) -> None:
        section = "sign" if event.select.id == "wb-sign-type" else "verify"
        digest = event.value == "DIGEST"
        message = self.query_one(f"#wb-{section}-message", Input)
        message.placeholder = "digest, hex or base64" if digest else "message (RAW)"
        for sm2_id in self.query(f"#wb-{section}-sm2-id").results(Input):
            sm2_id.disabled = digest  # the digest already includes Z_A, and so the ID

    def _compose_encrypt(self) -> ComposeResult:
        assert self.spec is not None
        with Vertical(classes="section", id="wb-encrypt-section"):
            yield Label("Encrypt a test message (public key, no KMS call)", classes="section-title")
            with Horizontal(classes="input-row"):
                yield Input(DEFAULT_MESSAGE, placeholder="plaintext", id="wb-encrypt-message")
                yield self._algorithm_select(encryption_algorithms(self.spec), "wb-encrypt-alg")
                yield Button("Encrypt", id="wb-encrypt-button")
            yield Static("", id="wb-encrypt-result", classes="output -empty", markup=False)
            yield Button("Decrypt this ciphertext", id="wb-encrypt-decrypt", classes="-hidden")

    def _compose_decrypt(self) -> ComposeResult:
        assert self.spec is not None
        with Vertical(classes="section", id="wb-decrypt-section"):
            yield Label("Decrypt a ciphertext (private key)", classes="section-title")
            yield self._needs_key_note()
            with Horizontal(classes="input-row"):
                yield Input(
                    placeholder="ciphertext, base64",
                    id="wb-decrypt-ciphertext",
                    classes="needs-key-input",
                )
                yield self._algorithm_select(encryption_algorithms(self.spec), "wb-decrypt-alg")
                yield Button("Decrypt", id="wb-decrypt-ct-button", classes="needs-key-button")
            yield Static("", id="wb-decrypt-result", classes="output -empty", markup=False)

    def _compose_kem(self) -> ComposeResult:
        with Vertical(classes="section", id="wb-encap-section"):
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
        with Vertical(classes="section", id="wb-decap-section"):
            yield Label("Decapsulate (private key)", classes="section-title")
            yield self._needs_key_note()
            with Horizontal(classes="input-row"):
                yield Input(
                    placeholder="ML-KEM ciphertext, base64",
                    id="wb-decap-ciphertext",
                    classes="needs-key-input",
                )
                yield Button("Decapsulate", id="wb-decap-button", classes="needs-key-button")
            yield Static("", id="wb-decap-result", classes="output -empty", markup=False)
        with Vertical(classes="section", id="wb-seal-section"):
            yield Label(
                "Seal a message (ML-KEM + AES-256-GCM, public key)", classes="section-title"
            )
            with Horizontal(classes="input-row"):
                yield Input(DEFAULT_MESSAGE, placeholder="message", id="wb-seal-message")
                yield Button("Seal", id="wb-seal-button")
            yield Static("", id="wb-seal-result", classes="output -empty", markup=False)
        with Vertical(classes="section", id="wb-open-section"):
            yield Label("Open a sealed message (private key)", classes="section-title")
            yield self._needs_key_note()
            with Horizontal(classes="input-row"):
                yield Input(placeholder="sealed blob, base64", id="wb-open-blob")
                yield Button("Open", id="wb-open-button", classes="needs-key-button")
            yield Static("", id="wb-open-result", classes="output -empty", markup=False)

    def on_mount(self) -> None:
        self._refresh_key_state()
        self._check_context()
        self.query_one("#wb-decrypt-button", Button).focus()

    # -- state ---------------------------------------------------------------------------

    def _refresh_key_state(self) -> None:
        held = self.holder.held
        self.set_class(held, "-unlocked")
        self.query_one(PrivateKeyStatus).refresh_status(decrypting=self.decrypting)
        for button in self.query(".needs-key-button").results(Button):
            button.disabled = not held
        self.query_one("#wb-forget-button", Button).disabled = not held
        decrypt = self.query_one("#wb-decrypt-button", Button)
        decrypt.disabled = self.decrypting
        decrypt.label = "Decrypting…" if self.decrypting else "Decrypt private key"
        if not held:
            self._set_output("#wb-key-result", "")
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
        if self.key_material_id:
            lines.append(f"KeyMaterialId of the KMS key: {self.key_material_id}")
        self._set_output("#wb-key-result", "\n".join(lines), ok=self.holder.matches)

    def _set_output(self, selector: str, text: str | Text, *, ok: bool | None = None) -> None:
        output = self.query_one(selector, Static)
        output.update(text)
        output.set_class(not str(text), "-empty")
        output.set_class(ok is True, "-ok")
        output.set_class(ok is False, "-bad")

    def _show_button(self, selector: str, shown: bool) -> None:
        self.query_one(selector, Button).set_class(not shown, "-hidden")

    def _remember_output(self, what: str, value: str) -> None:
        self.last_output = (what, value)

    def _require_key(self) -> bool:
        if self.holder.held:
            return True
        self.notify(
            "Decrypt the private key first (Ctrl+O).", title="No private key", severity="warning"
        )
        return False

    def _require(self, available: bool, what: str) -> bool:
        if not available:
            self.notify(f"A {self.record.key_pair_spec} pair cannot {what}.", severity="warning")
        return available

    # -- the encryption context for Decrypt ----------------------------------------------

    def _check_context(self) -> dict[str, str] | None:
        """The context in the field, or None (with the problem shown) when it does not
        parse. Says when it differs from the stored one."""
        text = self.query_one("#wb-context", Input).value
        try:
            context = parse_encryption_context(text)
        except ContextParseError as exc:
            self._set_output("#wb-context-note", f"{exc}\n{exc.pointer()}", ok=False)
            return None
        if context == self.record.encryption_context:
            self._set_output("#wb-context-note", "The context stored with the pair.", ok=None)
        else:
            self._set_output(
                "#wb-context-note",
                "Differs from the stored context "
                f"({context_text(self.record.encryption_context)}): KMS will refuse the "
                "Decrypt (InvalidCiphertextException).",
                ok=False,
            )
        return context

    @on(Input.Changed, "#wb-context")
    def _context_changed(self) -> None:
        self._check_context()

    @on(Input.Submitted, "#wb-context")
    def _context_submitted(self) -> None:
        self.action_decrypt_key()

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
        text = self.query_one("#wb-context", Input).value
        try:
            context = parse_encryption_context(text)
        except ContextParseError:
            context = dict(self.record.encryption_context)
        app = self.workbench
        return aws_cli_command("Decrypt", self.decrypt_params(context), app.backend, app.region)

    # -- decrypting and forgetting the private key ---------------------------------------

    def action_decrypt_key(self) -> None:
        if self.decrypting:
            return
        context = self._check_context()
        if context is None:
            self.query_one("#wb-context", Input).focus()
            self.notify("Fix the encryption context first.", severity="error")
            return
        app = self.workbench
        record = self.record
        lines = [
            f"KMS Decrypt of the private key of {record.name} ({record.key_pair_spec}).",
            f"KMS key: {record.key_arn}",
            f"Encryption context: {format_context_for_cli(context) if context else '(none)'}"
            + ("  (the stored one)" if context == record.encryption_context else ""),
            f"Backend: {app.backend.label(app.region)}",
        ]
        if context != record.encryption_context:
            lines.append(
                "This context differs from the one stored with the pair "
                f"({context_text(record.encryption_context)}); KMS will refuse."
            )
        if not on_current_backend(record, app):
            lines.append(f"The pair was generated on another backend: {record.backend}.")
        lines += [
            "",
            "The plaintext private key (PKCS#8) will be held in memory only: never shown, "
            "logged or written to a file. Ctrl+F forgets it, as do leaving this screen and "
            "switching the backend.",
        ]

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_decrypt(context)

        self.app.push_screen(DecryptConfirmModal("\n".join(lines)), answered)

    def _start_decrypt(self, context: dict[str, str]) -> None:
        self.holder.forget()
        self.key_material_id = None
        self._token += 1
        self.decrypting = True
        self._refresh_key_state()
        self._decrypt_worker(self._token, context)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="decrypt-key",
        description="Decrypt (pair private key)",
    )
    def _decrypt_worker(self, token: int, context: dict[str, str]) -> None:
        from kmsworkbench.keypairs import KeyFormatError, keys_match

        app = self.workbench
        record = self.record
        session = app.session
        try:
            result = session.decrypt_private_key(
                record.private_key_ciphertext,
                encryption_context=context or None,
                key_id=record.key_arn,
            )
        except KmsError as exc:
            notes: list[str] = []
            if context != record.encryption_context:
                notes.append(
                    f"The context sent ({context_text(context)}) is not the one stored with "
                    f"the pair ({context_text(record.encryption_context)})."
                )
            if record.backend not in backend_labels(app):
                notes.append(
                    f"The pair was generated on {record.backend}; this call went to "
                    f"{app.backend.label(app.region)}."
                )
            if notes:
                exc.remedy = f"{exc.remedy} {' '.join(notes)}".strip()
            raise
        holder = PrivateKeyHolder()
        try:
            matches: bool | None = keys_match(result.plaintext, record.public_key)
        except KeyFormatError:
            matches = None
        if matches is None:
            result.wipe()
            raise KmsFormatProblem(
                "KMS Decrypt returned something that is not a private key of a data key pair "
                "spec; this record's encrypted private key is not a PrivateKeyCiphertextBlob."
            )
        holder.hold(
            result.plaintext, spec=record.key_pair_spec, pair_name=record.name, matches=matches
        )
        result.wipe()
        self.post_message(PrivateKeyDecrypted(token, holder, result.key_material_id))

    @on(PrivateKeyDecrypted)
    def _decrypted(self, message: PrivateKeyDecrypted) -> None:
        if message.token != self._token or not self.is_attached:
            message.holder.forget()
            return
        self.holder.take(message.holder)
        self.decrypting = False
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
        """Drop the private key; True when one was held."""
        was_held = self.holder.forget()
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
        self.encapsulated.wipe()
        if self.holder.forget():
            self.app.notify(
                f"The private key of {self.record.name} is no longer in memory.",
                title="Forgotten",
            )

    @on(BackendChanged)
    def _backend_changed(self) -> None:
        self._token += 1
        self.forget()

    @on(Button.Pressed, "#wb-decrypt-button")
    def _decrypt_pressed(self) -> None:
        self.action_decrypt_key()

    @on(Button.Pressed, "#wb-forget-button")
    def _forget_pressed(self) -> None:
        self.action_forget_key()

    # -- sign and verify -----------------------------------------------------------------

    def action_sign(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_sign, "sign") or not self._require_key():
            return
        algorithm = _select_value(self.query_one("#wb-sign-alg", Select))
        if algorithm is None:
            return
        try:
            message, message_type, extra = self._message("sign", algorithm)
            signature = keypairs.sign(self.holder.der(), algorithm, message, message_type, **extra)
        except ValueError as exc:
            self._set_output("#wb-sign-result", f"Not signed: {exc}", ok=False)
            self._show_button("#wb-sign-verify", False)
            return
        value = b64(signature)
        self.signature = value
        self._set_output(
            "#wb-sign-result",
            f"Signature ({algorithm}, {message_type}, {len(signature)} bytes, base64):\n{value}",
            ok=None,
        )
        self._show_button("#wb-sign-verify", True)
        self._remember_output("Signature", value)

    @on(Button.Pressed, "#wb-sign-button")
    @on(Input.Submitted, "#wb-sign-message, #wb-sign-sm2-id")
    def _sign_pressed(self) -> None:
        self.action_sign()

    @on(Button.Pressed, "#wb-sign-verify")
    def verify_signed(self) -> None:
        """One click: verify the signature just made, with the public key."""
        signature = self.signature
        if not signature:
            return
        self.query_one("#wb-verify-message", Input).value = self.query_one(
            "#wb-sign-message", Input
        ).value
        self.query_one("#wb-verify-signature", Input).value = signature
        algorithm = _select_value(self.query_one("#wb-sign-alg", Select))
        if algorithm is not None:
            self.query_one("#wb-verify-alg", Select).value = algorithm
        self.query_one("#wb-verify-type", Select).value = self.query_one(
            "#wb-sign-type", Select
        ).value
        if self.is_sm2:
            self.query_one("#wb-verify-sm2-id", Input).value = self.query_one(
                "#wb-sign-sm2-id", Input
            ).value
        self.action_verify()
        self.query_one("#wb-verify-section").scroll_visible()

    def action_verify(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_sign, "verify signatures") or self.spec is None:
            return
        chosen = _select_value(self.query_one("#wb-verify-alg", Select))
        try:
            signature = parse_b64(self.query_one("#wb-verify-signature", Input).value, "signature")
        except ValueError as exc:
            self._set_output("#wb-verify-result", str(exc), ok=False)
            return
        algorithms = (
            self.spec.signing_algorithms if chosen in (None, EVERY_ALGORITHM) else (chosen,)
        )
        results: list[tuple[str, bool]] = []
        skipped: list[tuple[str, str]] = []
        for algorithm in algorithms:
            try:
                message, message_type, extra = self._message("verify", algorithm)
                results.append(
                    (
                        algorithm,
                        keypairs.verify(
                            self.record.public_key,
                            algorithm,
                            message,
                            signature,
                            message_type,
                            **extra,
                        ),
                    )
                )
            except ValueError as exc:
                if len(algorithms) == 1:
                    self._set_output("#wb-verify-result", f"Not verified: {exc}", ok=False)
                    return
                skipped.append((algorithm, str(exc)))
        if not results:
            lines = "\n".join(f"– {a}: {reason}" for a, reason in skipped)
            self._set_output("#wb-verify-result", f"Not verified:\n{lines}", ok=False)
            return
        valid = [a for a, ok in results if ok]
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
        else:
            for algorithm, ok in results:
                text.append(f"{'✓ valid  ' if ok else '✗ invalid'} {algorithm}\n")
            for algorithm, reason in skipped:
                text.append(f"– skipped  {algorithm}: {reason}\n")
            text.append(
                f"Valid with {', '.join(valid)}." if valid else "Valid with no algorithm.",
                style="bold",
            )
        self._set_output("#wb-verify-result", text, ok=bool(valid))

    @on(Button.Pressed, "#wb-verify-button")
    @on(Input.Submitted, "#wb-verify-message, #wb-verify-signature, #wb-verify-sm2-id")
    def _verify_pressed(self) -> None:
        self.action_verify()

    # -- encrypt and decrypt -------------------------------------------------------------

    def action_encrypt(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_encrypt, "encrypt"):
            return
        message = self.query_one("#wb-encrypt-message", Input).value.encode("utf-8")
        algorithm = _select_value(self.query_one("#wb-encrypt-alg", Select))
        if algorithm is None:
            return
        try:
            ciphertext = keypairs.encrypt(self.record.public_key, algorithm, message)
        except ValueError as exc:
            self._set_output("#wb-encrypt-result", f"Not encrypted: {exc}", ok=False)
            self._show_button("#wb-encrypt-decrypt", False)
            return
        value = b64(ciphertext)
        self.ciphertext = (value, algorithm)
        self._set_output(
            "#wb-encrypt-result",
            f"Ciphertext ({algorithm}, {len(ciphertext)} bytes, base64):\n{shown_b64(value)}",
        )
        self._show_button("#wb-encrypt-decrypt", True)
        self._remember_output("Ciphertext", value)

    @on(Button.Pressed, "#wb-encrypt-button")
    @on(Input.Submitted, "#wb-encrypt-message")
    def _encrypt_pressed(self) -> None:
        self.action_encrypt()

    @on(Button.Pressed, "#wb-encrypt-decrypt")
    def decrypt_encrypted(self) -> None:
        """One click: carry the ciphertext just made to the decrypt section."""
        made = self.ciphertext
        if not made:
            return
        value, algorithm = made
        self.query_one("#wb-decrypt-ciphertext", Input).value = value
        self.query_one("#wb-decrypt-alg", Select).value = algorithm
        self.query_one("#wb-decrypt-section").scroll_visible()
        if self.holder.held:
            self.action_decrypt_ciphertext()
        else:
            self._require_key()

    def action_decrypt_ciphertext(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_encrypt, "decrypt") or not self._require_key():
            return
        algorithm = _select_value(self.query_one("#wb-decrypt-alg", Select))
        if algorithm is None:
            return
        try:
            ciphertext = parse_b64(
                self.query_one("#wb-decrypt-ciphertext", Input).value, "ciphertext"
            )
            plaintext = keypairs.decrypt(self.holder.der(), algorithm, ciphertext)
        except keypairs.DecryptionError as exc:
            self._set_output("#wb-decrypt-result", f"✗ Does not decrypt: {exc}", ok=False)
            return
        except ValueError as exc:
            self._set_output("#wb-decrypt-result", str(exc), ok=False)
            return
        self._set_output(
            "#wb-decrypt-result",
            f"✓ Decrypted ({algorithm}): {message_text(plaintext)}",
            ok=True,
        )

    @on(Button.Pressed, "#wb-decrypt-ct-button")
    @on(Input.Submitted, "#wb-decrypt-ciphertext")
    def _decrypt_ct_pressed(self) -> None:
        self.action_decrypt_ciphertext()

    # -- ML-KEM --------------------------------------------------------------------------

    def action_encapsulate(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_kem, "encapsulate"):
            return
        try:
            ciphertext, secret = keypairs.encapsulate(self.record.public_key)
        except ValueError as exc:
            self._set_output("#wb-encap-result", f"Not encapsulated: {exc}", ok=False)
            return
        self.encapsulated.put(secret)
        fingerprint = secret_fingerprint(secret)
        del secret
        value = b64(ciphertext)
        self._set_output(
            "#wb-encap-result",
            f"Shared secret: 32 bytes (not shown), fingerprint {fingerprint}\n"
            f"Ciphertext ({len(ciphertext)} bytes, base64; also put in the field below):\n"
            f"{shown_b64(value)}",
        )
        self.query_one("#wb-decap-ciphertext", Input).value = value
        self._remember_output("ML-KEM ciphertext", value)

    @on(Button.Pressed, "#wb-encap-button")
    def _encap_pressed(self) -> None:
        self.action_encapsulate()

    def action_decapsulate(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_kem, "decapsulate") or not self._require_key():
            return
        try:
            ciphertext = parse_b64(
                self.query_one("#wb-decap-ciphertext", Input).value, "ciphertext"
            )
            secret = keypairs.decapsulate(self.holder.der(), ciphertext)
        except ValueError as exc:
            self._set_output("#wb-decap-result", f"✗ Not decapsulated: {exc}", ok=False)
            return
        fingerprint = secret_fingerprint(secret)
        text = f"Shared secret: 32 bytes (not shown), fingerprint {fingerprint}"
        ok: bool | None = None
        if self.encapsulated.held:
            same = hmac.compare_digest(secret, self.encapsulated.value())
            ok = same
            text += (
                "\n✓ The same shared secret as the encapsulation above."
                if same
                else "\n✗ Not the secret of the encapsulation above (another ciphertext, or "
                "a changed one: ML-KEM then yields an unrelated secret)."
            )
        del secret
        self.decapsulated_matches = ok
        self._set_output("#wb-decap-result", text, ok=ok)

    @on(Button.Pressed, "#wb-decap-button")
    @on(Input.Submitted, "#wb-decap-ciphertext")
    def _decap_pressed(self) -> None:
        self.action_decapsulate()

    def action_kem_seal(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_kem, "seal messages"):
            return
        message = self.query_one("#wb-seal-message", Input).value.encode("utf-8")
        try:
            blob = keypairs.kem_seal(self.record.public_key, message)
        except ValueError as exc:
            self._set_output("#wb-seal-result", f"Not sealed: {exc}", ok=False)
            return
        value = b64(blob)
        self._set_output(
            "#wb-seal-result",
            f"Sealed blob ({len(blob)} bytes: KEM ciphertext, nonce, AES-GCM; base64; also "
            f"put in the field below):\n{shown_b64(value)}",
        )
        self.query_one("#wb-open-blob", Input).value = value
        self._remember_output("Sealed blob", value)

    @on(Button.Pressed, "#wb-seal-button")
    @on(Input.Submitted, "#wb-seal-message")
    def _seal_pressed(self) -> None:
        self.action_kem_seal()

    def action_kem_open(self) -> None:
        from kmsworkbench import keypairs

        if not self._require(self.can_kem, "open sealed messages") or not self._require_key():
            return
        try:
            blob = parse_b64(self.query_one("#wb-open-blob", Input).value, "sealed blob")
            message = keypairs.kem_open(self.holder.der(), blob)
        except keypairs.DecryptionError as exc:
            self._set_output("#wb-open-result", f"✗ Does not open: {exc}", ok=False)
            return
        except ValueError as exc:
            self._set_output("#wb-open-result", str(exc), ok=False)
            return
        self._set_output("#wb-open-result", f"✓ Opened: {message_text(message)}", ok=True)

    @on(Button.Pressed, "#wb-open-button")
    @on(Input.Submitted, "#wb-open-blob")
    def _open_pressed(self) -> None:
        self.action_kem_open()

    # -- copy, navigation, palette -------------------------------------------------------

    def action_copy_result(self) -> None:
        if self.last_output is None:
            self.notify("Nothing made yet: sign, encrypt, encapsulate or seal first.")
            return
        what, value = self.last_output
        self.workbench.copy_with_notice(value, what)

    def action_copy_pem(self) -> None:
        pem = self.record.export_public_key("PEM").decode("ascii")
        self.workbench.copy_with_notice(pem, "Public key PEM")

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        commands = [
            (
                "pairs: decrypt private key",
                "KMS Decrypt of this pair's private key (asks first)",
                "decrypt_key",
            ),
            ("pairs: forget private key", "Drop the plaintext private key", "forget_key"),
            ("export: copy result", "The last signature, ciphertext or blob", "copy_result"),
        ]
        if self.can_sign:
            commands += [
                ("crypto: sign test message", "Sign with the private key", "sign"),
                ("crypto: verify signature", "Verify with the public key", "verify"),
            ]
        if self.can_encrypt:
            commands += [
                ("crypto: encrypt test message", "Encrypt with the public key", "encrypt"),
                (
                    "crypto: decrypt test ciphertext",
                    "Decrypt with the private key",
                    "decrypt_ciphertext",
                ),
            ]
        if self.can_kem:
            commands += [
                (
                    "crypto: encapsulate (ML-KEM)",
                    "A shared secret and its ciphertext",
                    "encapsulate",
                ),
                (
                    "crypto: decapsulate (ML-KEM)",
                    "The shared secret, with the private key",
                    "decapsulate",
                ),
                ("crypto: seal test message (ML-KEM)", "ML-KEM + AES-256-GCM", "kem_seal"),
                ("crypto: open sealed message (ML-KEM)", "With the private key", "kem_open"),
            ]
        return commands
