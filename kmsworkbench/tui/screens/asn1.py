"""A key, seen inside: its ASN.1 tree with every field named (at the offsets openssl
asn1parse prints), and its other formats. For a decrypted private key the secret values are
masked: the structure is shown, never a secret."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from kmsworkbench.anatomy import private_key_tree, public_key_tree, render_tree
from kmsworkbench.anatomy.blobview import AWS_SAYS, WHY_NO_MESSAGE, describe
from kmsworkbench.anatomy.formats import public_formats
from kmsworkbench.tui.screens.base import WorkbenchModal


def _public_view(der: bytes) -> Group:
    parts: list[Text] = [
        Text("SubjectPublicKeyInfo (RFC 5280)", style="bold underline"),
        Text("\n".join(render_tree(public_key_tree(der)))),
        Text("$ openssl asn1parse -inform DER -in public.der", style="italic"),
    ]
    for fmt in public_formats(der):
        parts.append(Text(f"\n{fmt.name}", style="bold underline"))
        parts.append(Text(fmt.note, style="italic"))
        parts.append(Text(fmt.text))
        if fmt.openssl:
            parts.append(Text(f"$ {fmt.openssl}", style="italic"))
    return Group(*parts)


def _private_view(der: bytes) -> Group:
    return Group(
        Text("PKCS#8 PrivateKeyInfo (RFC 5958), secret values masked", style="bold underline"),
        Text("\n".join(render_tree(private_key_tree(der)))),
        Text(
            "openssl asn1parse would print the secret values too; this view shows only where "
            "they are and how long they are.",
            style="italic",
        ),
    )


def _blob_view(blob: bytes) -> Group:
    fields, verdict = describe(blob)
    parts: list[Text] = [
        Text(f"The encrypted private key: {verdict}", style="bold underline"),
        Text(AWS_SAYS, style="italic"),
    ]
    for f in fields:
        parts.append(Text(f"{f.offset:>5} {f.size:>5}  {f.name:<16} {f.hex}"))
        parts.append(Text(f"{'':>29}{f.meaning}", style="italic"))
    parts.append(Text(WHY_NO_MESSAGE, style="italic"))
    return Group(*parts)


class Asn1Modal(WorkbenchModal[None]):
    HELP = "The key's ASN.1 structure, field by field, and its other formats. Escape closes."
    AUTO_FOCUS = "#asn1-scroll"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="asn1-close"),
    ]

    def __init__(
        self,
        title: str,
        public_der: bytes,
        *,
        private_der: bytes | None = None,
        blob: bytes | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        # Everything is rendered now and the bytes dropped: for a private key the modal
        # keeps only the masked tree.
        parts: list[Group | Text] = []
        for make, data in ((_public_view, public_der), (_private_view, private_der)):
            if data is None:
                continue
            try:
                parts.append(make(data))
            except ValueError as exc:
                parts.append(Text(f"This key's DER cannot be read as ASN.1: {exc}"))
            parts.append(Text(""))
        if private_der is None and blob is not None:
            parts.append(
                Text("Decrypt the private key (ctrl+o) to see its structure here.", style="italic")
            )
        if blob is not None:
            parts.append(_blob_view(blob))
        self.view = Group(*parts)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="asn1-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="asn1-scroll"):
                yield Static(self.view, id="asn1-body")

    @property
    def shown(self) -> Group:
        return self.view

    def action_close(self) -> None:
        self.dismiss(None)
