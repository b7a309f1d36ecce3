"""The library of pairs and the pair workbench, driven with Pilot on the real in-process
sandbox in a temporary folder: listing, rename/delete/export/import, verify and encrypt with
the public key, KMS Decrypt of the private key (and a wrong context), sign / decrypt /
decapsulate with it, Forget, and that the plaintext private key never reaches the screen,
the activity log or a file."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from kmsworkbench import keypairs
from kmsworkbench.pairs import PairLibrary, PairRecord
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.commands import WorkbenchCommands
from kmsworkbench.tui.keyholder import NoPrivateKeyError, PrivateKeyHolder
from kmsworkbench.tui.screens.activity import ActivityScreen
from kmsworkbench.tui.screens.library import (
    ExportModal,
    ImportModal,
    LibraryScreen,
    PairTable,
    RenameModal,
)
from kmsworkbench.tui.screens.modals import ConfirmModal, ErrorModal
from kmsworkbench.tui.screens.workbench import PairWorkbenchScreen
from kmsworkbench.tui.widgets.workbench.common import secret_fingerprint
from kmsworkbench.tui.widgets.workbench.encrypt import EncryptForm
from kmsworkbench.tui.widgets.workbench.kem import DecapsulateForm
from kmsworkbench.tui.widgets.workbench.sign import SignForm

from .conftest import settle

DEMO = "alias/workbench-demo"
CONTEXT = {"app": "wb", "env": "dev"}
MESSAGE = "Hello from kmsworkbench"
AppFactory = Callable[..., WorkbenchApp]


# -- helpers -------------------------------------------------------------------------------


def make_pair(
    data_dir: Path, spec: str, name: str, context: dict[str, str] | None = None
) -> PairRecord:
    """Generate a pair through the service layer (no UI) and save it in the library."""
    context = dict(CONTEXT if context is None else context)
    backend = Backend(kind="sandbox", data_dir=data_dir)
    with KmsSession(backend) as session:
        result = session.generate_pair(DEMO, spec, encryption_context=context or None)
        label = backend.label(session.region)
    record = PairRecord(
        name=name,
        key_arn=result.key_arn,
        key_pair_spec=spec,
        encryption_context=context,
        public_key=result.public_key,
        private_key_ciphertext=result.private_key_ciphertext,
        backend=label,
        key_material_id=result.key_material_id,
    )
    return PairLibrary(data_dir).add(record)


def private_der_of(data_dir: Path, record: PairRecord) -> bytes:
    """The test's own copy of the private key (to sign with, and to look for leaks)."""
    with KmsSession(Backend(kind="sandbox", data_dir=data_dir)) as session:
        return session.decrypt_private_key(
            record.private_key_ciphertext, record.encryption_context, record.key_arn
        ).plaintext


def text_of(app: WorkbenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_library(app: WorkbenchApp, pilot: Pilot[object]) -> LibraryScreen:
    await settle(app, pilot)
    await pilot.press("f7")
    await pilot.pause()
    assert isinstance(app.screen, LibraryScreen), app.screen
    return app.screen


async def open_workbench(app: WorkbenchApp, pilot: Pilot[object], name: str) -> PairWorkbenchScreen:
    library = app.screen if isinstance(app.screen, LibraryScreen) else None
    if library is None:
        library = await open_library(app, pilot)
    table = library.query_one(PairTable)
    table.focus()
    assert table.move_to(name)
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, PairWorkbenchScreen), screen
    assert screen.record.name == name
    return screen


async def decrypt_key(
    app: WorkbenchApp, pilot: Pilot[object], screen: PairWorkbenchScreen
) -> ConfirmModal:
    """Ctrl+O, read the confirmation, confirm, wait for the worker."""
    await pilot.press("ctrl+o")
    await pilot.pause()
    modal = app.screen
    assert isinstance(modal, ConfirmModal), modal
    await pilot.click("#confirm-yes")
    await settle(app, pilot)
    return modal


async def click(app: WorkbenchApp, pilot: Pilot[object], selector: str) -> None:
    """Scroll the widget into view and click it, as a person would."""
    widget = app.screen.query_one(selector)
    # A person reaches for the button well after the last answer was brought into view
    # (a frame or so after it was laid out): let that scroll land first, then scroll.
    await pilot.pause(0.1)
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    assert await pilot.click(selector)
    await pilot.pause()


