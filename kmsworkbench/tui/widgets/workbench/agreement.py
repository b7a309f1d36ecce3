"""ECDH key agreement (ECC and SM2 pairs): our private key with a peer's public key, pasted
(PEM, or base64 of the DER SubjectPublicKeyInfo) or taken from another pair of the same curve
in the library. What ECC data key pairs are for outside KMS: two parties who each hold a
private key reach the same secret without sending it.

The shared secret is never shown, only its fingerprint (SHA-256, first 16 bytes), and it is
not kept. The same result is checked the other way (their private key with our public key)
when the peer is a library pair whose private key is decrypted too; otherwise the output
says how the peer checks it."""

from __future__ import annotations

import hmac

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, Select, Static, TextArea

from kmsworkbench.keypairs.ecdh import DATA_KEY_PAIR_SPECS
from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.keyholder import PrivateKeyHolder
from kmsworkbench.tui.widgets.workbench.common import (
    OperationForm,
    secret_fingerprint,
    select_value,
)

PASTED = "\x00pasted"  # the Select value for "the key pasted below"


class AgreementForm(OperationForm):
    SECTION_ID = "wb-ecdh-section"

    class PeerDecryptRequested(Message):
        """Decrypt the peer pair's private key (KMS Decrypt, after the screen asks)."""

        def __init__(self, record: PairRecord) -> None:
            super().__init__()
            self.record = record

    matches: bool | None = None  # the last two-way check (None: not checked)

    def __init__(
        self, record: PairRecord, holder: PrivateKeyHolder, peer_holder: PrivateKeyHolder
    ) -> None:
        super().__init__(record, holder)
        self.peer_holder = peer_holder
        self.peers: dict[str, PairRecord] = {}

    def compose(self) -> ComposeResult:
        yield Label("Key agreement (ECDH, private key)", classes="section-title")
        yield self.needs_key_note()
        with Horizontal(classes="input-row"):
            yield Label("Peer", classes="row-label")
            yield Select(
                [("a public key pasted below", PASTED)],
                value=PASTED,
                allow_blank=False,
                id="wb-ecdh-peer",
            )
        yield TextArea(
            "",
            id="wb-ecdh-public",
            soft_wrap=True,
            show_line_numbers=False,
            placeholder=f"the peer's {self.record.key_pair_spec} public key: PEM, or base64 of DER",
        )
        with Horizontal(classes="button-row"):
            yield Button("Derive", id="wb-ecdh-button", classes="needs-key-button")
            yield Button(
                "Decrypt the peer's private key", id="wb-ecdh-peer-decrypt", classes="-hidden"
            )
        yield Static("", id="wb-ecdh-result", classes="output -empty", markup=False)

    def on_mount(self) -> None:
        self.load_peers()

    def load_peers(self) -> None:
        """The other pairs of the same spec in the library, as peers to choose from."""
        try:
            records = self.workbench.library().list()
        except OSError:
            records = []
        self.peers = {
            r.name: r
            for r in records
            if r.key_pair_spec == self.record.key_pair_spec and r.name != self.record.name
        }
        options = [("a public key pasted below", PASTED)]
        options += [(f"pair {name}", name) for name in sorted(self.peers)]
        self.query_one("#wb-ecdh-peer", Select).set_options(options)
        self.query_one("#wb-ecdh-peer", Select).value = PASTED

    @property
    def peer(self) -> PairRecord | None:
        value = select_value(self.query_one("#wb-ecdh-peer", Select))
        return self.peers.get(value) if value and value != PASTED else None

    def key_state_changed(self) -> None:
        """The screen's holders changed (decrypted, forgotten): update the peer button."""
        peer = self.peer
        self.show_button(
            "#wb-ecdh-peer-decrypt", peer is not None and not self._peer_key_held(peer)
        )

    def _peer_key_held(self, peer: PairRecord) -> bool:
        return self.peer_holder.held and self.peer_holder.pair_name == peer.name

    @on(Select.Changed, "#wb-ecdh-peer")
    def _peer_changed(self) -> None:
        peer = self.peer
        area = self.query_one("#wb-ecdh-public", TextArea)
        area.disabled = peer is not None
        if peer is not None:
            area.text = peer.export_public_key("PEM").decode("ascii")
        self.key_state_changed()

    def derive(self) -> None:
        from kmsworkbench import keypairs

        if not self.require_key():
            return
        peer = self.peer
        public: bytes | str = (
            peer.public_key if peer else self.query_one("#wb-ecdh-public", TextArea).text
        )
        if peer is None and not str(public).strip():
            self.set_output(
                "#wb-ecdh-result",
                "Paste the peer's public key (PEM or base64 DER), or choose a pair above.",
                ok=False,
            )
            return
        try:
            peer_info = keypairs.load_public_key(public)
            secret = keypairs.derive_shared_secret(
                self.holder.der(), public, specs=DATA_KEY_PAIR_SPECS
            )
        except ValueError as exc:
            self.set_output("#wb-ecdh-result", f"✗ No shared secret: {exc}", ok=False)
            return
        text = Text()
        text.append(f"Shared secret: {len(secret)} bytes (not shown)\n")
        text.append("Fingerprint (SHA-256, first 16 bytes): ")
        text.append(secret_fingerprint(secret), style="bold")
        text.append(f"\nPeer public key: {peer_info.fingerprint_hex[:47]}…\n")
        ok: bool | None = None
        if peer is not None and self._peer_key_held(peer):
            theirs = keypairs.derive_shared_secret(
                self.peer_holder.der(), self.record.public_key, specs=DATA_KEY_PAIR_SPECS
            )
            ok = hmac.compare_digest(secret, theirs)
            del theirs
            text.append(
                f"✓ Both ways agree: our private key with {peer.name}'s public key gives the "
                f"same secret as {peer.name}'s private key with our public key."
                if ok
                else "✗ The other direction gives another secret: these keys do not agree.",
                style="bold",
            )
        elif peer is not None:
            text.append(
                f"The other direction needs {peer.name}'s private key: "
                "“Decrypt the peer's private key” (KMS Decrypt) checks it here."
            )
        else:
            text.append(
                "The other direction needs the peer's private key, which stays with the peer: "
                "`openssl pkeyutl -derive -inkey theirs.pem -peerkey ours.pem | openssl dgst "
                "-sha256` starts with the same fingerprint."
            )
        del secret
        self.matches = ok
        self.set_output("#wb-ecdh-result", text, ok=ok)

    @on(Button.Pressed, "#wb-ecdh-button")
    def _derive_pressed(self) -> None:
        self.derive()

    @on(Button.Pressed, "#wb-ecdh-peer-decrypt")
    def _peer_decrypt_pressed(self) -> None:
        peer = self.peer
        if peer is not None:
            self.post_message(self.PeerDecryptRequested(peer))
