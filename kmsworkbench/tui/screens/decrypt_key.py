"""KMS Decrypt of a pair's private key, for the pair workbench: the confirmation that says
which key, which context and what happens to the plaintext, and the call itself (run in the
screen's thread worker), which checks the plaintext against the stored public key and hands
it over in a :class:`~kmsworkbench.tui.keyholder.PrivateKeyHolder`, never in the clear."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label

from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import KmsError, format_context_for_cli
from kmsworkbench.tui.keyholder import PrivateKeyHolder
from kmsworkbench.tui.pair_home import (
    backend_labels,
    context_text,
    on_current_backend,
)
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.widgets.tokens import TokenRows

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

Whose = Literal["own", "peer"]


class KmsFormatProblem(ValueError):
    """KMS decrypted the blob, but the plaintext is not a private key."""


class DecryptConfirmModal(ConfirmModal):
    """The confirmation before KMS Decrypt of a private key: which key, which context, and
    what happens to the plaintext. The key ARN, the context and the backend are laid out for
    the dialog's width (broken only after a separator, so each line reads back); the text
    scrolls, so the buttons stay on small screens."""

    def __init__(self, intro: str, rows: list[tuple[str, str]], notes: str) -> None:
        body = "\n".join([intro, *(f"{label}: {value}" for label, value in rows), "", notes])
        super().__init__("Decrypt the private key?", body, "Decrypt")
        self.intro = intro
        self.rows = rows
        self.notes = notes

    @classmethod
    def for_pair(
        cls, record: PairRecord, context: dict[str, str], whose: Whose, app: WorkbenchApp
    ) -> DecryptConfirmModal:
        intro = f"KMS Decrypt of the private key of {record.name} ({record.key_pair_spec})" + (
            ", the ECDH peer of this pair." if whose == "peer" else "."
        )
        stored = context == record.encryption_context
        rows = [
            ("KMS key", record.key_arn),
            (
                "Encryption context" + (" (the stored one)" if stored and context else ""),
                format_context_for_cli(context) if context else "(none)",
            ),
            ("Backend", app.backend.label(app.region)),
        ]
        notes: list[str] = []
        if not stored:
            notes.append(
                "This context differs from the one stored with the pair "
                f"({context_text(record.encryption_context)}); KMS will refuse."
            )
        if not on_current_backend(record, app):
            notes.append(f"The pair was generated on another backend: {record.backend}.")
        notes.append(
            "The plaintext private key (PKCS#8) will be held in memory only: never shown, "
            "logged or written to a file. Ctrl+F forgets it, as do leaving this screen and "
            "switching the backend."
        )
        return cls(intro, rows, "\n\n".join(notes))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="decrypt-confirm-scroll"):
                yield TokenRows(
                    self.rows, head=self.intro, tail="\n" + self.notes, id="confirm-body"
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="confirm-no")
                yield Button(self.confirm_label, id="confirm-yes", variant="warning")


class PrivateKeyDecrypted(Message):
    """The worker decrypted a private key; ``holder`` carries it (repr hidden)."""

    def __init__(
        self, token: int, whose: Whose, holder: PrivateKeyHolder, key_material_id: str | None
    ) -> None:
        super().__init__()
        self.token = token
        self.whose = whose
        self.holder = holder
        self.key_material_id = key_material_id


def decrypt_private_key(
    app: WorkbenchApp, record: PairRecord, context: dict[str, str]
) -> tuple[PrivateKeyHolder, str | None]:
    """KMS Decrypt of ``record``'s encrypted private key with ``context`` (blocking: call it
    from a thread worker). The plaintext is checked against the stored public key and held;
    a KMS error gets the likely reason added to its remedy (another context, another
    backend); a plaintext that is no private key raises :class:`KmsFormatProblem`."""
    from kmsworkbench.keypairs import KeyFormatError, keys_match

    try:
        result = app.session.decrypt_private_key(
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
    holder.hold(result.plaintext, spec=record.key_pair_spec, pair_name=record.name, matches=matches)
    result.wipe()
    return holder, result.key_material_id
