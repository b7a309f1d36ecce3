"""The ECDH section of the workbench, by keys: a peer chosen from the library (checked both
ways once its private key is decrypted too), a peer public key pasted as PEM, and a key of
another curve refused. The shared secret shows as a fingerprint, never itself."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Select, TextArea

from kmsworkbench import keypairs
from kmsworkbench.keypairs.ecdh import DATA_KEY_PAIR_SPECS
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.widgets.workbench.agreement import AgreementForm
from kmsworkbench.tui.widgets.workbench.common import secret_fingerprint

from .conftest import settle
from .test_library import (
    assert_no_leak,
    click,
    decrypt_key,
    make_pair,
    open_workbench,
    private_der_of,
    text_of,
)

AppFactory = Callable[..., WorkbenchApp]
pytestmark = pytest.mark.slow


async def test_ecdh_with_a_library_peer_both_ways_and_a_pasted_key(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    alice = make_pair(sandbox_dir, "ECC_NIST_P256", "alice")
    bob = make_pair(sandbox_dir, "ECC_NIST_P256", "bob")
    make_pair(sandbox_dir, "ECC_NIST_P384", "carol")  # another curve: not offered as a peer
    alice_der = private_der_of(sandbox_dir, alice)
    expected = keypairs.derive_shared_secret(alice_der, bob.public_key)
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_workbench(app, pilot, "alice")
        form = screen.query_one(AgreementForm)
        assert set(form.peers) == {"bob"}
        await decrypt_key(app, pilot, screen)
        assert screen.holder.held
        # Choose bob in the peer list with the keyboard.
        peer = screen.query_one("#wb-ecdh-peer", Select)
        peer.scroll_visible(animate=False, immediate=True)
        peer.focus()
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert peer.value == "bob"
        await click(app, pilot, "#wb-ecdh-button")
        shown = text_of(app, "#wb-ecdh-result")
        assert secret_fingerprint(expected) in shown
        assert "needs bob's private key" in shown
        assert form.matches is None
        # Decrypt bob's private key too: the screen asks first, then checks both ways.
        await click(app, pilot, "#wb-ecdh-peer-decrypt")
        assert isinstance(app.screen, ConfirmModal)
        assert "bob" in str(app.screen.body) and "ECDH peer" in str(app.screen.body)
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert screen.peer_holder.held and screen.peer_holder.pair_name == "bob"
        shown = text_of(app, "#wb-ecdh-result")
        assert "✓ Both ways agree" in shown and form.matches is True
        svg = app.export_screenshot()
        assert expected.hex() not in svg.lower()
        assert base64.b64encode(expected).decode() not in svg
        # Forget drops both keys.
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not screen.holder.held and not screen.peer_holder.held
        assert_no_leak(app, alice_der, sandbox_dir)


async def test_ecdh_with_a_pasted_pem_and_another_curve(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    alice = make_pair(sandbox_dir, "ECC_SECG_P256K1", "alice")
    peer = keypairs.generate("ECC_SECG_P256K1")
    other = keypairs.generate("ECC_NIST_P256")
    alice_der = private_der_of(sandbox_dir, alice)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_workbench(app, pilot, "alice")
        await decrypt_key(app, pilot, screen)
        area = screen.query_one("#wb-ecdh-public", TextArea)
        area.scroll_visible(animate=False, immediate=True)
        area.focus()
        await pilot.pause()
        pem = keypairs.load_public_key(peer.public_der).pem
        app.post_message(events.Paste(pem))  # what a terminal's bracketed paste delivers
        await pilot.pause()
        assert area.text.strip() == pem.strip()
        await click(app, pilot, "#wb-ecdh-button")
        shown = text_of(app, "#wb-ecdh-result")
        expected = keypairs.derive_shared_secret(
            alice_der, peer.public_der, specs=DATA_KEY_PAIR_SPECS
        )
        assert secret_fingerprint(expected) in shown
        assert "openssl pkeyutl -derive" in shown
        area.focus()
        await pilot.press("ctrl+a")  # select all, then paste over it
        area.text = ""
        app.post_message(events.Paste(base64.b64encode(other.public_der).decode()))
        await pilot.pause()
        await click(app, pilot, "#wb-ecdh-button")
        shown = text_of(app, "#wb-ecdh-result")
        assert "✗ No shared secret" in shown and "same curve" in shown
