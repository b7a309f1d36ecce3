"""The export dialog (Ctrl+S on the generated pair and in the library): which format, which
file. The public key as PEM, DER, JWK or, for RSA, NIST ECDSA and Ed25519, OpenSSH's one-line
form; or a bundle (public key, encrypted private key, context) that imports back.

The default file is in ``exports/`` under the data folder (made 0700), never the current
folder; every file is written 0600, atomically. A file that exists is replaced only after a
question that names it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kmsworkbench import paths
from kmsworkbench.keypairs.openssh import has_openssh_form
from kmsworkbench.pairs import PairRecord
from kmsworkbench.tui.screens.base import WorkbenchModal
from kmsworkbench.tui.screens.modals import ConfirmModal

EXPORT_FORMATS: tuple[tuple[str, str, str], ...] = (
    # (value, label, file suffix)
    ("PEM", "Public key, PEM", ".pub.pem"),
    ("DER", "Public key, DER", ".pub.der"),
    ("JWK", "Public key, JWK", ".pub.jwk.json"),
    ("OPENSSH", "Public key, OpenSSH (authorized_keys)", ".ssh.pub"),
    ("BUNDLE", "Bundle (public + encrypted private key, context)", ".bundle.json"),
)
SUFFIX = {value: suffix for value, _, suffix in EXPORT_FORMATS}
EXPORTS_FOLDER = "exports"


def formats_for(record: PairRecord) -> list[tuple[str, str]]:
    """(label, value) of the formats this pair can be exported in."""
    return [
        (label, value)
        for value, label, _ in EXPORT_FORMATS
        if value != "OPENSSH" or has_openssh_form(record.key_pair_spec)
    ]


def export_bytes(record: PairRecord, fmt: str, bundle: dict[str, object] | None = None) -> bytes:
    """What an export of ``record`` in ``fmt`` writes."""
    if fmt == "BUNDLE":
        if bundle is None:
            raise ValueError("a bundle export needs the library's bundle")
        return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return record.export_public_key(fmt)


def write_export(path: Path, data: bytes, exports: Path) -> Path:
    """Write ``data`` to ``path``, 0600, atomically. The exports folder is made (or kept)
    0700; another folder that is missing is made 0700, one that exists is left as it is."""
    if path.parent == exports or not path.parent.is_dir():
        paths.ensure_private_dir(path.parent)
    return paths.replace_file(path, data)


class ExportModal(WorkbenchModal[str]):
    """Ask the format and the file, then write it (dismisses with the path written)."""

    HELP = (
        "Export the pair. Public key: PEM (SubjectPublicKeyInfo), DER, JWK, or OpenSSH's "
        "one-line form (RSA, ECDSA on P-256/384/521, Ed25519). Bundle: public key and the "
        "encrypted private key with its context, for importing elsewhere. The file goes to "
        "the exports folder under the data folder unless you give another path; it is "
        "written 0600, and a file that exists is replaced only if you say so."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export-cancel"),
    ]

    def __init__(self, record: PairRecord, folder: Path | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.record = record
        self._folder = folder
        self._path_edited = False

    @property
    def folder(self) -> Path:
        """The exports folder: ``exports/`` under the data folder (the library's)."""
        return self._folder or self.workbench.library_dir / EXPORTS_FOLDER

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label(f"Export {self.record.name}", classes="dialog-title", markup=False)
            yield Select(
                formats_for(self.record), value="PEM", allow_blank=False, id="export-format"
            )
            yield Input(str(self.default_path("PEM")), id="export-path")
            yield Static(self._note(), id="export-note", markup=False)
            yield Static("", id="export-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="export-cancel-button")
                yield Button("Export", id="export-ok", variant="primary")

    def _note(self) -> str:
        note = (
            "Written 0600; the exports folder is 0700. A bare file name goes there. A file "
            "that exists is replaced only after a question."
        )
        if not has_openssh_form(self.record.key_pair_spec):
            note += f" OpenSSH has no key type for {self.record.key_pair_spec}."
        return note

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def default_path(self, fmt: str) -> Path:
        return self.folder / f"{self.record.name}{SUFFIX[fmt]}"

    @property
    def export_format(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) else "PEM"

    def _problem(self, text: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(text)
        error.set_class(bool(text), "-visible")

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        if not self._path_edited:
            self.query_one("#export-path", Input).value = str(self.default_path(self.export_format))
            self._path_edited = False

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._path_edited = event.value != str(self.default_path(self.export_format))
        self._problem("")

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _ok(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._problem("Give a file name.")
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.folder / path  # a bare name goes to the exports folder, not the cwd
        if path.is_dir():
            self._problem(f"{path} is a folder; give a file name.")
            return
        fmt = self.export_format
        try:
            bundle = (
                self.workbench.library().export_bundle([self.record.name])
                if fmt == "BUNDLE"
                else None
            )
            data = export_bytes(self.record, fmt, bundle)
        except KeyError:
            self._problem(f"{self.record.name} is no longer in the library.")
            return
        except ValueError as exc:
            self._problem(f"Not exported: {exc}")
            return
        if path.exists():

            def answered(yes: bool | None) -> None:
                if yes:
                    self._write(path, data)
                else:
                    self._problem(f"{path.name} was kept as it was; choose another name.")
                    self.query_one("#export-path", Input).focus()

            self.app.push_screen(
                ConfirmModal(
                    "Replace the file?",
                    f"{path} exists ({path.stat().st_size} bytes). Replace it with the "
                    f"{fmt} export of {self.record.name} ({len(data)} bytes)?",
                    "Replace",
                    destructive=True,
                ),
                answered,
            )
            return
        self._write(path, data)

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_export(path, data, self.folder)
        except OSError as exc:
            self._problem(f"Not written: {exc.strerror or exc} ({path}).")
            return
        self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export-cancel-button")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
