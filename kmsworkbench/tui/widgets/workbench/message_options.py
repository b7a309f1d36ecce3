"""The message a signature covers, shared by the sign and verify forms: MessageType RAW (the
message itself, plus the SM2 distinguishing ID for SM2 pairs) or DIGEST (the digest the
algorithm would compute, in hex or base64, of its exact length), as KMS Sign and Verify take
it."""

from __future__ import annotations

import base64
import binascii
import re

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from kmsworkbench.keypairs import SM2_DEFAULT_ID
from kmsworkbench.tui.widgets.workbench.common import OperationForm, select_value

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


class MessageForm(OperationForm):
    """A form with a message field ``#wb-<SECTION>-message``, a message type select and,
    for SM2 pairs, an ID field."""

    SECTION = ""  # "sign" or "verify"

    def compose_message_options(self) -> ComposeResult:
        section = self.SECTION
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

    def message(self, algorithm: str) -> tuple[bytes, str, dict[str, bytes]]:
        """(message or digest, message type, extra keywords for keypairs.sign/verify);
        ValueError with the problem."""
        section = self.SECTION
        text = self.query_one(f"#wb-{section}-message", Input).value
        message_type = select_value(self.query_one(f"#wb-{section}-type", Select)) or "RAW"
        if message_type == "DIGEST":
            return parse_digest(text, algorithm), "DIGEST", {}
        extra: dict[str, bytes] = {}
        if self.is_sm2:
            extra["sm2_id"] = parse_sm2_id(self.query_one(f"#wb-{section}-sm2-id", Input).value)
        return text.encode("utf-8"), "RAW", extra

    def message_fields(self) -> tuple[str, str, str | None]:
        """(message text, message type, SM2 ID text) as the fields hold them."""
        section = self.SECTION
        message_type = select_value(self.query_one(f"#wb-{section}-type", Select)) or "RAW"
        sm2_id = self.query_one(f"#wb-{section}-sm2-id", Input).value if self.is_sm2 else None
        return self.query_one(f"#wb-{section}-message", Input).value, message_type, sm2_id

    def fill_message(self, text: str, message_type: str, sm2_id: str | None) -> None:
        section = self.SECTION
        self.query_one(f"#wb-{section}-message", Input).value = text
        self.query_one(f"#wb-{section}-type", Select).value = message_type
        if sm2_id is not None and self.is_sm2:
            self.query_one(f"#wb-{section}-sm2-id", Input).value = sm2_id

    @on(Select.Changed, ".type-select")
    def _message_type_changed(self, event: Select.Changed) -> None:
        section = self.SECTION
        digest = event.value == "DIGEST"
        message = self.query_one(f"#wb-{section}-message", Input)
        message.placeholder = "digest, hex or base64" if digest else "message (RAW)"
        for sm2_id in self.query(f"#wb-{section}-sm2-id").results(Input):
            sm2_id.disabled = digest  # the digest already includes Z_A, and so the ID
