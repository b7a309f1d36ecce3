"""Issue 4's last word: the TUI run with --endpoint-url against `kmsworkbench serve` shows the
same keys as the sandbox itself, and generates through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmsworkbench import config
from kmsworkbench.keypairs import keys_match
from kmsworkbench.sandbox.inprocess import make_client
from kmsworkbench.sandbox.server import start_background
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.keys import KeyChooserScreen

from .conftest import settle


async def test_endpoint_backend_shows_the_served_sandbox_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "served"
    with start_background(folder) as handle:
        # What `eval "$(kmsworkbench sandbox env)"` sets.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", handle.sandbox.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", handle.sandbox.secret_access_key)
        monkeypatch.setenv("AWS_DEFAULT_REGION", handle.sandbox.region)
        direct = make_client(folder)
        expected = {k["KeyId"] for k in direct.list_keys()["Keys"]}
        aliases = {a["AliasName"] for a in direct.list_aliases()["Aliases"]}

        backend = Backend(kind="endpoint", endpoint_url=handle.endpoint_url, region="us-east-1")
        app = WorkbenchApp(backend, settings=config.Settings(), persist_settings=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, KeyChooserScreen)
            shown = {k.key_id for k in screen.index.all()}
            assert shown == expected
            demo = screen.index.find("alias/workbench-demo")
            assert demo is not None and demo.eligible is True
            assert {a for k in screen.index.all() for a in k.aliases} <= aliases
            assert handle.endpoint_url in app.backend.label()

        # A pair generated through the endpoint decrypts in the sandbox itself.
        with KmsSession(backend) as session:
            result = session.generate_pair("alias/workbench-demo", "ECC_NIST_P256", {"a": "b"})
        plain = direct.decrypt(
            CiphertextBlob=result.private_key_ciphertext, EncryptionContext={"a": "b"}
        )
        assert keys_match(plain["Plaintext"], result.public_key)
