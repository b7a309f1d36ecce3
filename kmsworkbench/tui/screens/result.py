"""The generated pair: key ARN, spec, KeyMaterialId, the public key (PEM, fingerprint,
summary), the encrypted private key (size and base64). It is already in the library; here it
can be renamed, its public key copied, and the public key or the bundle exported to a file
(Ctrl+S: the export dialog asks the format and the file).

No plaintext private key exists on this screen: GenerateDataKeyPairWithoutPlaintext never
returns one."""

from __future__ import annotations

import base64
import json
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from kmsworkbench.pairs import PairExistsError, PairRecord, validate_name
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.tokens import TokenRows


def _home_as_tilde(text: str) -> str:
    """Paths under the home folder as ~/..., as the header and a shell show them."""
    from pathlib import Path

    home = str(Path.home())
    return text.replace(home + "/", "~/") if home not in ("", "/") else text


class ResultScreen(WorkbenchScreen):
    HELP = (
        "The pair KMS generated. The public key is yours to share; the private key exists "
        "only encrypted under the KMS key (PrivateKeyCiphertextBlob) and needs KMS Decrypt, "
        "with the same encryption context, to be used. The pair is saved in the library "
        "under the name shown; change it and press Enter to rename."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "copy_pem", "Copy PEM", id="result-copy-pem", show=False),
        Binding("ctrl+s", "export", "Export", id="result-export"),
        Binding("ctrl+t", "asn1", "ASN.1", id="result-asn1", show=False),
        Binding("escape", "back", "Back", id="result-back"),
        # F3 is the lessons everywhere; back to the key list is Ctrl+K here.
        Binding("ctrl+k", "keys", "Keys", id="result-keys", show=False),
        Binding("f8", "workbench", "Use pair", id="result-workbench"),
    ]

    def __init__(self, record: PairRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        from kmsworkbench.keypairs import load_public_key

        record = self.record
        public = load_public_key(record.public_key)
        self.public_pem = public.pem
        yield BackendHeader("Pair generated")
        with VerticalScroll(id="result-body"):
            with Vertical(classes="section", id="result-name-section"):
                yield Label("Saved in the library as", classes="section-title")
                with Horizontal(classes="input-row"):
                    yield Input(record.name, id="result-name")
                    yield Button("Rename", id="result-rename")
                yield Static("", id="result-name-error", classes="field-error", markup=False)
            with Vertical(classes="section", id="result-summary-section"):
                yield Label("Result", classes="section-title")
                yield self._summary(public.summary, public.fingerprint_hex)
            with Vertical(classes="section", id="result-public-section"):
                yield Label("Public key (SubjectPublicKeyInfo, PEM)", classes="section-title")
                yield Static(public.pem.rstrip(), id="result-pem", markup=False)
            with Vertical(classes="section", id="result-private-section"):
                yield Label("Encrypted private key", classes="section-title")
                size = len(record.private_key_ciphertext)
                yield Static(
                    f"{size} bytes (PrivateKeyCiphertextBlob, encrypted under the KMS key; "
                    "useless without KMS Decrypt). Base64:",
                    markup=False,
                )
                encoded = base64.b64encode(record.private_key_ciphertext).decode("ascii")
                yield Static(
                    "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64)),
                    id="result-ciphertext",
                    markup=False,
                )
            with Horizontal(classes="button-row"):
                yield Button("Use this pair", id="result-workbench-button", variant="primary")
                yield Button("Copy public key PEM", id="result-copy")
                yield Button("Export…", id="result-export-button")
                yield Button("Another pair", id="result-back-button")
                yield Button("Back to keys", id="result-keys-button")
        yield WorkbenchFooter()

    def _summary(self, summary: str, fingerprint: str) -> TokenRows:
        record = self.record
        rows = [
            ("Key ARN", record.key_arn),
            ("Key pair spec", record.key_pair_spec),
            ("KeyMaterialId", record.key_material_id or "(not returned)"),
            ("Public key", summary),
            ("SHA-256 fingerprint", fingerprint),
            (
                "Encryption context",
                json.dumps(record.encryption_context, ensure_ascii=False)
                if record.encryption_context
                else "(none)",
            ),
            ("Backend", _home_as_tilde(record.backend)),
            ("Created", record.created_at.isoformat(sep=" ", timespec="seconds")),
        ]
        tail = (
            "Decrypt will need exactly this encryption context."
            if record.encryption_context
            else ""
        )
        return TokenRows(rows, tail=tail, id="result-summary")

    # -- rename --------------------------------------------------------------------------

    @on(Input.Submitted, "#result-name")
    @on(Button.Pressed, "#result-rename")
    def _rename(self) -> None:
        new = self.query_one("#result-name", Input).value.strip()
        error = self.query_one("#result-name-error", Static)
        problem = validate_name(new)
        if problem is None and new != self.record.name:
            try:
                self.record = self.workbench.library().rename(self.record.name, new)
            except (PairExistsError, KeyError, ValueError) as exc:
                problem = str(exc).strip("'\"")
            else:
                self.notify(f"Renamed to {new}", title="Library")
        error.update(problem or "")
        error.set_class(bool(problem), "-visible")

    # -- export --------------------------------------------------------------------------

    def action_export(self) -> None:
        """Ask the format and the file (the export dialog), then write it."""
        from kmsworkbench.tui.screens.export import ExportModal

        def exported(path: str | None) -> None:
            if path:
                self.notify(f"Wrote {path}", title="Exported")

        self.app.push_screen(ExportModal(self.record), exported)

    @on(Button.Pressed, "#result-export-button")
    def _export_pressed(self) -> None:
        self.action_export()

    # -- copy and navigation -------------------------------------------------------------

    def action_asn1(self) -> None:
        from kmsworkbench.tui.screens.asn1 import Asn1Modal

        self.app.push_screen(
            Asn1Modal(
                f"Inside {self.record.name}",
                self.record.public_key,
                blob=self.record.private_key_ciphertext,
            )
        )

    def action_copy_pem(self) -> None:
        self.workbench.copy_with_notice(self.public_pem, "Public key PEM")

    @on(Button.Pressed, "#result-copy")
    def _copy_pressed(self) -> None:
        self.action_copy_pem()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#result-back-button")
    def _back_pressed(self) -> None:
        self.action_back()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("kms: back to the keys", "Choose another KMS key (Ctrl+K)", "keys"),
            ("view: public key ASN.1 and formats", "Every field named (Ctrl+T)", "asn1"),
            ("pairs: use this pair", "Sign, verify, encrypt with this pair (F8)", "workbench"),
        ]

    def action_keys(self) -> None:
        from kmsworkbench.tui.screens.keys import KeyChooserScreen

        while not isinstance(self.app.screen, KeyChooserScreen) and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_workbench(self) -> None:
        """Open the pair's workbench (verify, encrypt; decrypt the private key to sign)."""
        from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen

        self.app.push_screen(PairWorkbenchScreen(self.record))

    @on(Button.Pressed, "#result-workbench-button")
    def _workbench_pressed(self) -> None:
        self.action_workbench()

    @on(Button.Pressed, "#result-keys-button")
    def _keys_pressed(self) -> None:
        self.action_keys()
