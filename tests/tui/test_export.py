"""The export dialog, by keys: Ctrl+S on the generated pair asks the format and the file,
writes into exports/ under the data folder (0700) as 0600, offers OpenSSH only where OpenSSH
has a key type (checked with ssh-keygen when installed), and asks before replacing a file."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from kmsworkbench import keypairs
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.export import ExportModal
from kmsworkbench.tui.screens.modals import ConfirmModal
from kmsworkbench.tui.screens.result import ResultScreen

from .test_library import make_pair, text_of

AppFactory = Callable[..., WorkbenchApp]
pytestmark = pytest.mark.slow


async def open_export(app: WorkbenchApp, pilot: object, spec: str, name: str) -> ExportModal:
    record = make_pair(app.library_dir, spec, name)
    app.push_screen(ResultScreen(record))  # the screen Ctrl+G lands on (test_flow drives that)
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, ExportModal)
    return app.screen


async def test_export_asks_writes_0600_in_exports_and_never_overwrites_silently(
    make_app: AppFactory, sandbox_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_export(app, pilot, "ECC_NIST_P256", "ssh-pair")
        values = [v for _, v in modal.query_one("#export-format", Select)._options]
        assert values == ["PEM", "DER", "JWK", "OPENSSH", "BUNDLE"]
        # Choose OpenSSH with the keyboard: Tab back to the format, open it, three down.
        await pilot.press("shift+tab", "enter", "down", "down", "down", "enter")
        await pilot.pause()
        assert modal.export_format == "OPENSSH"
        path_field = modal.query_one("#export-path", Input)
        target = sandbox_dir / "exports" / "ssh-pair.ssh.pub"
        assert path_field.value == str(target)
        path_field.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        line = target.read_text()
        assert line.startswith("ecdsa-sha2-nistp256 ") and line.rstrip().endswith(" ssh-pair")
        assert target.stat().st_mode & 0o777 == 0o600
        assert target.parent.stat().st_mode & 0o777 == 0o700
        assert not any(p.name.startswith("ssh-pair") for p in tmp_path.iterdir())
        ssh_keygen = shutil.which("ssh-keygen")
        if ssh_keygen:  # OpenSSH reads it and gives the fingerprint of the same key
            shown = subprocess.run(
                [ssh_keygen, "-l", "-f", str(target)], capture_output=True, text=True, check=True
            ).stdout
            assert "(ECDSA)" in shown
        # Again: the file exists, so a question; Cancel keeps it.
        target.write_text("kept\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#export-format", Select).value = "OPENSSH"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert str(target) in str(app.screen.body)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        assert target.read_text() == "kept\n"
        assert "kept as it was" in text_of(app, "#export-error")
        # And Replace replaces it, still 0600.
        await pilot.press("enter")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        assert target.read_text().startswith("ecdsa-sha2-nistp256 ")
        assert target.stat().st_mode & 0o777 == 0o600
        # A bare name goes into the exports folder, never the current folder.
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = "bare.pub.pem"
        await pilot.press("enter")
        await pilot.pause()
        assert (sandbox_dir / "exports" / "bare.pub.pem").read_text().startswith("-----BEGIN")
        assert not (tmp_path / "bare.pub.pem").exists()


async def test_openssh_is_not_offered_for_secp256k1(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await open_export(app, pilot, "ECC_SECG_P256K1", "k1-pair")
        values = [v for _, v in modal.query_one("#export-format", Select)._options]
        assert "OPENSSH" not in values
        assert "OpenSSH has no key type for ECC_SECG_P256K1" in text_of(app, "#export-note")


@pytest.mark.parametrize(
    ("spec", "prefix"),
    [("RSA_2048", "ssh-rsa "), ("ECC_NIST_P384", "ecdsa-sha2-nistp384 "),
     ("ECC_NIST_EDWARDS25519", "ssh-ed25519 ")],
)  # fmt: skip
def test_openssh_lines_match_ssh_keygen(spec: str, prefix: str, tmp_path: Path) -> None:
    from kmsworkbench.keypairs.openssh import openssh_public_key

    pair = keypairs.generate(spec)
    line = openssh_public_key(pair.public_der, "c")
    assert line.startswith(prefix) and line.endswith(" c")
    ssh_keygen = shutil.which("ssh-keygen")
    if ssh_keygen is None:
        return
    pem = tmp_path / "k.pem"
    pem.write_text(keypairs.load_public_key(pair.public_der).pem)
    converted = subprocess.run(
        [ssh_keygen, "-i", "-m", "PKCS8", "-f", str(pem)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    if converted.returncode == 0:  # ssh-keygen -i reads RSA and ECDSA PKCS#8, not Ed25519
        assert converted.stdout.split()[:2] == line.split()[:2]
