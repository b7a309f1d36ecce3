"""What every workbench form shares: the form base class (its section, output lines and the
"needs the private key" note), and the small parsers and formatters the forms use."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Select, Static

from kmsworkbench.keypairs import SPECS, KeyPairSpec
from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.keyholder import PrivateKeyHolder

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

DEFAULT_MESSAGE = "Hello from kmsworkbench"
EVERY_ALGORITHM = "*"
LONG_B64 = 720  # longer base64 values are shown shortened (the field below holds them whole)


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


def message_text(data: bytes) -> str:
    try:
        return repr(data.decode("utf-8"))
    except UnicodeDecodeError:
        return f"{len(data)} bytes, base64 {b64(data)}"


def select_value(select: Select[str]) -> str | None:
    value = select.value
    return value if isinstance(value, str) else None


class OutputMade(Message):
    """A form made a value worth copying (Ctrl+Y copies the last one)."""

    def __init__(self, what: str, value: str) -> None:
        super().__init__()
        self.what = what
        self.value = value


class OperationForm(Vertical):
    """One section of the workbench: a titled form with its own output lines.

    Subclasses set ``SECTION_ID`` (the section's id, also the prefix of nothing else) and
    ``TITLE``; ``holder`` is the screen's private key holder, read only here."""

    SECTION_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    def __init__(self, record: PairRecord, holder: PrivateKeyHolder) -> None:
        super().__init__(classes="section", id=self.SECTION_ID or None)
        self.record = record
        self.spec: KeyPairSpec | None = SPECS.get(record.key_pair_spec)
        self.holder = holder

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    @property
    def is_sm2(self) -> bool:
        return self.spec is not None and self.spec.name == "SM2"

    def set_output(self, selector: str, text: str | Text, *, ok: bool | None = None) -> None:
        output = self.query_one(selector, Static)
        output.update(text)
        output.set_class(not str(text), "-empty")
        output.set_class(ok is True, "-ok")
        output.set_class(ok is False, "-bad")
        if str(text):
            # The result may be below the fold (the form was run from the palette, or at
            # 80x24): brought into view, so a key never seems to do nothing.
            self.call_after_refresh(self._bring_into_view, output)

    def _bring_into_view(self, output: Static, tries: int = 120) -> None:
        # Run from the palette, the form answers while the palette still covers the screen,
        # and the output is laid out later (a section that opens lays out on a later frame,
        # and an idle app may run several after-refresh callbacks within one frame): wait
        # for both, frame by frame (about 60 a second), for up to about two seconds.
        if not (self.is_attached and output.is_attached):
            return  # the screen was left meanwhile
        laid_out = self.screen.is_current and output.virtual_region.height > 0
        if not laid_out:
            if tries > 0:
                self.set_timer(1 / 60, lambda: self._bring_into_view(output, tries - 1))
            return  # never laid out (hidden): nothing to bring into view, no late scroll
        self.screen.scroll_to_widget(output, animate=False)

    def show_button(self, selector: str, shown: bool) -> None:
        self.query_one(selector, Button).set_class(not shown, "-hidden")

    def made(self, what: str, value: str) -> None:
        self.post_message(OutputMade(what, value))

    def require_key(self) -> bool:
        if self.holder.held:
            return True
        self.notify(
            "Decrypt the private key first (Ctrl+O).", title="No private key", severity="warning"
        )
        return False

    def needs_key_note(self) -> Static:
        return Static(
            "Needs the private key: Ctrl+O decrypts it with KMS.",
            classes="needs-key",
            markup=False,
        )

    @staticmethod
    def algorithm_select(algorithms: tuple[str, ...], id: str, every: bool = False) -> Select[str]:
        options = [(a, a) for a in algorithms]
        if every and len(algorithms) > 1:
            options.append(("every algorithm", EVERY_ALGORITHM))
        return Select(options, value=algorithms[0], allow_blank=False, id=id, classes="alg-select")