def assert_no_leak(app: WorkbenchApp, der: bytes, data_dir: Path) -> None:
    """The private key is nowhere a person or a file could see it."""
    encoded = base64.b64encode(der).decode("ascii")
    svg = app.export_screenshot()
    flat = re.sub(r"<[^>]+>|&#160;|\s", "", svg)
    assert encoded not in flat
    # Windows of the key's base64 from past the common PKCS#8 header: none appears.
    for start in range(64, len(encoded) - 24, 24):
        assert encoded[start : start + 24] not in flat
    pem_body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    for line in (pem_body[i : i + 64] for i in range(64, len(pem_body), 64)):
        if len(line) >= 16:
            assert line not in svg
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert der not in content, path
            assert encoded.encode() not in content, path
    for entry in app.activity:
        assert "Plaintext" not in entry.params
        assert encoded not in json.dumps(entry.params, default=str)
        assert encoded not in entry.aws_cli


# -- the library ---------------------------------------------------------------------------


async def test_library_lists_pairs_and_marks_other_backend(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    ecc = make_pair(sandbox_dir, "ECC_NIST_P256", "signing-pair")
    # A pair whose key is elsewhere: another account and Region (issue 9: a pair's home is
    # what can decrypt it, not the label of the backend that made it).
    other_arn = ecc.key_arn.replace(":us-east-1:", ":eu-west-1:").split(":")
    other_arn[4] = "444455556666"
    foreign = PairRecord.from_json(
        {
            **ecc.to_json(),
            "name": "from-aws",
            "backend": "aws · profile prod · eu-west-1",
            "key_arn": ":".join(other_arn),
        }
    )
    PairLibrary(sandbox_dir).add(foreign)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        table = screen.query_one(PairTable)
        assert {r.name for r in table.records} == {"signing-pair", "from-aws"}
        assert "2 pairs" in str(screen.query_one("#lib-count", Static).render())
        assert "1 from another backend" in str(screen.query_one("#lib-count", Static).render())
        table.move_to("signing-pair")
        await pilot.pause()
        detail = text_of(app, "#lib-detail")
        public = keypairs.load_public_key(ecc.public_key)
        # Laid out for the pane's width: a long token goes on lines that join back to it.
        joined = "".join(detail.splitlines())
        assert public.fingerprint_hex in joined
        assert "app=wb,env=dev" in detail
        assert f"KeyMaterialId:{ecc.key_material_id}" in joined
        assert f"{len(ecc.private_key_ciphertext)} bytes" in detail
        assert "another backend" not in detail
        assert "BEGIN PUBLIC KEY" in text_of(app, "#lib-pem")
        assert str(table.get_cell("signing-pair", "backend")) == "✓ current"
        # The key list is loaded, so the KMS key shows by its alias (no extra call).
        assert str(table.get_cell("signing-pair", "key")) == DEMO
        table.move_to("from-aws")
        await pilot.pause()
        assert str(table.get_cell("from-aws", "name")).startswith("⚠")
        assert str(table.get_cell("from-aws", "backend")) == "⚠ aws"  # fits its column
        assert "is in eu-west-1 and this backend uses us-east-1" in text_of(app, "#lib-detail")
        # Its workbench says so before any call.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PairWorkbenchScreen)
        assert "is in eu-west-1" in text_of(app, "#wb-backend-note")
        # Palette: the library and pair commands are offered.
        titles = [t for t, _, _ in WorkbenchCommands(app.screen)._commands()]
        for wanted in (
            "pairs: open library",
            "pairs: decrypt private key",
            "pairs: forget private key",
            "crypto: sign test message",
            "crypto: verify signature",
        ):
            assert wanted in titles
        assert "crypto: encrypt test message" not in titles  # ECC cannot encrypt
        # F7 from the workbench goes back to the library under it.
        await pilot.press("f7")
        await pilot.pause()
        assert app.screen is screen


async def test_rename_delete_export_import(
    make_app: AppFactory, sandbox_dir: Path, tmp_path: Path
) -> None:
    make_pair(sandbox_dir, "ECC_NIST_P256", "first")
    library = PairLibrary(sandbox_dir)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_library(app, pilot)
        table = screen.query_one(PairTable)
        table.focus()
        # Rename: a bad name is refused in place, a good one renames the file.
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, RenameModal)
        field = app.screen.query_one("#rename-input", Input)
        field.value = "bad name!"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RenameModal)
        assert app.screen.query_one("#rename-error", Static).has_class("-visible")
        field.value = "lesson-pair"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert library.names() == ["lesson-pair"]
        assert table.highlighted is not None and table.highlighted.name == "lesson-pair"
        # Export a bundle (never overwriting), then import it: a second pair, new name.
        await pilot.press("ctrl+s")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-format", Select).value = "BUNDLE"
        await pilot.pause()
        bundle_path = tmp_path / "lesson.bundle.json"
        modal.query_one("#export-path", Input).value = str(bundle_path)
        await pilot.click("#export-ok")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert bundle_path.stat().st_mode & 0o777 == 0o600
        bundle = json.loads(bundle_path.read_text())
        assert [p["name"] for p in bundle["pairs"]] == ["lesson-pair"]
        assert "private_key_plaintext" not in bundle_path.read_text()
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#export-format", Select).value = "BUNDLE"
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(bundle_path)
        await pilot.click("#export-ok")
        await pilot.pause()
        # The file exists: a question, and Cancel keeps the file as it was.
        assert isinstance(app.screen, ConfirmModal)
        assert str(bundle_path) in str(app.screen.body)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        assert "kept as it was" in text_of(app, "#export-error")
        assert json.loads(bundle_path.read_text()) == bundle
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ImportModal)
        app.screen.query_one("#import-path", Input).value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        await pilot.pause()
        assert "No file" in text_of(app, "#import-error")
        app.screen.query_one("#import-path", Input).value = str(bundle_path)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert library.names() == ["lesson-pair", "lesson-pair-2"]
        assert table.row_count == 2
        # Delete asks first; Cancel keeps the pair, Delete removes it.
        table.focus()
        table.move_to("lesson-pair-2")
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "lesson-pair-2" in text_of(app, "#confirm-body")
        await pilot.press("escape")
        await pilot.pause()
        assert library.names() == ["lesson-pair", "lesson-pair-2"]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert library.names() == ["lesson-pair"]
        assert table.row_count == 1


