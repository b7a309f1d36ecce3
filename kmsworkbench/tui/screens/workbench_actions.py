"""What the pair workbench offers for its pair's spec, and the actions that run one form each
(the bindings and the palette's pairs: and crypto: commands). The screen itself, which holds
the private key and wires the forms together, is ``workbench.py``."""

from __future__ import annotations

from kmsworkbench.keypairs import SPECS, KeyPairSpec
from kmsworkbench.keypairs.ecdh import DATA_KEY_PAIR_SPECS
from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.keyholder import PrivateKeyHolder
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.workbench.agreement import AgreementForm
from kmsworkbench.tui.widgets.workbench.encrypt import DecryptForm, EncryptForm
from kmsworkbench.tui.widgets.workbench.kem import DecapsulateForm, EncapsulateForm
from kmsworkbench.tui.widgets.workbench.seal import OpenForm, SealForm
from kmsworkbench.tui.widgets.workbench.sign import SignForm
from kmsworkbench.tui.widgets.workbench.verify import VerifyForm


class PairOperations(WorkbenchScreen):
    """The base of the pair workbench: the pair, its spec, the key holders, and one action
    per operation form."""

    def __init__(self, record: PairRecord) -> None:
        super().__init__()
        self.record = record
        self.spec: KeyPairSpec | None = SPECS.get(record.key_pair_spec)
        self.holder = PrivateKeyHolder()
        self.peer_holder = PrivateKeyHolder()  # the ECDH peer pair's key, when decrypted
        self.last_output: tuple[str, str] | None = None  # (what, base64) for Ctrl+Y

    # -- what the spec offers ------------------------------------------------------------

    @property
    def can_sign(self) -> bool:
        return self.spec is not None and self.spec.can_sign

    @property
    def can_encrypt(self) -> bool:
        return self.spec is not None and self.spec.can_encrypt

    @property
    def can_kem(self) -> bool:
        return self.spec is not None and self.spec.key_encapsulation

    @property
    def can_agree(self) -> bool:
        return self.record.key_pair_spec in DATA_KEY_PAIR_SPECS

    def _require(self, available: bool, what: str) -> bool:
        if not available:
            self.notify(f"A {self.record.key_pair_spec} pair cannot {what}.", severity="warning")
        return available

    # -- actions (bindings and the palette) ----------------------------------------------

    def action_sign(self) -> None:
        if self._require(self.can_sign, "sign"):
            self.query_one(SignForm).sign()

    def action_verify(self) -> None:
        if self._require(self.can_sign, "verify signatures"):
            self.query_one(VerifyForm).verify()

    def action_encrypt(self) -> None:
        if self._require(self.can_encrypt, "encrypt"):
            self.query_one(EncryptForm).encrypt()

    def action_decrypt_ciphertext(self) -> None:
        if self._require(self.can_encrypt, "decrypt"):
            self.query_one(DecryptForm).decrypt()

    def action_encapsulate(self) -> None:
        if self._require(self.can_kem, "encapsulate"):
            self.query_one(EncapsulateForm).encapsulate()

    def action_decapsulate(self) -> None:
        if self._require(self.can_kem, "decapsulate"):
            self.query_one(DecapsulateForm).decapsulate()

    def action_kem_seal(self) -> None:
        if self._require(self.can_kem, "seal messages"):
            self.query_one(SealForm).seal()

    def action_kem_open(self) -> None:
        if self._require(self.can_kem, "open sealed messages"):
            self.query_one(OpenForm).open_blob()

    def action_derive(self) -> None:
        if self._require(self.can_agree, "agree on an ECDH secret"):
            self.query_one(AgreementForm).derive()

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
        if self.can_agree:
            commands.append(
                ("crypto: ECDH shared secret", "With a peer's public key", "derive"),
            )
        return commands
