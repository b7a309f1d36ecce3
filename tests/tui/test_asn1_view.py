"""Ctrl+T on a pair (library or result) shows its public key's ASN.1 tree and formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.asn1 import Asn1Modal
from kmsworkbench.tui.screens.library import LibraryScreen

from .conftest import settle
from .test_library import make_pair


def _body(app: WorkbenchApp) -> str:
    from rich.console import Console

    console = Console(width=160, record=True, file=open("/dev/null", "w"))
    screen = app.screen
    assert isinstance(screen, Asn1Modal)
    console.print(screen.shown)
    return console.export_text()


async def test_ctrl_t_in_the_library_opens_the_asn1_view(
    make_app: Callable[..., WorkbenchApp], sandbox_dir: Path
) -> None:
    make_pair(sandbox_dir, "ECC_NIST_P256", "p256-pair")
    app = make_app(library_dir=sandbox_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, Asn1Modal)
        text = _body(app)
        assert "SubjectPublicKeyInfo" in text and "secp256r1" in text
        assert "OpenSSH" in text and "ecdsa-sha2-nistp256" in text and "JWK" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


async def test_ctrl_t_in_the_workbench_shows_the_private_key_masked_once_decrypted(
    make_app: Callable[..., WorkbenchApp], sandbox_dir: Path
) -> None:
    from .test_library import decrypt_key, open_workbench, private_der_of

    record = make_pair(sandbox_dir, "RSA_2048", "rsa-pair")
    secret = private_der_of(sandbox_dir, record)
    app = make_app(library_dir=sandbox_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workbench(app, pilot, "rsa-pair")
        await pilot.press("ctrl+t")
        await pilot.pause()
        text = _body(app)
        assert "RSAPublicKey" in text and "Decrypt the private key" in text
        assert "key material id" in text and "why Decrypt needs no KeyId" in text
        await pilot.press("escape")
        await pilot.pause()
        confirm = await decrypt_key(app, pilot, screen)
        assert confirm is not None
        await pilot.press("ctrl+t")
        await pilot.pause()
        text = _body(app)
        assert "PKCS#8 PrivateKeyInfo" in text and "private_exponent" in text
        assert "secret, not shown" in text
        for i in range(0, len(secret) - 8, 4):  # no 8 secret bytes in a row are on screen
            chunk = secret[i : i + 8].hex()
            assert chunk not in text or chunk in record.public_key.hex()