# -- public key only -----------------------------------------------------------------------


async def test_verify_with_public_key_only(make_app: AppFactory, sandbox_dir: Path) -> None:
    record = make_pair(sandbox_dir, "ECC_NIST_P256", "signer")
    der = private_der_of(sandbox_dir, record)
    signature = keypairs.sign(der, "ECDSA_SHA_256", MESSAGE.encode())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "signer")
        calls = len(app.activity)
        screen.query_one("#wb-verify-message", Input).value = MESSAGE
        field = screen.query_one("#wb-verify-signature", Input)
        field.value = base64.b64encode(signature).decode()
        field.focus()
        await pilot.press("enter")
        await pilot.pause()
        result = screen.query_one("#wb-verify-result", Static)
        assert "✓ VALID (ECDSA_SHA_256)" in str(result.render())
        assert result.has_class("-ok")
        # A changed message does not verify.
        screen.query_one("#wb-verify-message", Input).value = MESSAGE + "!"
        await pilot.press("enter")
        await pilot.pause()
        assert "✗ INVALID" in str(result.render())
        assert result.has_class("-bad")
        # Not base64: said so, no crash.
        field.value = "not base64 ***"
        await pilot.press("enter")
        await pilot.pause()
        assert "not valid base64" in str(result.render())
        # No KMS call was needed, and no private key is held.
        assert len(app.activity) == calls
        assert not screen.holder.held
        assert screen.query_one("#wb-sign-button", Button).disabled


