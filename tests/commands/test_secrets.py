"""The plaintext private key of a pair never reaches the output of the commands that decrypt
it, --debug included, nor any file they leave behind."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench.pairs import PairLibrary
from kmsworkbench.service import Backend, KmsSession
from kmsworkbench.service._debug import disable_debug_logging


@pytest.fixture(autouse=True)
def _no_debug_handler_left() -> Iterator[None]:
    disable_debug_logging()
    yield
    disable_debug_logging()


def _private_key(home: Path, name: str) -> bytes:
    record = PairLibrary(home).get(name)
    with KmsSession(Backend(kind="sandbox", data_dir=home)) as session:
        return session.decrypt_private_key(
            record.private_key_ciphertext, encryption_context=record.encryption_context
        ).plaintext


def _traces(secret: bytes) -> list[str]:
    """Ways the key could show in text: base64 (whole and a middle run), hex, bytes repr."""
    b64 = base64.b64encode(secret).decode()
    return [b64, b64[24:64], secret.hex()[48:128], repr(secret)[24:64]]


def _files_under(folder: Path) -> Iterator[bytes]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path.read_bytes()


def test_debug_output_of_decrypting_commands_hides_the_private_key(
    cli: Callable[..., Any], pair: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    for generated in (pair("dbg-ec"), pair("dbg-rsa", "RSA_2048")):
        # generate calls GenerateDataKeyPairWithoutPlaintext: no plaintext to print or keep.
        assert "PrivateKeyPlaintext" not in generated and "PrivateKeyCiphertextBlob" in generated
    signed = cli("sign", "--pair", "dbg-ec", "--message", "hello", "--debug")
    assert signed.rc == 0, signed.err
    enc = cli("encrypt", "--pair", "dbg-rsa", "--plaintext", "secret message")
    assert enc.rc == 0, enc.err
    dec = cli(
        "decrypt",
        "--pair",
        "dbg-rsa",
        "--ciphertext-blob",
        enc.json()["CiphertextBlob"],
        "--debug",
    )
    assert dec.rc == 0, dec.err
    assert base64.b64decode(dec.json()["Plaintext"]) == b"secret message"

    for name, result in (("dbg-ec", signed), ("dbg-rsa", dec)):
        log = result.err
        assert "Decrypt" in log and "Response body: <" in log
        # The redacted line gives the real size of the body it hides (the Content-Length).
        length = re.search(r"Response headers: .*'Content-Length': '(\d+)'", log)
        assert length is not None and int(length.group(1)) > 0
        assert f"Response body: <{length.group(1)} bytes not shown" in log
        secret = _private_key(home, name)
        for trace in _traces(secret):
            assert trace not in log
            assert trace not in result.out
        for content in _files_under(home):
            assert secret not in content
            assert base64.b64encode(secret) not in content