async def test_rsa_encrypt_and_every_algorithm_verify(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    record = make_pair(sandbox_dir, "RSA_2048", "rsa-pair", context={})
    der = private_der_of(sandbox_dir, record)
    signature = keypairs.sign(der, "RSASSA_PKCS1_V1_5_SHA_384", MESSAGE.encode())
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "rsa-pair")
        # Encrypt with the public key, OAEP SHA-256 by default; the test's own key decrypts.
        assert screen.query_one("#wb-encrypt-alg", Select).value == "RSAES_OAEP_SHA_256"
        screen.query_one("#wb-encrypt-message", Input).value = "secret note"
        screen.query_one("#wb-encrypt-message", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(EncryptForm).ciphertext is not None
        value, algorithm = screen.query_one(EncryptForm).ciphertext
        assert value in text_of(app, "#wb-encrypt-result")
        assert keypairs.decrypt(der, algorithm, base64.b64decode(value)) == b"secret note"
        # SHA-1 too.
        screen.query_one("#wb-encrypt-alg", Select).value = "RSAES_OAEP_SHA_1"
        await pilot.press("enter")
        await pilot.pause()
        value, algorithm = screen.query_one(EncryptForm).ciphertext
        assert algorithm == "RSAES_OAEP_SHA_1"
        assert keypairs.decrypt(der, algorithm, base64.b64decode(value)) == b"secret note"
        # Verify against every RSA algorithm: only the one used matches.
        screen.query_one("#wb-verify-alg", Select).value = "*"
        screen.query_one("#wb-verify-message", Input).value = MESSAGE
        screen.query_one("#wb-verify-signature", Input).value = base64.b64encode(signature).decode()
        screen.action_verify()
        await pilot.pause()
        shown = text_of(app, "#wb-verify-result")
        assert "✓ valid   RSASSA_PKCS1_V1_5_SHA_384" in shown
        assert "✗ invalid RSASSA_PSS_SHA_256" in shown
        assert "Valid with RSASSA_PKCS1_V1_5_SHA_384." in shown
        # With the private key (no context was given at generation), the UI decrypts it.
        modal = await decrypt_key(app, pilot, screen)
        assert "Encryption context: (none)" in str(modal.body)
        assert screen.holder.held and screen.holder.matches is True
        await click(app, pilot, "#wb-encrypt-decrypt")
        assert "✓ Decrypted (RSAES_OAEP_SHA_1): 'secret note'" in text_of(app, "#wb-decrypt-result")
        # A changed ciphertext does not decrypt, and says so.
        changed = bytearray(base64.b64decode(value))
        changed[5] ^= 1
        screen.query_one("#wb-decrypt-ciphertext", Input).value = base64.b64encode(
            bytes(changed)
        ).decode()
        screen.action_decrypt_ciphertext()
        await pilot.pause()
        assert "✗ Does not decrypt" in text_of(app, "#wb-decrypt-result")
        assert_no_leak(app, der, sandbox_dir)


# -- the private key -----------------------------------------------------------------------


async def test_decrypt_private_key_sign_verify_forget(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    record = make_pair(sandbox_dir, "ECC_NIST_P256", "signer")
    der = private_der_of(sandbox_dir, record)
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_workbench(app, pilot, "signer")
        # Signing without the key is refused (the button is disabled; the action says why).
        screen.action_sign()
        assert screen.query_one(SignForm).signature is None
        # The confirmation names the key, the context and what happens to the plaintext.
        modal = await decrypt_key(app, pilot, screen)
        body = str(modal.body)
        assert record.key_arn in body
        assert "Encryption context (the stored one): app=wb,env=dev" in body
        assert "memory only" in body
        assert app.screen is screen
        assert screen.holder.held and screen.holder.matches is True
        assert keypairs.keys_match(screen.holder.der(), record.public_key)
        status = str(screen.query_one("#wb-status", Static).render())
        assert "PRIVATE KEY IN MEMORY" in status and "keys match ✓" in status
        assert "keys_match: ✓" in text_of(app, "#wb-key-result")
        assert not screen.query_one("#wb-sign-button", Button).disabled
        decrypts = [e for e in app.activity if e.operation == "Decrypt"]
        assert len(decrypts) == 1 and decrypts[0].ok
        assert decrypts[0].params["EncryptionContext"] == CONTEXT
        # Sign in the UI; the shown signature verifies with keypairs.verify.
        message = screen.query_one("#wb-sign-message", Input)
        message.value = "sign me"
        message.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(SignForm).signature is not None
        assert screen.query_one(SignForm).signature in text_of(app, "#wb-sign-result")
        signature = base64.b64decode(screen.query_one(SignForm).signature)
        assert keypairs.verify(record.public_key, "ECDSA_SHA_256", b"sign me", signature)
        # One click verifies it with the public key.
        await click(app, pilot, "#wb-sign-verify")
        assert "✓ VALID (ECDSA_SHA_256)" in text_of(app, "#wb-verify-result")
        # Ctrl+Y copies the signature.
        await pilot.press("ctrl+y")
        assert app.clipboard == screen.query_one(SignForm).signature
        # The key is nowhere to be seen.
        assert "hidden" in repr(screen.holder) and "hidden" in str(screen.holder)
        assert base64.b64encode(der).decode() not in repr(screen.holder)
        assert_no_leak(app, der, sandbox_dir)
        # Forget drops it.
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not screen.holder.held
        with pytest.raises(NoPrivateKeyError):
            screen.holder.der()
        assert "not in memory" in str(screen.query_one("#wb-status", Static).render())
        assert screen.query_one("#wb-sign-button", Button).disabled
        assert screen.query_one("#wb-key-result", Static).has_class("-empty")


async def test_wrong_context_is_refused_and_app_goes_on(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    make_pair(sandbox_dir, "ECC_NIST_P256", "signer")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "signer")
        context = screen.query_one("#wb-context", Input)
        assert context.value == "app=wb,env=dev"  # prefilled with the stored one
        context.value = "app=wb,env=prod"
        await pilot.pause()
        assert "Differs from the stored context" in text_of(app, "#wb-context-note")
        modal = await decrypt_key(app, pilot, screen)
        assert "differs from the one stored" in str(modal.body)
        error = app.screen
        assert isinstance(error, ErrorModal), error
        assert error.details.code == "InvalidCiphertextException"
        assert error.details.explanation and "encryption context" in error.details.explanation
        assert error.details.remedy and "not the one stored with the pair" in error.details.remedy
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert not screen.holder.held and not screen.decrypting
        assert not screen.query_one("#wb-decrypt-button", Button).disabled
        # A context that does not parse is caught before any call.
        calls = len(app.activity)
        context.value = "app=wb,=x"
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen is screen
        assert len(app.activity) == calls
        # The right context works.
        context.value = "app=wb,env=dev"
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held and screen.holder.matches is True


async def test_leaving_the_workbench_forgets_the_key(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    make_pair(sandbox_dir, "ECC_NIST_P256", "signer")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "signer")
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held
        # A dialog over it (help) keeps the key; another full screen drops it.
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert screen.holder.held
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ActivityScreen)
        assert not screen.holder.held
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert not screen.holder.held
        # Switching the backend drops it too (the workbench closes).
        screen = await open_workbench(app, pilot, "signer")
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held
        app.switch_backend(Backend(kind="sandbox", data_dir=sandbox_dir.parent / "other"))
        await settle(app, pilot)
        assert not screen.holder.held
        assert not any(isinstance(s, PairWorkbenchScreen) for s in app.screen_stack)


async def test_mlkem_encapsulate_decapsulate_seal_open(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    record = make_pair(sandbox_dir, "ML_KEM_768", "kem-pair")
    der = private_der_of(sandbox_dir, record)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "kem-pair")
        await click(app, pilot, "#wb-encap-button")
        shown = text_of(app, "#wb-encap-result")
        assert "fingerprint" in shown and "not shown" in shown
        ciphertext = screen.query_one("#wb-decap-ciphertext", Input).value
        assert len(base64.b64decode(ciphertext)) == 1088  # ML-KEM-768 ciphertext
        # The test's own key recovers a secret whose fingerprint the screen shows.
        secret = keypairs.decapsulate(der, base64.b64decode(ciphertext))
        assert secret_fingerprint(secret) in shown
        assert base64.b64encode(secret).decode() not in app.export_screenshot()
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held and screen.holder.matches is True
        await click(app, pilot, "#wb-decap-button")
        assert "✓ The same shared secret" in text_of(app, "#wb-decap-result")
        assert screen.query_one(DecapsulateForm).matches is True
        # A changed ciphertext decapsulates to another secret (implicit rejection).
        changed = bytearray(base64.b64decode(ciphertext))
        changed[0] ^= 1
        screen.query_one("#wb-decap-ciphertext", Input).value = base64.b64encode(
            bytes(changed)
        ).decode()
        screen.action_decapsulate()
        await pilot.pause()
        assert screen.query_one(DecapsulateForm).matches is False
        # Seal with the public key, open with the private key.
        screen.query_one("#wb-seal-message", Input).value = "kem note"
        await click(app, pilot, "#wb-seal-button")
        blob = screen.query_one("#wb-open-blob", Input).value
        assert keypairs.kem_open(der, base64.b64decode(blob)) == b"kem note"
        await click(app, pilot, "#wb-open-button")
        assert "✓ Opened: 'kem note'" in text_of(app, "#wb-open-result")
        assert_no_leak(app, der, sandbox_dir)


# -- the holder ------------------------------------------------------------------------------


def test_holder_hides_wipes_and_refuses_copies() -> None:
    import copy
    import pickle

    holder = PrivateKeyHolder()
    assert not holder.held and "empty" in repr(holder)
    secret = bytes(range(1, 101))
    holder.hold(secret, spec="ECC_NIST_P256", pair_name="p", matches=True)
    assert holder.held and holder.size == 100 and holder.der() == secret
    assert secret.hex() not in repr(holder) and "hidden" in repr(holder)
    with pytest.raises(TypeError):
        pickle.dumps(holder)
    with pytest.raises(TypeError):
        copy.copy(holder)
    buffer = holder._buffer
    assert holder.forget() is True
    assert buffer is not None and not any(buffer)  # the holder's own bytes are zeroed
    assert not holder.held and holder.spec is None and holder.forget() is False
    other = PrivateKeyHolder()
    other.hold(secret, spec="RSA_2048", pair_name="q", matches=False)
    holder.take(other)
    assert holder.der() == secret and holder.spec == "RSA_2048" and not other.held
